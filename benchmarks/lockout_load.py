"""Load the trader's lockout at start when its records were deleted.

The cockpit reads both lockout records; only when one is missing or damaged does it
open the newest journal to see whether it ended under a lockout (its header note, then
only the frames flagged as holding a lockout event). The journal here is written as
``journal_seek`` writes one, a million market events at the live flush cadence, with a
lockout started halfway and no record on disk: the figure is what a start after a long
busy day costs on that rare path. Target: under a second (the start budget is 1.5 s).
The usual start, with both records whole, is in the detail.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks._common import Figure, machine, median_of
from cockpit.core.clock import NS_PER_MS, NS_PER_SECOND
from cockpit.core.events import LockoutStarted
from cockpit.core.instruments import DEFAULT_WATCHLIST, INSTRUMENTS
from cockpit.core.models import Mode
from cockpit.journal.risk import trader_lockouts
from cockpit.journal.writer import JournalWriter
from cockpit.market.synthetic import SyntheticMarket

START = 1_773_154_800_000_000_000  # Tuesday 10 March 2026, 10:00 Chicago
EVENTS = 1_000_000
FLUSH_NS = 150 * NS_PER_MS
TARGET_S = 1.0


def write(folder: Path) -> tuple[Path, int]:
    """A journal of EVENTS market events with a lockout started halfway; (path, frames)."""
    market = SyntheticMarket(DEFAULT_WATCHLIST, seed=5, start_ns=START)
    writer = JournalWriter(
        folder, account="BENCH", mode=Mode.SIM, instruments=INSTRUMENTS, watchlist=DEFAULT_WATCHLIST
    )
    written = frames = 0
    until = START
    next_flush = START + FLUSH_NS
    while written < EVENTS:
        until += 60 * NS_PER_SECOND
        for event in market.advance(until):
            if event.ts >= next_flush:
                writer.flush()
                frames += 1
                next_flush = event.ts - event.ts % FLUSH_NS + FLUSH_NS
            writer.record_event(event.ts + 300_000, event, True)
            written += 1
            if written == EVENTS // 2:
                lockout = LockoutStarted(event.ts, event.ts + 3600 * NS_PER_SECOND, "tilt")
                writer.record_event(event.ts, lockout, False)
            if written == EVENTS:
                break
    writer.close()
    assert writer.path is not None
    return writer.path, frames


def run() -> Figure:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "journals"
        path, frames = write(folder)
        size = path.stat().st_size

        def once() -> float:
            begin = time.perf_counter()
            store = trader_lockouts(state=Path(tmp) / "state", journals=folder, read_only=True)
            elapsed = time.perf_counter() - begin
            assert store.lockout is not None, "the journal's lockout was not found"
            return elapsed

        seconds, runs = median_of(5, once)
        trader_lockouts(state=Path(tmp) / "state", journals=folder).touch(START)
        begin = time.perf_counter()
        assert trader_lockouts(state=Path(tmp) / "state", journals=folder).problem is None
        usual = time.perf_counter() - begin
    return Figure(
        name="load the lockout with its records deleted (the newest journal read)",
        value=seconds * 1000,
        unit="ms",
        target=f"< {TARGET_S * 1000:.0f} ms",
        met=seconds < TARGET_S,
        detail=(
            f"newest journal {size / 1e6:.1f} MB, {frames:,} frames; runs "
            f"{', '.join(f'{r * 1000:.0f}' for r in runs)} ms; with both records whole the "
            f"journal is not opened: {usual * 1000:.1f} ms; {machine()}"
        ),
    )


if __name__ == "__main__":
    print(run().line())
