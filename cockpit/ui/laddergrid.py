"""The price ladder as rows of styled text, and where it looks: pure, tested without a terminal.

One row per tick, highest price on top: the trader's buy orders, the bid size, the price,
the ask size, the trader's sell orders and the volume traded at that price this session.
Bids sit left of the price and asks right of it, buys left and sells right, and every
column has a header word, so nothing rests on colour alone (NO_COLOR, colour-blind). The
cursor row carries ``▸`` and ``◂`` at its ends; the last print ``●`` and the position's
average ``◆`` beside the price.

:class:`LadderView` decides which prices are on screen: it keeps the last price in view,
but for ``hold_ns`` after each cursor move it shifts nothing, so the row a trader is
aiming at stays where it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from cockpit.core.models import Order, OrderType, Side
from cockpit.ui.chartgrid import Row, compact_count

CURSOR_LEFT = "▸"
CURSOR_RIGHT = "◂"
LAST_MARK = "●"
AVERAGE_MARK = "◆"
BOTH_MARK = "◈"
"""The last print at the position's average."""
KINDS = {
    OrderType.LIMIT: "LMT",
    OrderType.JOIN_BID: "LMT",
    OrderType.JOIN_ASK: "LMT",
    OrderType.STOP: "STP",
    OrderType.STOP_LIMIT: "STL",
    OrderType.TRAILING_STOP: "TRL",
}


@dataclass(frozen=True, slots=True)
class LadderRow:
    """What one price row shows (sizes 0: nothing there)."""

    price: int
    bid: int = 0
    ask: int = 0
    volume: int = 0
    buys: str = ""
    """The trader's buy orders at this price, e.g. ``2 LMT``."""
    sells: str = ""
    last: bool = False
    average: bool = False
    cursor: bool = False


