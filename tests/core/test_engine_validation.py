"""Pre-trade validation through the engine: a denied order reaches no broker."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from cockpit.core.commands import ModifyOrder, PlaceOrder, SetArmed
from cockpit.core.events import ArmChanged, OrderDenied, OrderSubmitted, SubmissionSettled
from cockpit.core.models import OrderType, Side
from cockpit.core.validation import Why
from tests.core.scripted import Rig


def buy(**overrides: object) -> PlaceOrder:
    fields: dict[str, object] = {"symbol": "MNQ", "side": Side.BUY, "size": 1}
    fields.update(overrides)
    return PlaceOrder(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("command", "reason", "rule"),
    [
        (buy(symbol="XYZ"), "unknown instrument 'XYZ'", "validation"),
        (buy(size=0), "size must be at least 1 (got 0)", "validation"),
        (buy(size=-2), "size must be at least 1 (got -2)", "validation"),
        (
            buy(type=OrderType.LIMIT, limit_price=Decimal("25000.10")),
            "MNQ price 25000.10 is off the tick grid (tick size 0.25: try 25000.00 or 25000.25)",
            "tick grid",
        ),
        (
            buy(type=OrderType.STOP, stop_price=Decimal("25000.3")),
            "MNQ price 25000.3 is off the tick grid (tick size 0.25: try 25000.25 or 25000.50)",
            "tick grid",
        ),
        (buy(type=OrderType.LIMIT), "a limit order needs a limit price", "validation"),
        (
            buy(type=OrderType.STOP_LIMIT, limit_price=Decimal(1)),
            "a stop limit order needs a stop price",
            "validation",
        ),
        (buy(type=OrderType.LIMIT, limit_price="abc"), "price is not a number", "validation"),
        (buy(type=OrderType.TRAILING_STOP), "trailing stops are not supported yet", "validation"),
    ],
)
async def test_invalid_order_is_denied_with_its_reason_and_nothing_sent(
    rig: Rig, command: PlaceOrder, reason: str, rule: str
) -> None:
    """Each basic check denies with the reason a trader reads, and the broker hears nothing."""
    verdict = rig.engine.submit(command)
    await rig.engine.drain()
    assert not verdict.accepted
    assert verdict.reason == reason
    [denied] = rig.of_type(OrderDenied)
    assert (denied.reason, denied.rule, denied.command) == (reason, rule, command.label)
    assert rig.broker.calls == []
    assert rig.of_type(OrderSubmitted) == []
    assert rig.state.pending == {}
    assert rig.state.fills_and_events[-1] is denied


async def test_disarmed_order_is_denied_and_nothing_sent(clock) -> None:
    """With the trading keys disarmed an order is denied with the code the UI words
    (naming the trader's arm key), never a key of its own."""
    rig = await Rig(clock).start(armed=False)
    verdict = rig.engine.submit(buy())
    await rig.engine.drain()
    assert not verdict.accepted
    [denied] = rig.of_type(OrderDenied)
    assert denied.rule == "armed"
    assert verdict.why is Why.DISARMED
    assert denied.reason == verdict.reason == "trading keys are disarmed"
    assert rig.broker.calls == []


async def test_order_before_reconcile_is_denied_and_nothing_sent(clock) -> None:
    """Until the account is reconciled order keys wait: denied, nothing sent."""
    rig = Rig(clock)
    rig.engine.submit(SetArmed(armed=True))
    rig.broker.sink = rig.engine.on_event
    verdict = rig.engine.submit(buy())
    await rig.engine.drain()
    assert not verdict.accepted
    assert rig.of_type(OrderDenied)[0].rule == "reconcile"
    assert rig.broker.calls == []


async def test_valid_order_is_sent_once_in_ticks_and_settled(rig: Rig) -> None:
    """An accepted limit reaches the broker once, in ticks, tagged; its pending entry clears."""
    rig.broker.hold["place"] = answer = asyncio.Event()
    verdict = rig.engine.submit(buy(type=OrderType.LIMIT, limit_price=Decimal("24999.75"), size=3))
    assert verdict.accepted
    [submitted] = rig.of_type(OrderSubmitted)
    tag = submitted.request.tag
    assert tag is not None
    assert rig.state.pending == {tag: submitted.request}
    answer.set()
    await verdict.done()
    [request] = rig.broker.named("place")
    assert request == submitted.request
    assert (request.limit, request.size, request.stop) == (99_999, 3, None)
    assert rig.state.pending == {}
    [settled] = rig.of_type(SubmissionSettled)
    assert settled.tag == tag
    assert settled.order_id in rig.state.orders


async def test_each_order_gets_its_own_tag(rig: Rig) -> None:
    """Two presses give two distinct tags, so pending submissions never overwrite each other."""
    rig.broker.hold["place"] = answer = asyncio.Event()
    rig.engine.submit(buy())
    rig.engine.submit(buy())
    tags = [e.request.tag for e in rig.of_type(OrderSubmitted)]
    assert len(set(tags)) == 2
    assert set(rig.state.pending) == set(tags)
    answer.set()
    await rig.engine.drain()
    assert rig.state.pending == {}


async def test_arm_and_disarm_emit_only_on_change(rig: Rig) -> None:
    """Arming twice is one ArmChanged; disarming is another."""
    rig.engine.submit(SetArmed(armed=True))
    rig.engine.submit(SetArmed(armed=False))
    rig.engine.submit(SetArmed(armed=False))
    assert [e.armed for e in rig.of_type(ArmChanged)] == [False]
    assert rig.state.armed is False


async def test_modify_off_grid_is_denied_and_nothing_sent(rig: Rig) -> None:
    """Moving a working order between ticks is denied before the broker."""
    order_id = rig.broker.add_order()
    verdict = rig.engine.submit(ModifyOrder(order_id=order_id, limit_price=Decimal("24990.1")))
    await rig.engine.drain()
    assert not verdict.accepted
    assert rig.of_type(OrderDenied)[0].rule == "tick grid"
    assert rig.broker.named("modify") == []


async def test_modify_of_unknown_order_is_denied(rig: Rig) -> None:
    """An order that is not working cannot be modified."""
    verdict = rig.engine.submit(ModifyOrder(order_id=42, size=2))
    assert not verdict.accepted
    assert verdict.reason == "order 42 is not working"


async def test_modify_sends_ticks(rig: Rig) -> None:
    """A valid modify reaches the broker once with the new price in ticks."""
    order_id = rig.broker.add_order()
    await rig.engine.execute(ModifyOrder(order_id=order_id, limit_price=Decimal("24990.50")))
    assert rig.broker.named("modify") == [(order_id, None, 99_962, None)]


@pytest.mark.parametrize("price", ["NaN", "Infinity", "1e30"])
async def test_modify_to_a_price_that_is_not_a_number_is_denied(rig: Rig, price: str) -> None:
    """A nonsense price in a modify is denied with a reason, not raised into the UI."""
    order_id = rig.broker.add_order()
    verdict = rig.engine.submit(ModifyOrder(order_id=order_id, limit_price=Decimal(price)))
    assert not verdict.accepted
    assert verdict.reason == "price is not a number"
    assert rig.broker.named("modify") == []


@pytest.mark.parametrize("price", ["NaN", "-Infinity", "1e30"])
async def test_order_at_a_price_that_is_not_a_number_is_denied(rig: Rig, price: str) -> None:
    """The same nonsense in a new order is denied the same way."""
    verdict = rig.engine.submit(buy(type=OrderType.LIMIT, limit_price=Decimal(price)))
    assert verdict.reason == "price is not a number"
    assert rig.broker.calls == []
