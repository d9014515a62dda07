"""The paper matching engine, order type by order type, against a hand-made tape."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.brokers.paper import PaperAccount
from cockpit.core.broker import OrderRejected
from cockpit.core.events import (
    AccountUpdated,
    Event,
    FillReceived,
    OrderUpdated,
    PositionUpdated,
    Printed,
    QuoteUpdated,
)
from cockpit.core.models import Account, Fill, OrderRequest, OrderStatus, OrderType, Side

BID, ASK = 100_000, 100_001
"""MNQ 25000.00 / 25000.25, in ticks."""


class Tape:
    """A paper account plus the events it reported, fed by hand-made quotes and prints."""

    def __init__(self, *, slippage: int = 0, fees: dict[str, Decimal] | None = None) -> None:
        self.events: list[Event] = []
        self.ts = 1_000
        self.account = PaperAccount(
            Account(7, "PAPER", Decimal("50000")),
            self.events.append,
            slippage_ticks=slippage,
            fees=fees,
        )
        self.quote(BID, ASK)

    def quote(self, bid: int, ask: int, symbol: str = "MNQ") -> None:
        self.ts += 1
        self.account.on_market(QuoteUpdated(self.ts, symbol, bid, ask, 10, 10))

    def trade(self, price: int, symbol: str = "MNQ") -> None:
        self.ts += 1
        self.account.on_market(Printed(self.ts, symbol, price, 1))

    def place(
        self,
        side: Side,
        kind: OrderType = OrderType.MARKET,
        size: int = 1,
        limit: int | None = None,
        stop: int | None = None,
        symbol: str = "MNQ",
    ) -> int:
        self.ts += 1
        request = OrderRequest(symbol, side, kind, size, limit, stop, tag="t")
        return self.account.place(request, self.ts).id

    def fills(self) -> list[tuple[Side, int, int]]:
        return [
            (e.fill.side, e.fill.size, e.fill.price)
            for e in self.events
            if isinstance(e, FillReceived)
        ]

    def reported_fills(self) -> list[Fill]:
        return [e.fill for e in self.events if isinstance(e, FillReceived)]

    def status(self, order_id: int) -> OrderStatus:
        return self.account.orders[order_id].status

    def position(self, symbol: str = "MNQ") -> tuple[int, int]:
        updates = [e.position for e in self.events if isinstance(e, PositionUpdated)]
        latest = [p for p in updates if p.symbol == symbol][-1]
        return latest.size, latest.cost


@pytest.fixture
def tape() -> Tape:
    return Tape()


# Market -------------------------------------------------------------------------------


def test_market_buy_fills_at_the_ask_and_sell_at_the_bid(tape: Tape) -> None:
    """Market orders take the touch: buy at the ask, sell at the bid."""
    buy = tape.place(Side.BUY, size=2)
    sell = tape.place(Side.SELL)
    assert tape.fills() == [(Side.BUY, 2, ASK), (Side.SELL, 1, BID)]
    assert tape.status(buy) is OrderStatus.FILLED
    assert tape.status(sell) is OrderStatus.FILLED
    assert tape.account.orders[buy].fill_price == Decimal("25000.25")


def test_market_orders_pay_the_configured_slippage() -> None:
    """With 2 ticks of slippage a buy fills 2 above the ask, a sell 2 below the bid."""
    tape = Tape(slippage=2)
    tape.place(Side.BUY)
    tape.place(Side.SELL)
    assert tape.fills() == [(Side.BUY, 1, ASK + 2), (Side.SELL, 1, BID - 2)]


def test_fill_reports_in_gateway_order(tape: Tape) -> None:
    """A fill is reported as order open, order filled, fill, position, account, like the Gateway."""
    tape.place(Side.BUY)
    kinds = [type(e).__name__ for e in tape.events]
    assert kinds == [
        "OrderUpdated",
        "OrderUpdated",
        "FillReceived",
        "PositionUpdated",
        "AccountUpdated",
    ]
    opened, filled = (e.order for e in tape.events if isinstance(e, OrderUpdated))
    assert (opened.status, filled.status, filled.filled) == (
        OrderStatus.OPEN,
        OrderStatus.FILLED,
        1,
    )
    assert opened.tag == "t"


# Limit --------------------------------------------------------------------------------


def test_marketable_limit_fills_at_once_at_the_touch(tape: Tape) -> None:
    """A buy limit above the ask fills immediately at the ask (price improvement)."""
    order = tape.place(Side.BUY, OrderType.LIMIT, limit=ASK + 4)
    assert tape.fills() == [(Side.BUY, 1, ASK)]
    assert tape.status(order) is OrderStatus.FILLED
    sell = tape.place(Side.SELL, OrderType.LIMIT, limit=BID)
    assert tape.fills()[-1] == (Side.SELL, 1, BID)
    assert tape.status(sell) is OrderStatus.FILLED


def test_resting_buy_limit_does_not_fill_at_the_touch_on_prints(tape: Tape) -> None:
    """A resting buy limit at 99_995 ignores prints at its price; a print below it fills it."""
    order = tape.place(Side.BUY, OrderType.LIMIT, limit=BID - 5)
    tape.trade(BID - 3)
    tape.trade(BID - 5)
    tape.trade(BID - 5)
    assert tape.fills() == []
    assert tape.status(order) is OrderStatus.OPEN
    tape.trade(BID - 6)
    assert tape.fills() == [(Side.BUY, 1, BID - 5)]
    assert tape.status(order) is OrderStatus.FILLED


def test_resting_sell_limit_fills_only_when_traded_through(tape: Tape) -> None:
    """A resting sell limit fills at its price once a print goes above it."""
    order = tape.place(Side.SELL, OrderType.LIMIT, limit=ASK + 3, size=2)
    tape.trade(ASK + 3)
    assert tape.status(order) is OrderStatus.OPEN
    tape.trade(ASK + 4)
    assert tape.fills() == [(Side.SELL, 2, ASK + 3)]


def test_resting_limit_fills_when_the_other_side_reaches_it(tape: Tape) -> None:
    """A resting buy limit fills when the ask comes down to it (someone sells into it)."""
    order = tape.place(Side.BUY, OrderType.LIMIT, limit=BID - 2)
    tape.quote(BID - 3, BID - 1)
    assert tape.status(order) is OrderStatus.OPEN
    tape.quote(BID - 3, BID - 2)
    assert tape.fills() == [(Side.BUY, 1, BID - 2)]


def test_resting_limit_fill_is_at_its_own_price_even_through_a_gap(tape: Tape) -> None:
    """A sell limit filled by a gap up fills at the limit, never better (conservative)."""
    tape.place(Side.SELL, OrderType.LIMIT, limit=ASK + 2)
    tape.quote(ASK + 6, ASK + 7)
    assert tape.fills() == [(Side.SELL, 1, ASK + 2)]


def test_limit_in_another_symbol_ignores_this_tape(tape: Tape) -> None:
    """MES prints never fill an MNQ order."""
    tape.quote(20_000, 20_001, "MES")
    order = tape.place(Side.BUY, OrderType.LIMIT, limit=BID - 5)
    tape.trade(BID - 100, "MES")
    tape.quote(BID - 100, BID - 99, "MES")
    assert tape.status(order) is OrderStatus.OPEN


# Stops ---------------------------------------------------------------------------------


def test_buy_stop_triggers_on_a_print_and_fills_at_market(tape: Tape) -> None:
    """A buy stop above the market waits; a print at the stop fills it at the ask."""
    order = tape.place(Side.BUY, OrderType.STOP, stop=ASK + 4)
    tape.quote(BID + 3, ASK + 3)
    tape.trade(ASK + 3)
    assert tape.status(order) is OrderStatus.OPEN
    tape.quote(BID + 4, ASK + 4)
    tape.trade(ASK + 4)
    assert tape.fills() == [(Side.BUY, 1, ASK + 4)]


def test_sell_stop_triggers_on_a_print_at_or_below(tape: Tape) -> None:
    """A sell stop fills at the bid once a print reaches it."""
    order = tape.place(Side.SELL, OrderType.STOP, stop=BID - 4, size=3)
    tape.quote(BID - 6, BID - 5)
    assert tape.status(order) is OrderStatus.OPEN  # quotes alone never trigger a stop
    tape.trade(BID - 5)
    assert tape.fills() == [(Side.SELL, 3, BID - 6)]


def test_stop_fill_pays_slippage() -> None:
    """A triggered stop is a market order: it pays the configured slippage."""
    tape = Tape(slippage=1)
    tape.place(Side.SELL, OrderType.STOP, stop=BID - 2)
    tape.quote(BID - 3, BID - 2)
    tape.trade(BID - 2)
    assert tape.fills() == [(Side.SELL, 1, BID - 4)]


@pytest.mark.parametrize(
    ("side", "stop", "message"),
    [
        (Side.BUY, ASK, "buy stop 25000.25 must be above the market (ask 25000.25)"),
        (Side.BUY, BID - 1, "buy stop 24999.75 must be above the market (ask 25000.25)"),
        (Side.SELL, BID, "sell stop 25000.00 must be below the market (bid 25000.00)"),
        (Side.SELL, ASK + 3, "sell stop 25001.00 must be below the market (bid 25000.00)"),
    ],
)
def test_stop_on_the_wrong_side_is_rejected(
    tape: Tape, side: Side, stop: int, message: str
) -> None:
    """A stop that would trigger at once is rejected with the market it was checked against."""
    with pytest.raises(OrderRejected) as caught:
        tape.place(side, OrderType.STOP, stop=stop)
    assert str(caught.value) == message
    assert tape.events == []


def test_stop_limit_becomes_a_resting_limit_when_triggered(tape: Tape) -> None:
    """A buy stop-limit triggers on a print, then rests as a limit when the market is past it."""
    order = tape.place(Side.BUY, OrderType.STOP_LIMIT, stop=ASK + 4, limit=ASK + 5)
    tape.quote(BID + 6, ASK + 6)
    tape.trade(ASK + 6)
    triggered = tape.account.orders[order]
    assert (triggered.status, triggered.stop, triggered.limit) == (
        OrderStatus.OPEN,
        None,
        ASK + 5,
    )
    assert tape.fills() == []
    tape.trade(ASK + 4)  # trades through the limit
    assert tape.fills() == [(Side.BUY, 1, ASK + 5)]


def test_stop_limit_fills_at_once_when_marketable_at_trigger(tape: Tape) -> None:
    """A sell stop-limit whose limit the bid still meets fills at the bid when triggered."""
    tape.place(Side.SELL, OrderType.STOP_LIMIT, stop=BID - 2, limit=BID - 4)
    tape.quote(BID - 3, BID - 2)
    tape.trade(BID - 2)
    assert tape.fills() == [(Side.SELL, 1, BID - 3)]


def test_stop_limit_on_the_wrong_side_is_rejected(tape: Tape) -> None:
    """Stop-limits are checked against the market like stops."""
    with pytest.raises(OrderRejected, match="must be below the market"):
        tape.place(Side.SELL, OrderType.STOP_LIMIT, stop=BID + 1, limit=BID)


# Join ---------------------------------------------------------------------------------


def test_join_bid_rests_at_the_bid(tape: Tape) -> None:
    """Join bid places a buy limit at the current bid and waits."""
    order = tape.place(Side.BUY, OrderType.JOIN_BID)
    placed = tape.account.orders[order]
    assert (placed.type, placed.limit, placed.status) == (OrderType.JOIN_BID, BID, OrderStatus.OPEN)
    tape.trade(BID - 1)
    assert tape.fills() == [(Side.BUY, 1, BID)]


def test_join_ask_rests_at_the_ask(tape: Tape) -> None:
    """Join ask places a sell limit at the current ask and waits."""
    order = tape.place(Side.SELL, OrderType.JOIN_ASK, size=2)
    assert tape.account.orders[order].limit == ASK
    assert tape.status(order) is OrderStatus.OPEN
    tape.quote(ASK, ASK + 1)
    assert tape.fills() == [(Side.SELL, 2, ASK)]


# Cancel and modify --------------------------------------------------------------------


def test_cancel_a_working_order(tape: Tape) -> None:
    """A cancelled order is reported cancelled and never fills."""
    order = tape.place(Side.BUY, OrderType.LIMIT, limit=BID - 5)
    tape.account.cancel(order, 5_000)
    assert tape.status(order) is OrderStatus.CANCELLED
    tape.trade(BID - 50)
    assert tape.fills() == []
    assert tape.account.working["MNQ"] == {}


def test_cancel_of_a_finished_or_unknown_order_is_rejected(tape: Tape) -> None:
    """Cancelling a filled order or an unknown id is a clear rejection."""
    filled = tape.place(Side.BUY)
    with pytest.raises(OrderRejected, match=f"order {filled} is already filled"):
        tape.account.cancel(filled, 5_000)
    with pytest.raises(OrderRejected, match="order 1 not found"):
        tape.account.cancel(1, 5_000)


def test_modify_moves_a_resting_limit(tape: Tape) -> None:
    """Moving a limit keeps it working at the new price; it then fills there."""
    order = tape.place(Side.BUY, OrderType.LIMIT, limit=BID - 5)
    tape.account.modify(order, 5_000, size=3, limit=BID - 2, stop=None)
    moved = tape.account.orders[order]
    assert (moved.limit, moved.size, moved.status) == (BID - 2, 3, OrderStatus.OPEN)
    tape.trade(BID - 3)
    assert tape.fills() == [(Side.BUY, 3, BID - 2)]


def test_modify_into_the_market_fills_at_once(tape: Tape) -> None:
    """A limit moved across the spread becomes marketable and fills at the touch."""
    order = tape.place(Side.SELL, OrderType.LIMIT, limit=ASK + 5)
    tape.account.modify(order, 5_000, size=None, limit=BID - 1, stop=None)
    assert tape.fills() == [(Side.SELL, 1, BID)]
    assert tape.status(order) is OrderStatus.FILLED


def test_modify_a_stop(tape: Tape) -> None:
    """A stop can be moved; the new stop is checked against the market."""
    order = tape.place(Side.SELL, OrderType.STOP, stop=BID - 10)
    tape.account.modify(order, 5_000, size=None, limit=None, stop=BID - 3)
    assert tape.account.orders[order].stop == BID - 3
    with pytest.raises(OrderRejected, match="must be below the market"):
        tape.account.modify(order, 5_000, size=None, limit=None, stop=BID + 1)
    tape.trade(BID - 3)
    assert len(tape.fills()) == 1


def test_modify_refusals(tape: Tape) -> None:
    """A finished order, or a size of zero, cannot be modified."""
    working = tape.place(Side.BUY, OrderType.LIMIT, limit=BID - 5)
    with pytest.raises(OrderRejected, match="size must be positive"):
        tape.account.modify(working, 5_000, size=0, limit=None, stop=None)
    filled = tape.place(Side.BUY)
    with pytest.raises(OrderRejected, match=f"order {filled} is not working"):
        tape.account.modify(filled, 5_000, size=2, limit=None, stop=None)


# Refusals at placement ----------------------------------------------------------------


def test_place_refusals(tape: Tape) -> None:
    """Unknown contracts, sizes below 1 and instruments without a market yet are rejected."""
    with pytest.raises(OrderRejected, match="unknown contract XYZ"):
        tape.place(Side.BUY, symbol="XYZ")
    with pytest.raises(OrderRejected, match="size must be positive"):
        tape.place(Side.BUY, size=0)
    with pytest.raises(OrderRejected, match="no market in MES yet"):
        tape.place(Side.BUY, symbol="MES")
    assert tape.events == []


# Positions, P&L, fees, balance --------------------------------------------------------


def test_round_trip_realizes_pnl_fees_and_balance(tape: Tape) -> None:
    """Buy 2 at the ask, sell 2 at a bid 7 ticks higher: +$7, fees 4 x $0.37, balance moves."""
    tape.place(Side.BUY, size=2)
    opening = tape.reported_fills()[0]
    assert opening.pnl is None
    assert opening.fee == Decimal("0.74")
    assert tape.position() == (2, 2 * ASK)
    tape.quote(ASK + 7, ASK + 8)
    tape.place(Side.SELL, size=2)
    closing = tape.reported_fills()[-1]
    assert closing.pnl == Decimal("7.00")  # 7 ticks x 2 contracts x $0.50
    assert closing.fee == Decimal("0.74")
    assert tape.position() == (0, 0)
    balances = [e.account.balance for e in tape.events if isinstance(e, AccountUpdated)]
    assert balances == [Decimal("49999.26"), Decimal("50005.52")]
    assert tape.account.account.balance == Decimal("50005.52")


def test_reversal_realizes_the_closed_part_and_opens_the_rest(tape: Tape) -> None:
    """Long 2, sell 5: P&L on 2, fees on 5, now short 3 at the sell price."""
    tape.place(Side.BUY, size=2)
    tape.quote(BID + 4, ASK + 4)
    tape.place(Side.SELL, size=5)
    fill = tape.reported_fills()[-1]
    assert fill.pnl == Decimal("3.00")  # (BID+4 - ASK) = 3 ticks x 2 x $0.50
    assert fill.fee == Decimal("1.85")
    assert tape.position() == (-3, 3 * (BID + 4))


def test_partial_close_keeps_the_remaining_entry(tape: Tape) -> None:
    """Long 3 at two prices, sell 1: FIFO closes the oldest, the rest keeps its cost."""
    tape.place(Side.BUY, size=2)
    tape.quote(BID + 2, ASK + 2)
    tape.place(Side.BUY, size=1)
    tape.quote(BID + 10, ASK + 10)
    tape.place(Side.SELL, size=1)
    fill = tape.reported_fills()[-1]
    assert fill.pnl == Decimal("4.50")  # (BID+10) - ASK = 9 ticks x $0.50
    assert tape.position() == (2, ASK + ASK + 2)


def test_losing_trade_lowers_the_balance_by_loss_plus_fees(tape: Tape) -> None:
    """Short 1 ES, bought back 4 ticks higher: -$50 and 2 x $1.40 fees."""
    tape.quote(27_560, 27_561, "ES")
    tape.place(Side.SELL, symbol="ES")
    tape.quote(27_564, 27_565, "ES")
    tape.place(Side.BUY, symbol="ES")
    fill = tape.reported_fills()[-1]
    assert fill.pnl == Decimal("-62.50")  # 27_565 - 27_560 = 5 ticks x $12.50
    assert tape.account.account.balance == Decimal("50000") - Decimal("62.50") - Decimal("2.80")


def test_fee_overrides_apply_per_side() -> None:
    """Configured fees replace the defaults for their symbol only."""
    tape = Tape(fees={"MNQ": Decimal("0.25")})
    tape.quote(27_560, 27_561, "ES")
    tape.place(Side.BUY, size=4)
    tape.place(Side.BUY, symbol="ES")
    fees = [f.fee for f in tape.reported_fills()]
    assert fees == [Decimal("1.00"), Decimal("1.40")]


def test_close_position_closes_exactly_what_is_held(tape: Tape) -> None:
    """close_position sends the opposite market order for the whole position, then nothing."""
    tape.place(Side.SELL, size=3)
    order = tape.account.close_position("MNQ", 9_000)
    assert order is not None
    assert (order.side, order.size, order.type) == (Side.BUY, 3, OrderType.MARKET)
    assert tape.position() == (0, 0)
    assert tape.account.close_position("MNQ", 9_001) is None
    assert tape.account.close_position("MES", 9_002) is None


def test_report_lists_account_working_orders_and_open_positions(tape: Tape) -> None:
    """A reconcile re-reads the balance, the working orders and the non-flat positions."""
    working = tape.place(Side.BUY, OrderType.LIMIT, limit=BID - 5)
    tape.place(Side.BUY, size=2)
    tape.quote(20_000, 20_001, "MES")
    tape.place(Side.BUY, symbol="MES")
    tape.place(Side.SELL, symbol="MES")
    report = tape.account.report(9_000)
    assert isinstance(report[0], AccountUpdated)
    assert [e.order.id for e in report if isinstance(e, OrderUpdated)] == [working]
    positions = [e.position for e in report if isinstance(e, PositionUpdated)]
    assert [(p.symbol, p.size) for p in positions] == [("MNQ", 2)]


@pytest.mark.parametrize(
    ("kind", "limit", "stop", "message"),
    [
        (OrderType.LIMIT, None, None, "a limit order needs a limit price"),
        (OrderType.STOP, None, None, "a stop order needs a stop price"),
        (OrderType.STOP_LIMIT, BID - 5, None, "a stop limit order needs a stop price"),
        (OrderType.STOP_LIMIT, None, BID - 4, "a stop limit order needs a limit price"),
        (OrderType.TRAILING_STOP, None, BID - 4, "trailing stop orders are not supported"),
    ],
)
def test_order_without_its_price_is_rejected_not_left_to_rot(
    tape: Tape, kind: OrderType, limit: int | None, stop: int | None, message: str
) -> None:
    """A raw request (the emulator's REST) missing its price is rejected, never left working."""
    with pytest.raises(OrderRejected, match=message):
        tape.place(Side.SELL, kind, limit=limit, stop=stop)
    assert tape.account.orders == {}
    assert tape.events == []
