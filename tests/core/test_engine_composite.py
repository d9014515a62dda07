"""The composite commands: a partial close, a reverse, an order to the market, and moves
that would cross the market. Run on eager and lazy tasks (tests/conftest.py)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from cockpit.core.broker import OrderRejected
from cockpit.core.commands import (
    CancelOrder,
    CloseContracts,
    Command,
    FlattenAll,
    ModifyOrder,
    MoveToMarket,
    PlaceOrder,
    ReversePosition,
    SetArmed,
)
from cockpit.core.composite import STEP_TIMEOUT_NS
from cockpit.core.events import Notice, OrderDenied, RiskStateChanged
from cockpit.core.models import OrderRequest, OrderType, Side
from cockpit.core.state import State
from cockpit.core.tradingstate import TradingState
from cockpit.core.validation import Denial
from tests.core.scripted import PRICE, Rig

MNQ = "MNQ"


def price(ticks: int) -> Decimal:
    """MNQ ticks as the Decimal a trader types."""
    return Decimal(ticks) / 4


def requests(rig: Rig) -> list[OrderRequest]:
    return [call for call in rig.broker.named("place") if isinstance(call, OrderRequest)]


def steps(rig: Rig) -> list[str]:
    """The broker calls that act on the account, in the order they were made."""
    return [name for name, _ in rig.broker.calls if name in ("cancel", "close", "place")]


async def place_stop(rig: Rig, side: Side, stop: int, size: int = 1) -> int:
    """A working stop, placed through the engine; returns its id."""
    order = PlaceOrder(
        symbol=MNQ, side=side, type=OrderType.STOP, size=size, stop_price=price(stop)
    )
    assert (await rig.engine.execute(order)).accepted
    return max(rig.broker.orders)


class DenyEntries:
    """A gate that denies every order that does not only reduce the position."""

    def check(self, command: Command, request: OrderRequest | None, state: State) -> Denial | None:
        if request is None or state.reduces(request.symbol, request.side, request.size):
            return None
        return Denial("entries denied by the test gate", "test")


# Partial close ---------------------------------------------------------------------------


async def test_close_one_sells_one_at_market_and_works_disarmed(rig: Rig) -> None:
    """`o` on a long 2, disarmed: one sell of 1 at market, and the position is not closed."""
    rig.broker.fill_position(MNQ, 2)
    rig.engine.submit(SetArmed(armed=False))
    verdict = await rig.engine.execute(CloseContracts(symbol=MNQ, size=1))
    assert verdict.accepted, verdict.reason
    [sent] = requests(rig)
    assert (sent.side, sent.size, sent.type) == (Side.SELL, 1, OrderType.MARKET)
    assert rig.broker.named("close") == []


async def test_closing_as_many_contracts_as_held_is_the_broker_sized_close(rig: Rig) -> None:
    """`h` on a short 1 closes it all with the broker-sized close, never an order of its own."""
    rig.broker.fill_position(MNQ, -1)
    verdict = await rig.engine.execute(CloseContracts(symbol=MNQ, size=1))
    assert verdict.accepted
    assert rig.broker.named("close") == [MNQ]
    assert requests(rig) == []
    assert rig.state.position_size(MNQ) == 0


async def test_partial_closes_never_add_up_to_more_than_the_position(rig: Rig) -> None:
    """Three quick `o` on a long 2 while the broker has not answered: the third is denied."""
    rig.broker.fill_position(MNQ, 2)
    rig.broker.hold["place"] = asyncio.Event()
    first = rig.engine.submit(CloseContracts(symbol=MNQ, size=1))
    second = rig.engine.submit(CloseContracts(symbol=MNQ, size=1))
    third = rig.engine.submit(CloseContracts(symbol=MNQ, size=1))
    assert first.accepted
    assert second.accepted
    assert not third.accepted
    assert "could reverse it" in third.reason
    rig.broker.hold["place"].set()
    await rig.engine.drain()
    assert len(requests(rig)) == 2


async def test_a_partial_close_without_a_position_is_denied(rig: Rig) -> None:
    """`o` while flat says so and sends nothing."""
    verdict = rig.engine.submit(CloseContracts(symbol=MNQ, size=1))
    assert not verdict.accepted
    assert verdict.reason == "no open MNQ position"
    assert rig.broker.calls == []


async def test_a_partial_close_during_a_flatten_joins_the_close(rig: Rig) -> None:
    """`o` while a flatten runs sends no order of its own: the flatten's close covers it."""
    rig.broker.fill_position(MNQ, 3)
    rig.broker.hold["close"] = closes = asyncio.Event()
    flatten = rig.engine.submit(FlattenAll())
    await rig.broker.wait_for_calls("close", 1)
    verdict = rig.engine.submit(CloseContracts(symbol=MNQ, size=1))
    assert verdict.accepted
    closes.set()
    await flatten.done()
    assert requests(rig) == []
    assert rig.broker.named("close") == [MNQ]


