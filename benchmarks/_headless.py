"""Shared tools for benchmarks that run the Textual app headless.

* :func:`press_now` hands a key to the app the way the terminal driver (and the pilot)
  does: ``driver.send_message(Key)``, which schedules the key on the app's loop. The
  pilot's ``press`` then waits for the process to go idle (up to a second under a
  storm), which would leave a handful of samples; a benchmark waits for the broker
  instead.
* :class:`BrokerProbe` wraps the broker's request methods to note when each request
  reaches the broker (``time.perf_counter``).
* :class:`FrameCounter` counts the frames the compositor hands to the terminal: every
  call of ``App._display`` with an update outside a batch. Headless Textual still runs
  the compositor and builds each update; it only skips writing it to a terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from textual import events
from textual.app import App
from textual.pilot import Pilot

from cockpit.core.broker import Broker
from cockpit.session import Session


def press_now(app: App[Any], key: str) -> None:
    """Post one printable key (``b``, ``F``) exactly as the pilot's ``press`` posts it."""
    if len(key) != 1 or not key.isalnum():
        raise ValueError(f"press_now takes one letter or digit, not {key!r}")
    driver = app._driver
    assert driver is not None, "the app is not running"
    event = events.Key(key, key)
    event.set_sender(app)
    driver.send_message(event)


class BrokerProbe:
    """Notes the time each request reaches the broker, and wakes whoever waits for it."""

    def __init__(self, broker: Broker, *methods: str) -> None:
        self.calls: list[tuple[str, float]] = []
        self._arrived = asyncio.Event()
        for name in methods:
            setattr(broker, name, self._wrap(name, getattr(broker, name)))

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        async def probed(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, time.perf_counter()))
            self._arrived.set()
            return await method(*args, **kwargs)

        return probed

    def clear(self) -> None:
        self.calls.clear()
        self._arrived.clear()

    async def wait(self, count: int = 1, within: float = 2.0) -> bool:
        """Wait until at least ``count`` requests arrived since :meth:`clear`."""
        try:
            async with asyncio.timeout(within):
                while len(self.calls) < count:
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            return False
        return True


class FrameCounter:
    """Counts compositor updates handed to the terminal (see the module docstring)."""

    def __init__(self, app: App[Any]) -> None:
        self.frames = 0
        original = app._display

        def counted(screen: Any, renderable: Any) -> None:
            if renderable is not None and not app._batch_count:
                self.frames += 1
            original(screen, renderable)

        app._display = counted  # type: ignore[method-assign]


@contextlib.asynccontextmanager
async def headless(app: App[Any], size: tuple[int, int] = (120, 40)) -> AsyncIterator[Pilot[Any]]:
    """``app.run_test`` that stops the app's timers before the harness tears the DOM down.

    Without this the drain timer can tick between the widgets being pruned and the app's
    own timers being stopped, and the header asks for component styles that are gone
    (``KeyError: No 'header--sim' key in COMPONENT_CLASSES``): a shutdown race in the
    app, reported to the lead, that would otherwise fail a benchmark run at random.
    """
    async with app.run_test(size=size) as pilot:
        try:
            yield pilot
        finally:
            for timer in list(app._timers):
                timer.stop()


async def until_started(session: Session, within: float = 10.0) -> None:
    """Wait until the app's start-up worker has connected and reconciled the broker."""
    async with asyncio.timeout(within):
        while not (session.started and session.state.reconciled):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
