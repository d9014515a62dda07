"""The ladder's rows and view, without a terminal (cockpit/ui/laddergrid.py)."""

from __future__ import annotations

from fractions import Fraction

from cockpit.core.models import Order, OrderStatus, OrderType, Side
from cockpit.ui.laddergrid import (
    CURSOR_LEFT,
    CURSOR_RIGHT,
    LadderRow,
    LadderView,
    Layout,
    header,
    hold_sizes,
    ladder_rows,
    order_tags,
    row_runs,
)

SECOND = 1_000_000_000


def order(
    side: Side,
    kind: OrderType,
    size: int,
    *,
    limit: int | None = None,
    stop: int | None = None,
    order_id: int = 1,
) -> Order:
    return Order(order_id, 1, "MNQ", side, kind, size, OrderStatus.OPEN, limit=limit, stop=stop)


def test_view_centres_on_the_first_price_with_the_cursor_on_it() -> None:
    """The first price centres the view and puts the cursor on it."""
    view = LadderView(2 * SECOND)
    assert view.follow(100, 11, 0)
    assert view.prices(11) == list(range(105, 94, -1))
    assert view.cursor == 100


def test_view_recentres_when_price_leaves_it() -> None:
    """A price two rows from the edge re-centres the view; the cursor keeps its screen row."""
    view = LadderView(2 * SECOND)
    view.follow(100, 11, 0)
    assert not view.follow(103, 11, SECOND)  # still well inside
    assert view.follow(104, 11, SECOND)  # within two rows of the top
    assert view.top == 109
    assert view.cursor == 104  # was row 5 of 11 (price 100), still row 5


def test_view_holds_still_while_the_trader_aims() -> None:
    """After a cursor move nothing shifts for the hold, however far price runs; then it does."""
    view = LadderView(2 * SECOND)
    view.follow(100, 11, 0)
    view.move(-3, 11, 10 * SECOND)
    assert view.cursor == 97
    assert not view.follow(130, 11, 11 * SECOND)
    assert (view.top, view.cursor) == (105, 97)
    assert view.follow(130, 11, 12 * SECOND)
    assert view.top == 135


def test_cursor_scrolls_the_view_past_an_edge() -> None:
    """Moving the cursor past the bottom row brings the view along (the trader's own doing)."""
    view = LadderView(0)
    view.follow(100, 11, 0)
    view.move(-10, 11, 0)
    assert view.cursor == 90
    assert view.prices(11)[-1] == 90


def test_recentre_puts_cursor_on_last_and_ends_the_hold() -> None:
    """home: centre on the last price, the cursor on it, no hold left."""
    view = LadderView(60 * SECOND)
    view.follow(100, 11, 0)
    view.move(7, 11, 0)
    view.recentre(120, 11)
    assert (view.top, view.cursor, view.holding(1)) == (125, 120, False)


def test_order_tags_by_side_and_kind() -> None:
    """Buys and sells land in their own columns; kinds on one price add up as MIX."""
    buys, sells = order_tags(
        [
            order(Side.BUY, OrderType.LIMIT, 2, limit=95),
            order(Side.BUY, OrderType.STOP, 1, stop=95, order_id=2),
            order(Side.SELL, OrderType.STOP_LIMIT, 3, stop=110, limit=109, order_id=3),
            order(Side.SELL, OrderType.LIMIT, 1, limit=112, order_id=4),
        ]
    )
    assert buys == {95: "3 MIX"}
    assert sells == {110: "3 STL", 112: "1 LMT"}


def test_rows_mark_last_average_and_cursor() -> None:
    """The last print, the average (rounded to its nearest tick) and the cursor are marked."""
    rows = ladder_rows(
        [102, 101, 100],
        bids={100: 7},
        asks={101: 9},
        volume={101: 40},
        last=101,
        average=Fraction(201, 2),  # 100.5 rounds up to 101
        cursor=100,
    )
    assert rows[1] == LadderRow(101, 0, 9, 40, "", "", True, True, False)
    assert rows[2].bid == 7
    assert rows[2].cursor


