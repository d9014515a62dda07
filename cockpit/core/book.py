"""One instrument's order book: resting size at each price, and what traded there.

Folded from :class:`~cockpit.core.events.DepthUpdated` (levels) and
:class:`~cockpit.core.events.Printed` (volume at price, the tape). Prices are integer
ticks and sizes ints, so the book is exact; every operation is a dict update, so a fast
market's thousands of level changes a second cost little.

A price ladder repaints only the rows that changed: every change notes its price in
:attr:`Book.changed`, which the ladder drains with :meth:`Book.take_changed`;
:attr:`Book.version` counts the changes for a reader that only needs to know whether to
look at all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from cockpit.core.events import Printed
from cockpit.core.models import Side

Level = tuple[int, int]
"""A price level: ``(price in ticks, size)``. Size 0 in a change removes the level."""

TAPE_SIZE = 500
"""Prints kept per instrument for time & sales."""


class Book:
    """Bids and asks by price, volume traded at each price this session, the recent tape."""

    __slots__ = (
        "_best_ask",
        "_best_bid",
        "asks",
        "bids",
        "changed",
        "tape",
        "traded",
        "version",
        "volume",
    )

    def __init__(self, tape_size: int = TAPE_SIZE) -> None:
        self.bids: dict[int, int] = {}
        """Resting bid size by price (only levels with size)."""
        self.asks: dict[int, int] = {}
        """Resting ask size by price (only levels with size)."""
        self.traded: dict[int, int] = {}
        """Contracts printed at each price this session (since the cockpit started)."""
        self.volume = 0
        """Contracts printed this session, all prices."""
        self.tape: deque[Printed] = deque(maxlen=tape_size)
        """The latest prints, oldest first."""
        self.changed: set[int] = set()
        """Prices whose bid, ask or traded volume changed since :meth:`take_changed`."""
        self.version = 0
        """Counts every change to levels, volume or tape: equal versions, equal book."""
        self._best_bid: int | None = None
        self._best_ask: int | None = None

    # Reading ---------------------------------------------------------------------------

    @property
    def best_bid(self) -> int | None:
        """The highest bid with size (None when the bid side is empty)."""
        return self._best_bid

    @property
    def best_ask(self) -> int | None:
        """The lowest ask with size (None when the ask side is empty)."""
        return self._best_ask

    def size_at(self, side: Side, price: int) -> int:
        """Resting size on ``side`` at ``price`` (0 when no level)."""
        return (self.bids if side is Side.BUY else self.asks).get(price, 0)

    def levels(self, side: Side, depth: int | None = None) -> list[Level]:
        """Levels on ``side`` from the touch outwards, at most ``depth`` of them."""
        levels = self.bids if side is Side.BUY else self.asks
        prices = sorted(levels, reverse=side is Side.BUY)
        if depth is not None:
            prices = prices[:depth]
        return [(price, levels[price]) for price in prices]

    def take_changed(self) -> set[int]:
        """The prices changed since the last call (for a repaint of those rows only)."""
        changed, self.changed = self.changed, set()
        return changed

    # Folding ---------------------------------------------------------------------------

    def apply(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        """Set each level's size (0 removes it); levels not named are left as they are."""
        changed = self.changed
        levels = self.bids
        best = self._best_bid
        recompute = False
        for price, size in bids:
            if size > 0:
                levels[price] = size
                if best is None or price > best:
                    best = price
            elif levels.pop(price, None) is not None and price == best:
                recompute = True
            changed.add(price)
        self._best_bid = max(levels, default=None) if recompute else best
        levels = self.asks
        best = self._best_ask
        recompute = False
        for price, size in asks:
            if size > 0:
                levels[price] = size
                if best is None or price < best:
                    best = price
            elif levels.pop(price, None) is not None and price == best:
                recompute = True
            changed.add(price)
        self._best_ask = min(levels, default=None) if recompute else best
        self.version += 1

    def reset(self) -> None:
        """Empty both sides (the feed is about to resend the book). Traded volume stays:
        it is the session's, not the feed's."""
        self.changed.update(self.bids)
        self.changed.update(self.asks)
        self.bids.clear()
        self.asks.clear()
        self._best_bid = self._best_ask = None
        self.version += 1

    def on_print(self, print_: Printed) -> None:
        """Count a print's size at its price and put it on the tape."""
        price = print_.price
        self.traded[price] = self.traded.get(price, 0) + print_.size
        self.volume += print_.size
        self.tape.append(print_)
        self.changed.add(price)
        self.version += 1
