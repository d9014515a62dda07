"""Flatten all: cancel, confirm, close the confirmed positions, verify flat; never twice."""

from __future__ import annotations

import asyncio

from cockpit.core.broker import BrokerUnavailable, OrderRejected
from cockpit.core.clock import FakeClock
from cockpit.core.commands import FlattenAll, PlaceOrder, SetArmed
from cockpit.core.events import (
    BrokerFailed,
    FlattenCompleted,
    FlattenStarted,
    Notice,
    OrderDenied,
    OrderUpdated,
)
from cockpit.core.models import OrderStatus, Side
from tests.core.scripted import Rig


async def open_book(rig: Rig) -> list[int]:
    """Two working orders and positions in two instruments."""
    ids = [rig.broker.add_order(), rig.broker.add_order(symbol="MES", side=Side.SELL)]
    rig.broker.fill_position("MNQ", 2)
    rig.broker.fill_position("MES", -1)
    rig.events.clear()
    return ids


async def test_flatten_cancels_then_closes_then_verifies_flat(rig: Rig) -> None:
    """In each instrument the cancel goes first and the close only after it is confirmed,
    and the end is verified against the broker's own account (a re-read)."""
    ids = await open_book(rig)
    await rig.engine.execute(FlattenAll())
    calls = rig.broker.calls
    for order_id, symbol in zip(ids, ["MNQ", "MES"], strict=True):
        assert calls.index(("cancel", order_id)) < calls.index(("close", symbol))
    assert calls[-1][0] == "reconcile"
    assert len(calls) == 5
    assert sorted(rig.broker.named("cancel")) == sorted(ids)
    assert sorted(rig.broker.named("close")) == ["MES", "MNQ"]
    [started] = rig.of_type(FlattenStarted)
    assert (started.working_orders, started.open_positions) == (2, 2)
    [done] = rig.of_type(FlattenCompleted)
    assert done.flat
    assert done.detail == "verified flat (2 closed, 2 cancelled)"
    assert rig.state.is_flat()
    assert not rig.state.flattening


async def test_flatten_starts_synchronously_at_the_key_press(rig: Rig) -> None:
    """FlattenStarted is folded before submit returns, so the screen shows it at once."""
    await open_book(rig)
    rig.broker.hold["cancel"] = gate = asyncio.Event()
    verdict = rig.engine.submit(FlattenAll(reason="F key"))
    assert verdict.accepted
    assert rig.state.flattening
    assert rig.engine.flattening
    assert rig.of_type(FlattenStarted)[0].reason == "F key"
    gate.set()
    await verdict.done()
    assert not rig.state.flattening


async def test_closes_wait_for_cancel_confirmations(rig: Rig) -> None:
    """While a cancel is unanswered no close is sent (a resting order could still fill)."""
    await open_book(rig)
    rig.broker.hold["cancel"] = gate = asyncio.Event()
    verdict = rig.engine.submit(FlattenAll())
    await rig.broker.wait_for_calls("cancel", 2)
    for _ in range(5):
        await asyncio.sleep(0)
    assert rig.broker.named("close") == []
    gate.set()
    await verdict.done()
    assert sorted(rig.broker.named("close")) == ["MES", "MNQ"]


async def test_repeated_press_while_closing_sends_no_second_set(rig: Rig) -> None:
    """Pressing flatten again while closes are unacknowledged joins the running flatten."""
    await open_book(rig)
    rig.broker.hold["close"] = gate = asyncio.Event()
    first = rig.engine.submit(FlattenAll())
    await rig.broker.wait_for_calls("close", 2)
    presses = [rig.engine.submit(FlattenAll()) for _ in range(3)]
    assert all(p.accepted and p.task is first.task for p in presses)
    gate.set()
    await rig.engine.drain()
    assert sorted(rig.broker.named("close")) == ["MES", "MNQ"]
    assert len(rig.broker.named("cancel")) == 2
    assert len(rig.of_type(FlattenStarted)) == 1
    assert [n.text for n in rig.of_type(Notice)] == ["flatten already running"] * 3
    [done] = rig.of_type(FlattenCompleted)
    assert done.flat