# Reverse ---------------------------------------------------------------------------------


async def test_reverse_cancels_then_closes_then_enters_the_other_way(rig: Rig) -> None:
    """`r` on a long 2 with a sell limit working: cancel it, close, then sell 2 at market."""
    rig.broker.fill_position(MNQ, 2)
    rig.broker.add_order(MNQ, Side.SELL, PRICE + 8)
    verdict = rig.engine.submit(ReversePosition(symbol=MNQ))
    assert verdict.accepted, verdict.reason
    assert "SELL 2 at market" in verdict.reason
    await verdict.done()
    await rig.engine.drain()
    assert steps(rig) == ["cancel", "close", "place"]
    [entry] = requests(rig)
    assert (entry.side, entry.size, entry.type) == (Side.SELL, 2, OrderType.MARKET)
    assert not rig.state.working_orders() or all(
        o.tag == entry.tag for o in rig.state.working_orders()
    )


async def test_reverse_disarmed_is_denied_and_sends_nothing(rig: Rig) -> None:
    """`r` is a trading key: disarmed it is denied with the reason, and nothing is closed."""
    rig.broker.fill_position(MNQ, 1)
    rig.engine.submit(SetArmed(armed=False))
    verdict = rig.engine.submit(ReversePosition(symbol=MNQ))
    assert not verdict.accepted
    assert verdict.reason == "trading keys are disarmed"
    assert steps(rig) == []


async def test_reverse_in_reduce_only_is_denied_before_anything_is_closed(rig: Rig) -> None:
    """REDUCE-ONLY allows exits only: a reverse (it opens a position) is denied whole."""
    rig.broker.fill_position(MNQ, 1)
    state = TradingState.REDUCE_ONLY
    rig.engine.emit(RiskStateChanged(rig.clock.now_ns(), state, TradingState.ACTIVE, "test"))
    verdict = rig.engine.submit(ReversePosition(symbol=MNQ))
    assert not verdict.accepted
    assert "REDUCE-ONLY" in verdict.reason
    assert steps(rig) == []
    assert rig.state.position_size(MNQ) == 1


async def test_a_reverse_whose_entry_is_denied_ends_flat(rig: Rig) -> None:
    """The entry is judged after the close, like any entry: denied, the account is flat."""
    rig.engine.gates.append(DenyEntries())
    rig.broker.fill_position(MNQ, 1)
    verdict = rig.engine.submit(ReversePosition(symbol=MNQ))
    assert verdict.accepted
    await verdict.done()
    await rig.engine.drain()
    assert steps(rig) == ["close"]
    assert rig.state.is_flat()
    assert [d.reason for d in rig.of_type(OrderDenied)] == ["entries denied by the test gate"]


async def test_a_reverse_the_broker_never_confirms_gives_up_and_never_enters(rig: Rig) -> None:
    """A close not confirmed within the step timeout stops the reverse: a late flat enters
    nothing."""
    rig.broker.fill_position(MNQ, 1)
    rig.broker.hold["close"] = closes = asyncio.Event()
    verdict = rig.engine.submit(ReversePosition(symbol=MNQ))
    await rig.broker.wait_for_calls("close", 1)
    rig.clock.advance(STEP_TIMEOUT_NS / 1e9 + 1)
    rig.engine.tick()
    assert verdict.task is not None
    assert verdict.task.done()
    assert any("reverse MNQ stopped" in n.text for n in rig.of_type(Notice))
    closes.set()
    await rig.engine.drain()
    assert rig.state.is_flat()
    assert requests(rig) == []


