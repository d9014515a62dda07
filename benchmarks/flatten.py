"""Flatten: key ``F`` to every cancel and close request handed to the broker.

The real app runs headless at 120x40 on the demo as a trader starts it: the paper
broker pumping its synthetic market on the wall clock. Before each press, three
positions (MNQ +2, MES -1, MGC +1) and three resting orders (join bid / join ask in
M2K, MYM, MCL) are opened through the engine; then ``F`` is posted the way the
terminal driver posts it, and the figure is the time from the key to the last cancel
or close request reaching the broker (``cancel_order`` and ``close_position``
wrapped), once the flatten has verified flat.

Against the loopback gateway emulator (key to verified flat through the real SDK) is
the other half of this figure: ``flatten_live``, from the gateway branch.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass

from benchmarks._common import Figure, percentile
from benchmarks._guard_child import BOOK
from benchmarks._headless import BrokerProbe, headless, press_now, until_started
from benchmarks._session import bench_session
from cockpit.config import Settings
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import WallClock
from cockpit.core.commands import Command, SetArmed
from cockpit.core.engine import Engine
from cockpit.core.events import Event, FlattenCompleted
from cockpit.core.state import State
from cockpit.ui.app import make_app

RUNS = 5
FLATTENS = 100
TARGET_MS = 5.0


@dataclass(frozen=True)
class FlattenRun:
    last_ms: list[float]
    first_ms: list[float]
    requests: list[int]
    flat: int


@dataclass
class FlattenSummary:
    """The runs' medians: p99 and p50 key (or call) to last request, first request p50."""

    p99: float
    p50: float
    first: float
    requests: float
    flat: int
    per_run_p99: list[float]


def summarize(runs: list[FlattenRun]) -> FlattenSummary:
    return FlattenSummary(
        p99=statistics.median(percentile(r.last_ms, 99) for r in runs),
        p50=statistics.median(percentile(r.last_ms, 50) for r in runs),
        first=statistics.median(percentile(r.first_ms, 50) for r in runs),
        requests=statistics.median(statistics.median(r.requests) for r in runs),
        flat=sum(r.flat for r in runs),
        per_run_p99=[percentile(r.last_ms, 99) for r in runs],
    )


class FlattenWatch:
    """A watcher that wakes the benchmark when a flatten completes."""

    def __init__(self) -> None:
        self.completed = asyncio.Event()

    def on_event(self, event: Event, state: State) -> Iterable[Command]:
        if isinstance(event, FlattenCompleted):
            self.completed.set()
        return ()


async def open_book(engine: Engine) -> None:
    for command in BOOK:
        await engine.execute(command)


async def one_run(seed: int) -> FlattenRun:
    session = bench_session(Settings(), clock=WallClock(), pump=True)
    app = make_app(session)
    rng = random.Random(seed)
    last: list[float] = []
    first: list[float] = []
    requests: list[int] = []
    flat = 0
    async with headless(app) as pilot:
        await until_started(session)
        engine = session.engine
        engine.submit(SetArmed(armed=True))
        probe = BrokerProbe(session.broker, "cancel_order", "close_position")
        watch = FlattenWatch()
        engine.watchers.append(watch)
        for _ in range(FLATTENS):
            await open_book(engine)
            await pilot.pause(rng.uniform(0.02, 0.06))  # let the screen show the book
            probe.clear()
            watch.completed.clear()
            sent = time.perf_counter()
            press_now(app, "F")
            await asyncio.wait_for(watch.completed.wait(), 15)
            times = [at for _, at in probe.calls]
            last.append((max(times) - sent) * 1000)
            first.append((min(times) - sent) * 1000)
            requests.append(len(times))
            flat += session.state.is_flat()
        await session.stop()
    return FlattenRun(last, first, requests, flat)


def run() -> Figure:
    runs = [cockpit_loop.run(one_run(seed)) for seed in range(RUNS)]
    sums = summarize(runs)
    p99, p50, first, requests, flat = sums.p99, sums.p50, sums.first, sums.requests, sums.flat
    presses = RUNS * FLATTENS
    return Figure(
        name="flatten",
        value=p99,
        unit="ms key-to-last-request p99",
        target=f"< {TARGET_MS:.0f} ms (paper broker, in process)",
        met=p99 < TARGET_MS and flat == presses,
        detail=(
            f"p50 {p50:.2f} ms, first request p50 {first:.2f} ms, {requests:.0f} requests "
            f"per flatten, {flat}/{presses} verified flat; median of {RUNS} runs of "
            f"{FLATTENS}; p99 per run "
            f"{', '.join(f'{p:.2f}' for p in sums.per_run_p99)} ms; "
            "against the loopback gateway emulator: see flatten_live"
        ),
    )


if __name__ == "__main__":
    print(run().line())
