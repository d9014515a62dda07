"""What the journal adds to the engine's cost per event.

The synthetic market's quotes and prints for six instruments (an hour of them) are fed
to the engine (``Engine.on_event``: clock, fold, record, watchers) with the wall clock,
as live. Three ways, interleaved run by run so the machine's drift hits all alike:

* **bare**: the engine's null recorder;
* **hot path**: the journal writer as the recorder, timing only the events (its cost on
  each event is two list appends);
* **with flushes**: the same, plus its batch flush every 2,000 events (encoding, LZ4,
  the write) included in the time: the work that runs on the same loop every 150 ms.

Each chunk of 2,000 events gives one ratio per way (journal time over bare time, the
three measured back to back); the figure is the median ratio over every chunk of every
run, which a stray pause of the machine (a GC pass, a neighbour's burst) cannot move.
Target under 5% for the hot path; the detail gives the cost with flushes included and
the plain totals, honestly.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._common import Figure, machine
from cockpit.core.clock import WallClock
from cockpit.core.engine import Engine, NullRecorder
from cockpit.core.events import Event
from cockpit.core.instruments import DEFAULT_WATCHLIST, INSTRUMENTS
from cockpit.core.models import Mode
from cockpit.core.state import State
from cockpit.journal.writer import JournalWriter
from cockpit.market.synthetic import SyntheticMarket

START = 1_773_154_800_000_000_000  # Tuesday 10 March 2026, 10:00 Chicago
SECONDS = 3600
BATCH = 2_000
RUNS = 5
TARGET_PCT = 5.0


def events() -> list[Event]:
    market = SyntheticMarket(DEFAULT_WATCHLIST, seed=11, start_ns=START)
    return [*market.opening_quotes(), *market.advance(START + SECONDS * 1_000_000_000)]


def measure(stream: list[Event], folder: Path) -> list[tuple[int, int, int]]:
    """Nanoseconds per chunk: bare, hot path, with flushes.

    Three engines take the same chunk of events in turn (the order rotating chunk by
    chunk), so a noisy neighbour on the machine slows all three alike.
    """
    writers = [
        JournalWriter(
            folder / name,
            account="BENCH",
            mode=Mode.SIM,
            instruments=INSTRUMENTS,
            watchlist=DEFAULT_WATCHLIST,
        )
        for name in ("hot", "full")
    ]
    recorders = [NullRecorder(), *writers]
    engines = [
        Engine(State(INSTRUMENTS, DEFAULT_WATCHLIST), WallClock(), recorder=recorder)
        for recorder in recorders
    ]
    chunks: list[tuple[int, int, int]] = []
    perf = time.perf_counter_ns
    for number, start in enumerate(range(0, len(stream), BATCH)):
        chunk = stream[start : start + BATCH]
        spent = [0, 0, 0]
        for way in (number % 3, (number + 1) % 3, (number + 2) % 3):
            on_event = engines[way].on_event
            begin = perf()
            for event in chunk:
                on_event(event)
            if way == 2:
                writers[1].flush()
            spent[way] += perf() - begin
            if way == 1:
                writers[0].flush()  # outside the timing: the hot path alone
        chunks.append((spent[0], spent[1], spent[2]))
    for writer in writers:
        writer.close()
    return chunks


def run() -> Figure:
    stream = events()
    chunks: list[tuple[int, int, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(RUNS):
            chunks += measure(stream, Path(tmp) / str(n))
    hot_pct = (statistics.median(h / b for b, h, _ in chunks) - 1) * 100
    full_pct = (statistics.median(f / b for b, _, f in chunks) - 1) * 100
    totals = [sum(c[way] for c in chunks) for way in range(3)]
    per_event = [total / (len(stream) * RUNS) for total in totals]
    return Figure(
        name="journal overhead on the engine's per-event cost (hot path)",
        value=hot_pct,
        unit="%",
        target=f"< {TARGET_PCT:.0f}%",
        met=hot_pct < TARGET_PCT,
        detail=(
            f"including the batch flush (encode, LZ4, write) +{full_pct:.0f}%; totals "
            f"{per_event[0]:.0f} / {per_event[1]:.0f} / {per_event[2]:.0f} ns per event "
            f"(bare / hot path / with flushes); {len(chunks):,} chunks of {BATCH:,} events; "
            f"{machine()}"
        ),
    )


if __name__ == "__main__":
    print(run().line())
