"""``GatewayDepth`` as the Gateway sends it: the venue's book, coalesced per pump tick.

A market hub event is ``[contractId, [entry, ...]]``; each entry is ``{timestamp, type,
price, volume, currentVolume}`` with ``type`` a DomType code (reference section 4): 2 Bid
and 1 Ask for a level, 4 BestBid and 3 BestAsk for the touch, 6 Reset to empty the book.
``volume`` is the size resting at the price and 0 removes the level; ``currentVolume``
(whose meaning the Gateway leaves undocumented and project-x-py ignores) carries the
volume traded at the price this session, so a client reading the wrong field shows
nonsense rather than something plausible.

Between two pump ticks the synthetic market may change a level many times; only its
latest size goes out, as the Gateway coalesces under load. A new subscriber first gets
the whole book: a Reset, then every level.
"""

from __future__ import annotations

from typing import Any

from cockpit.core.book import Book
from cockpit.core.events import DepthUpdated, Printed
from cockpit.core.instruments import Instrument
from cockpit.gateway import render

ASK, BID, BEST_ASK, BEST_BID, RESET = 1, 2, 3, 4, 6
"""The DomType codes the emulator sends."""


Pending = tuple[dict[int, int], dict[int, int], bool]
"""Net bid and ask changes since the last publish, and whether a reset came first."""


class DepthFeed:
    """Every symbol's book and the level changes not yet published."""

    def __init__(self, specs: dict[str, Instrument]) -> None:
        self.specs = specs
        self.books: dict[str, Book] = {symbol: Book(tape_size=1) for symbol in specs}
        self._pending: dict[str, Pending] = {}

    def on_depth(self, e: DepthUpdated) -> None:
        """Fold a change into the book and into what the next tick publishes."""
        book = self.books[e.symbol]
        bids, asks, _ = self._pending.setdefault(e.symbol, ({}, {}, False))
        if e.reset:  # what came before is void: the Reset entry empties the client's book
            bids.clear()
            asks.clear()
            self._pending[e.symbol] = (bids, asks, True)
            book.reset()
        book.apply(e.bids, e.asks)
        bids.update(e.bids)
        asks.update(e.asks)

    def on_print(self, e: Printed) -> None:
        """Count the print at its price (what ``currentVolume`` carries)."""
        self.books[e.symbol].on_print(e)

    def take(self, symbol: str) -> Pending | None:
        """The changes to publish for ``symbol`` since the last take (None when none)."""
        return self._pending.pop(symbol, None)

    def changes(
        self, symbol: str, pending: Pending, ts: int, spread: int = 0
    ) -> list[dict[str, Any]]:
        """The entries for changes taken, for one listing (``spread`` ticks up)."""
        bids, asks, reset = pending
        return self._entries(symbol, bids, asks, reset, ts, spread)

    def snapshot(self, symbol: str, ts: int, spread: int = 0) -> list[dict[str, Any]]:
        """The whole book for a new subscriber: a Reset, then every level."""
        book = self.books[symbol]
        return self._entries(symbol, book.bids, book.asks, True, ts, spread)

    def _entries(
        self,
        symbol: str,
        bids: dict[int, int],
        asks: dict[int, int],
        reset: bool,
        ts: int,
        spread: int,
    ) -> list[dict[str, Any]]:
        spec = self.specs[symbol]
        book = self.books[symbol]
        stamp = render.iso(ts)
        entries: list[dict[str, Any]] = []
        if reset:
            entries.append(
                {"timestamp": stamp, "type": RESET, "price": 0.0, "volume": 0, "currentVolume": 0}
            )
        for levels, plain, best, touch in (
            (bids, BID, BEST_BID, book.best_bid),
            (asks, ASK, BEST_ASK, book.best_ask),
        ):
            for price, size in levels.items():
                if reset and size == 0:
                    continue  # the Reset already removed it
                entries.append(
                    {
                        "timestamp": stamp,
                        "type": best if price == touch else plain,
                        "price": float(spec.to_price(price + spread)),
                        "volume": size,
                        "currentVolume": book.traded.get(price, 0),
                    }
                )
        return entries
