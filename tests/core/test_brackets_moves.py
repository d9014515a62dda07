"""Bracket stops that move (break-even, trailing), partial fills that grow the bracket."""

from __future__ import annotations

from dataclasses import replace

from cockpit.core.events import Notice, OrderUpdated, PositionUpdated
from cockpit.core.models import OrderStatus, Position, Side
from tests.core.bracket_desk import RUNNER, SCALP, bracket_desk


async def test_break_even_then_trailing_moves_the_stop_tick_exact() -> None:
    """runner: +8 fills target 1 and moves the stop to entry+1; +16 trails it 8 behind,
    in steps of 2; the stop then fills and the last target is cancelled."""
    desk = await bracket_desk(RUNNER, active="runner")
    entry = desk.bid("MNQ")
    await desk.buy("MNQ", 2)
    assert desk.stop().stop == entry - 12
    await desk.move("MNQ", 8)
    assert desk.size() == 1
    assert (desk.stop().stop, desk.stop().remaining) == (entry + 1, 1)
    await desk.move("MNQ", 8)
    assert desk.stop().stop == entry + 8
    await desk.move("MNQ", 1)
    assert desk.stop().stop == entry + 8  # one tick is less than the step of 2
    await desk.move("MNQ", 1)
    assert desk.stop().stop == entry + 10
    moves = [n.text for n in desk.of(Notice) if "stop moved" in n.text]
    assert [m.rsplit("(", 1)[1] for m in moves] == ["break-even)", "trailing)", "trailing)"]
    await desk.move("MNQ", -8)
    assert desk.size() == 0
    assert desk.state.working_orders() == []


async def test_a_stop_never_moves_back() -> None:
    """After break-even the price falls back: the stop stays where it was moved."""
    desk = await bracket_desk(RUNNER, active="runner")
    entry = desk.bid("MNQ")
    await desk.buy("MNQ", 2)
    await desk.move("MNQ", 8)
    await desk.move("MNQ", -3)
    assert desk.stop().stop == entry + 1


async def test_partial_fills_grow_the_bracket() -> None:
    """A limit entry for 3 fills 1, then 3: the stop and target work 1, then 3."""
    desk = await bracket_desk(SCALP)
    price = desk.bid("MNQ") - 4
    await desk.limit("MNQ", Side.BUY, 3, price)
    (entry,) = desk.state.working_orders()
    spec = desk.state.instruments["MNQ"]
    for filled in (1, 3):
        status = OrderStatus.FILLED if filled == 3 else OrderStatus.OPEN
        order = replace(entry, filled=filled, status=status, fill_price=spec.to_price(price))
        desk.engine.on_event(OrderUpdated(desk.clock.now_ns(), order))
        position = Position(entry.account_id, "MNQ", filled, filled * price)
        desk.engine.on_event(PositionUpdated(desk.clock.now_ns(), position))
        await desk.settle()
        legs = desk.legs()
        assert (legs["SL"].size, legs["TP1"].size) == (filled, filled)
        assert (legs["SL"].stop, legs["TP1"].limit) == (price - 8, price + 16)


async def test_a_stop_moved_by_hand_stays_where_the_trader_put_it() -> None:
    """The trader moves the bracket's stop up 2 ticks: the bracket keeps it there (and
    still cancels it when the target fills)."""
    from cockpit.core.commands import ModifyOrder

    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    stop = desk.stop()
    spec = desk.state.instruments["MNQ"]
    await desk.submit(ModifyOrder(order_id=stop.id, stop_price=spec.to_price(stop.stop + 2)))
    await desk.move("MNQ", 1)
    assert desk.stop().stop == stop.stop + 2
    await desk.move("MNQ", 15)
    assert desk.state.is_flat()
