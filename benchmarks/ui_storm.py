"""UI under a storm: key-to-command latency, frames drawn and CPU while quotes pour in.

The real app runs headless at 120x40 on the wall clock with the paper broker. A task in
the app's loop feeds 20,000 quotes a second across six instruments through
``engine.on_event`` (and the paper account's touch, as the broker's own pump does), in
small batches paced by the real clock: each batch is every quote due by now, so when
the loop is held up the next batch is larger, as a socket buffer would be.

Meanwhile a trading key (``b``, then ``s``, alternating) is posted every 40-120 ms, the
way the terminal driver posts it, and the latency is the time from posting the key to
the order request reaching the broker (``place_order`` wrapped). Frames are the
compositor updates handed to the terminal (``App._display`` wrapped, see _headless).
CPU is the process's user + system time over the storm, as a share of one core.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass

import psutil

from benchmarks._common import Figure, percentile
from benchmarks._headless import BrokerProbe, FrameCounter, headless, press_now, until_started
from benchmarks._session import bench_session
from benchmarks._storm import STORM_SYMBOLS, Move, moves
from cockpit.config import Settings, UiSettings
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import WallClock
from cockpit.session import Session
from cockpit.ui.app import make_app

RATE = 20_000
SECONDS = 10.0
RUNS = 3
TARGET_MS = 50.0
BATCH_SLEEP = 0.002
"""Pause between feed batches when the loop is free (about 40 quotes a batch)."""


@dataclass(frozen=True)
class StormRun:
    latencies_ms: list[float]
    missed: int
    frames_per_s: float
    cpu_pct: float
    fed_per_s: float


async def feed(session: Session, steps: list[Move], rate: float) -> float:
    """Feed ``steps`` at ``rate`` a second, stamped as they go; returns the rate achieved."""
    on_event = session.engine.on_event
    account = getattr(session.broker, "account", None)
    on_market = account.on_market if account is not None else None
    clock = session.clock
    total = len(steps)
    sent = 0
    start = time.perf_counter()
    while sent < total:
        due = min(total, int((time.perf_counter() - start) * rate) + 1)
        now = clock.now_ns()
        for move in steps[sent:due]:
            quote = move.event(now)
            on_event(quote)
            if on_market is not None:
                on_market(quote)
        sent = due
        await asyncio.sleep(BATCH_SLEEP)
    return total / (time.perf_counter() - start)


async def one_run(steps: list[Move], seed: int) -> StormRun:
    settings = Settings(ui=UiSettings(watchlist=list(STORM_SYMBOLS)))
    session = bench_session(settings, clock=WallClock())
    app = make_app(session)
    rng = random.Random(seed)
    latencies: list[float] = []
    missed = 0
    async with headless(app) as pilot:
        await until_started(session)
        await pilot.press("a")  # arm the trading keys
        await pilot.pause()
        probe = BrokerProbe(session.broker, "place_order")
        frames = FrameCounter(app)
        process = psutil.Process()
        cpu_before = process.cpu_times()
        started = time.perf_counter()
        feeding = asyncio.create_task(feed(session, steps, RATE))
        key = "b"
        while not feeding.done():
            await asyncio.sleep(rng.uniform(0.04, 0.12))
            if feeding.done():
                break
            probe.clear()
            sent = time.perf_counter()
            press_now(app, key)
            if await probe.wait():
                latencies.append((probe.calls[0][1] - sent) * 1000)
            else:
                missed += 1
            key = "s" if key == "b" else "b"
        fed = await feeding
        wall = time.perf_counter() - started
        cpu_after = process.cpu_times()
        await session.stop()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return StormRun(latencies, missed, frames.frames / wall, 100 * cpu / wall, fed)


def run() -> Figure:
    steps = moves(STORM_SYMBOLS, int(RATE * SECONDS))
    runs = [cockpit_loop.run(one_run(steps, seed)) for seed in range(RUNS)]
    p50 = statistics.median(percentile(r.latencies_ms, 50) for r in runs)
    p99 = statistics.median(percentile(r.latencies_ms, 99) for r in runs)
    frames = statistics.median(r.frames_per_s for r in runs)
    cpu = statistics.median(r.cpu_pct for r in runs)
    fed = statistics.median(r.fed_per_s for r in runs)
    samples = sum(len(r.latencies_ms) for r in runs)
    missed = sum(r.missed for r in runs)
    return Figure(
        name="ui_storm",
        value=p99,
        unit="ms key-to-order p99",
        target=f"< {TARGET_MS:.0f} ms",
        met=p99 < TARGET_MS and missed == 0,
        detail=(
            f"p50 {p50:.1f} ms, {frames:.1f} frames/s, CPU {cpu:.0f}% of a core, "
            f"fed {fed:,.0f} quotes/s over 6 instruments for {SECONDS:.0f} s; "
            f"median of {RUNS} runs, {samples} key presses, {missed} never reached the broker; "
            f"p99 per run {', '.join(f'{percentile(r.latencies_ms, 99):.1f}' for r in runs)} ms"
        ),
    )


if __name__ == "__main__":
    print(run().line())
