"""Simulated time: an event loop whose clock moves only when nothing is left to run.

The engine waits for broker confirmations with ``asyncio.wait_for`` on loop time, the
journal flushes on a loop timer and the simulated broker answers after a loop-time
delay. On this loop none of that costs wall time: whenever no callback is ready, the
loop's clock jumps straight to the next timer instead of sleeping. The order in which
things happen depends only on what the program schedules, never on how fast the machine
is, so a seed replays exactly.

``SimClock`` gives the cockpit the same time in epoch nanoseconds, so the market, the
risk engine and the journal all live on the loop's clock.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any

from cockpit.core import loop as cockpit_loop

NS_PER_SECOND = 1_000_000_000


class Stalled(RuntimeError):
    """Nothing can run and nothing is scheduled: every task waits for something that
    will never happen (a deadlock in the program under test)."""


class _InstantSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """Polls without blocking; a wait for a timer moves the loop's clock instead."""

    def __init__(self) -> None:
        super().__init__()
        self.loop: SimLoop | None = None

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise Stalled("no task can run and no timer is set: the program is deadlocked")
        assert self.loop is not None
        self.loop.advance(timeout)
        return []


class SimLoop(asyncio.SelectorEventLoop):
    """A selector loop on simulated time (starts at 0.0 seconds)."""

    def __init__(self) -> None:
        selector = _InstantSelector()
        super().__init__(selector)
        selector.loop = self
        self._now = 0.0

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward (only the selector does, when the loop would sleep)."""
        if seconds > 0:
            self._now += seconds


def new_sim_loop(*, eager: bool) -> SimLoop:
    """A simulated-time loop with the cockpit's task factory (eager) or asyncio's (lazy)."""
    loop = SimLoop()
    cockpit_loop.configure(loop, eager=eager)
    return loop


def run_simulated[T](main: Coroutine[Any, Any, T], *, eager: bool) -> T:
    """Run ``main`` to completion on a fresh simulated-time loop."""
    with asyncio.Runner(loop_factory=lambda: new_sim_loop(eager=eager)) as runner:
        return runner.run(main)


class SimClock:
    """The cockpit's :class:`~cockpit.core.clock.Clock` on the running loop's time."""

    def __init__(self, loop: asyncio.AbstractEventLoop, start_ns: int) -> None:
        self.loop = loop
        self.start_ns = start_ns
        self._origin = loop.time()

    def now_ns(self) -> int:
        return self.start_ns + round((self.loop.time() - self._origin) * NS_PER_SECOND)

    def seconds(self) -> float:
        """Simulated seconds since the clock was made (for reports)."""
        return self.loop.time() - self._origin
