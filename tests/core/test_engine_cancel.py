"""Cancel, cancel-all, close and modify: exits go out once each, modify is a trading key."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from cockpit.core.broker import OrderRejected
from cockpit.core.commands import (
    CancelAll,
    CancelOrder,
    ClosePosition,
    FlattenAll,
    ModifyOrder,
    SetArmed,
)
from cockpit.core.events import BrokerFailed, FlattenCompleted, OrderDenied
from cockpit.core.models import OrderStatus, Side
from tests.core.scripted import Rig


async def test_cancel_sends_one_cancel_and_the_order_ends_cancelled(rig: Rig) -> None:
    """A cancel reaches the broker once and the broker's answer marks the order cancelled."""
    order_id = rig.broker.add_order()
    await rig.engine.execute(CancelOrder(order_id=order_id))
    assert rig.broker.named("cancel") == [order_id]
    assert rig.state.order_status(order_id) is OrderStatus.CANCELLED
    assert rig.state.working_orders() == []


async def test_cancel_pressed_twice_while_in_flight_sends_one(rig: Rig) -> None:
    """A second cancel of the same order while the first is unanswered sends nothing."""
    order_id = rig.broker.add_order()
    rig.broker.hold["cancel"] = gate = asyncio.Event()
    first = rig.engine.submit(CancelOrder(order_id=order_id))
    second = rig.engine.submit(CancelOrder(order_id=order_id))
    await asyncio.sleep(0)
    gate.set()
    await rig.engine.drain()
    assert first.accepted
    assert second.accepted
    assert rig.broker.named("cancel") == [order_id]


async def test_cancel_of_an_order_that_is_not_working_is_denied(rig: Rig) -> None:
    """Cancelling an unknown or finished order is denied before the broker."""
    verdict = rig.engine.submit(CancelOrder(order_id=999))
    assert not verdict.accepted
    assert rig.of_type(OrderDenied)[0].reason == "order 999 is not working"
    assert rig.broker.calls == []


async def test_cancel_all_sends_each_cancel_once(rig: Rig) -> None:
    """Cancel-all cancels every working order once, even pressed again while in flight."""
    ids = [rig.broker.add_order(), rig.broker.add_order(side=Side.SELL, limit=100_010)]
    ids.append(rig.broker.add_order(symbol="MES"))
    rig.broker.hold["cancel"] = gate = asyncio.Event()
    rig.engine.submit(CancelAll())
    again = rig.engine.submit(CancelAll())
    await asyncio.sleep(0)
    gate.set()
    await rig.engine.drain()
    assert again.accepted
    assert sorted(rig.broker.named("cancel")) == sorted(ids)
    assert rig.state.working_orders() == []


async def test_cancel_all_for_one_symbol_leaves_the_others(rig: Rig) -> None:
    """Cancel-all with a symbol cancels only that instrument's orders."""
    mnq = rig.broker.add_order()
    mes = rig.broker.add_order(symbol="MES")
    await rig.engine.execute(CancelAll(symbol="MNQ"))
    assert rig.broker.named("cancel") == [mnq]
    assert [o.id for o in rig.state.working_orders()] == [mes]


async def test_cancel_all_with_nothing_working_sends_nothing(rig: Rig) -> None:
    """Cancel-all on an empty book is accepted, says so, and calls nobody."""
    verdict = await rig.engine.execute(CancelAll())
    assert verdict.accepted
    assert verdict.reason == "no working orders"
    assert rig.broker.calls == []


async def test_cancel_works_when_disarmed(rig: Rig) -> None:
    """Exits never wait for arming: a disarmed trader can still cancel."""
    order_id = rig.broker.add_order()
    rig.engine.submit(SetArmed(armed=False))
    await rig.engine.execute(CancelOrder(order_id=order_id))
    assert rig.broker.named("cancel") == [order_id]


async def test_cancel_refused_by_broker_is_reported_not_raised(rig: Rig) -> None:
    """A broker denial becomes a BrokerFailed line with its message; nothing crashes."""
    order_id = rig.broker.add_order()
    rig.broker.fail["cancel"] = OrderRejected("too late: order filled")
    await rig.engine.execute(CancelOrder(order_id=order_id))
    [failed] = rig.of_type(BrokerFailed)
    assert failed.reason == "too late: order filled"
    assert not failed.uncertain
    assert rig.state.fills_and_events[-1] is failed


