"""The JSON view of core events: trader-tool names, topics and symbols, exact decimal
strings for prices and money, UTC ISO times, and silence about engine records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cockpit.core.events import (
    AccountUpdated,
    EnforcementTaken,
    Event,
    FillReceived,
    LockoutEnded,
    LockoutStarted,
    OrderDenied,
    OrderUpdated,
    PositionUpdated,
    QuoteUpdated,
    RiskDecision,
    RiskStateChanged,
    TradingDayEnded,
)
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Account, Fill, Order, OrderStatus, OrderType, Position, Side
from cockpit.core.state import State
from cockpit.core.tradingstate import TradingState
from cockpit.guard.view import JSON, Topic, View, money
from tests.conftest import START_NS

MNQ = INSTRUMENTS["MNQ"]


def view() -> tuple[State, View]:
    state = State(INSTRUMENTS, ("MNQ", "MES"))
    return state, View(state, lambda: {"dry_run": False, "clients": 0, "guard_seq": 0})


def fold(state: State, v: View, event: Event) -> list[tuple[str, Topic, str | None, JSON]]:
    """Fold ``event`` as the engine would, then translate it as the guard's listener does."""
    state.apply(event)
    return [(m.type, m.topic, m.symbol, m.data) for m in v.translate(event)]


def test_prices_and_money_are_exact_decimal_strings() -> None:
    """Ticks become the instrument's price text; money has cents and never -0.00."""
    state, v = view()
    ticks = MNQ.to_ticks(Decimal("21000.25"))
    [(kind, topic, symbol, data)] = fold(
        state, v, QuoteUpdated(START_NS, "MNQ", ticks, ticks + 1, 3, 4)
    )
    assert (kind, topic, symbol) == ("MarketQuote", Topic.QUOTES, "MNQ")
    assert (data["bid"], data["ask"]) == ("21000.25", "21000.50")
    assert data["timestamp"].endswith("Z")
    assert money(Decimal("-0.001")) == "0.00"
    assert money(Decimal("-12.5")) == "-12.50"


def test_orders_fills_positions_and_account_use_the_gateway_names() -> None:
    """An order, a fill and a position become GatewayUserOrder/Trade/Position, and a fill
    also refreshes GatewayUserAccount (the day's realized P&L moved)."""
    state, v = view()
    fold(state, v, AccountUpdated(START_NS, Account(7, "PRACTICE", Decimal("50000"))))
    price = MNQ.to_ticks(Decimal("21000"))
    order = Order(
        1, 7, "MNQ", Side.SELL, OrderType.LIMIT, 2, OrderStatus.OPEN, limit=price, tag="ck-1"
    )
    [(kind, topic, symbol, data)] = fold(state, v, OrderUpdated(START_NS, order))
    assert (kind, topic, symbol) == ("GatewayUserOrder", Topic.ORDERS, "MNQ")
    assert (data["side"], data["type"], data["status"], data["limit_price"]) == (
        "SELL",
        "LIMIT",
        "OPEN",
        "21000.00",
    )
    fill = Fill(9, 1, 7, "MNQ", Side.SELL, 2, price, Decimal("0.74"), Decimal("-3.5"), START_NS)
    trade, account = fold(state, v, FillReceived(START_NS, fill))
    assert (trade[0], trade[1], trade[3]["pnl"], trade[3]["fee"]) == (
        "GatewayUserTrade",
        Topic.TRADES,
        "-3.50",
        "0.74",
    )
    assert (account[0], account[1], account[2]) == ("GatewayUserAccount", Topic.ACCOUNT, None)
    assert account[3]["realized_pnl"] == "-3.50"
    position = Position(7, "MNQ", -3, 3 * price + 1)
    [(kind, _, _, data)] = fold(state, v, PositionUpdated(START_NS, position))
    assert (kind, data["side"], data["size"]) == ("GatewayUserPosition", "SHORT", -3)
    assert data["average_price"] == "21000.0833"  # an exact fraction of ticks, not a float


def test_risk_lockout_and_enforcement_events_keep_the_trader_tools_names() -> None:
    """risk_state, order_denied, lockout_set, lockout_cleared, enforcement_action."""
    state, v = view()
    changed = RiskStateChanged(
        START_NS, TradingState.WARNING, TradingState.ACTIVE, "near", "daily-loss"
    )
    [(kind, topic, _, data)] = fold(state, v, changed)
    assert (kind, topic, data["state"], data["previous"]) == (
        "risk_state",
        Topic.RISK,
        "WARNING",
        "ACTIVE",
    )
    denied = OrderDenied(START_NS, "BUY 1 MNQ market", "locked", "lockout", "MNQ")
    assert fold(state, v, denied)[0][:3] == ("order_denied", Topic.RISK, "MNQ")
    started = LockoutStarted(START_NS, START_NS + 60 * 10**9, "tilt")
    [(kind, topic, _, data)] = fold(state, v, started)
    assert (kind, topic, data["until"]) == (
        "lockout_set",
        Topic.LOCKOUTS,
        "2026-10-14T14:31:00.000000Z",
    )
    assert fold(state, v, LockoutEnded(START_NS, "ended"))[0][:2] == (
        "lockout_cleared",
        Topic.LOCKOUTS,
    )
    enforced = EnforcementTaken(START_NS, "daily-loss", "flatten", "limit reached")
    assert fold(state, v, enforced)[0][:2] == ("enforcement_action", Topic.ENFORCEMENT)


def test_the_end_of_a_trading_day_is_a_daily_reset_on_the_account_topic() -> None:
    """TradingDayEnded becomes ``daily_reset`` (topic account): the day, its net P&L as an
    exact string with cents, and its round trips."""
    state, v = view()
    event = TradingDayEnded(START_NS, date(2026, 10, 14), Decimal("-56.2"), 3)
    [(kind, topic, symbol, data)] = fold(state, v, event)
    assert (kind, topic, symbol) == ("daily_reset", Topic.ACCOUNT, None)
    assert data == {"day": "2026-10-14", "pnl": "-56.20", "trades": 3}


def test_engine_records_say_nothing() -> None:
    """A RiskDecision is for the journal: the API view has no message for it."""
    state, v = view()
    assert fold(state, v, RiskDecision(START_NS, "daily-loss", "deny", "denied")) == []
