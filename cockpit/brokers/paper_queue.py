"""Where each resting limit order of the paper account stands in its price level's queue.

A limit order joins the back of its level: the size the book shows there is ahead of it.
Prints at its price eat the queue from the front; once the volume traded there exceeds
what was ahead, the excess fills the order (partly, if the print was small). Size pulled
from the level shrinks the queue ahead too, since what is left can be no more than the
level shows. Price trading *through* the level fills the rest whatever the queue: that
rule stays with the matching in :mod:`cockpit.brokers.paper`.

Where the queue cannot be known (no book for the instrument, or a price beyond the
levels shown) it is unknown until the level appears, and until then only trading
through fills the order: the conservative rule the paper broker had before depth.
"""

from __future__ import annotations

from cockpit.core.book import Book
from cockpit.core.events import DepthUpdated
from cockpit.core.models import Order, Side


class QueuePositions:
    """The book the paper account sees, and the size ahead of each resting limit order."""

    def __init__(self) -> None:
        self.books: dict[str, Book] = {}
        self.ahead: dict[int, int | None] = {}
        """Contracts ahead of each resting limit order, by order id (None: unknown)."""

    def on_depth(self, e: DepthUpdated, resting: list[Order]) -> None:
        """Fold a book change; a level's new size caps the queue ahead of orders there."""
        book = self.books.get(e.symbol)
        if book is None:
            book = self.books[e.symbol] = Book(tape_size=1)
        if e.reset:
            book.reset()
        book.apply(e.bids, e.asks)
        ahead = self.ahead
        for order in resting:
            if order.id not in ahead or order.limit is None:
                continue
            size = book.size_at(order.side, order.limit)
            if size > 0:
                before = ahead[order.id]
                ahead[order.id] = size if before is None else min(before, size)

    def join(self, order: Order) -> None:
        """``order`` rests at its limit from now: behind everything the book shows there."""
        assert order.limit is not None
        self.ahead[order.id] = self._queue_at(order.symbol, order.side, order.limit)

    def leave(self, order_id: int) -> None:
        """The order filled, was cancelled or left its level."""
        self.ahead.pop(order_id, None)

    def take(self, order: Order, volume: int) -> tuple[int, int]:
        """A print of ``volume`` at the order's price: how many contracts it fills, and
        how much of the print an order of ours behind it still sees traded."""
        ahead = self.ahead.get(order.id)
        if ahead is None:
            return 0, volume
        if volume <= ahead:
            self.ahead[order.id] = ahead - volume
            return 0, volume
        self.ahead[order.id] = 0
        filled = min(order.remaining, volume - ahead)
        return filled, volume - filled

    def _queue_at(self, symbol: str, side: Side, price: int) -> int | None:
        book = self.books.get(symbol)
        if book is None:
            return None
        size = book.size_at(side, price)
        if size > 0:
            return size
        levels = book.bids if side is Side.BUY else book.asks
        if not levels:
            return None
        deepest = min(levels) if side is Side.BUY else max(levels)
        within = price >= deepest if side is Side.BUY else price <= deepest
        return 0 if within else None  # a gap in the book, or better than the touch: first
