"""The price ladder under a storm: the UI's CPU share and key-to-order latency.

The real app runs headless at 120x40 on the wall clock with the paper broker, the ladder
shown with the order keys on MNQ and time & sales in place of fills & events. A task in
the app's loop feeds, paced by the real clock in batches (each batch is everything due
by now, as a socket buffer would be): 20,000 quotes a second over six instruments (as
ui_storm, but MNQ's touch moves ten ticks a second, a fast market, where the shared
walk moves it a thousand), 2,000 depth updates a second on MNQ (one level each, within
ten ticks of its touch, a tenth of them removing their level) and 200 MNQ prints a
second.

Meanwhile a ladder key is posted every 40-120 ms: ``b`` (buy limit at the cursor) and
``s`` (sell limit at the cursor) in turn, ``C`` (cancel all, not timed) after every ten.
Latency is from posting the key to the order request reaching the broker. The UI's CPU
is the process's CPU over the storm less the CPU spent inside the feed's own calls (the
engine folding the events, measured around each batch): what is left is the drain, the
ladder, the tape, Textual's compositor and the keys.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

import psutil

from benchmarks._common import Figure, percentile
from benchmarks._headless import BrokerProbe, FrameCounter, headless, press_now, until_started
from benchmarks._session import bench_session
from benchmarks._storm import STORM_SYMBOLS, Move, moves
from cockpit.config import Settings, UiSettings
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import WallClock
from cockpit.core.events import DepthUpdated, Printed
from cockpit.core.models import Side
from cockpit.session import Session
from cockpit.ui.app import make_app

QUOTES = 20_000
DEPTH = 2_000
PRINTS = 200
SYMBOL = "MNQ"
SECONDS = 10.0
RUNS = 3
MNQ_TICKS = 10.0
"""How many ticks a second MNQ's touch moves: a fast market (the shared storm's walk moves
each instrument's touch on a third of its quotes, a thousand ticks a second)."""
TARGET_CPU = 30.0
TARGET_MS = 20.0
BATCH_SLEEP = 0.002


@dataclass(frozen=True)
class LadderRun:
    latencies_ms: list[float]
    missed: int
    frames_per_s: float
    cpu_pct: float
    feed_cpu_pct: float
    fed_per_s: float


def storm_moves(count: int, start_bids: Mapping[str, int] | None = None) -> list[Move]:
    """The shared storm's quotes, with MNQ's touch moving :data:`MNQ_TICKS` a second."""
    steps = moves(STORM_SYMBOLS, count, start_bids=start_bids)
    rng = random.Random(17)
    share = sum(move.symbol == SYMBOL for move in steps) / len(steps)
    chance = MNQ_TICKS / (QUOTES * share)
    bid = next(move.bid for move in steps if move.symbol == SYMBOL)
    out = []
    for move in steps:
        if move.symbol == SYMBOL:
            if rng.random() < chance:
                bid += 1 if rng.random() < 0.5 else -1
            move = replace(move, bid=bid, ask=bid + 1)
        out.append(move)
    return out


