"""Journal bytes per hour of a fast market, with the order book and without it.

MNQ's synthetic market is held in its fast regime (hundreds of prints and book updates a
second, the busiest the demo gets) for a minute; its quotes, prints and book updates are
written by the journal writer as a session writes them (positional JSON records, LZ4
frames of 2,000), and the file's size is scaled to an hour. The same minute is written
again without the book updates: the difference is what depth costs on disk.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

from benchmarks._common import Figure, machine
from cockpit.core.events import DepthUpdated, Event
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Mode
from cockpit.journal.writer import JournalWriter
from cockpit.market.profiles import FAST
from cockpit.market.synthetic import SyntheticMarket

START = 1_773_154_800_000_000_000  # Tuesday 10 March 2026, 10:00 Chicago
SECONDS = 60
BATCH = 2_000
TARGET_MB = 64.0
"""Depth's share for an hour of MNQ at its fastest: a whole day of it stays under 1.5 GB."""


def fast_minute() -> list[Event]:
    market = SyntheticMarket(["MNQ"], seed=11, start_ns=START)
    market.regime = FAST
    market._regime_end = 2**62  # hold the fast regime for the whole minute
    return [
        *market.opening_quotes(),
        *market.opening_books(),
        *market.advance(START + SECONDS * 1_000_000_000),
    ]


def journal_bytes(events: Iterable[Event]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        writer = JournalWriter(
            Path(tmp), account="BENCH", mode=Mode.SIM, instruments=INSTRUMENTS, watchlist=["MNQ"]
        )
        for number, event in enumerate(events, 1):
            writer.record_event(event.ts, event, True)
            if number % BATCH == 0:
                writer.flush()
        writer.close()
        return sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())


def run() -> Figure:
    events = fast_minute()
    updates = sum(1 for e in events if isinstance(e, DepthUpdated))
    whole = journal_bytes(events)
    without = journal_bytes(e for e in events if not isinstance(e, DepthUpdated))
    hour = 3600 / SECONDS / 1e6
    depth_mb = (whole - without) * hour
    return Figure(
        name="journal bytes per hour of book updates, MNQ in a fast market",
        value=depth_mb,
        unit="MB/h",
        target=f"<= {TARGET_MB:.0f} MB/h",
        met=depth_mb <= TARGET_MB,
        detail=(
            f"{updates / SECONDS:,.0f} book updates/s, {(whole - without) / updates:.1f} bytes "
            f"each; the whole market {whole * hour:.0f} MB/h with the book, "
            f"{without * hour:.0f} MB/h without; {machine()}"
        ),
    )


if __name__ == "__main__":
    print(run().line())
