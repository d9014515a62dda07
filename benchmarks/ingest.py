"""Ingest: events per second through the engine, with no UI.

The engine is the one ``build_session`` wires for the demo (state, plus whatever
watchers and recorder the session adds as the risk engine and the journal land; the
journal's hot path is counted, its timed flushes are not, as the session is never
started), on the live wall clock. The storm (quotes and prints across six instruments,
stamped at 20,000 events a second of exchange time) is generated before the clock
starts; each run folds it into a fresh session.
"""

from __future__ import annotations

import time

from benchmarks._common import Figure, median_of
from benchmarks._session import bench_session
from benchmarks._storm import STORM_SYMBOLS, tape
from cockpit.config import Settings, UiSettings
from cockpit.core.clock import WallClock

EVENTS = 300_000
RUNS = 5
TARGET = 200_000
PRINT_SHARE = 0.4
"""Share of prints in the storm, as in the synthetic market (one print per 1.5 quotes)."""


def one_run(events: list) -> float:  # type: ignore[type-arg]
    """Events per second for one fold of ``events`` into a fresh session."""
    settings = Settings(ui=UiSettings(watchlist=list(STORM_SYMBOLS)))
    session = bench_session(settings, clock=WallClock())
    on_event = session.engine.on_event
    start = time.perf_counter()
    for event in events:
        on_event(event)
    elapsed = time.perf_counter() - start
    return len(events) / elapsed


def run() -> Figure:
    events = tape(
        STORM_SYMBOLS, EVENTS, start_ns=time.time_ns(), rate=20_000, print_share=PRINT_SHARE
    )
    one_run(events[:20_000])  # warm the caches and the allocator
    rate, runs = median_of(RUNS, lambda: one_run(events))
    engine = bench_session(Settings(), clock=WallClock()).engine
    wired = f"{len(engine.gates)} gates, {len(engine.watchers)} watchers, "
    wired += type(engine.recorder).__name__
    return Figure(
        name="ingest",
        value=rate,
        unit="events/s",
        target=f">= {TARGET:,}",
        met=rate >= TARGET,
        detail=(
            f"median of {RUNS} runs of {EVENTS:,} events "
            f"({PRINT_SHARE:.0%} prints, 6 instruments); "
            f"runs {', '.join(f'{r:,.0f}' for r in runs)}; engine: {wired}"
        ),
    )


if __name__ == "__main__":
    print(run().line())