def test_row_text_tells_sides_and_cursor_apart_without_colour() -> None:
    """Bids sit left of the price, asks right, orders in BUY/SELL columns, the cursor has
    ▸ ◂: the plain text alone tells them apart."""
    layout = Layout.fit(39, 8)  # 80x24: the ladder's 39 cells beside the watchlist
    head = "".join(text for text, _ in header(layout))
    row = LadderRow(100, bid=7, buys="2 LMT", cursor=True, last=True)
    text = "".join(t for t, _ in row_runs(row, layout, lambda p: f"{p / 4:.2f}"))
    assert head.index("BUY") < head.index("BID") < head.index("PRICE") < head.index("ASK")
    assert head.index("ASK") < head.index("SELL") < head.index("VOL")
    assert text.strip().startswith(CURSOR_LEFT)
    assert text.rstrip().endswith(CURSOR_RIGHT)
    assert text.index("2 LMT") < text.index(" 7 ") < text.index("25.00")
    assert all(style.endswith(" cursor") for _, style in row_runs(row, layout, str))


def test_layout_fits_compact_and_wide() -> None:
    """80x24 (39 cells) fits every column with words; a wide panel gets wider ones, centred."""
    compact, wide = Layout.fit(39, 8), Layout.fit(67, 8)
    assert compact.used <= 39
    assert compact.orders >= len("2 LMT")
    assert wide.orders > compact.orders
    assert wide.pad > 0


def test_changed_spans_send_only_the_cells_that_changed() -> None:
    """A new bid size repaints the bid cells, a new last print the price cells; another
    price or the cursor repaints the row."""
    layout = Layout.fit(67, 8)
    row = LadderRow(100, bid=5, volume=30)
    (bid,) = layout.changed_spans(row, LadderRow(100, bid=6, volume=30))
    assert bid[1] - bid[0] == layout.size
    (price,) = layout.changed_spans(row, LadderRow(100, bid=5, volume=30, last=True))
    assert price[1] - price[0] == layout.price + 1
    assert price[0] > bid[1]
    whole = [(0, layout.pad + layout.used)]
    assert layout.changed_spans(row, LadderRow(101, bid=5, volume=30)) == whole
    assert layout.changed_spans(row, LadderRow(100, bid=5, volume=30, cursor=True)) == whole
    text = "".join(t for t, _ in row_runs(LadderRow(100, bid=6), layout, str))
    assert text[bid[0] : bid[1]].strip() == "6"


def test_held_sizes_keep_a_changed_number_away_from_the_touch() -> None:
    """Below the bid and above the ask a size that merely changed keeps its old number."""
    before = [LadderRow(105, ask=40), LadderRow(99, bid=30)]
    new = [LadderRow(105, ask=42), LadderRow(99, bid=31)]
    assert hold_sizes(before, new, bid=100, ask=101) == before


def test_held_sizes_never_hold_the_touch_or_a_level_that_came_or_went() -> None:
    """The touch rows are always new, and so is a level that appeared or was pulled."""
    before = [LadderRow(102, ask=5), LadderRow(101, ask=9), LadderRow(100, bid=7), LadderRow(98)]
    new = [LadderRow(102), LadderRow(101, ask=3), LadderRow(100, bid=8), LadderRow(98, bid=4)]
    assert hold_sizes(before, new, bid=100, ask=101) == new


def test_held_sizes_never_hold_a_row_that_now_shows_another_price() -> None:
    """After a re-centre the rows show other prices: every size is the book's."""
    before = [LadderRow(110, ask=40)]
    new = [LadderRow(109, ask=42)]
    assert hold_sizes(before, new, bid=100, ask=101) == new


def test_held_sizes_keep_the_orders_marks_and_volume_new() -> None:
    """Only sizes are held: the trader's orders, the volume and the marks are as new."""
    before = [LadderRow(95, bid=10, volume=3)]
    new = [LadderRow(95, bid=11, volume=4, buys="1 LMT", last=True, cursor=True)]
    assert hold_sizes(before, new, bid=100, ask=101) == [
        LadderRow(95, bid=10, volume=4, buys="1 LMT", last=True, cursor=True)
    ]


def test_column_starts_line_up_with_the_changed_spans() -> None:
    """Each column of the layout starts where changed_spans says its cells start, so a
    size change repaints the size's column only."""
    layout = Layout.fit(60, 8)
    old = LadderRow(100, bid=5)
    spans = layout.changed_spans(old, LadderRow(100, bid=6))
    assert [start for start, _ in spans] == [layout.starts[1]]
    spans = layout.changed_spans(old, LadderRow(100, bid=5, volume=9))
    assert [start for start, _ in spans] == [layout.starts[5]]
