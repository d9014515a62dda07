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

Attached to a guard in a terminal, the key reader (:mod:`cockpit.guard.key_reader`) has
sent the flatten down the line before the key reaches this road; the key comes marked as
carried, and the loop follows with the stream's copy. The reader takes the line only for
the keys this road offers it (:meth:`FlattenRoad.offer`): a flatten key is offered only
while the main screen is up and the focused widget does not take it as text.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from textual import events
from textual._time import get_time

from cockpit.core.commands import Command, reopens

if TYPE_CHECKING:
    from textual.app import App
    from textual.driver import Driver

log = logging.getLogger(__name__)

FLATTEN_ACTION = "flatten_all"

KEY_SWITCH_INTERVAL = 0.0002
"""Seconds the loop's thread may keep the GIL while the input thread waits for it (Python's
default is 0.005). A key read while a frame is drawn waited up to that default before
the input thread could even parse it: in a real terminal, 8 ms for one ``F`` of 40."""


def keys_first() -> None:
    """Let the terminal driver's input thread have the GIL within 0.2 ms of asking for it.
    The cockpit's other thread (the driver's writer) spends most of its time asleep on the
    system, so it rarely asks (the cost to the frames is not measured)."""
    sys.setswitchinterval(KEY_SWITCH_INTERVAL)


class Line(Protocol):
    """The attached cockpit's key reader (:class:`cockpit.guard.line_client.KeyReader`)."""

    on_unclaimed: Callable[[], None] | None

    def took(self) -> bool: ...

    def offer(self, keys: frozenset[bytes]) -> None: ...


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
        """Attached: the key reader, which may have sent the key down the flatten line."""
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
        send = driver.send_message
        keys = self.keys
        line = self.line

        def unclaimed() -> None:
            loop.call_soon_threadsafe(self.followed)

        if line is not None:
            line.on_unclaimed = unclaimed

        def send_message(message: Any) -> None:
            if type(message) is events.Key and message.key in keys:
                carried = line is not None and line.took()
                loop.call_soon_threadsafe(self.arrived, message, carried)
                return
            send(message)

        driver.send_message = send_message  # type: ignore[method-assign]  # the driver's one way in
        self.offer()

    def offer(self) -> None:
        """On the loop: tell the key reader which flatten keys it may send down the line on
        the screen the trader sees now (none off the main screen, none typed as text)."""
        line, app = self.line, self.app
        if line is None:
            return
        offered: frozenset[bytes] = frozenset()
        if app.is_running and len(app.screen_stack) == 1:
            offered = frozenset(
                key.encode()
                for key in self.keys
                if len(key) == 1 and not _taken_as_text(app, events.Key(key, key))
            )
        line.offer(offered)

    def arrived(self, key: events.Key, carried: bool = False) -> None:
        """On the loop: flatten now, unless the focused widget takes the key as text (a
        key the line ``carried`` has flattened already: the loop follows it)."""
        app = self.app
        if not carried and (not app.is_running or _taken_as_text(app, key)):
            app.post_message(key)  # the usual road (an Input types the letter)
            return
        self.by_line += carried
        self.read_at = key.time
        self._flatten()

    def followed(self) -> None:
        """On the loop: the line carried a flatten for keys that read as something else
        (the guard has flattened): the cockpit flattens too, and the stream carries it."""
        self.by_line += 1
        self.read_at = get_time()  # the clock of Textual's event times
        self._flatten()

    def typed_before(self, key: events.Key | None, command: Command) -> bool:
        """Whether ``command`` comes from a key read before the last flatten key and would
        place or move an order (the flatten already went ahead of it)."""
        read_at = self.read_at
        return key is not None and read_at is not None and key.time <= read_at and reopens(command)


def _taken_as_text(app: App[Any], key: events.Key) -> bool:
    focused = app.focused
    return focused is not None and focused.check_consume_key(key.key, key.character)