async def test_repeated_press_while_cancelling_sends_no_second_cancel(rig: Rig) -> None:
    """Pressing flatten during the cancel stage sends neither a second cancel nor early closes."""
    await open_book(rig)
    rig.broker.hold["cancel"] = gate = asyncio.Event()
    rig.engine.submit(FlattenAll())
    await asyncio.sleep(0)
    rig.engine.submit(FlattenAll())
    gate.set()
    await rig.engine.drain()
    assert len(rig.broker.named("cancel")) == 2
    assert len(rig.broker.named("close")) == 2


async def test_flatten_after_a_finished_flatten_starts_afresh(rig: Rig) -> None:
    """Once a flatten has completed, the next press is a new flatten (here with nothing to do
    but read the account to verify it)."""
    await open_book(rig)
    await rig.engine.execute(FlattenAll())
    rig.broker.calls.clear()
    await rig.engine.execute(FlattenAll())
    assert rig.broker.calls == [("reconcile", None)]
    assert [d.flat for d in rig.of_type(FlattenCompleted)] == [True, True]
    assert len(rig.of_type(FlattenStarted)) == 2


async def test_flatten_with_nothing_open_is_verified_flat_at_once(rig: Rig) -> None:
    """An already flat account completes flat after one read of the broker's account."""
    await rig.engine.execute(FlattenAll())
    assert rig.broker.calls == [("reconcile", None)]
    [done] = rig.of_type(FlattenCompleted)
    assert done.flat
    assert done.detail == "verified flat (0 closed, 0 cancelled)"


async def test_flatten_works_when_disarmed(rig: Rig) -> None:
    """Flatten is an exit: it runs with the trading keys disarmed."""
    await open_book(rig)
    rig.engine.submit(SetArmed(armed=False))
    await rig.engine.execute(FlattenAll())
    assert rig.of_type(FlattenCompleted)[0].flat
    assert rig.state.is_flat()


async def test_order_that_fills_while_being_cancelled_is_closed(rig: Rig) -> None:
    """A resting order that fills instead of cancelling is closed too: the flatten ends flat."""
    order_id = rig.broker.add_order()
    rig.events.clear()

    def filled_first(oid: int) -> None:
        rig.broker.fill_order(oid)
        raise OrderRejected(f"order {oid} is already filled")

    rig.broker.on_cancel = filled_first
    await rig.engine.execute(FlattenAll())
    assert rig.broker.named("close") == ["MNQ"]
    assert rig.of_type(BrokerFailed)[0].reason == f"order {order_id} is already filled"
    [done] = rig.of_type(FlattenCompleted)
    assert done.flat
    assert rig.state.is_flat()


async def test_fill_arriving_after_the_close_still_ends_flat(clock: FakeClock) -> None:
    """A late fill that reopens a position after the close is caught by the reconcile pass."""
    rig = await Rig(clock, confirm_timeout=0.05).start()
    rig.broker.fill_position("MNQ", 1)
    rig.events.clear()
    closes = 0
    original = rig.broker.close_position

    async def close_then_late_fill(symbol: str) -> None:
        nonlocal closes
        closes += 1
        await original(symbol)
        if closes == 1:
            rig.broker.fill_position("MNQ", 2)  # an order the broker had not reported yet

    rig.broker.close_position = close_then_late_fill  # type: ignore[method-assign]
    await rig.engine.execute(FlattenAll())
    assert rig.broker.named("reconcile") == [None, None]  # found it, then verified flat
    assert rig.broker.named("close") == ["MNQ", "MNQ"]
    [done] = rig.of_type(FlattenCompleted)
    assert done.flat
    assert rig.state.is_flat()


async def test_order_acknowledged_mid_flatten_is_cancelled(clock: FakeClock) -> None:
    """An order the broker reports during the flatten is cancelled on the second pass."""
    rig = await Rig(clock, confirm_timeout=0.05).start()
    rig.broker.fill_position("MNQ", 1)
    rig.events.clear()
    original = rig.broker.close_position
    late: list[int] = []

    async def close_and_late_order(symbol: str) -> None:
        await original(symbol)
        if not late:
            late.append(rig.broker.add_order())

    rig.broker.close_position = close_and_late_order  # type: ignore[method-assign]
    await rig.engine.execute(FlattenAll())
    assert rig.broker.named("cancel") == late
    assert rig.of_type(FlattenCompleted)[0].flat
    assert rig.state.order_status(late[0]) is OrderStatus.CANCELLED


