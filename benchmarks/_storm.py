"""A seeded tape of quotes and prints for benchmarks, generated before anything is timed.

The synthetic market's rate is set by its profiles (about a hundred events a second);
a benchmark needs a tape at the rate it asks for. So this walks each instrument's touch
from its profile price, one tick at a time, and leaves the timestamps to the caller:
either stamped ahead (``tape``) or stamped as they are fed (``moves`` + ``quote_at``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from cockpit.core.events import Event, Printed, QuoteUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Side
from cockpit.market.profiles import PROFILES

STORM_SYMBOLS = ("MNQ", "MES", "M2K", "MYM", "MGC", "MCL")
"""The six instruments of the default watchlist."""


@dataclass(frozen=True, slots=True)
class Move:
    """One step of the tape without its time: a quote, or a print when ``price`` is set."""

    symbol: str
    bid: int
    ask: int
    bid_size: int
    ask_size: int
    price: int | None = None
    size: int = 0
    aggressor: Side | None = None

    def event(self, ts: int) -> Event:
        if self.price is not None:
            return Printed(ts, self.symbol, self.price, self.size, self.aggressor)
        return QuoteUpdated(ts, self.symbol, self.bid, self.ask, self.bid_size, self.ask_size)


def moves(
    symbols: Sequence[str],
    count: int,
    *,
    seed: int = 11,
    print_share: float = 0.0,
    start_bids: Mapping[str, int] | None = None,
) -> list[Move]:
    """``count`` steps across ``symbols``; about ``print_share`` of them are prints.

    Each instrument starts from ``start_bids`` (ticks) if given, else its profile price.
    """
    rng = random.Random(seed)
    start = dict(start_bids or {})
    bids = {
        s: start.get(s, int(PROFILES[s].base_price / INSTRUMENTS[s].tick_size)) for s in symbols
    }
    out: list[Move] = []
    for _ in range(count):
        symbol = symbols[rng.randrange(len(symbols))]
        bid = bids[symbol]
        if rng.random() < print_share:
            buy = rng.random() < 0.5
            price = bid + 1 if buy else bid
            side = Side.BUY if buy else Side.SELL
            out.append(Move(symbol, bid, bid + 1, 0, 0, price, rng.randint(1, 10), side))
            continue
        step = rng.random()
        if step < 0.15:
            bid -= 1
        elif step > 0.85:
            bid += 1
        bids[symbol] = bid
        out.append(Move(symbol, bid, bid + 1, rng.randint(1, 60), rng.randint(1, 60)))
    return out


def tape(
    symbols: Sequence[str],
    count: int,
    *,
    start_ns: int,
    rate: float,
    seed: int = 11,
    print_share: float = 0.0,
) -> list[Event]:
    """A tape stamped ahead: ``rate`` events per second of exchange time from ``start_ns``."""
    spacing = 1e9 / rate
    steps = moves(symbols, count, seed=seed, print_share=print_share)
    return [move.event(start_ns + int(i * spacing)) for i, move in enumerate(steps)]


def cycle(steps: Sequence[Move]) -> Iterator[Move]:
    """The steps over and over, for a paced feed that runs longer than its tape."""
    while True:
        yield from steps
