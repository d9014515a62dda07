"""Count the week's trades at start: what the weekly trades rule costs a restart.

At start the cockpit reads the account's journals of the trading week for the round
trips they closed (:func:`cockpit.journal.days.week_so_far`), decoding only the frames
flagged as holding a fill; finished journals read before come from the folder's trips
cache. The folder here holds a busy week: five daily journals, each of a million market
events at the live flush cadence with 40 round trips spread through it. The figure is a
Friday start: four days already cached, the fifth (the last run) read, once, for its
trips and for the day so far (its fills folded for the daily limits; a journal last
written before the day began is not opened, so each file's time is its day's). Target:
under a second (the start budget is 1.5 s). The cold read of all five (no cache) is in
the detail.
"""

from __future__ import annotations

import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from benchmarks._common import Figure, machine, median_of
from cockpit.core.clock import NS_PER_MS, NS_PER_SECOND
from cockpit.core.events import FillReceived
from cockpit.core.instruments import DEFAULT_WATCHLIST, INSTRUMENTS
from cockpit.core.models import Fill, Mode, Side
from cockpit.journal.days import week_so_far
from cockpit.journal.files import runs
from cockpit.journal.trip_cache import FILE_NAME as CACHE
from cockpit.journal.trip_cache import TripCache
from cockpit.journal.writer import JournalWriter
from cockpit.market.synthetic import SyntheticMarket
from cockpit.risk.timing import Calendar

MONDAY = 1_773_068_400_000_000_000  # Monday 9 March 2026, 10:00 Chicago
DAY_NS = 24 * 3600 * NS_PER_SECOND
DAYS = 5
EVENTS = 1_000_000
TRIPS = 40
FLUSH_NS = 150 * NS_PER_MS
TARGET_S = 1.0


def write_day(folder: Path, start: int) -> int:
    """One day's journal: EVENTS market events with TRIPS MNQ round trips; its size."""
    market = SyntheticMarket(DEFAULT_WATCHLIST, seed=5, start_ns=start)
    writer = JournalWriter(
        folder, account="BENCH", mode=Mode.SIM, instruments=INSTRUMENTS, watchlist=DEFAULT_WATCHLIST
    )
    every = EVENTS // (2 * TRIPS)
    written = fills = 0
    until = start
    next_flush = start + FLUSH_NS
    while written < EVENTS:
        until += 60 * NS_PER_SECOND
        for event in market.advance(until):
            if event.ts >= next_flush:
                writer.flush()
                next_flush = event.ts - event.ts % FLUSH_NS + FLUSH_NS
            writer.record_event(event.ts + 300_000, event, True)
            written += 1
            if written % every == 0 and fills < 2 * TRIPS:
                fills += 1
                side, pnl = (Side.BUY, None) if fills % 2 else (Side.SELL, Decimal("12.50"))
                fill = Fill(fills, fills, 1, "MNQ", side, 1, 84_000, Decimal("0.37"), pnl, event.ts)
                writer.record_event(event.ts, FillReceived(event.ts, fill), True)
            if written == EVENTS:
                break
    writer.close()
    assert writer.path is not None
    for part in writer.paths:  # written that day, as a real week's journals are
        os.utime(part, ns=(until, until))
    return writer.path.stat().st_size


def run() -> Figure:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "journals"
        size = sum(write_day(folder, MONDAY + day * DAY_NS) for day in range(DAYS))
        now = MONDAY + (DAYS - 1) * DAY_NS + 8 * 3600 * NS_PER_SECOND
        calendar = Calendar()
        last = runs(folder)[-1]

        def count() -> float:
            begin = time.perf_counter()
            found = week_so_far(folder, "BENCH", calendar, now)
            elapsed = time.perf_counter() - begin
            assert found.earlier.week_trades == DAYS * TRIPS, found.earlier
            return elapsed

        def cold() -> float:
            (folder / CACHE).unlink(missing_ok=True)
            return count()

        def friday() -> float:
            cache = TripCache(folder)
            cache.runs.pop(last.name, None)
            cache.changed = True
            cache.save()
            return count()

        cold_s, _ = median_of(3, cold)
        seconds, runs_s = median_of(5, friday)
    return Figure(
        name="count the week's trades at start (four days cached, the last run read)",
        value=seconds * 1000,
        unit="ms",
        target=f"< {TARGET_S * 1000:.0f} ms",
        met=seconds < TARGET_S,
        detail=(
            f"{DAYS} journals, {size / 1e6:.1f} MB, {DAYS * EVENTS:,} events, "
            f"{DAYS * TRIPS} trades; runs {', '.join(f'{r * 1000:.0f}' for r in runs_s)} ms; "
            f"cold, all five read: {cold_s * 1000:.0f} ms; {machine()}"
        ),
    )


if __name__ == "__main__":
    print(run().line())
