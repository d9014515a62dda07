"""The reducer: every event kind folds as documented and reports exactly what changed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cockpit.core.bars import Bar
from cockpit.core.events import (
    AccountUpdated,
    ArmChanged,
    BarsLoaded,
    BrokerFailed,
    CloseSettled,
    CloseSubmitted,
    ConnectionChanged,
    DayStatsUpdated,
    DepthUpdated,
    EnforcementTaken,
    Event,
    FillReceived,
    FlattenCompleted,
    FlattenStarted,
    Link,
    LinkStatus,
    LockoutEnded,
    LockoutStarted,
    ModifySettled,
    ModifySubmitted,
    Notice,
    OrderDenied,
    OrderSubmitted,
    OrderUpdated,
    PositionUpdated,
    Printed,
    QuoteUpdated,
    Reconciled,
    RiskDecision,
    RiskStateChanged,
    SubmissionSettled,
    TradingDayEnded,
)
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import (
    Account,
    Fill,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from cockpit.core.state import Changes, State
from cockpit.core.tradingstate import TradingState
from tests.conftest import START_NS

T = START_NS
ACCOUNT = Account(1, "TEST", Decimal("50000"))


def order(oid: int = 1, status: OrderStatus = OrderStatus.OPEN, tag: str | None = None) -> Order:
    return Order(oid, 1, "MNQ", Side.BUY, OrderType.LIMIT, 1, status, limit=100, tag=tag)


def fill(
    pnl: str | None = None, fee: str = "0.37", ts: int = T, size: int = 1, price: int = 100
) -> Fill:
    realized = None if pnl is None else Decimal(pnl)
    return Fill(1, 1, 1, "MNQ", Side.SELL, size, price, Decimal(fee), realized, ts)


def request(tag: str | None = "ck-1") -> OrderRequest:
    return OrderRequest("MNQ", Side.BUY, OrderType.MARKET, 1, tag=tag)


# (event, the Changes it must report)
FOLDS: list[tuple[Event, Changes]] = [
    (QuoteUpdated(T, "MNQ", 100, 101, 5, 6), Changes(quotes={"MNQ"})),
    (
        Printed(T, "MES", 100, 2, Side.BUY),
        Changes(quotes={"MES"}, bars={"MES"}, books={"MES"}),
    ),
    (DepthUpdated(T, "MNQ", bids=((100, 3),)), Changes(books={"MNQ"})),
    (
        BarsLoaded(T, "MNQ", "1m", (Bar(T - 60_000_000_000, 1, 2, 1, 2, 3),)),
        Changes(quotes={"MNQ"}, bars={"MNQ"}),
    ),
    (DayStatsUpdated(T, "MNQ", 99), Changes(quotes={"MNQ"})),
    (AccountUpdated(T, ACCOUNT), Changes(account=True)),
    (OrderUpdated(T, order(7)), Changes(orders={7}, fills_and_events=True)),
    (FillReceived(T, fill()), Changes(account=True, fills_and_events=True)),
    (
        PositionUpdated(T, Position(1, "MNQ", 2, 200, T)),
        Changes(positions={"MNQ"}, account=True),
    ),
    (
        ConnectionChanged(T, Link.MARKET, LinkStatus.STALE, "no data 5s"),
        Changes(status=True, fills_and_events=True),
    ),
    (Reconciled(T, "ok"), Changes(status=True, fills_and_events=True)),
    (ArmChanged(T, True), Changes(status=True)),
    (OrderSubmitted(T, request()), Changes()),
    (SubmissionSettled(T, "ck-1", 5), Changes()),
    (CloseSubmitted(T, "MNQ"), Changes()),
    (CloseSettled(T, "MNQ", ok=True), Changes()),
    (ModifySubmitted(T, 7, 3), Changes()),
    (ModifySettled(T, 7, ok=True), Changes()),
    (
        OrderDenied(T, "BUY 1 MNQ market", "disarmed", "armed", "MNQ"),
        Changes(fills_and_events=True),
    ),
    (BrokerFailed(T, "cancel", "timeout", uncertain=True), Changes(fills_and_events=True)),
    (FlattenStarted(T, "F key", 1, 1), Changes(status=True, fills_and_events=True)),
    (FlattenCompleted(T, True, "verified flat"), Changes(status=True, fills_and_events=True)),
    (Notice(T, "info", "hello"), Changes(fills_and_events=True)),
    (
        RiskStateChanged(
            T, TradingState.WARNING, TradingState.ACTIVE, "daily loss 80%", "daily_loss"
        ),
        Changes(status=True, fills_and_events=True),
    ),
    (LockoutStarted(T, T + 10, "manual"), Changes(status=True, fills_and_events=True)),
    (LockoutEnded(T, "expired"), Changes(status=True, fills_and_events=True)),
    (EnforcementTaken(T, "daily_loss", "flatten", "closed MNQ"), Changes(fills_and_events=True)),
    (RiskDecision(T, "contract-limit", "reject", "denied", "contracts=3"), Changes()),
    (TradingDayEnded(T, date(2026, 3, 10), Decimal("-56.20"), 1), Changes()),
]


@pytest.mark.parametrize(("event", "expected"), FOLDS, ids=lambda v: type(v).__name__)
def test_each_event_reports_exactly_what_changed(event: Event, expected: Changes) -> None:
    """take_changes after one event names exactly the rows and panels it touched."""
    state = State(INSTRUMENTS, ["MNQ", "MES"])
    state.apply(event)
    assert state.take_changes() == expected


def test_every_event_kind_has_a_fold_test() -> None:
    """No event class is left out of the table above."""
    import cockpit.core.events as events

    kinds = {
        obj
        for obj in vars(events).values()
        if isinstance(obj, type) and issubclass(obj, Event) and obj is not Event
    }
    assert kinds == {type(e) for e, _ in FOLDS}


def test_take_changes_starts_a_fresh_set(state: State) -> None:
    """After taking the changes nothing is reported until the next event."""
    state.apply(QuoteUpdated(T, "MNQ", 100, 101, 5, 6))
    assert state.take_changes()
    assert not state.take_changes()
    state.apply(QuoteUpdated(T, "MNQ", 100, 101, 5, 6))
    state.apply(QuoteUpdated(T, "MNQ", 101, 102, 5, 6))
    assert state.take_changes().quotes == {"MNQ"}


def test_quote_and_print_fold_into_book_last_volume_and_bars(state: State) -> None:
    """A quote sets the touch; prints set last, add volume and build the 1s bar."""
    state.apply(QuoteUpdated(T, "MNQ", 100, 101, 5, 6))
    state.apply(Printed(T + 1, "MNQ", 101, 3, Side.BUY))
    state.apply(Printed(T + 2, "MNQ", 100, 2, Side.SELL))
    assert (state.quotes["MNQ"].bid, state.quotes["MNQ"].ask) == (100, 101)
    assert state.last["MNQ"] == 100
    assert state.volume["MNQ"] == 5
    assert state.market_ns == T + 2
    [bar] = state.bars["MNQ"].bars("1s", 5)
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (101, 101, 100, 100, 5)


def test_print_in_an_unwatched_symbol_gets_its_own_bars(state: State) -> None:
    """A print for a symbol outside the watchlist still folds (its book is made on demand)."""
    state.apply(Printed(T, "MGC", 41250, 1))
    assert state.bars["MGC"].bars("1m", 1)[0].close == 41250
    assert state.volume["MGC"] == 1


def test_history_sets_last_only_when_no_print_yet(state: State) -> None:
    """History gives the watchlist a last price, but never overrides a live print."""
    bar = Bar(T - 120_000_000_000, 1, 5, 1, 4, 10)
    state.apply(BarsLoaded(T, "MNQ", "1m", (bar,)))
    assert state.last["MNQ"] == 4
    state.apply(Printed(T, "MES", 7, 1))
    state.apply(BarsLoaded(T, "MES", "1m", (bar,)))
    assert state.last["MES"] == 7


def test_order_updates_replace_by_id_and_working_orders_filter(state: State) -> None:
    """The latest update of an order wins; only working orders are listed as working."""
    state.apply(OrderUpdated(T, order(1)))
    state.apply(OrderUpdated(T, order(2)))
    state.apply(OrderUpdated(T, order(1, OrderStatus.FILLED)))
    assert state.order_status(1) is OrderStatus.FILLED
    assert [o.id for o in state.working_orders()] == [2]
    assert state.working_orders("MES") == []
    assert state.order_status(3) is None


def test_orders_that_start_working_or_end_unfilled_are_fills_and_events_lines(
    state: State,
) -> None:
    """Working, cancelled, expired and rejected orders each make one line; the same status
    again, a fill's FILLED and a market order's OPEN make none."""
    state.apply(OrderUpdated(T, order(1)))
    state.apply(OrderUpdated(T, order(1)))  # a modify: still working
    state.apply(OrderUpdated(T, order(1, OrderStatus.CANCELLED)))
    state.apply(OrderUpdated(T, order(2, OrderStatus.REJECTED)))
    state.apply(OrderUpdated(T, order(3, OrderStatus.EXPIRED)))
    state.apply(OrderUpdated(T, order(4, OrderStatus.FILLED)))
    market = Order(5, 1, "MNQ", Side.BUY, OrderType.MARKET, 1, OrderStatus.OPEN)
    state.apply(OrderUpdated(T, market))
    assert all(isinstance(e, OrderUpdated) for e in state.fills_and_events)
    lines = [
        (e.order.id, e.order.status) for e in state.fills_and_events if isinstance(e, OrderUpdated)
    ]
    assert lines == [
        (1, OrderStatus.OPEN),
        (1, OrderStatus.CANCELLED),
        (2, OrderStatus.REJECTED),
        (3, OrderStatus.EXPIRED),
    ]


def test_pending_submission_is_settled_by_its_tag(state: State) -> None:
    """A submission is pending until the broker reports an order with its tag."""
    state.apply(OrderSubmitted(T, request("ck-1")))
    state.apply(OrderSubmitted(T, request("ck-2")))
    state.apply(OrderUpdated(T, order(9, tag="ck-1")))
    assert list(state.pending) == ["ck-2"]
    state.apply(OrderUpdated(T, order(10, tag="other")))
    assert list(state.pending) == ["ck-2"]


def test_pending_submission_is_settled_when_the_call_returns(state: State) -> None:
    """A failed or answered call settles its tag even without an order update."""
    state.apply(OrderSubmitted(T, request("ck-3")))
    state.apply(SubmissionSettled(T, "ck-3", None))
    assert state.pending == {}
    state.apply(SubmissionSettled(T, "never-sent"))
    assert state.pending == {}


def test_a_close_counts_until_the_brokers_position_shows_it(state: State) -> None:
    """A close is on its way from its submission; answered, it waits for the next position
    report; a failed one or a flat report ends it at once. Meanwhile nothing else against
    the position only reduces it."""
    short = PositionUpdated(T, Position(1, "MNQ", -1, 200, T))
    state.apply(short)
    assert state.reduces("MNQ", Side.BUY, 1)
    state.apply(CloseSubmitted(T, "MNQ"))
    assert state.pending.closing == {"MNQ": False}
    assert not state.reduces("MNQ", Side.BUY, 1)  # the close takes all of it
    state.apply(short)  # a report from before the broker acted: still on its way
    assert state.pending.closing == {"MNQ": False}
    state.apply(CloseSettled(T, "MNQ", ok=True))
    assert state.pending.closing == {"MNQ": True}
    state.apply(short)  # the first report after the answer shows what it did
    assert state.pending.closing == {}
    state.apply(CloseSubmitted(T, "MNQ"))
    state.apply(CloseSettled(T, "MNQ", ok=False))
    assert state.pending.closing == {}
    state.apply(CloseSubmitted(T, "MNQ"))
    state.apply(PositionUpdated(T, Position(1, "MNQ", 0, 0, T)))
    assert state.pending.closing == {}
    state.apply(CloseSubmitted(T, "MNQ"))
    state.apply(CloseSettled(T, "MNQ", ok=True))  # answered when already flat: done
    assert state.pending.closing == {}


def test_a_new_size_counts_until_the_brokers_report_of_the_order_shows_it(
    state: State,
) -> None:
    """An order growing from 1 to 3 counts 3 from the modify's submission; answered, until
    the order's next report; a failed modify, or a report already showing the new size,
    ends it at once. A modify that shrinks it counts the old size until then."""
    state.apply(OrderUpdated(T, order(7)))
    working = state.orders.working[7]
    state.apply(ModifySubmitted(T, 7, 3))
    assert state.pending.remaining(working) == 3
    state.apply(ModifySettled(T, 7, ok=True))
    assert state.pending.sizes == {7: (3, True)}
    state.apply(OrderUpdated(T, order(7)))  # the first report after the answer
    assert state.pending.sizes == {}
    state.apply(ModifySubmitted(T, 7, 3))
    state.apply(ModifySettled(T, 7, ok=False))
    assert state.pending.sizes == {}
    state.apply(ModifySubmitted(T, 7, 3))
    grown = Order(7, 1, "MNQ", Side.BUY, OrderType.LIMIT, 3, OrderStatus.OPEN, limit=100)
    state.apply(OrderUpdated(T, grown))
    assert state.pending.sizes == {}
    state.apply(ModifySubmitted(T, 7, 1))
    assert state.pending.remaining(state.orders.working[7]) == 3


def test_untagged_submission_is_not_tracked(state: State) -> None:
    """Without a tag nothing could settle it, so it is not kept."""
    state.apply(OrderSubmitted(T, request(None)))
    assert state.pending == {}


def test_position_of_size_zero_removes_it(state: State) -> None:
    """A closed position leaves the positions table."""
    state.apply(PositionUpdated(T, Position(1, "MNQ", -2, 200, T)))
    assert [p.size for p in state.open_positions()] == [-2]
    assert not state.is_flat()
    state.apply(PositionUpdated(T, Position(1, "MNQ", 0, 0, T)))
    assert state.positions == {}
    assert state.is_flat()


def test_is_flat_counts_working_orders(state: State) -> None:
    """A working order alone means not flat; a cancelled one does not."""
    state.apply(OrderUpdated(T, order(1)))
    assert not state.is_flat()
    state.apply(OrderUpdated(T, order(1, OrderStatus.PENDING_CANCEL)))
    assert not state.is_flat()
    state.apply(OrderUpdated(T, order(1, OrderStatus.CANCELLED)))
    assert state.is_flat()


def test_unhealthy_account_link_drops_reconciled(state: State) -> None:
    """Order keys wait again after the account link drops, until the next reconcile."""
    state.apply(Reconciled(T))
    assert state.reconciled
    state.apply(ConnectionChanged(T, Link.MARKET, LinkStatus.DISCONNECTED))
    assert state.reconciled
    state.apply(ConnectionChanged(T, Link.ACCOUNT, LinkStatus.RECONCILING, "rejoined"))
    assert not state.reconciled
    assert state.links[Link.ACCOUNT] is LinkStatus.RECONCILING
    assert state.link_detail[Link.ACCOUNT] == "rejoined"
    state.apply(Reconciled(T))
    assert state.reconciled


def test_flatten_started_and_completed_toggle_flattening(state: State) -> None:
    """The header's flatten mark is on between started and completed."""
    state.apply(FlattenStarted(T, "F", 0, 0))
    assert state.flattening
    state.apply(FlattenCompleted(T, False, "NOT FLAT"))
    assert not state.flattening


