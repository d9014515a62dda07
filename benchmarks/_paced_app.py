"""The real cockpit, run as a trader runs it, but on a tape paced at a chosen rate.

``python -m benchmarks._paced_app --quotes 60 --prints 24 --symbols MNQ,MES,M2K,MYM
--config FILE`` builds the session from the settings as ``cockpit`` does (journal and lockouts kept
away from the trader's files, see _session), with a :class:`PacedBroker` in place of
the demo's pump, and runs the app in the terminal it
was started in. The terminal-bytes benchmark starts it in a pseudo-terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from benchmarks._session import bench_session
from benchmarks._storm import Move, cycle, moves
from cockpit.brokers.paper import PaperBroker
from cockpit.cli import with_overrides
from cockpit.config import load_settings
from cockpit.core.broker import EventSink
from cockpit.core.clock import WallClock
from cockpit.ui.app import make_app


class PacedBroker(PaperBroker):
    """The paper broker on a seeded tape played at ``rate`` events a second, in real time.

    The tape starts from the synthetic market's opening touch, so it continues the
    history the chart shows; each event is stamped with the wall clock as it is sent.
    """

    def __init__(
        self, clock: WallClock, symbols: list[str], *, rate: float, print_share: float
    ) -> None:
        super().__init__(clock, symbols, pump_interval=0)
        self.rate = rate
        self.print_share = print_share
        self._feed: asyncio.Task[None] | None = None

    async def start(self, sink: EventSink) -> None:
        await super().start(sink)
        bids = {symbol: self.market.touch(symbol)[0] for symbol in self.symbols}
        steps = moves(self.symbols, 10_000, print_share=self.print_share, start_bids=bids)
        self._feed = asyncio.get_running_loop().create_task(self._play(steps))

    async def stop(self) -> None:
        if self._feed is not None:
            self._feed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feed
        await super().stop()

    async def _play(self, steps: list[Move]) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for sent, move in enumerate(cycle(steps)):
            due = start + sent / self.rate
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            sink = self._sink
            if sink is None:
                return
            event = move.event(self.clock.now_ns())
            sink(event)
            self.account.on_market(event)
            self._flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._paced_app")
    parser.add_argument("--quotes", type=float, default=60.0, help="quotes a second")
    parser.add_argument("--prints", type=float, default=24.0, help="prints a second")
    parser.add_argument("--symbols", default="MNQ,MES,M2K,MYM")
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args(argv)
    settings, _ = load_settings(args.config)
    settings = with_overrides(settings, symbols=args.symbols.split(","))
    symbols = list(settings.ui.watchlist)
    rate = args.quotes + args.prints
    clock = WallClock()
    broker = PacedBroker(clock, symbols, rate=rate, print_share=args.prints / rate)
    app = make_app(bench_session(settings, clock=clock, broker=broker))
    return int(app.run() or app.return_code or 0)


if __name__ == "__main__":
    sys.exit(main())