@dataclass(frozen=True, slots=True)
class Layout:
    """Column widths for a ladder ``width`` cells wide."""

    pad: int
    orders: int
    size: int
    price: int
    volume: int

    @classmethod
    def fit(cls, width: int, price_width: int) -> Layout:
        """The widest columns that fit; what is left centres the ladder."""
        for orders, size, volume in ((7, 6, 8), (6, 5, 6), (5, 4, 4), (4, 3, 4)):
            layout = cls(0, orders, size, price_width, volume)
            if layout.used <= width:
                return cls((width - layout.used) // 2, orders, size, price_width, volume)
        return cls(0, 4, 3, price_width, 4)

    def changed_spans(self, old: LadderRow, new: LadderRow) -> list[tuple[int, int]]:
        """The cells (start, end) of a row that differ between ``old`` and ``new``: a book
        that changes one size repaints six cells, not the row. Another price or the cursor
        coming or going repaints the whole row (its styles change across it)."""
        if old.price != new.price or old.cursor != new.cursor:
            return [(0, self.pad + self.used)]
        o, s = self.orders, self.size
        _, bid, price, ask, sells, volume = self.starts
        buys = self.pad + 1
        marks = (old.last, old.average) != (new.last, new.average)
        fields = (
            (old.buys != new.buys, buys, o),
            (old.bid != new.bid, bid, s),
            (marks, price, self.price + 1),
            (old.ask != new.ask, ask, s),
            (old.sells != new.sells, sells, o),
            (old.volume != new.volume, volume, self.volume),
        )
        return [(start, start + width) for changed, start, width in fields if changed]

    @property
    def starts(self) -> tuple[int, int, int, int, int, int]:
        """Where each column starts: the cursor mark and buys (from 0), bid, price and its
        mark, ask, sells, volume and the right cursor mark."""
        bid = self.pad + 1 + self.orders + 1
        price = bid + self.size + 1
        ask = price + self.price + 2
        sells = ask + self.size + 1
        return 0, bid, price, ask, sells, sells + self.orders + 1

    @property
    def slices(self) -> tuple[int, int, int, int]:
        """Where the ladder's column slices start: the cursor mark and buys; bid, price
        and its mark; ask and sells; volume. A slice sends a change from its own left
        edge, so each starts with a column that changes often (a size) and ends with
        ones that rarely do; four slices, not six, keep the compositor's work small."""
        _, bid, _, ask, _, volume = self.starts
        return 0, bid, ask, volume

    @property
    def used(self) -> int:
        """Cells per row: markers, six columns and the spaces between them."""
        return 2 + 2 * self.orders + 2 * self.size + self.price + self.volume + 6


def row_price(order: Order) -> int | None:
    """The row an order sits on: a stop-limit at its stop (where it triggers), others at
    their limit or stop."""
    return order.stop if order.type is OrderType.STOP_LIMIT else order.price


def order_tags(orders: Iterable[Order]) -> tuple[dict[int, str], dict[int, str]]:
    """The trader's working orders by price: (buys, sells), each ``size KIND`` (``2 LMT``);
    orders of different kinds on one price add up as ``MIX``."""
    sizes: dict[tuple[Side, int], int] = {}
    kinds: dict[tuple[Side, int], str] = {}
    for order in orders:
        price = row_price(order)
        if price is None:
            continue
        key = (order.side, price)
        sizes[key] = sizes.get(key, 0) + order.remaining
        kind = KINDS.get(order.type, "?")
        kinds[key] = kind if kinds.get(key, kind) == kind else "MIX"
    buys: dict[int, str] = {}
    sells: dict[int, str] = {}
    for (side, price), size in sizes.items():
        (buys if side is Side.BUY else sells)[price] = f"{size} {kinds[(side, price)]}"
    return buys, sells


def ladder_rows(
    prices: Iterable[int],
    *,
    bids: Mapping[int, int],
    asks: Mapping[int, int],
    volume: Mapping[int, int],
    orders: Iterable[Order] = (),
    last: int | None = None,
    average: Fraction | None = None,
    cursor: int | None = None,
) -> list[LadderRow]:
    """One :class:`LadderRow` per price, in the order given. ``average`` is marked on the
    tick nearest to it (an average between ticks rounds half up)."""
    buys, sells = order_tags(orders)
    marked = None if average is None else math.floor(average + Fraction(1, 2))
    return [
        LadderRow(
            price,
            bids.get(price, 0),
            asks.get(price, 0),
            volume.get(price, 0),
            buys.get(price, ""),
            sells.get(price, ""),
            price == last,
            price == marked,
            price == cursor,
        )
        for price in prices
    ]


def hold_sizes(
    before: list[LadderRow], new: list[LadderRow], bid: int, ask: int
) -> list[LadderRow]:
    """``new`` with the sizes of ``before`` kept where only a number changed away from the
    touch: the book's depth is repainted at a calmer pace than the touch.

    A side of a row keeps its old size only when the row shows the same price outside
    the touch (below ``bid`` or above ``ask``) and that level is still there (a size
    changed, say 40 to 42): a level that appears or goes shows at once, so nothing is
    shown that is not in the book and nothing in it is hidden. The touch rows, the
    volume, the trader's orders, the marks and the cursor are always as ``new`` has them.
    """
    out = []
    for index, row in enumerate(new):
        old = before[index] if index < len(before) else None
        if old is not None and old.price == row.price and not bid <= row.price <= ask:
            held_bid = old.bid if old.bid and row.bid else row.bid
            held_ask = old.ask if old.ask and row.ask else row.ask
            if (held_bid, held_ask) != (row.bid, row.ask):
                row = replace(row, bid=held_bid, ask=held_ask)
        out.append(row)
    return out


def header(layout: Layout) -> Row:
    """The column names: the words that say which side is which without colour."""
    o, s = layout.orders, layout.size
    text = (
        f"{' ' * layout.pad} {'BUY':>{o}} {'BID':>{s}} {'PRICE':>{layout.price}}  "
        f"{'ASK':<{s}} {'SELL':<{o}} {'VOL':>{layout.volume}} "
    )
    return [(text, "header")]


def row_runs(row: LadderRow, layout: Layout, format_price: Callable[[int], str]) -> Row:
    """One price row as (text, style) runs; the cursor row's styles gain ``cursor``."""
    o, s = layout.orders, layout.size
    mark = (
        BOTH_MARK
        if row.last and row.average
        else LAST_MARK
        if row.last
        else AVERAGE_MARK
        if row.average
        else " "
    )
    price_style = "last" if row.last else "avg" if row.average else "price"
    runs: Row = [
        (" " * layout.pad + (CURSOR_LEFT if row.cursor else " "), "cursor-mark"),
        (f"{_fit(row.buys, o):>{o}} ", "buy"),
        (f"{_size(row.bid, s):>{s}} ", "bid"),
        (f"{format_price(row.price):>{layout.price}}", price_style),
        (mark, price_style),
        (" ", "price"),
        (f"{_size(row.ask, s):<{s}} ", "ask"),
        (f"{_fit(row.sells, o):<{o}} ", "sell"),
        (f"{_size(row.volume, layout.volume):>{layout.volume}}", "volume"),
        (CURSOR_RIGHT if row.cursor else " ", "cursor-mark"),
    ]
    if row.cursor:
        return [(text, f"{style} cursor") for text, style in runs]
    return runs


def _size(value: int, width: int) -> str:
    if not value:
        return ""
    text = str(value)
    return text if len(text) <= width else compact_count(value)[:width]


def _fit(text: str, width: int) -> str:
    """An order tag in ``width`` cells: ``2 LMT``, else ``2LMT``, else just the size."""
    if len(text) <= width:
        return text
    size, _, kind = text.partition(" ")
    joined = size + kind
    return joined if len(joined) <= width else size[:width]


class LadderView:
    """Which prices the ladder shows (``top`` is the highest) and where its cursor is.

    The view follows the last price and re-centres on it when it leaves the view (two
    rows from either edge), except for ``hold_ns`` after each cursor move: while the
    trader aims, rows never shift. The cursor keeps its screen row when the view
    re-centres, like a pointer over a moving ladder; the footer names its price.
    """

    def __init__(self, hold_ns: int) -> None:
        self.hold_ns = hold_ns
        self.top: int | None = None
        self.cursor: int | None = None
        self.hold_until = 0

    def prices(self, rows: int) -> list[int]:
        """The prices on screen, highest first (none before the first price)."""
        if self.top is None:
            return []
        return [self.top - i for i in range(rows)]

    def holding(self, now: int) -> bool:
        """True while the trader is aiming (within the hold after a cursor move)."""
        return now < self.hold_until

    def follow(self, last: int | None, rows: int, now: int) -> bool:
        """Keep ``last`` in view; True when the rows or the cursor moved."""
        if last is None or rows <= 0:
            return False
        if self.top is None:
            self.top = last + rows // 2
            self.cursor = last
            return True
        if self.holding(now):
            return False
        margin = min(2, (rows - 1) // 4)
        if self.top - rows + 1 + margin <= last <= self.top - margin:
            return self._cursor_in_view(rows)
        self._shift(last + rows // 2 - self.top)
        self._cursor_in_view(rows)
        return True

    def move(self, ticks: int, rows: int, now: int) -> None:
        """Move the cursor ``ticks`` (up is positive) and hold the rows still for a while;
        past an edge the view scrolls with the cursor (the trader's own doing)."""
        if self.top is None or self.cursor is None:
            return
        self.cursor += ticks
        self.hold_until = now + self.hold_ns
        if self.cursor > self.top:
            self.top = self.cursor
        elif self.cursor < self.top - rows + 1:
            self.top = self.cursor + rows - 1

    def recentre(self, last: int | None, rows: int) -> None:
        """Centre on ``last`` with the cursor on it, and stop holding."""
        if last is None:
            return
        self.top = last + rows // 2
        self.cursor = last
        self.hold_until = 0

    def _shift(self, ticks: int) -> None:
        assert self.top is not None
        self.top += ticks
        if self.cursor is not None:
            self.cursor += ticks

    def _cursor_in_view(self, rows: int) -> bool:
        """A resize can leave the cursor below the view: bring it to the bottom row."""
        if self.top is None or self.cursor is None:
            return False
        bottom = self.top - rows + 1
        clamped = max(bottom, min(self.top, self.cursor))
        moved = clamped != self.cursor
        self.cursor = clamped
        return moved
