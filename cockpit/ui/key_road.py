"""A key's binding run where the app first reads the key, not three turns later.

Textual takes a key the long way: the app's queue, then the focused widget's queue (the
screen's when nothing has focus), then each parent's on the way back up, and only there,
back at the app, does the key's binding run. Each hop is a turn of the loop, and the
drain or a frame being drawn may go first. On the main screen with nothing focused, no
stop on that road but the last does anything with a cockpit key, so its binding runs at
the first: the app's own reading of the key (:meth:`KeyRoad.at_once`). Attached in a
terminal (the guard in its own process, its market as busy as at the open), ``b`` to
its order request at the guard, interleaved, three sets of 100 keys each way: p50 1.87-2.20
ms before, 1.40-1.78 ms after; p99 5.49-6.18 ms before, 3.05-5.03 ms after.

Keys keep their order. A key that went the long way (something had focus, a panel was
up, the screen has a handler of its own for it) may still be on its way when the next
key is read; run at once, that next key would overtake it (``tab down b`` typed fast
from the orders table: ``down`` selects the next instrument, then ``b`` buys it). So
while a key is on its way, the keys after it go the long way too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

LOST_AFTER = 1.0
"""Seconds after which a key still not back at the app is taken to have ended on its way
(a widget kept it, or its screen closed under it): the keys after it may go at once."""


class KeyRoad:
    """Runs a key's binding on the app's first reading when nothing stands in between."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._on_their_way: list[events.Key] = []
        """Keys sent the long way and not back at the app yet, oldest first."""
        self.at_once_count = 0
        """Keys whose binding ran at once (a test looks)."""

    async def at_once(self, key: events.Key) -> bool:
        """On the app's first reading of ``key``: run its binding now if no widget could
        take the key first and no key before it is still on its way. ``True`` if it ran."""
        app = self.app
        if (
            key.is_forwarded
            or app.focused is not None
            or len(app.screen_stack) != 1
            or self._still_on_their_way(key.time)
            or _handled_by(app.screen, key)
        ):
            return False
        if not app.app_focus:
            app.app_focus = True  # as Textual's own reading of a key does
        ran = await app._check_bindings(key.key, priority=True) or await app._check_bindings(
            key.key
        )
        self.at_once_count += ran
        return ran

    def read(self, key: events.Key, *, back: bool) -> None:
        """After the app has read ``key``: note that it went on its way, or that it is
        ``back`` (its bindings have run)."""
        if back:
            if key in self._on_their_way:
                self._on_their_way.remove(key)
        elif key.is_forwarded:
            self._on_their_way.append(key)

    def _still_on_their_way(self, now: float) -> bool:
        keys = self._on_their_way
        while keys and now - keys[0].time > LOST_AFTER:
            del keys[0]
        return bool(keys)


def _handled_by(screen: Screen[Any], key: events.Key) -> bool:
    """Whether the screen has a key method of its own for ``key`` (Textual's screen
    clears a selection on ``escape``): the long road runs it before the binding."""
    return any(
        getattr(screen, f"key_{name}", None) or getattr(screen, f"_key_{name}", None)
        for name in key.name_aliases
    )
