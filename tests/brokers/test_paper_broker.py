"""The paper broker behind the engine: start-up, the stepped market, trading and flatten."""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal

import pytest

from cockpit.brokers.paper import TURN_EVENTS, PaperBroker
from cockpit.core.broker import BrokerUnavailable
from cockpit.core.clock import FakeClock
from cockpit.core.commands import CancelAll, FlattenAll, PlaceOrder
from cockpit.core.events import (
    BarsLoaded,
    BrokerFailed,
    ConnectionChanged,
    DayStatsUpdated,
    DepthUpdated,
    FillReceived,
    FlattenCompleted,
    LinkStatus,
    OrderUpdated,
    Printed,
    QuoteUpdated,
    Reconciled,
)
from cockpit.core.models import OrderRequest, OrderStatus, OrderType, Side
from tests.conftest import Desk, make_desk


async def test_start_reports_links_history_quotes_and_reconciles(desk: Desk) -> None:
    """Start-up connects both links, loads history and the settle, quotes and books, then
    reconciles."""
    links = desk.of_type(ConnectionChanged)
    assert [(c.link.value, c.status) for c in links] == [
        ("market", LinkStatus.CONNECTED),
        ("account", LinkStatus.CONNECTED),
    ]
    assert {(b.symbol, b.timeframe) for b in desk.of_type(BarsLoaded)} == {
        ("MNQ", "1m"),
        ("MNQ", "1s"),
        ("MES", "1m"),
        ("MES", "1s"),
    }
    assert {s.symbol for s in desk.of_type(DayStatsUpdated)} == {"MNQ", "MES"}
    assert desk.state.reconciled
    assert desk.of_type(Reconciled)
    assert desk.state.account is not None
    assert desk.state.account.balance == Decimal("50000")
    assert desk.state.account.name == "PRACTICE-50K"
    assert set(desk.state.quotes) == {"MNQ", "MES"}
    for symbol in ("MNQ", "MES"):
        book = desk.state.books[symbol]
        assert (book.best_bid, book.best_ask) == (
            desk.state.quotes[symbol].bid,
            desk.state.quotes[symbol].ask,
        )
        assert len(book.bids) == len(book.asks) == 10


async def test_market_moves_only_when_stepped(clock: FakeClock) -> None:
    """With pump_interval=0 nothing happens until step(); step plays up to the given time."""
    desk = await make_desk(clock)
    before = len(desk.events)
    assert desk.broker.step(clock.now_ns()) == 0
    assert len(desk.events) == before
    played = desk.advance(2)
    assert played > 0
    market = [
        e for e in desk.events[before:] if isinstance(e, QuoteUpdated | Printed | DepthUpdated)
    ]
    assert len(market) == played
    assert all(e.ts <= clock.now_ns() for e in market)
    await desk.broker.stop()


async def test_same_seed_same_session(clock: FakeClock) -> None:
    """Two desks with the same seed and the same steps see the very same events."""
    first = await make_desk(FakeClock(clock.now_ns()))
    second = await make_desk(FakeClock(clock.now_ns()))
    for desk in (first, second):
        desk.advance(3)
        await desk.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=2))
        desk.advance(3)
    assert first.events == second.events


async def test_market_buy_opens_a_position_with_average_and_open_pnl(desk: Desk) -> None:
    """`b` on the demo: a 1-lot MNQ buy fills at the ask; the position shows average and P&L."""
    ask = desk.state.quotes["MNQ"].ask
    verdict = await desk.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    assert verdict.accepted
    position = desk.state.positions["MNQ"]
    assert (position.size, position.average) == (1, ask)
    [fill] = [e.fill for e in desk.of_type(FillReceived)]
    assert (fill.price, fill.fee, fill.pnl) == (ask, Decimal("0.37"), None)
    assert desk.state.fees == Decimal("0.37")
    desk.advance(30)
    mark = desk.state.mark("MNQ")
    assert mark is not None
    assert desk.state.open_pnl("MNQ") == Decimal("0.50") * (mark - ask)
    assert desk.state.pending == {}


