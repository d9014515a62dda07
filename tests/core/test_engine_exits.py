"""Exits in every state: a second flatten of a symbol, a manual exit during or after a
flatten, and a flatten that meets a bug. Run on eager and lazy tasks (tests/conftest.py)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from cockpit.core.broker import BrokerUnavailable
from cockpit.core.clock import FakeClock
from cockpit.core.commands import FlattenAll, PlaceOrder
from cockpit.core.events import FlattenCompleted, Notice, OrderDenied
from cockpit.core.models import OrderType, Side
from tests.core.scripted import Rig

LOW = Decimal("24990.00")
"""A limit price well under the scripted market (MNQ 25000.00)."""


async def test_buy_then_flatten_three_times_on_one_symbol_ends_flat_each_time(rig: Rig) -> None:
    """`b` `F` three times on MNQ: every flatten closes the position and verifies flat."""
    for round_ in range(1, 4):
        await rig.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
        rig.broker.fill_position("MNQ", 1)  # the scripted broker fills the order
        await rig.engine.execute(FlattenAll())
        assert rig.state.is_flat(), f"round {round_}: {rig.state.positions}"
        assert rig.broker.named("close") == ["MNQ"] * round_
    assert [done.flat for done in rig.of_type(FlattenCompleted)] == [True, True, True]


async def test_flatten_across_symbols_twice_closes_both_each_time(rig: Rig) -> None:
    """Positions in MNQ and MES, flattened, reopened and flattened again: both closed twice."""
    for _ in range(2):
        rig.broker.fill_position("MNQ", 2)
        rig.broker.fill_position("MES", -1)
        await rig.engine.execute(FlattenAll())
        assert rig.state.is_flat()
    assert sorted(rig.broker.named("close")) == ["MES", "MES", "MNQ", "MNQ"]


async def test_manual_exit_during_a_flatten_closes_at_once(rig: Rig) -> None:
    """`s` while long and a flatten is still cancelling is not denied: it closes MNQ now."""
    rig.broker.add_order(symbol="MNQ")
    rig.broker.fill_position("MNQ", 2)
    rig.broker.hold["cancel"] = cancels = asyncio.Event()
    flatten = rig.engine.submit(FlattenAll())
    await rig.broker.wait_for_calls("cancel", 1)
    verdict = rig.engine.submit(PlaceOrder(symbol="MNQ", side=Side.SELL, size=1))
    assert verdict.accepted, verdict.reason
    assert "closed at market instead" in verdict.reason
    await verdict.done()
    assert rig.broker.named("close") == ["MNQ"]
    assert rig.broker.named("place") == []  # never a second, overshooting order
    assert rig.state.position_size("MNQ") == 0
    assert not rig.of_type(OrderDenied)
    cancels.set()
    await flatten.done()
    assert rig.broker.named("close") == ["MNQ"]
    assert rig.of_type(FlattenCompleted)[0].flat


async def test_a_close_waits_for_the_cancels_of_its_own_instrument_only(rig: Rig) -> None:
    """Cancels held in MNQ: MES closes at once, MNQ's close waits for MNQ's cancel."""
    rig.broker.add_order(symbol="MNQ")
    rig.broker.fill_position("MNQ", 1)
    rig.broker.fill_position("MES", -2)
    rig.broker.hold["cancel"] = cancels = asyncio.Event()
    flatten = rig.engine.submit(FlattenAll())
    async with asyncio.timeout(10):  # before: no close at all until every cancel confirmed
        await rig.broker.wait_for_calls("close", 1)
    assert rig.broker.named("close") == ["MES"]
    assert rig.state.position_size("MNQ") == 1  # its stop could still fill: not closed yet
    cancels.set()
    await flatten.done()
    assert rig.broker.named("close") == ["MES", "MNQ"]
    assert rig.of_type(FlattenCompleted)[0].flat


async def test_manual_exit_while_the_flatten_closes_joins_that_close(rig: Rig) -> None:
    """`s` while the flatten's close of MNQ is on its way sends nothing more."""
    rig.broker.fill_position("MNQ", 1)
    rig.broker.hold["close"] = closes = asyncio.Event()
    flatten = rig.engine.submit(FlattenAll())
    await rig.broker.wait_for_calls("close", 1)
    verdict = rig.engine.submit(PlaceOrder(symbol="MNQ", side=Side.SELL, size=1))
    assert verdict.accepted
    assert "closed at market instead" in verdict.reason
    assert any("closed at market instead" in n.text for n in rig.of_type(Notice))
    closes.set()
    await flatten.done()
    assert rig.broker.named("close") == ["MNQ"]
    assert rig.state.is_flat()


