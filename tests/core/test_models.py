"""The trader's nouns: codes match the Gateway, positions price exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.models import Order, OrderStatus, OrderType, Position, Side


def test_codes_are_the_gateway_codes() -> None:
    """Side, type and status carry ProjectX's integers, so nothing needs translating."""
    assert (Side.BUY, Side.SELL) == (0, 1)
    assert [t.value for t in OrderType] == [1, 2, 3, 4, 5, 6, 7]
    assert OrderType.JOIN_BID == 6
    assert OrderStatus.OPEN == 1
    assert OrderStatus.PENDING_CANCEL == 7


def test_side_sign_and_opposite() -> None:
    """A buy adds to the signed position, a sell subtracts; each is the other's opposite."""
    assert (Side.BUY.sign, Side.SELL.sign) == (1, -1)
    assert Side.BUY.opposite is Side.SELL
    assert Side.SELL.opposite is Side.BUY
    assert Side.SELL.label == "SELL"


def test_order_type_needs() -> None:
    """Limit and stop-limit need a limit; stop and stop-limit need a stop; labels are words."""
    assert {t for t in OrderType if t.needs_limit} == {OrderType.LIMIT, OrderType.STOP_LIMIT}
    assert {t for t in OrderType if t.needs_stop} == {OrderType.STOP, OrderType.STOP_LIMIT}
    assert OrderType.JOIN_BID.label == "join bid"


def test_working_and_terminal_statuses_do_not_overlap() -> None:
    """An order either can still fill or is finished (NONE is neither)."""
    working = {s for s in OrderStatus if s.is_working}
    terminal = {s for s in OrderStatus if s.is_terminal}
    assert working == {
        OrderStatus.OPEN,
        OrderStatus.PENDING,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.SUSPENDED,
    }
    assert not working & terminal
    assert working | terminal | {OrderStatus.NONE} == set(OrderStatus)


def test_order_remaining_and_chart_price() -> None:
    """Remaining is size minus filled; the chart line is the limit, else the stop."""
    order = Order(1, 1, "MNQ", Side.BUY, OrderType.STOP_LIMIT, 5, OrderStatus.OPEN, 10, 12, 2)
    assert order.remaining == 3
    assert order.price == 10
    stop = Order(2, 1, "MNQ", Side.SELL, OrderType.STOP, 1, OrderStatus.OPEN, stop=9)
    assert stop.price == 9


@pytest.mark.parametrize(
    ("size", "cost", "mark", "ticks"),
    [
        (2, 200, 105, 10),  # long 2 from 100, up 5: +10 ticks
        (2, 200, 95, -10),
        (-3, 300, 98, 6),  # short 3 from 100, down 2: +6 ticks
        (-3, 300, 101, -3),
        (3, 304, 102, 2),  # long 100, 101, 103 marked at 102
        (0, 0, 120, 0),
    ],
)
def test_open_ticks(size: int, cost: int, mark: int, ticks: int) -> None:
    """Open P&L in ticks over the whole position is exact for long, short and flat."""
    assert Position(1, "MNQ", size, cost).open_ticks(mark) == ticks


def test_average_is_an_exact_fraction() -> None:
    """The average entry never rounds: 100, 101, 103 averages 304/3 ticks."""
    assert Position(1, "MNQ", 3, 304).average == Fraction(304, 3)
    assert Position(1, "MNQ", -2, 201).average == Fraction(201, 2)
    assert Position(1, "MNQ", 0, 0).average == 0
    assert Position(1, "MNQ", 0, 0).is_flat


@given(
    st.lists(st.integers(-5000, 5000), min_size=1, max_size=20),
    st.integers(-5000, 5000),
    st.booleans(),
)
def test_open_ticks_is_the_sum_over_contracts(entries: list[int], mark: int, long: bool) -> None:
    """Valuing the whole position equals valuing each contract against its own entry."""
    size = len(entries) if long else -len(entries)
    position = Position(1, "MNQ", size, sum(entries))
    per_contract = sum((mark - e) if long else (e - mark) for e in entries)
    assert position.open_ticks(mark) == per_contract
