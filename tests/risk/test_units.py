"""Small pieces: the risk calendar, durations and countdowns, the tally, exposure."""

from __future__ import annotations

import subprocess
import sys
from datetime import time
from decimal import Decimal

import pytest

from cockpit.core.events import OrderSubmitted, OrderUpdated, PositionUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import (
    Fill,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from cockpit.core.state import State
from cockpit.risk.exposure import exposure, order_increases, side_exposure
from cockpit.risk.tally import Tally
from cockpit.risk.timing import (
    Calendar,
    Window,
    parse_duration,
)
from tests.risk.conftest import CT, TUESDAY_10, at

SECOND = 1_000_000_000


def _fill(order_id: int, pnl: str | None, ts: int = TUESDAY_10, side: Side = Side.SELL) -> Fill:
    return Fill(
        id=order_id * 10,
        order_id=order_id,
        account_id=1,
        symbol="MNQ",
        side=side,
        size=1,
        price=100,
        fee=Decimal("0.37"),
        pnl=Decimal(pnl) if pnl is not None else None,
        ts=ts,
    )


def test_calendar_day_and_week_ends() -> None:
    """The day ends at 17:00 CT; Friday's evening belongs to a week that ends Sunday 17:00."""
    calendar = Calendar()
    assert calendar.day_end(at(2026, 3, 10, 16, 59)) == at(2026, 3, 10, 17, 0)
    assert calendar.day_end(at(2026, 3, 10, 17, 0)) == at(2026, 3, 11, 17, 0)
    assert calendar.week_end(at(2026, 3, 13, 12, 0)) == at(2026, 3, 15, 17, 0)
    assert calendar.week_end(at(2026, 3, 15, 17, 0)) == at(2026, 3, 22, 17, 0)
    assert calendar.week(at(2026, 3, 15, 18, 0)) == calendar.week(at(2026, 3, 16, 10, 0))


def test_calendar_with_an_earlier_boundary() -> None:
    """A firm whose day ends at 15:10 CT resets daily limits then."""
    calendar = Calendar(time(15, 10), CT)
    assert calendar.day_end(at(2026, 3, 10, 15, 9)) == at(2026, 3, 10, 15, 10)
    assert calendar.day_start(at(2026, 3, 10, 15, 10)) == at(2026, 3, 10, 15, 10)


def test_durations_and_windows() -> None:
    """Durations parse to ns and windows know when they cross midnight."""
    assert parse_duration("1h30m") == 5400 * SECOND
    assert parse_duration("90s") == 90 * SECOND
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
    assert Window.parse("18:00-02:00").overnight
    with pytest.raises(ValueError, match="empty window"):
        Window.parse("10:00-10:00")


def test_tally_counts_trades_and_a_closing_order_once() -> None:
    """Every fill is a trade; one order's partial fills make one losing trade."""
    tally = Tally(Calendar())
    tally.on_fill(_fill(1, None, side=Side.BUY), TUESDAY_10)
    for _ in range(3):
        tally.on_fill(_fill(2, "-10"), TUESDAY_10)
    assert tally.fills_today(TUESDAY_10) == 4
    assert tally.losing_streak(TUESDAY_10) == 1
    assert tally.order_pnl[2] == Decimal(-30)
    tally.on_fill(_fill(3, "-5"), TUESDAY_10)
    assert tally.losing_streak(TUESDAY_10) == 2
    tally.on_fill(_fill(4, "0"), TUESDAY_10)
    assert tally.losing_streak(TUESDAY_10) == 2
    tally.on_fill(_fill(5, "1"), TUESDAY_10)
    assert tally.losing_streak(TUESDAY_10) == 0
    assert tally.net_realized_today(TUESDAY_10) == Decimal(-34) - Decimal("0.37") * 7


def test_tally_rolls_at_the_boundary_and_ignores_a_late_report() -> None:
    """Counters start again with the new day; a late fill of yesterday is not today's."""
    tally = Tally(Calendar())
    tally.on_fill(_fill(1, "-10"), TUESDAY_10)
    evening = at(2026, 3, 10, 17, 30)
    assert tally.fills_today(evening) == 0
    tally.on_fill(_fill(2, "-20", ts=evening), evening)
    tally.on_fill(_fill(3, "-40", ts=TUESDAY_10), evening)
    assert tally.fills_today(evening) == 1
    assert tally.net_realized_today(evening) == Decimal("-20.37")
    assert tally.net_realized_week(evening) == Decimal(-70) - Decimal("0.37") * 3


def test_open_pnl_waits_for_the_position_after_a_closing_fill() -> None:
    """Between a closing fill and the broker's position, the position's open P&L is left
    out, and counted again once the position arrives (or 2 s pass)."""
    state = State(INSTRUMENTS, ["MNQ"])
    state.apply(PositionUpdated(TUESDAY_10, Position(1, "MNQ", 1, 1000)))
    state.last["MNQ"] = 990
    tally = Tally(Calendar())
    assert tally.open_pnl(state, TUESDAY_10) == Decimal("-5.00")
    tally.on_fill(_fill(1, "-5"), TUESDAY_10)
    assert tally.open_pnl(state, TUESDAY_10) == 0
    assert tally.open_pnl(state, TUESDAY_10 + 2 * SECOND) == Decimal("-5.00")
    tally.on_position(Position(1, "MNQ", 1, 1000))
    assert tally.open_pnl(state, TUESDAY_10) == Decimal("-5.00")


def _order(order_id: int, side: Side, size: int, status: OrderStatus = OrderStatus.OPEN) -> Order:
    return Order(order_id, 1, "MNQ", side, OrderType.LIMIT, size, status, limit=100)


def test_exposure_counts_position_working_and_in_flight_per_side() -> None:
    """Long 2, a working buy 1, a sell 1 in flight: long side 3, short side 0."""
    state = State(INSTRUMENTS, ["MNQ"])
    tally = Tally(Calendar())
    state.apply(PositionUpdated(TUESDAY_10, Position(1, "MNQ", 2, 200)))
    for order in (_order(1, Side.BUY, 1), _order(2, Side.SELL, 5, OrderStatus.FILLED)):
        state.apply(OrderUpdated(TUESDAY_10, order))
        tally.on_order(order)
    request = OrderRequest("MNQ", Side.SELL, OrderType.MARKET, 1, tag="t1")
    state.apply(OrderSubmitted(TUESDAY_10, request))
    assert side_exposure(state, tally, "MNQ") == (3, 0)
    sell_four = OrderRequest("MNQ", Side.SELL, OrderType.MARKET, 4)
    assert side_exposure(state, tally, "MNQ", add=sell_four) == (3, 3)
    assert exposure(state, tally, "MNQ", without=1) == 2


def test_reducing_and_protective_orders() -> None:
    """A new order reduces only within the position; a working order against the position
    is protection whatever its size."""
    state = State(INSTRUMENTS, ["MNQ"])
    state.apply(PositionUpdated(TUESDAY_10, Position(1, "MNQ", -2, 200)))
    assert state.reduces("MNQ", Side.BUY, 2)
    assert not state.reduces("MNQ", Side.BUY, 3)
    assert not state.reduces("MNQ", Side.SELL, 1)
    assert not order_increases(state, _order(1, Side.BUY, 5))
    assert order_increases(state, _order(2, Side.SELL, 1))


def test_orders_already_against_the_position_count_before_a_new_one_reduces() -> None:
    """Short 2 with a working buy 1: a resting buy of 1 still only reduces, of 2 not; a
    modify of that order is judged without it; a market exit of 2 always reduces; an exit
    in flight counts for the next one."""
    state = State(INSTRUMENTS, ["MNQ"])
    state.apply(PositionUpdated(TUESDAY_10, Position(1, "MNQ", -2, 200)))
    state.apply(OrderUpdated(TUESDAY_10, _order(7, Side.BUY, 1)))
    assert state.reduces("MNQ", Side.BUY, 1, resting=True)
    assert not state.reduces("MNQ", Side.BUY, 2, resting=True)
    assert state.reduces("MNQ", Side.BUY, 2, resting=True, without=7)
    assert state.reduces("MNQ", Side.BUY, 2)
    state.apply(
        OrderSubmitted(TUESDAY_10, OrderRequest("MNQ", Side.BUY, OrderType.MARKET, 1, tag="t"))
    )
    assert not state.reduces("MNQ", Side.BUY, 2)
    assert state.reduces("MNQ", Side.BUY, 1)


def test_risk_never_imports_textual_or_the_broker_sdk() -> None:
    """cockpit.risk loads without Textual or project_x_py."""
    code = (
        "import sys, cockpit.risk.engine, cockpit.risk.config, cockpit.risk.views;"
        "bad = [m for m in ('textual', 'project_x_py') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
