"""FIFO lots: realized P&L per closing fill in whole ticks, reversals and partial closes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cockpit.brokers.lots import Lots


def test_opening_fills_realize_nothing() -> None:
    """Adding to a position closes nothing and keeps each lot at its price."""
    lots = Lots()
    assert lots.fill(2, 100) == (0, 0)
    assert lots.fill(1, 103) == (0, 0)
    assert (lots.size, lots.cost) == (3, 303)
    assert [list(lot) for lot in lots.lots] == [[2, 100], [1, 103]]


def test_partial_close_takes_the_oldest_first() -> None:
    """Long 2 @100 and 1 @103, sell 2 @105: closes the two oldest, +10 ticks."""
    lots = Lots()
    lots.fill(2, 100)
    lots.fill(1, 103)
    assert lots.fill(-2, 105) == (10, 2)
    assert (lots.size, lots.cost) == (1, 103)


def test_close_across_lots() -> None:
    """Selling through two lots realizes each against its own entry."""
    lots = Lots()
    lots.fill(1, 100)
    lots.fill(2, 110)
    assert lots.fill(-2, 105) == (5 + (-5), 2)
    assert [list(lot) for lot in lots.lots] == [[1, 110]]


def test_reversal_long_two_sell_five_is_short_three() -> None:
    """Long 2 @100, sell 5 @110: +20 ticks realized on 2, then short 3 @110."""
    lots = Lots()
    lots.fill(2, 100)
    assert lots.fill(-5, 110) == (20, 2)
    assert (lots.size, lots.cost) == (-3, 330)
    assert [list(lot) for lot in lots.lots] == [[-3, 110]]


def test_short_profits_when_price_falls() -> None:
    """Short 3 @110, buy 1 @100: +10 ticks on one contract; short 2 remains."""
    lots = Lots()
    lots.fill(-3, 110)
    assert lots.fill(1, 100) == (10, 1)
    assert (lots.size, lots.cost) == (-2, 220)


def test_reversal_from_short_to_long() -> None:
    """Short 1 @100, buy 3 @104: -4 ticks on the close, then long 2 @104."""
    lots = Lots()
    lots.fill(-1, 100)
    assert lots.fill(3, 104) == (-4, 1)
    assert (lots.size, lots.cost) == (2, 208)


def test_exact_close_leaves_no_lots() -> None:
    """Closing exactly to flat empties the book."""
    lots = Lots()
    lots.fill(3, 100)
    assert lots.fill(-3, 100) == (0, 3)
    assert (lots.size, lots.cost, len(lots.lots)) == (0, 0, 0)


fills = st.lists(
    st.tuples(st.integers(-7, 7).filter(bool), st.integers(90, 110)), min_size=1, max_size=40
)


@given(fills)
def test_flat_book_realizes_sells_minus_buys(sequence: list[tuple[int, int]]) -> None:
    """Whatever the order of fills, once flat, realized ticks = sells' proceeds - buys' cost."""
    lots = Lots()
    realized = 0
    for size, price in sequence:
        realized += lots.fill(size, price)[0]
    closing = -lots.size
    if closing:
        realized += lots.fill(closing, 100)[0]
        sequence = [*sequence, (closing, 100)]
    assert lots.size == 0
    assert realized == sum(-size * price for size, price in sequence)


@given(fills)
def test_open_lots_keep_one_sign_and_match_the_net(sequence: list[tuple[int, int]]) -> None:
    """The book never holds longs and shorts at once, and its size is the net of all fills."""
    lots = Lots()
    closed_total = 0
    for size, price in sequence:
        closed_total += lots.fill(size, price)[1]
    signs = {lot[0] > 0 for lot in lots.lots}
    assert len(signs) <= 1
    assert all(lot[0] != 0 for lot in lots.lots)
    assert lots.size == sum(size for size, _ in sequence)
    assert closed_total == (sum(abs(s) for s, _ in sequence) - abs(lots.size)) // 2