async def test_entry_during_a_flatten_is_still_refused(rig: Rig) -> None:
    """Adding to (or opening) a position while a flatten runs waits: only exits go through."""
    rig.broker.fill_position("MNQ", 1)
    rig.broker.hold["close"] = closes = asyncio.Event()
    flatten = rig.engine.submit(FlattenAll())
    await rig.broker.wait_for_calls("close", 1)
    verdict = rig.engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    assert not verdict.accepted
    assert "flatten all is running" in verdict.reason
    closes.set()
    await flatten.done()


async def test_after_not_flat_a_manual_exit_goes_and_the_warning_clears(clock: FakeClock) -> None:
    """A flatten that ends NOT FLAT leaves every exit open, and its warning ends once flat."""
    rig = await Rig(clock, confirm_timeout=0.02).start()
    rig.broker.fill_position("MNQ", 1)
    rig.broker.fail["close"] = RuntimeError("close lost")
    await rig.engine.execute(FlattenAll())
    assert rig.state.flatten_problem.startswith("NOT FLAT")
    verdict = await rig.engine.execute(PlaceOrder(symbol="MNQ", side=Side.SELL, size=1))
    assert verdict.accepted, verdict.reason
    [sell] = rig.state.working_orders("MNQ")
    rig.broker.fill_order(sell.id)
    assert rig.state.is_flat()
    assert rig.state.flatten_problem == ""
    assert rig.state.changes.status


async def test_a_second_flatten_after_not_flat_closes_again(clock: FakeClock) -> None:
    """`F` again after NOT FLAT sends the close again (no stale "close on its way")."""
    rig = await Rig(clock, confirm_timeout=0.02).start()
    rig.broker.fill_position("MNQ", 1)
    rig.broker.fail["close"] = RuntimeError("close lost")
    await rig.engine.execute(FlattenAll())
    del rig.broker.fail["close"]
    await rig.engine.execute(FlattenAll())
    assert [d.flat for d in rig.of_type(FlattenCompleted)] == [False, True]
    assert rig.state.flatten_problem == ""


async def test_a_bug_inside_a_flatten_still_ends_it(clock: FakeClock) -> None:
    """An unexpected error mid-flatten ends it NOT FLAT with the error, never stuck running."""
    rig = await Rig(clock, confirm_timeout=0.02).start()
    rig.broker.fill_position("MNQ", 1)
    rig.broker.fail["close"] = RuntimeError("close lost")
    rig.broker.fail["reconcile"] = KeyError("a bug")
    await rig.engine.execute(FlattenAll())
    [done] = rig.of_type(FlattenCompleted)
    assert not done.flat
    assert "KeyError" in done.detail
    assert not rig.state.flattening
    assert not rig.engine.flattening


async def test_an_order_on_its_way_at_the_key_is_cancelled_before_verified_flat(rig: Rig) -> None:
    """A limit sent just before `F` and answered during the flatten is cancelled by it; the
    flatten says verified flat only after that (never with an order still on its way)."""
    rig.broker.fill_position("MNQ", 1)
    rig.broker.hold["place"] = answer = asyncio.Event()
    rig.engine.submit(
        PlaceOrder(symbol="MNQ", side=Side.BUY, type=OrderType.LIMIT, size=1, limit_price=LOW)
    )
    flatten = rig.engine.submit(FlattenAll())
    await rig.broker.wait_for_calls("close", 1)
    assert rig.engine.flattening  # the close is done, the order is still on its way
    answer.set()
    await flatten.done()
    assert len(rig.broker.named("place")) == 1
    assert len(rig.broker.named("cancel")) == 1
    [done] = rig.of_type(FlattenCompleted)
    assert done.flat
    assert rig.state.is_flat()


async def test_flat_that_cannot_be_read_back_is_not_called_verified(clock: FakeClock) -> None:
    """Closed as far as the broker reported, but the account re-read fails: the flatten
    does not say verified, it says what it knows and why it could not check."""
    rig = await Rig(clock, confirm_timeout=0.02).start()
    rig.broker.fill_position("MNQ", 1)
    rig.broker.fail["reconcile"] = BrokerUnavailable("gateway unreachable")
    await rig.engine.execute(FlattenAll())
    [done] = rig.of_type(FlattenCompleted)
    assert not done.flat
    assert "flat as the broker last reported" in done.detail
    assert "gateway unreachable" in done.detail
    assert rig.state.flatten_problem  # the banner says NOT VERIFIED


async def test_a_lost_report_is_found_by_the_read_back_and_closed(rig: Rig) -> None:
    """A fill the broker never reported (a hub dropped) shows up in the flatten's re-read
    and is closed before the flatten says verified flat."""
    rig.broker.positions["MES"] = (-2, 2 * 100_000)  # at the broker, never reported
    await rig.engine.execute(FlattenAll())
    assert rig.broker.named("close") == ["MES"]
    [done] = rig.of_type(FlattenCompleted)
    assert done.flat
    assert rig.broker.positions["MES"][0] == 0
