"""Terminal bytes with the ladder shown under a storm: what an SSH link carries.

The real app runs in a 120x40 pseudo-terminal (truecolor) as ``python -m
benchmarks.ladder_bytes --child``: the paper broker fed in real time, in batches of
everything due (as a socket buffer delivers), with 20,000 quotes a second over six
instruments (MNQ's touch moving ten ticks a second, see ladder_storm), 2,000 depth
updates a second on MNQ and 200 MNQ prints a second. Once the
screen is up the benchmark types ``d`` (the ladder, with the keys) and ``T`` (time &
sales), waits for both, then counts every byte read from the pty over ten seconds, and
which panel each byte painted (see _bytemap).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import psutil

from benchmarks._bytemap import bytes_by_widget, dump_regions, read_regions
from benchmarks._common import Figure
from benchmarks._pty import terminal
from benchmarks._session import bench_session
from benchmarks._storm import STORM_SYMBOLS, Move, cycle
from benchmarks.ladder_storm import (
    DEPTH,
    MNQ_TICKS,
    PRINTS,
    QUOTES,
    SYMBOL,
    depth_tape,
    storm_moves,
)
from cockpit.brokers.paper import PaperBroker
from cockpit.cli import with_overrides
from cockpit.config import load_settings
from cockpit.core.broker import EventSink
from cockpit.core.clock import WallClock
from cockpit.core.events import DepthUpdated, Printed
from cockpit.core.models import Side
from cockpit.ui.app import make_app

WARMUP_S = 4.0
MEASURE_S = 10.0
RUNS = 3
TARGET = 30 * 1024
BATCH_S = 0.002


class StormBroker(PaperBroker):
    """The paper broker fed the ladder storm in real time (see the module docstring)."""

    def __init__(self, clock: WallClock, symbols: list[str]) -> None:
        super().__init__(clock, symbols, pump_interval=0)
        self._feed: asyncio.Task[None] | None = None
        self.every_second: Callable[[], None] | None = None
        """Called about once a second of the storm (the child writes the panels' regions)."""

    async def start(self, sink: EventSink) -> None:
        await super().start(sink)
        bids = {symbol: self.market.touch(symbol)[0] for symbol in self.symbols}
        steps = storm_moves(200_000, start_bids=bids)
        self._feed = asyncio.get_running_loop().create_task(self._play(steps))

    async def stop(self) -> None:
        if self._feed is not None:
            self._feed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feed
        await super().stop()

    async def _play(self, steps: list[Move]) -> None:
        loop = asyncio.get_running_loop()
        quotes = cycle(steps)
        levels = cycle(depth_tape(20_000, seed=3))
        rng = random.Random(5)
        start = loop.time()
        sent = sent_depth = sent_prints = 0
        reported = 0
        bid, ask = self.market.touch(SYMBOL)
        while (sink := self._sink) is not None:
            elapsed = loop.time() - start
            due, due_depth = int(elapsed * QUOTES), int(elapsed * DEPTH)
            due_prints = int(elapsed * PRINTS)
            now = self.clock.now_ns()
            for _ in range(due - sent):
                move = next(quotes)
                event = move.event(now)
                sink(event)
                self.account.on_market(event)
                if move.symbol == SYMBOL:
                    bid, ask = move.bid, move.ask
            for _ in range(due_depth - sent_depth):
                offset, size, bid_side = next(levels)
                if bid_side:
                    sink(DepthUpdated(now, SYMBOL, bids=((bid - offset, size),)))
                else:
                    sink(DepthUpdated(now, SYMBOL, asks=((ask + offset, size),)))
            for _ in range(due_prints - sent_prints):
                buy = rng.random() < 0.5
                side = Side.BUY if buy else Side.SELL
                size = rng.choice((1, 1, 2, 3, 5, 12))
                sink(Printed(now, SYMBOL, ask if buy else bid, size, side))
            self._flush()
            sent, sent_depth, sent_prints = due, due_depth, due_prints
            if self.every_second is not None and int(elapsed) > reported:
                reported = int(elapsed)
                self.every_second()
            await asyncio.sleep(BATCH_S)


def child(config: Path, regions: Path | None) -> int:
    """The cockpit on the storm, in the terminal it was started in; with ``regions``, the
    panels' screen regions are written there every second."""
    settings, _ = load_settings(config)
    settings = with_overrides(settings, symbols=list(STORM_SYMBOLS))
    clock = WallClock()
    broker = StormBroker(clock, list(settings.ui.watchlist))
    app = make_app(bench_session(settings, clock=clock, broker=broker))
    if regions is not None:
        broker.every_second = lambda: dump_regions(app._drained, regions)
    return int(app.run() or app.return_code or 0)


def one_run() -> tuple[float, Counter[str]]:
    """Bytes a second written to the terminal with the ladder and the tape shown, and the
    bytes a second of each panel."""
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-regions-") as folder:
        regions = Path(folder) / "regions.json"
        args = ["-m", "benchmarks.ladder_bytes", "--child", "--config", "{config}"]
        with terminal([*args, "--regions", str(regions)]) as screen:
            screen.wait_for(lambda s: "watchlist" in s.text, "the cockpit's first screen")
            screen.press("d", "T")
            screen.wait_for(lambda s: "LADDER" in s.footer, "the ladder with the keys")
            screen.wait_for(lambda s: "time & sales" in s.text, "time & sales")
            screen.drain_for(WARMUP_S)
            if screen.process.poll() is not None:
                raise RuntimeError(f"the app exited with {screen.process.returncode}")
            written = bytearray()
            end = time.perf_counter() + MEASURE_S
            while (left := end - time.perf_counter()) > 0:
                written += screen.read(min(left, 0.05))
            shares = bytes_by_widget(bytes(written), read_regions(regions))
    per_second = Counter({name: count / MEASURE_S for name, count in shares.items()})
    return len(written) / MEASURE_S, per_second


def run() -> Figure:
    measured = [one_run() for _ in range(RUNS)]
    rates = [rate for rate, _ in measured]
    rate = statistics.median(rates)
    _, shares = measured[rates.index(rate)]
    panels = ", ".join(
        f"{name} {count / 1024:.1f}" for name, count in shares.most_common() if count >= 100
    )
    return Figure(
        name="ladder_bytes",
        value=rate / 1024,
        unit="KB/s to the terminal",
        target=f"< {TARGET // 1024} KB/s",
        met=rate < TARGET,
        detail=(
            f"ladder and time & sales shown in a 120x40 truecolor pty under {QUOTES:,} "
            f"quotes/s over 6 instruments + {DEPTH:,} depth updates/s and {PRINTS} prints/s "
            f"on {SYMBOL}, its touch moving {MNQ_TICKS:.0f} ticks/s; {MEASURE_S:.0f} s after "
            f"{WARMUP_S:.0f} s; median of {RUNS} runs "
            f"({', '.join(f'{r / 1024:.1f}' for r in rates)} KB/s); by panel in the "
            f"median run (KB/s): {panels}; load average {psutil.getloadavg()[0]:.1f}"
        ),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ladder_bytes")
    parser.add_argument("--child", action="store_true", help="run the cockpit on the storm")
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--regions", type=Path, default=None, help="write panel regions here")
    options = parser.parse_args()
    if options.child:
        assert options.config is not None
        sys.exit(child(options.config, options.regions))
    print(run().line())
