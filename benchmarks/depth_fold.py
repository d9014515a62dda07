"""The engine's cost per depth update in a storm: 2,000 book updates a second on the
selected instrument plus 20,000 quotes a second across six instruments.

The book updates are the synthetic market's own (MNQ held in its fast regime: each
update changes a few levels around a moving touch), re-stamped at 2,000 a second; the
quotes are the benchmark storm's. Both streams are generated before the clock starts
and fed to the engine ``build_session`` wires for the demo (state, risk watchers, the
journal's hot path) on the wall clock.

Each chunk of the storm (a fiftieth of a second of it) is folded as it comes, except
that its book updates are folded in one timed loop and its quotes in another: the two
folds touch different state, so the session ends the same, and each chunk gives a cost
per book update and per quote. The figure is the median over every chunk of every run,
which a stray pause of the shared machine cannot move; the detail gives the whole
load's share of one core (a second of this storm folded, in seconds).
"""

from __future__ import annotations

import statistics
import time

from benchmarks._common import Figure, machine
from benchmarks._session import bench_session
from benchmarks._storm import STORM_SYMBOLS, moves
from cockpit.config import Settings, UiSettings
from cockpit.core.clock import NS_PER_SECOND, WallClock
from cockpit.core.events import DepthUpdated, Event
from cockpit.market.profiles import FAST
from cockpit.market.synthetic import SyntheticMarket

SECONDS = 10
DEPTH_RATE = 2_000
QUOTE_RATE = 20_000
RUNS = 5
CHUNK = 1_100
"""Events per timed chunk: a fiftieth of a second of the storm."""
TARGET_NS = 5_000
"""Per book update: 2,000 a second at this cost is 1% of a core."""


def book_updates(start: int, count: int) -> list[DepthUpdated]:
    """``count`` of MNQ's book updates from a fast synthetic market, 2,000 a second."""
    market = SyntheticMarket(["MNQ"], seed=11, start_ns=start)
    market.regime = FAST
    market._regime_end = 2**62  # hold the fast regime for the whole storm
    market.opening_quotes()
    found: list[DepthUpdated] = list(market.opening_books())
    until = start
    while len(found) < count:
        until += NS_PER_SECOND
        found += [e for e in market.advance(until) if isinstance(e, DepthUpdated)]
    gap = NS_PER_SECOND // DEPTH_RATE
    return [
        DepthUpdated(start + i * gap, e.symbol, e.bids, e.asks, e.reset)
        for i, e in enumerate(found[:count])
    ]


def storm(start: int) -> list[Event]:
    """A second after second of quotes and book updates, in time order."""
    gap = NS_PER_SECOND // QUOTE_RATE
    count = QUOTE_RATE * SECONDS
    quotes = [m.event(start + i * gap) for i, m in enumerate(moves(STORM_SYMBOLS, count))]
    return sorted([*quotes, *book_updates(start, DEPTH_RATE * SECONDS)], key=lambda e: e.ts)


def fold(events: list[Event]) -> list[tuple[float, float]]:
    """Fold ``events`` into a fresh demo session; per chunk, (ns per book update, ns
    per quote)."""
    settings = Settings(ui=UiSettings(watchlist=list(STORM_SYMBOLS)))
    on_event = bench_session(settings, clock=WallClock()).engine.on_event
    perf = time.perf_counter_ns
    out: list[tuple[float, float]] = []
    for first in range(0, len(events), CHUNK):
        chunk = events[first : first + CHUNK]
        depth = [e for e in chunk if type(e) is DepthUpdated]
        rest = [e for e in chunk if type(e) is not DepthUpdated]
        begin = perf()
        for event in depth:
            on_event(event)
        middle = perf()
        for event in rest:
            on_event(event)
        end = perf()
        if depth and rest:
            out.append(((middle - begin) / len(depth), (end - middle) / len(rest)))
    return out


def run() -> Figure:
    events = storm(time.time_ns())
    fold(events[:20_000])  # warm the caches and the allocator
    chunks: list[tuple[float, float]] = []
    for _ in range(RUNS):
        chunks += fold(events)
    per_update = statistics.median(d for d, _ in chunks)
    per_quote = statistics.median(q for _, q in chunks)
    share = (per_update * DEPTH_RATE + per_quote * QUOTE_RATE) / NS_PER_SECOND * 100
    updates = [e for e in events if isinstance(e, DepthUpdated)]
    levels = statistics.mean(len(e.bids) + len(e.asks) for e in updates)
    return Figure(
        name="engine fold per depth update (2,000/s on MNQ + 20,000 quotes/s)",
        value=per_update,
        unit="ns",
        target=f"<= {TARGET_NS:,} ns",
        met=per_update <= TARGET_NS,
        detail=(
            f"{per_quote:,.0f} ns per quote; the whole storm takes {share:.1f}% of a core; "
            f"median of {len(chunks):,} chunks over {RUNS} runs; {len(updates):,} updates "
            f"of {levels:.1f} levels on average; {machine()}"
        ),
    )


if __name__ == "__main__":
    print(run().line())