async def test_resting_limit_fills_on_the_synthetic_tape(desk: Desk) -> None:
    """A buy limit a tick under the bid rests behind the size shown there, then fills at its
    price once the prints at that price exceed that queue (or price trades through)."""
    bid = desk.state.quotes["MNQ"].bid
    queue = desk.state.books["MNQ"].size_at(Side.BUY, bid - 1)
    assert queue > 0
    placed = len(desk.events)
    await desk.engine.execute(
        PlaceOrder(
            symbol="MNQ",
            side=Side.BUY,
            type=OrderType.LIMIT,
            size=1,
            limit_price=desk.state.instruments["MNQ"].to_price(bid - 1),
        )
    )
    [order] = desk.state.working_orders()
    for _ in range(600):
        desk.advance(1)
        if not desk.state.working_orders():
            break
    assert desk.state.order_status(order.id) is OrderStatus.FILLED
    [fill] = [e.fill for e in desk.of_type(FillReceived)]
    assert fill.price == bid - 1
    at = desk.events.index(desk.of_type(FillReceived)[0])
    prints = [e for e in desk.events[placed:at] if isinstance(e, Printed) and e.symbol == "MNQ"]
    traded_at = sum(p.size for p in prints if p.price == bid - 1)
    through = any(p.price < bid - 1 for p in prints)
    assert through or traded_at > queue
    assert prints[-1].price <= bid - 1  # the fill followed a print at or through its price


async def test_cancel_all_on_the_paper_broker(desk: Desk) -> None:
    """Working orders on the paper broker are cancelled by cancel-all, once each."""
    bid = desk.state.quotes["MES"].bid
    spec = desk.state.instruments["MES"]
    for offset in (10, 20):
        await desk.engine.execute(
            PlaceOrder(
                symbol="MES",
                side=Side.BUY,
                type=OrderType.LIMIT,
                size=1,
                limit_price=spec.to_price(bid - offset),
            )
        )
    assert len(desk.state.working_orders()) == 2
    await desk.engine.execute(CancelAll())
    assert desk.state.working_orders() == []
    updates = [e.order for e in desk.of_type(OrderUpdated)]
    assert len([o for o in updates if o.status is OrderStatus.CANCELLED]) == 2


async def test_flatten_leaves_the_paper_account_flat(desk: Desk) -> None:
    """`F` twice with positions in two instruments and resting orders ends verified flat,
    each position closed once."""
    spec = desk.state.instruments["MNQ"]
    await desk.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=2))
    await desk.engine.execute(PlaceOrder(symbol="MES", side=Side.SELL, size=1))
    bid = desk.state.quotes["MNQ"].bid
    await desk.engine.execute(
        PlaceOrder(
            symbol="MNQ",
            side=Side.BUY,
            type=OrderType.LIMIT,
            size=1,
            limit_price=spec.to_price(bid - 40),
        )
    )
    desk.advance(5)
    first = desk.engine.submit(FlattenAll())
    second = desk.engine.submit(FlattenAll())
    await first.done()
    await second.done()
    # The paper broker answers at once: on eager tasks the first flatten is over before
    # the second press, which then finds nothing to do.
    assert [done.flat for done in desk.of_type(FlattenCompleted)] in ([True], [True, True])
    assert desk.state.is_flat()
    assert desk.broker.account.lots["MNQ"].size == 0
    assert desk.broker.account.lots["MES"].size == 0
    closes = [e.order for e in desk.of_type(OrderUpdated) if e.order.tag == "close"]
    assert {(o.symbol, o.size) for o in closes if o.status is OrderStatus.FILLED} == {
        ("MNQ", 2),
        ("MES", 1),
    }
    assert desk.state.open_pnl_total() == 0


