"""A bracket's OCO legs count once in exposure: its stop and targets protect one position,
and one side filling cancels the other, so together they can take out no more than the
larger side (contract limit, max position and the scaling plan all count this way)."""

from __future__ import annotations

from cockpit.core.events import (
    CloseSettled,
    CloseSubmitted,
    ModifySettled,
    ModifySubmitted,
    OrderSubmitted,
    OrderUpdated,
    PositionUpdated,
)
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Order, OrderRequest, OrderStatus, OrderType, Position, Side
from cockpit.core.state import State
from cockpit.risk.exposure import exposure, holdings, side_exposure
from cockpit.risk.tally import Tally
from cockpit.risk.timing import Calendar
from tests.risk.conftest import TUESDAY_10

OPEN = OrderStatus.OPEN


def _leg(order_id: int, size: int, tag: str) -> Order:
    """A sell leg of a long's bracket: the stop at 90, a target at 120."""
    if tag.split("-")[2] == "SL":
        return Order(order_id, 1, "MNQ", Side.SELL, OrderType.STOP, size, OPEN, stop=90, tag=tag)
    return Order(order_id, 1, "MNQ", Side.SELL, OrderType.LIMIT, size, OPEN, limit=120, tag=tag)


def _long(size: int, *orders: Order) -> tuple[State, Tally]:
    state = State(INSTRUMENTS, ["MNQ"])
    tally = Tally(Calendar())
    state.apply(PositionUpdated(TUESDAY_10, Position(1, "MNQ", size, 100 * size)))
    for order in orders:
        state.apply(OrderUpdated(TUESDAY_10, order))
        tally.on_order(order)
    return state, tally


def test_a_bracketed_long_is_not_exposed_on_the_exit_side() -> None:
    """Long 2 with a stop of 2 and two targets of 1 (one OCO): short side 0, not 2."""
    state, tally = _long(
        2, _leg(1, 2, "ck1-3-SL"), _leg(2, 1, "ck1-3-TP1"), _leg(3, 1, "ck1-3-TP2")
    )
    assert side_exposure(state, tally, "MNQ") == (2, 0)


def test_an_oco_counts_as_its_larger_side_and_in_flight_legs_join_it() -> None:
    """A target still on its way joins its stop's pair; a stop re-placed (suffix) too."""
    state, tally = _long(1, _leg(1, 1, "ck1-3-SL-2"))
    state.apply(
        OrderSubmitted(
            TUESDAY_10,
            OrderRequest("MNQ", Side.SELL, OrderType.LIMIT, 1, limit=120, tag="ck1-3-TP1"),
        )
    )
    assert side_exposure(state, tally, "MNQ") == (1, 0)
    short_three = OrderRequest("MNQ", Side.SELL, OrderType.LIMIT, 3, limit=130, tag="ck1-9")
    assert side_exposure(state, tally, "MNQ", add=short_three) == (1, 3)


def test_two_brackets_and_a_plain_order_each_count() -> None:
    """Pairs of different entries are separate; an order outside any bracket counts in full."""
    state, tally = _long(
        2,
        _leg(1, 1, "ck1-3-SL"),
        _leg(2, 1, "ck1-3-TP1"),
        _leg(3, 1, "ck1-4-SL"),
        _leg(4, 1, "ck1-4-TP1"),
        Order(5, 1, "MNQ", Side.SELL, OrderType.LIMIT, 3, OrderStatus.OPEN, limit=125, tag="ck1-5"),
    )
    assert side_exposure(state, tally, "MNQ") == (2, 3)
    assert exposure(state, tally, "MNQ", without=5) == 2


def test_a_close_on_its_way_lets_the_gates_count_the_position_as_flat_too() -> None:
    """Long 2 with a close on its way (its fill not yet in the position): the broker may
    hold 2 or nothing, and a sell of 2 working makes short 2 in the second; once the
    broker's position shows the close, only flat is left."""
    sell_two = Order(5, 1, "MNQ", Side.SELL, OrderType.LIMIT, 2, OPEN, limit=120, tag="ck1-5")
    state, tally = _long(2, sell_two)
    assert holdings(state, "MNQ") == (2,)
    state.apply(CloseSubmitted(TUESDAY_10, "MNQ"))
    assert holdings(state, "MNQ") == (2, 0)
    assert side_exposure(state, tally, "MNQ") == (2, 0)  # readings: as reported
    assert side_exposure(state, tally, "MNQ", held=0) == (0, 2)
    state.apply(CloseSettled(TUESDAY_10, "MNQ", ok=True))
    assert holdings(state, "MNQ") == (2, 0)
    state.apply(PositionUpdated(TUESDAY_10, Position(1, "MNQ", 0, 0)))
    assert holdings(state, "MNQ") == (0,)


def test_an_order_growing_on_its_way_counts_at_its_new_size() -> None:
    """A sell of 1 with a modify to 3 on its way counts 3 on the short side until the
    broker's report of the order shows the new size."""
    sell_one = Order(5, 1, "MNQ", Side.SELL, OrderType.LIMIT, 1, OPEN, limit=120, tag="ck1-5")
    state, tally = _long(0, sell_one)
    assert side_exposure(state, tally, "MNQ") == (0, 1)
    state.apply(ModifySubmitted(TUESDAY_10, 5, 3))
    assert side_exposure(state, tally, "MNQ") == (0, 3)
    state.apply(ModifySettled(TUESDAY_10, 5, ok=False))
    assert side_exposure(state, tally, "MNQ") == (0, 1)
