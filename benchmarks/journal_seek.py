"""Open a journal of one million events and seek to a time in it.

The journal is written by the real writer at the live flush cadence (a flush every
150 ms of market time, so tens of thousands of frames, not a few big ones), from the
synthetic market's quotes and prints for six instruments. The figure is the time to
open the file cold (scan and checksum every frame head) and land on the record at a
time in the middle, decoded: the median of several runs. Target: under a second.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks._common import Figure, machine, median_of
from cockpit.core.clock import NS_PER_MS, NS_PER_SECOND
from cockpit.core.instruments import DEFAULT_WATCHLIST, INSTRUMENTS
from cockpit.core.models import Mode
from cockpit.journal.reader import open_journal
from cockpit.journal.writer import JournalWriter
from cockpit.market.synthetic import SyntheticMarket

START = 1_773_154_800_000_000_000  # Tuesday 10 March 2026, 10:00 Chicago
EVENTS = 1_000_000
FLUSH_NS = 150 * NS_PER_MS
TARGET_S = 1.0


def write(folder: Path) -> tuple[Path, int, int]:
    """A journal of EVENTS market events; returns (path, frames, bytes)."""
    market = SyntheticMarket(DEFAULT_WATCHLIST, seed=5, start_ns=START)
    writer = JournalWriter(
        folder,
        account="BENCH",
        mode=Mode.SIM,
        instruments=INSTRUMENTS,
        watchlist=DEFAULT_WATCHLIST,
    )
    written = 0
    until = START
    next_flush = START + FLUSH_NS
    while written < EVENTS:
        until += 60 * NS_PER_SECOND
        for event in market.advance(until):
            if event.ts >= next_flush:
                writer.flush()
                next_flush = event.ts - event.ts % FLUSH_NS + FLUSH_NS
            writer.record_event(event.ts + 300_000, event, True)
            written += 1
            if written == EVENTS:
                break
    writer.close()
    assert writer.path is not None
    with open_journal(writer.path) as journal:
        frames = len(journal.frames)
    return writer.path, frames, writer.path.stat().st_size


def run() -> Figure:
    with tempfile.TemporaryDirectory() as tmp:
        path, frames, size = write(Path(tmp))
        target_ns = 0

        def once() -> float:
            nonlocal target_ns
            begin = time.perf_counter()
            with open_journal(path) as journal:
                target_ns = (journal.first_ns + journal.last_ns) // 2
                position = journal.position_at(target_ns)
                record = journal.record(position)
                assert record.ns >= target_ns
                assert journal.count == EVENTS
            return time.perf_counter() - begin

        seconds, runs = median_of(5, once)
    return Figure(
        name="open and seek a journal of 1,000,000 events",
        value=seconds,
        unit="s",
        target=f"< {TARGET_S:.0f} s",
        met=seconds < TARGET_S,
        detail=(
            f"{frames:,} frames, {size / 1e6:.1f} MB ({size / EVENTS:.1f} B/event); "
            f"runs {', '.join(f'{r:.3f}' for r in runs)} s; {machine()}"
        ),
    )


if __name__ == "__main__":
    print(run().line())