async def test_close_that_keeps_failing_ends_not_flat_with_the_reason(clock: FakeClock) -> None:
    """When the broker will not close, the flatten ends flat=False naming what is open and why."""
    rig = await Rig(clock, confirm_timeout=0.02).start()
    rig.broker.fill_position("MNQ", 2)
    rig.events.clear()
    rig.broker.fail["close"] = BrokerUnavailable("gateway down")
    await rig.engine.execute(FlattenAll())
    [done] = rig.of_type(FlattenCompleted)
    assert not done.flat
    assert "MNQ +2" in done.detail
    assert "gateway down" in done.detail
    assert len(rig.broker.named("close")) == 2  # once, then once more after the reconcile
    assert not rig.state.flattening


async def test_reconcile_failure_ends_not_flat_with_the_reason(clock: FakeClock) -> None:
    """A broker error while re-reading the account ends the flatten with flat=False and why."""
    rig = await Rig(clock, confirm_timeout=0.02).start()
    rig.broker.fill_position("MNQ", 1)
    rig.events.clear()
    rig.broker.fail["close"] = BrokerUnavailable("gateway down")
    rig.broker.fail["reconcile"] = BrokerUnavailable("no route to gateway")
    await rig.engine.execute(FlattenAll())
    [done] = rig.of_type(FlattenCompleted)
    assert not done.flat
    assert done.detail.startswith("NOT FLAT: still open MNQ +1")
    assert "no route to gateway" in done.detail
    assert not rig.state.flattening


async def test_cancel_that_keeps_failing_ends_not_flat(clock: FakeClock) -> None:
    """An order the broker will not cancel leaves the flatten unverified, saying which order."""
    rig = await Rig(clock, confirm_timeout=0.02).start()
    order_id = rig.broker.add_order()
    rig.events.clear()
    rig.broker.fail["cancel"] = OrderRejected("cancel denied")
    await rig.engine.execute(FlattenAll())
    [done] = rig.of_type(FlattenCompleted)
    assert not done.flat
    assert f"order {order_id}" in done.detail
    assert "cancel denied" in done.detail


async def test_flatten_without_a_broker_ends_not_flat(clock: FakeClock) -> None:
    """With no broker connected the flatten says so instead of pretending."""
    rig = Rig(clock)
    rig.engine.broker = None
    await rig.engine.execute(FlattenAll())
    [done] = rig.of_type(FlattenCompleted)
    assert (done.flat, done.detail) == (False, "no broker connected")


async def test_flatten_completed_is_journaled_after_started(rig: Rig) -> None:
    """The blotter reads started before completed, and order updates in between."""
    await open_book(rig)
    await rig.engine.execute(FlattenAll())
    kinds = [type(e) for e in rig.events if isinstance(e, FlattenStarted | FlattenCompleted)]
    assert kinds == [FlattenStarted, FlattenCompleted]
    first = rig.events.index(rig.of_type(FlattenStarted)[0])
    last = rig.events.index(rig.of_type(FlattenCompleted)[0])
    assert all(first < rig.events.index(e) < last for e in rig.of_type(OrderUpdated))


async def test_new_order_during_flatten_is_denied_and_nothing_sent(rig: Rig) -> None:
    """While flatten runs, an order key is denied so it cannot reopen what is being closed."""
    await open_book(rig)
    rig.broker.hold["close"] = gate = asyncio.Event()
    rig.engine.submit(FlattenAll())
    await rig.broker.wait_for_calls("close", 2)
    verdict = rig.engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    gate.set()
    await rig.engine.drain()
    assert not verdict.accepted
    assert rig.of_type(OrderDenied)[0].rule == "flatten"
    assert rig.broker.named("place") == []
    assert rig.of_type(FlattenCompleted)[0].flat