async def test_cancel_can_be_sent_again_after_the_broker_answered(rig: Rig) -> None:
    """Once a failed cancel is answered, a new press may try again (only in-flight ones dedupe)."""
    order_id = rig.broker.add_order()
    rig.broker.fail["cancel"] = OrderRejected("busy")
    await rig.engine.execute(CancelOrder(order_id=order_id))
    del rig.broker.fail["cancel"]
    await rig.engine.execute(CancelOrder(order_id=order_id))
    assert rig.broker.named("cancel") == [order_id, order_id]
    assert rig.state.order_status(order_id) is OrderStatus.CANCELLED


async def test_close_position_sends_one_close_sized_by_the_broker(rig: Rig) -> None:
    """ClosePosition asks the broker to close; the broker's fill leaves the symbol flat."""
    rig.broker.fill_position("MNQ", 3)
    await rig.engine.execute(ClosePosition(symbol="MNQ"))
    assert rig.broker.named("close") == ["MNQ"]
    assert rig.state.positions == {}


async def test_close_without_a_position_is_denied(rig: Rig) -> None:
    """Closing a symbol with no open position is denied before the broker."""
    verdict = rig.engine.submit(ClosePosition(symbol="MES"))
    assert not verdict.accepted
    assert verdict.reason == "no open MES position"
    assert rig.broker.calls == []


async def test_close_pressed_twice_while_in_flight_sends_one(rig: Rig) -> None:
    """A second close of the same symbol while the first is unanswered sends nothing more."""
    rig.broker.fill_position("MNQ", 2)
    rig.broker.hold["close"] = gate = asyncio.Event()
    first = rig.engine.submit(ClosePosition(symbol="MNQ"))
    second = rig.engine.submit(ClosePosition(symbol="MNQ"))
    await rig.broker.wait_for_calls("close", 1)
    gate.set()
    await rig.engine.drain()
    assert first.accepted
    assert second.accepted
    assert second.reason == "close already sent"
    assert rig.broker.named("close") == ["MNQ"]
    assert rig.state.positions == {}


async def test_flatten_during_a_close_does_not_close_twice(rig: Rig) -> None:
    """Close then flatten while the close is unanswered: one close reaches the broker."""
    rig.broker.fill_position("MNQ", 1)
    rig.broker.hold["close"] = gate = asyncio.Event()
    rig.engine.submit(ClosePosition(symbol="MNQ"))
    await rig.broker.wait_for_calls("close", 1)
    flatten = rig.engine.submit(FlattenAll())
    for _ in range(5):
        await asyncio.sleep(0)
    gate.set()
    await flatten.done()
    await rig.engine.drain()
    assert rig.broker.named("close") == ["MNQ"]
    assert rig.of_type(FlattenCompleted)[0].flat


async def test_modify_is_refused_when_disarmed(rig: Rig) -> None:
    """Moving an order is a trading key: denied while disarmed, nothing sent."""
    order_id = rig.broker.add_order()
    rig.engine.submit(SetArmed(armed=False))
    verdict = rig.engine.submit(ModifyOrder(order_id=order_id, limit_price=Decimal("24990")))
    assert not verdict.accepted
    assert rig.of_type(OrderDenied)[0].rule == "armed"
    assert rig.broker.named("modify") == []


async def test_modify_is_refused_while_flattening(rig: Rig) -> None:
    """A modify could move an order into the market mid-flatten: denied, nothing sent."""
    order_id = rig.broker.add_order()
    rig.broker.hold["cancel"] = gate = asyncio.Event()
    rig.engine.submit(FlattenAll())
    verdict = rig.engine.submit(ModifyOrder(order_id=order_id, limit_price=Decimal("24990")))
    gate.set()
    await rig.engine.drain()
    assert not verdict.accepted
    assert rig.of_type(OrderDenied)[0].rule == "flatten"
    assert rig.broker.named("modify") == []