def depth_tape(count: int, seed: int) -> list[tuple[int, int, bool]]:
    """(ticks from the bid, size, on the bid side) for each depth update, seeded."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        bid_side = rng.random() < 0.5
        offset = rng.randrange(10)
        size = 0 if rng.random() < 0.1 else rng.randint(1, 80)
        out.append((offset, size, bid_side))
    return out


async def feed(session: Session, steps: list[Move], levels: list[tuple[int, int, bool]]) -> float:
    """Quotes, depth and prints at their rates; returns the CPU seconds spent feeding."""
    on_event = session.engine.on_event
    account = getattr(session.broker, "account", None)
    on_market = account.on_market if account is not None else None
    clock, state = session.clock, session.state
    rng = random.Random(5)
    sent = sent_depth = sent_prints = 0
    feed_cpu = 0.0
    start = time.perf_counter()
    while sent < len(steps):
        elapsed = time.perf_counter() - start
        due = min(len(steps), int(elapsed * QUOTES) + 1)
        due_depth = min(len(levels), int(elapsed * DEPTH) + 1)
        due_prints = int(elapsed * PRINTS) + 1
        now = clock.now_ns()
        began = time.process_time()
        for move in steps[sent:due]:
            quote = move.event(now)
            on_event(quote)
            if on_market is not None:
                on_market(quote)
        touch = state.quotes.get(SYMBOL)
        if touch is not None:
            for offset, size, bid_side in levels[sent_depth:due_depth]:
                if bid_side:
                    on_event(DepthUpdated(now, SYMBOL, bids=((touch.bid - offset, size),)))
                else:
                    on_event(DepthUpdated(now, SYMBOL, asks=((touch.ask + offset, size),)))
            for _ in range(due_prints - sent_prints):
                buy = rng.random() < 0.5
                price = touch.ask if buy else touch.bid
                side = Side.BUY if buy else Side.SELL
                on_event(Printed(now, SYMBOL, price, rng.choice((1, 1, 2, 3, 5, 12)), side))
        feed_cpu += time.process_time() - began
        sent, sent_depth, sent_prints = due, due_depth, due_prints
        await asyncio.sleep(BATCH_SLEEP)
    return feed_cpu


async def one_run(
    steps: list[Move], levels: list[tuple[int, int, bool]], seed: int, *, ladder: bool = True
) -> LadderRun:
    """One storm; ``ladder=False`` is the same storm on the chart, ``b``/``s`` at market
    (the baseline the ladder's figures are read against on a busy machine)."""
    settings = Settings(ui=UiSettings(watchlist=list(STORM_SYMBOLS)))
    session = bench_session(settings, clock=WallClock())
    app = make_app(session)
    rng = random.Random(seed)
    latencies: list[float] = []
    missed = 0
    async with headless(app) as pilot:
        await until_started(session)
        if ladder:
            await pilot.press("a", "d", "T")  # arm, the ladder with the keys, the tape
            await pilot.pause()
            assert app.ladder.has_focus, "the ladder should have the keys"
        else:
            await pilot.press("a")
            await pilot.pause()
        probe = BrokerProbe(session.broker, "place_order")
        frames = FrameCounter(app)
        process = psutil.Process()
        cpu_before = process.cpu_times()
        started = time.perf_counter()
        feeding = asyncio.create_task(feed(session, steps, levels))
        keys = ["b", "s"] * 5
        presses = 0
        while not feeding.done():
            await asyncio.sleep(rng.uniform(0.04, 0.12))
            if feeding.done():
                break
            if presses and presses % len(keys) == 0:
                press_now(app, "C")
                await asyncio.sleep(0.01)
            key = keys[presses % len(keys)]
            presses += 1
            probe.clear()
            sent = time.perf_counter()
            press_now(app, key)
            if await probe.wait():
                latencies.append((probe.calls[0][1] - sent) * 1000)
            else:
                missed += 1
        feed_cpu = await feeding
        wall = time.perf_counter() - started
        cpu_after = process.cpu_times()
        await session.stop()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return LadderRun(
        latencies,
        missed,
        frames.frames / wall,
        100 * (cpu - feed_cpu) / wall,
        100 * feed_cpu / wall,
        (len(steps) + len(levels)) / wall,
    )


def run() -> Figure:
    steps = storm_moves(int(QUOTES * SECONDS))
    levels = depth_tape(int(DEPTH * SECONDS), seed=3)
    runs = [cockpit_loop.run(one_run(steps, levels, seed)) for seed in range(RUNS)]
    base = [cockpit_loop.run(one_run(steps, levels, s, ladder=False)) for s in range(RUNS)]
    base_cpu = statistics.median(r.cpu_pct for r in base)
    base_p99 = statistics.median(percentile(r.latencies_ms, 99) for r in base)
    load = psutil.getloadavg()[0]
    cpu = statistics.median(r.cpu_pct for r in runs)
    feed_cpu = statistics.median(r.feed_cpu_pct for r in runs)
    p50 = statistics.median(percentile(r.latencies_ms, 50) for r in runs)
    p99 = statistics.median(percentile(r.latencies_ms, 99) for r in runs)
    frames = statistics.median(r.frames_per_s for r in runs)
    fed = statistics.median(r.fed_per_s for r in runs)
    samples = sum(len(r.latencies_ms) for r in runs)
    missed = sum(r.missed for r in runs)
    return Figure(
        name="ladder_storm",
        value=cpu,
        unit="% of a core for the UI",
        target=f"< {TARGET_CPU:.0f}%, key p99 < {TARGET_MS:.0f} ms",
        met=cpu < TARGET_CPU and p99 < TARGET_MS and missed == 0,
        detail=(
            f"ladder key to order request p99 {p99:.1f} ms (p50 {p50:.1f}), "
            f"{frames:.1f} frames/s, feed and engine {feed_cpu:.0f}% of a core on top; "
            f"{QUOTES:,} quotes/s over 6 instruments + {DEPTH:,} depth updates/s and "
            f"{PRINTS} prints/s on {SYMBOL}, its touch moving {MNQ_TICKS:.0f} ticks/s "
            f"(fed {fed:,.0f} events/s) for {SECONDS:.0f} s; "
            f"median of {RUNS} runs, {samples} key presses, {missed} never reached the broker; "
            f"UI CPU per run {', '.join(f'{r.cpu_pct:.0f}' for r in runs)}%; "
            f"p99 per run {', '.join(f'{percentile(r.latencies_ms, 99):.1f}' for r in runs)} ms; "
            f"the same storm on the chart with market keys: UI {base_cpu:.0f}%, p99 "
            f"{base_p99:.1f} ms; load average {load:.1f} on {psutil.cpu_count()} cores"
        ),
    )


if __name__ == "__main__":
    print(run().line())