def test_lockout_keeps_the_latest_end_until_ended(state: State) -> None:
    """Two lockouts keep the later end; ending clears it."""
    state.apply(LockoutStarted(T, T + 100, "a"))
    state.apply(LockoutStarted(T, T + 50, "b"))
    assert state.lockout_until == T + 100
    state.apply(LockoutStarted(T, T + 200, "c"))
    assert state.lockout_until == T + 200
    state.apply(LockoutEnded(T, "over"))
    assert state.lockout_until is None


def test_risk_state_is_kept_with_its_reason(state: State) -> None:
    """The banner reads the risk state and its reason."""
    state.apply(
        RiskStateChanged(T, TradingState.LOCKED, TradingState.ACTIVE, "daily loss limit hit")
    )
    assert state.risk_state is TradingState.LOCKED
    assert state.risk_reason == "daily loss limit hit"


def test_activity_keeps_only_the_newest_lines() -> None:
    """The fills & events blotter is bounded: the oldest lines fall off."""
    state = State(INSTRUMENTS, ["MNQ"], fills_and_events_size=3)
    notices = [Notice(T + i, "info", str(i)) for i in range(5)]
    for notice in notices:
        state.apply(notice)
    assert list(state.fills_and_events) == notices[2:]


def test_unknown_event_kinds_are_ignored(state: State) -> None:
    """An event the reducer has no handler for changes nothing (forward compatible)."""
    state.apply(Event(T))
    assert not state.take_changes()


def test_state_keeps_under_thirty_attributes() -> None:
    """From 30 attributes CPython 3.12 stops keeping them inline and every read in the fold
    slows down (docs/benchmarks.md): State stays below that."""
    assert len(vars(State(INSTRUMENTS, ["MNQ"]))) < 30
