"""Replay at 64x keeps the keys responsive: how long the event loop makes a key wait.

A journal of the synthetic market for six instruments (with its chart history, about
140 events a second of market time) is replayed at 64x while a probe task asks to run
every millisecond and notes how late it ran: what a key press would meet. The figure
is the 99th percentile of that delay (a Textual app redraws at 60 Hz: a frame is 16 ms);
the detail gives the worst delay, and the unpaced replay speed of the same journal.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks._common import Figure, machine, percentile
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import FakeClock
from cockpit.core.engine import Engine
from cockpit.core.instruments import DEFAULT_WATCHLIST, INSTRUMENTS
from cockpit.core.models import Mode
from cockpit.core.state import State
from cockpit.journal.writer import JournalWriter
from cockpit.market.synthetic import SyntheticMarket
from cockpit.replay import open_replay

START = 1_773_154_800_000_000_000  # Tuesday 10 March 2026, 10:00 Chicago
EVENTS = 150_000
SPEED = 64.0
TARGET_MS = 16.0


def write(folder: Path) -> Path:
    clock = FakeClock(START)
    market = SyntheticMarket(DEFAULT_WATCHLIST, seed=3, start_ns=START)
    writer = JournalWriter(
        folder, account="BENCH", mode=Mode.SIM, instruments=INSTRUMENTS, watchlist=DEFAULT_WATCHLIST
    )
    engine = Engine(State(INSTRUMENTS, DEFAULT_WATCHLIST), clock, recorder=writer)
    for event in [*market.history_events(), *market.opening_quotes()]:
        engine.on_event(event)
    written = 0
    until = START
    while written < EVENTS:
        until += 60_000_000_000
        for event in market.advance(until):
            clock.set(event.ts)
            engine.on_event(event)
            written += 1
        writer.flush()
    writer.close()
    assert writer.path is not None
    return writer.path


async def replay(path: Path, speed: float | None) -> tuple[list[float], float, int]:
    session = open_replay(path)
    session.set_speed(speed)
    late: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        loop = asyncio.get_running_loop()
        while not done.is_set():
            asked = loop.time()
            await asyncio.sleep(0.001)
            late.append((loop.time() - asked - 0.001) * 1000)

    task = asyncio.create_task(probe())
    begin = time.perf_counter()
    await session.start()
    session.play()
    while True:
        if session.at_end:
            break
        await asyncio.sleep(0.01)
    seconds = time.perf_counter() - begin
    done.set()
    await task
    await session.stop()
    count = session.count
    session.journal.close()
    return late, seconds, count


def run() -> Figure:
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp))
        late, paced, count = cockpit_loop.run(replay(path, SPEED))
        fast_late, unpaced, _ = cockpit_loop.run(replay(path, None))
    p99 = percentile(late, 99)
    return Figure(
        name="key wait while replaying at 64x",
        value=p99,
        unit="ms p99",
        target=f"< {TARGET_MS:.0f} ms",
        met=p99 < TARGET_MS,
        detail=(
            f"worst {max(late):.0f} ms over {len(late):,} probes in {paced:.0f} s; unpaced: "
            f"{count:,} records in {unpaced:.1f} s ({count / unpaced:,.0f} records/s, "
            f"checkpoints included), key wait p99 {percentile(fast_late, 99):.0f} ms, "
            f"worst {max(fast_late):.0f} ms; {machine()}"
        ),
    )


if __name__ == "__main__":
    print(run().line())