async def test_a_flatten_during_a_reverse_stops_it(rig: Rig) -> None:
    """`F` while a reverse waits for its close: flat at the end, nothing entered."""
    rig.broker.fill_position(MNQ, 1)
    rig.broker.hold["close"] = closes = asyncio.Event()
    rig.engine.submit(ReversePosition(symbol=MNQ))
    await rig.broker.wait_for_calls("close", 1)
    flatten = rig.engine.submit(FlattenAll())
    closes.set()
    await flatten.done()
    await rig.engine.drain()
    assert rig.state.is_flat()
    assert requests(rig) == []


# To the market ---------------------------------------------------------------------------


async def test_a_buy_limit_to_the_market_moves_to_the_ask(rig: Rig) -> None:
    """`M` on a buy limit under the market modifies it to the ask (the touch)."""
    order_id = rig.broker.add_order(MNQ, Side.BUY, PRICE - 8)
    verdict = await rig.engine.execute(MoveToMarket(order_id=order_id))
    assert verdict.accepted, verdict.reason
    assert rig.broker.named("modify") == [(order_id, None, PRICE + 1, None)]


async def test_an_exit_stop_to_the_market_is_cancelled_then_closed(rig: Rig) -> None:
    """`M` on the sell stop under a long 2 (size 1): cancel it, then sell 1 at market."""
    rig.broker.fill_position(MNQ, 2)
    stop_id = await place_stop(rig, Side.SELL, PRICE - 16)
    rig.broker.calls.clear()
    verdict = rig.engine.submit(MoveToMarket(order_id=stop_id))
    assert verdict.accepted, verdict.reason
    await verdict.done()
    await rig.engine.drain()
    assert steps(rig) == ["cancel", "place"]
    entry = requests(rig)[-1]
    assert (entry.side, entry.size, entry.type) == (Side.SELL, 1, OrderType.MARKET)


async def test_an_entry_stop_to_the_market_enters_at_market(rig: Rig) -> None:
    """`M` on a buy stop while flat: cancel it, then buy its size at market."""
    stop_id = await place_stop(rig, Side.BUY, PRICE + 16, size=2)
    rig.broker.calls.clear()
    verdict = rig.engine.submit(MoveToMarket(order_id=stop_id))
    await verdict.done()
    await rig.engine.drain()
    assert steps(rig) == ["cancel", "place"]
    entry = requests(rig)[-1]
    assert (entry.side, entry.size, entry.type) == (Side.BUY, 2, OrderType.MARKET)


async def test_a_stop_that_fills_before_its_cancel_sends_nothing_more(rig: Rig) -> None:
    """The stop fills while `M` cancels it: no market order on top, and a line says so."""
    rig.broker.fill_position(MNQ, 1)
    stop_id = await place_stop(rig, Side.SELL, PRICE - 16)
    rig.broker.calls.clear()

    def filled_first(order_id: int) -> None:
        rig.broker.fill_order(order_id)

    rig.broker.on_cancel = filled_first
    verdict = rig.engine.submit(MoveToMarket(order_id=stop_id))
    await verdict.done()
    await rig.engine.drain()
    assert requests(rig) == []
    assert any("filled before it could go to the market" in n.text for n in rig.of_type(Notice))


async def test_to_the_market_disarmed_is_denied(rig: Rig) -> None:
    """`M` moves an order: a trading key, denied while disarmed."""
    order_id = rig.broker.add_order(MNQ, Side.BUY, PRICE - 8)
    rig.engine.submit(SetArmed(armed=False))
    verdict = rig.engine.submit(MoveToMarket(order_id=order_id))
    assert not verdict.accepted
    assert rig.broker.calls == []


# Moves that would cross the market ----------------------------------------------------------


async def test_a_sell_stop_moved_to_the_bid_is_denied_with_the_prices(rig: Rig) -> None:
    """A sell stop moved up to the bid would trigger at once: denied, saying the bid."""
    stop_id = await place_stop(rig, Side.SELL, PRICE - 2)
    verdict = rig.engine.submit(ModifyOrder(order_id=stop_id, stop_price=price(PRICE)))
    assert not verdict.accepted
    assert verdict.reason == (
        "a sell stop at 25000.00 would be at or above the bid 25000.00: it would trigger at once"
    )
    assert rig.broker.named("modify") == []