async def test_paper_rejection_reaches_the_blotter(desk: Desk) -> None:
    """A stop on the wrong side is rejected by the paper broker and shown, nothing crashes."""
    ask = desk.state.quotes["MNQ"].ask
    spec = desk.state.instruments["MNQ"]
    await desk.engine.execute(
        PlaceOrder(
            symbol="MNQ",
            side=Side.BUY,
            type=OrderType.STOP,
            size=1,
            stop_price=spec.to_price(ask - 2),
        )
    )
    [failed] = desk.of_type(BrokerFailed)
    assert "must be above the market" in failed.reason
    assert desk.state.pending == {}
    assert desk.state.working_orders() == []


async def test_calls_before_start_say_the_broker_is_unavailable(clock: FakeClock) -> None:
    """An unstarted paper broker refuses with BrokerUnavailable rather than half-working."""
    broker = PaperBroker(clock, ["MNQ"], pump_interval=0)
    request = OrderRequest("MNQ", Side.BUY, OrderType.MARKET, 1)
    with pytest.raises(BrokerUnavailable, match="not started"):
        await broker.place_order(request)
    with pytest.raises(BrokerUnavailable):
        await broker.cancel_order(1)
    with pytest.raises(BrokerUnavailable):
        await broker.close_position("MNQ")
    with pytest.raises(BrokerUnavailable):
        await broker.reconcile()
    assert broker.step(clock.now_ns() + 10**9) == 0


async def test_pump_runs_as_a_task_and_stops_cleanly(clock: FakeClock) -> None:
    """With a pump interval the market runs in a background task that stop() ends."""
    broker = PaperBroker(clock, ["MNQ"], pump_interval=60.0)
    events: list[object] = []
    await broker.start(events.append)
    assert broker._pump is not None
    await broker.stop()
    assert broker._pump is None
    assert broker.step(clock.now_ns() + 10**9) == 0  # stopped: no sink, nothing played


async def test_a_fault_downstream_never_freezes_the_market() -> None:
    """A sink that raises is logged and counted; the pump keeps stepping the market."""
    import asyncio

    from cockpit.brokers.paper import PaperBroker
    from cockpit.core.clock import WallClock

    calls: list[int] = []

    def flaky(event: object) -> None:
        calls.append(1)
        if len(calls) == 30:
            raise RuntimeError("a bug in a watcher")

    broker = PaperBroker(WallClock(), ["MNQ", "MES"], pump_interval=0.01)
    await broker.start(flaky)
    await asyncio.sleep(0.5)
    seen = len(calls)
    await asyncio.sleep(0.5)
    await broker.stop()
    assert broker.faults >= 1
    assert len(calls) > seen


async def test_the_pump_plays_a_burst_in_slices_with_the_loop_free_between(
    clock: FakeClock,
) -> None:
    """A market 30 s behind is played about TURN_EVENTS a turn of the loop: a callback
    scheduled meanwhile (a key) runs between slices, and the tape is a whole step's."""
    whole = PaperBroker(clock, ["MNQ", "MES"], pump_interval=0)
    pumped = PaperBroker(clock, ["MNQ", "MES"], pump_interval=60.0)
    expected: list[object] = []
    await whole.start(expected.append)
    opening = len(expected)  # stamped at each start: the tapes after them must agree
    clock.advance(30)
    whole.step(clock.now_ns())
    got: list[object] = []
    seen_by_turn: list[int] = []
    loop = asyncio.get_running_loop()

    caught_up = asyncio.Event()

    def watch() -> None:  # runs once per turn of the loop, as a key's callback would
        seen_by_turn.append(len(got))
        if len(got) < len(expected):
            loop.call_soon(watch)
        else:
            caught_up.set()

    await pumped.start(got.append)
    loop.call_soon(watch)
    await caught_up.wait()
    await pumped.stop()
    assert got[opening:] == expected[opening:]
    steps = [b - a for a, b in itertools.pairwise(seen_by_turn) if b > a]
    assert len(steps) > 10  # hundreds of events, played over many turns
    assert max(steps) < TURN_EVENTS + 8  # a moment's changes at most past the slice
