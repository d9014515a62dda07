"""The flatten key's short road: from the terminal driver to the engine in one turn.

A key reaches its binding through Textual's queues: the driver's coroutine, the app's
queue, the priority binding, then (for the flatten, so it ran behind the keys typed
before it) the focused widget's queue and every parent's on the way back up. Each hop is
a turn of the loop, and a frame being drawn or a burst of quotes goes first: attached to
a guard, key-to-send measured 0.44 ms at the median and 1.7 to 2.5 ms at p99.

Here the driver hands the flatten key to :meth:`FlattenRoad.arrived` with
``call_soon_threadsafe`` (from its input thread in a terminal, from the loop under the
pilot), which flattens at once wherever the priority binding would have fired: the key
is the flatten key and the focused widget does not take it as text (an Input does, and
there the key goes the usual road).

The keys typed before it and still on their way (`b F` in one burst) must not reopen
what it closes: the app keeps the time the flatten key was read (:attr:`read_at`), and an
order from a key read before it is not sent (:meth:`typed_before`).

Attached to a guard, the thread that read the key also sends it down the flatten line
(:mod:`cockpit.guard.line`) before handing it to the loop, so the guard starts the
flatten without waiting for the cockpit's loop at all. It does so only when the key
means the flatten on the screen the trader sees: the main screen is up, the focused
widget does not take the key as text, and nothing the trader did in the last
:data:`QUIET` seconds (a key, a click) may still be changing that screen. Otherwise the
key takes the loop's road alone, as in-process.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from textual import events

from cockpit.core.commands import Command, reopens

if TYPE_CHECKING:
    from textual.app import App
    from textual.driver import Driver

log = logging.getLogger(__name__)

FLATTEN_ACTION = "flatten_all"
QUIET = 0.05
"""Seconds since the trader's last key or click before the line may take the flatten
key: an earlier key still on its way could be opening a screen where ``F`` is a letter."""
ACTS = (events.Key, events.MouseDown, events.MouseUp)
"""What the trader does that can change what the next key means."""

KEY_SWITCH_INTERVAL = 0.0002
"""Seconds the loop's thread may keep the GIL while the input thread waits for it (Python's
default is 0.005). A key read while a frame is drawn waited up to that default before
the input thread could even parse it: in a real terminal, 8 ms for one ``F`` of 40."""


def keys_first() -> None:
    """Let the terminal driver's input thread have the GIL within 0.2 ms of asking for it.
    The cockpit's other threads (the driver's writer, the flatten line's reader) spend most
    of their time asleep on the system, so they rarely ask (the cost to the frames is not
    measured)."""
    sys.setswitchinterval(KEY_SWITCH_INTERVAL)


class Line(Protocol):
    """The attached cockpit's flatten line (:class:`cockpit.guard.line_client.FlattenLine`)."""

    def flatten(self) -> int | None: ...


class FlattenRoad:
    """Takes the flatten key off the driver's road and flattens on the next turn."""

    def __init__(self, app: App[Any], flatten: Callable[[], None]) -> None:
        self.app = app
        self._flatten = flatten
        """Called with no argument to flatten (the app's ``flatten_now``)."""
        self.keys: frozenset[str] = frozenset()
        """The keys bound to flatten all now (remaps included)."""
        self.read_at: float | None = None
        """When the last flatten key taken here was read (Textual's event time)."""
        self.line: Line | None = None
        """Attached: the flatten line, written from the thread that read the key."""
        self.last_act = float("-inf")
        """When the driver handed over the trader's last key or click (event time)."""
        self.by_line = 0
        """Flatten keys the line carried."""

    def install(self, driver: Driver) -> None:
        """Route the flatten key from ``driver`` here; every other key goes as before."""
        self.keys = frozenset(
            key
            for key, active in self.app.active_bindings.items()
            if active.binding.action == FLATTEN_ACTION
        )
        loop = asyncio.get_running_loop()
        loop_thread = threading.get_ident()
        send = driver.send_message
        keys = self.keys

        def send_message(message: Any) -> None:
            kind = type(message)
            if kind is events.Key and message.key in keys:
                # On the loop's own thread (no input thread: the pilot, a headless
                # driver) the stream is as near as the line: the line would only add a send.
                off_loop = threading.get_ident() != loop_thread
                carried = off_loop and self._down_the_line(message)
                loop.call_soon_threadsafe(self.arrived, message, carried)
                return
            if kind in ACTS:
                self.last_act = message.time
            send(message)

        driver.send_message = send_message  # type: ignore[method-assign]  # the driver's one way in

    def _down_the_line(self, key: events.Key) -> bool:
        """In the thread that read ``key``: send it down the flatten line when it means
        the flatten on the screen the trader sees; whether it went."""
        line, app = self.line, self.app
        quiet = key.time - self.last_act >= QUIET  # (a flatten key opens no screen)
        if line is None or not quiet or not app.is_running:
            return False
        try:  # the app's screens, read from this thread: a surprise must not end it
            main_screen = len(app.screen_stack) == 1 and not _taken_as_text(app, key)
        except Exception:
            log.exception("the flatten line could not read the screen; F goes by the loop")
            return False
        if not main_screen or line.flatten() is None:
            return False
        self.by_line += 1
        return True

    def arrived(self, key: events.Key, carried: bool = False) -> None:
        """On the loop: flatten now, unless the focused widget takes the key as text (a
        key the line ``carried`` has flattened already: the loop follows it)."""
        app = self.app
        if not carried and (not app.is_running or _taken_as_text(app, key)):
            app.post_message(key)  # the usual road (an Input types the letter)
            return
        self.read_at = key.time
        self._flatten()

    def typed_before(self, key: events.Key | None, command: Command) -> bool:
        """Whether ``command`` comes from a key read before the last flatten key and would
        place or move an order (the flatten already went ahead of it)."""
        read_at = self.read_at
        return key is not None and read_at is not None and key.time <= read_at and reopens(command)


def _taken_as_text(app: App[Any], key: events.Key) -> bool:
    focused = app.focused
    return focused is not None and focused.check_consume_key(key.key, key.character)