async def test_a_sell_stop_moved_up_under_the_bid_is_sent(rig: Rig) -> None:
    """One tick under the bid is still a stop: the move goes to the broker."""
    stop_id = await place_stop(rig, Side.SELL, PRICE - 2)
    verdict = await rig.engine.execute(ModifyOrder(order_id=stop_id, stop_price=price(PRICE - 1)))
    assert verdict.accepted, verdict.reason
    assert rig.broker.named("modify") == [(stop_id, None, None, PRICE - 1)]


async def test_a_buy_limit_moved_above_the_ask_is_denied_but_at_the_ask_is_sent(rig: Rig) -> None:
    """A buy limit may go to the ask (the touch), never through it."""
    order_id = rig.broker.add_order(MNQ, Side.BUY, PRICE - 8)
    through = rig.engine.submit(ModifyOrder(order_id=order_id, limit_price=price(PRICE + 2)))
    assert not through.accepted
    assert "above the ask 25000.25: it would cross the market" in through.reason
    at = await rig.engine.execute(ModifyOrder(order_id=order_id, limit_price=price(PRICE + 1)))
    assert at.accepted


async def test_a_second_reverse_while_one_is_on_its_way_is_denied(rig: Rig) -> None:
    """`r` `r` while the broker has not closed yet: the second press sends nothing."""
    rig.broker.fill_position(MNQ, 1)
    rig.broker.hold["close"] = closes = asyncio.Event()
    first = rig.engine.submit(ReversePosition(symbol=MNQ))
    second = rig.engine.submit(ReversePosition(symbol=MNQ))
    assert first.accepted
    assert not second.accepted
    assert second.reason == "a reverse of MNQ is already on its way"
    closes.set()
    await first.done()
    await rig.engine.drain()
    assert steps(rig) == ["close", "place"]


async def test_a_close_the_broker_rejects_stops_the_reverse(rig: Rig) -> None:
    """The close fails: the reverse says so and enters nothing, even if flat comes later."""
    rig.broker.fill_position(MNQ, 1)
    rig.broker.fail["close"] = OrderRejected("closeContract rejected")
    verdict = rig.engine.submit(ReversePosition(symbol=MNQ))
    await verdict.done()
    await rig.engine.drain()
    assert any(
        "reverse MNQ stopped: the broker said: closeContract rejected" in n.text
        for n in rig.of_type(Notice)
    )
    rig.broker.fill_position(MNQ, -1)
    assert requests(rig) == []


async def test_to_the_market_on_an_order_that_is_not_working_is_denied(rig: Rig) -> None:
    """`M` on an order already cancelled says it is not working and sends nothing."""
    order_id = rig.broker.add_order(MNQ, Side.BUY, PRICE - 8)
    await rig.engine.execute(CancelOrder(order_id=order_id))
    rig.broker.calls.clear()
    verdict = rig.engine.submit(MoveToMarket(order_id=order_id))
    assert not verdict.accepted
    assert verdict.reason == f"order {order_id} is not working"
    assert rig.broker.calls == []


async def test_a_limit_already_at_the_touch_is_left_as_it_is(rig: Rig) -> None:
    """`M` on a sell limit at the bid: already at the market, nothing modified."""
    order_id = rig.broker.add_order(MNQ, Side.SELL, PRICE)
    verdict = rig.engine.submit(MoveToMarket(order_id=order_id))
    assert verdict.accepted
    assert verdict.reason == f"order {order_id} is already at the market"
    assert rig.broker.named("modify") == []


async def test_a_close_by_hand_during_a_reverse_stops_its_entry(rig: Rig) -> None:
    """`r` then `c` before the broker closed: flat at the end, the entry never sent."""
    rig.broker.fill_position(MNQ, 2)
    rig.broker.hold["close"] = closes = asyncio.Event()
    reverse = rig.engine.submit(ReversePosition(symbol=MNQ))
    await rig.broker.wait_for_calls("close", 1)
    close = rig.engine.submit(CloseContracts(symbol=MNQ, size=2))
    assert close.accepted
    assert any("reverse MNQ stopped: closed by hand" in n.text for n in rig.of_type(Notice))
    closes.set()
    await reverse.done()
    await rig.engine.drain()
    assert rig.state.is_flat()
    assert requests(rig) == []
    assert rig.broker.named("close") == [MNQ]
