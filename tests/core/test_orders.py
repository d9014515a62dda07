"""The session's orders and the index of the working ones."""

from __future__ import annotations

import pickle

from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.models import Order, OrderStatus, OrderType, Side
from cockpit.core.orders import Orders


def order(order_id: int, status: OrderStatus, symbol: str = "MNQ") -> Order:
    return Order(order_id, 1, symbol, Side.BUY, OrderType.LIMIT, 1, status, limit=100)


reports = st.lists(
    st.tuples(st.integers(1, 8), st.sampled_from(list(OrderStatus)), st.sampled_from("AB")),
    max_size=60,
)


@given(reports)
def test_working_is_always_the_working_orders(steps: list[tuple[int, OrderStatus, str]]) -> None:
    """Whatever reports land, in any order, the index holds exactly the orders that can fill."""
    orders = Orders()
    for order_id, status, symbol in steps:
        orders.put(order(order_id, status, symbol))
        expected = {o.id for o in orders.values() if o.status.is_working}
        assert set(orders.working) == expected
        assert all(orders.working[i] is orders[i] for i in expected)


def test_put_returns_what_was_known_before() -> None:
    """``put`` answers with the previous report (the state notes news by comparing them)."""
    orders = Orders()
    first = order(1, OrderStatus.OPEN)
    assert orders.put(first) is None
    assert orders.put(order(1, OrderStatus.FILLED)) is first
    assert not orders.working


def test_built_from_a_snapshot_indexes_the_working_ones() -> None:
    """Orders restored at once (a guard's snapshot) know their working ones."""
    orders = Orders([order(1, OrderStatus.FILLED), order(2, OrderStatus.OPEN)])
    assert list(orders.working) == [2]
    assert list(orders) == [1, 2]


def test_survives_pickling_with_its_index() -> None:
    """A replay checkpoint pickles the state: the index comes back with the orders."""
    orders = Orders([order(1, OrderStatus.OPEN), order(2, OrderStatus.CANCELLED)])
    back = pickle.loads(pickle.dumps(orders, protocol=pickle.HIGHEST_PROTOCOL))
    assert dict(back) == dict(orders)
    assert list(back.working) == [1]
    back.put(order(1, OrderStatus.FILLED))
    assert not back.working
