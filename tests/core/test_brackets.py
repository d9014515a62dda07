"""The cockpit-managed bracket: placed on the fill, sized to it, OCO, cancelled when flat."""

from __future__ import annotations

from cockpit.core.bracket_legs import leg_of
from cockpit.core.commands import CancelOrder, ClosePosition, FlattenAll, ReversePosition
from cockpit.core.events import Notice
from cockpit.core.models import OrderType, Side
from tests.core.bracket_desk import RUNNER, SCALP, bracket_desk


async def test_market_entry_gets_stop_and_target_at_the_fill() -> None:
    """`b` under scalp (8/16): a sell stop 8 below the fill and a sell limit 16 above."""
    desk = await bracket_desk(SCALP)
    fill = desk.bid("MNQ")
    await desk.buy("MNQ", 1)
    legs = desk.legs()
    assert set(legs) == {"SL", "TP1"}
    assert (legs["SL"].side, legs["SL"].stop, legs["SL"].size) == (Side.SELL, fill - 8, 1)
    assert (legs["TP1"].type, legs["TP1"].limit, legs["TP1"].size) == (
        OrderType.LIMIT,
        fill + 16,
        1,
    )


async def test_target_filling_cancels_the_stop() -> None:
    """The target fills: the stop is cancelled, the position is flat, nothing works."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    await desk.move("MNQ", 16)
    assert desk.size() == 0
    assert desk.state.working_orders() == []
    assert desk.brackets.brackets == {}


async def test_stop_filling_cancels_the_target() -> None:
    """The stop fills: the target is cancelled."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 2)
    await desk.move("MNQ", -8)
    assert desk.size() == 0
    assert desk.state.working_orders() == []


async def test_short_entry_brackets_on_the_other_side() -> None:
    """`s` under scalp: a buy stop 8 above, a buy limit 16 below."""
    desk = await bracket_desk(SCALP)
    fill = desk.bid("MNQ")
    await desk.sell("MNQ", 3)
    legs = desk.legs()
    assert (legs["SL"].side, legs["SL"].stop, legs["SL"].size) == (Side.BUY, fill + 8, 3)
    assert (legs["TP1"].limit, legs["TP1"].size) == (fill - 16, 3)


async def test_adding_to_the_position_brackets_the_addition() -> None:
    """A second `b` gets its own stop and target for its own contract."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    await desk.move("MNQ", 2)
    await desk.buy("MNQ", 1)
    stops = [o for o in desk.state.working_orders() if o.type is OrderType.STOP]
    assert sorted(o.size for o in stops) == [1, 1]
    assert len({o.stop for o in stops}) == 2


async def test_closing_by_hand_cancels_the_bracket() -> None:
    """Closing the position by hand leaves no stop or target behind."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 2)
    await desk.submit(ClosePosition(symbol="MNQ"))
    assert desk.size() == 0
    assert desk.state.working_orders() == []


async def test_a_partial_close_by_hand_shrinks_the_bracket() -> None:
    """Selling 1 of a long 3 by hand: stop and target now work 2."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 3)
    await desk.sell("MNQ", 1)
    legs = desk.legs()
    assert (legs["SL"].remaining, legs["TP1"].remaining) == (2, 2)


async def test_flatten_leaves_nothing_and_nothing_comes_back() -> None:
    """`F` with a bracketed position: flat, no leg working, and none placed again after."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    await desk.submit(FlattenAll())
    await desk.move("MNQ", 1)
    assert desk.state.is_flat()
    assert desk.brackets.brackets == {}


async def test_flatten_does_not_warn_that_the_bracket_lost_its_legs() -> None:
    """`F` cancels the legs itself: no "cancelled outside the bracket" warning follows."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    await desk.submit(FlattenAll())
    assert desk.state.is_flat()
    assert not [n.text for n in desk.of(Notice) if "outside the bracket" in n.text]


async def test_a_stop_cancelled_by_hand_is_not_put_back() -> None:
    """`x` on the bracket's stop: the cockpit says so and does not place it again."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    await desk.submit(CancelOrder(order_id=desk.stop().id))
    await desk.move("MNQ", 1)
    assert "SL" not in desk.legs()
    assert any("stop cancelled outside the bracket" in n.text for n in desk.of(Notice))


async def test_no_template_means_no_bracket() -> None:
    """With `none` active an entry goes out bare."""
    desk = await bracket_desk(SCALP, active=None)
    await desk.buy("MNQ", 1)
    assert desk.state.working_orders() == []


async def test_brackets_protect_with_the_keys_disarmed() -> None:
    """Disarming after the entry does not stop the stop from being placed or moved."""
    desk = await bracket_desk(RUNNER, active="runner")
    from cockpit.core.commands import SetArmed

    await desk.limit("MNQ", Side.BUY, 2, desk.bid("MNQ") - 4)
    desk.engine.submit(SetArmed(armed=False))
    await desk.move("MNQ", -4)
    assert desk.size() == 2
    assert desk.legs()["SL"].size == 2


async def test_several_targets_split_the_entry_and_the_stop_follows_them() -> None:
    """runner (8 x1, 24 x1): the first target fills, the stop shrinks to the one left."""
    desk = await bracket_desk(RUNNER, active="runner")
    fill = desk.bid("MNQ")
    await desk.buy("MNQ", 2)
    legs = desk.legs()
    assert (legs["TP1"].limit, legs["TP1"].size) == (fill + 8, 1)
    assert (legs["TP2"].limit, legs["TP2"].size) == (fill + 24, 1)
    await desk.move("MNQ", 8)
    assert desk.size() == 1
    legs = desk.legs()
    assert legs["SL"].remaining == 1
    assert set(legs) == {"SL", "TP2"}


async def test_a_leg_the_broker_fails_is_asked_again_a_second_later() -> None:
    """The stop's place fails at the broker (a dropped line): a second later it is sent
    again and the position is protected."""
    from cockpit.core.broker import BrokerUnavailable

    desk = await bracket_desk(SCALP)
    real = desk.broker.place_order
    failing = {"left": 1}

    async def flaky(request):  # type: ignore[no-untyped-def]
        if request.tag and request.tag.endswith("-SL") and failing["left"]:
            failing["left"] -= 1
            raise BrokerUnavailable("line down")
        return await real(request)

    desk.broker.place_order = flaky  # type: ignore[method-assign]
    await desk.buy("MNQ", 1)
    assert "SL" not in desk.legs()
    assert any("asked again in a second" in n.text for n in desk.of(Notice))
    await desk.tick(1)
    assert desk.legs()["SL"].size == 1
    assert desk.legs()["SL"].tag == "ck-1-SL-ck1x2"


async def test_a_leg_cannot_be_made_larger_than_its_position() -> None:
    """A target for 2 on a long 1 would fill into a short: the change is denied."""
    from cockpit.core.commands import ModifyOrder

    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    verdict = await desk.submit(ModifyOrder(order_id=desk.legs()["TP1"].id, size=2))
    assert not verdict.accepted
    assert (
        verdict.reason
        == "target 1 of the MNQ bracket may work at most the 1 contract(s) it protects"
    )
    assert desk.legs()["TP1"].size == 1


async def test_a_leg_cannot_grow_past_its_own_entry_beside_another_bracket() -> None:
    """Long 1, then 2 more, each with its bracket: the first's target may not grow to the
    whole long 3 (it would fill past its entry while the second's legs still work); to 1
    it may."""
    from cockpit.core.commands import ModifyOrder

    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    await desk.buy("MNQ", 2)
    targets = sorted(
        (o for o in desk.state.working_orders("MNQ") if (leg_of(o.tag) or ("", ""))[1] == "TP1"),
        key=lambda o: o.id,
    )
    assert [t.size for t in targets] == [1, 2]
    verdict = await desk.submit(ModifyOrder(order_id=targets[0].id, size=3))
    assert not verdict.accepted
    assert verdict.reason == (
        "target 1 of the MNQ bracket may work at most the 1 contract(s) it protects"
    )
    assert (await desk.submit(ModifyOrder(order_id=targets[0].id, size=1))).accepted


async def test_a_working_sell_entry_does_not_starve_a_filled_buy_of_its_bracket() -> None:
    """A sell stop entry still working, then a buy that fills: the long gets its stop and
    target at once (the brackets of each side share that side's position only)."""
    desk = await bracket_desk(SCALP)
    spec = desk.state.instruments["MNQ"]
    await desk.sell("MNQ", 1, type=OrderType.STOP, stop_price=spec.to_price(desk.bid("MNQ") - 20))
    await desk.buy("MNQ", 2)
    legs = desk.legs()
    assert (legs["SL"].side, legs["SL"].size, legs["TP1"].size) == (Side.SELL, 2, 2)


async def test_an_entry_through_flat_brackets_the_new_side() -> None:
    """Short 1, buy 2 under scalp: the long 1 left over gets its own stop and target."""
    desk = await bracket_desk(SCALP)
    await desk.sell("MNQ", 1)
    fill = desk.bid("MNQ")
    await desk.buy("MNQ", 2)
    assert desk.size() == 1
    legs = desk.legs()
    assert set(legs) == {"SL", "TP1"}
    assert (legs["SL"].side, legs["SL"].stop, legs["SL"].size) == (Side.SELL, fill - 8, 1)
    assert (legs["TP1"].limit, legs["TP1"].size) == (fill + 16, 1)


async def test_reverse_does_not_warn_that_the_bracket_lost_its_legs() -> None:
    """`r` cancels the legs as its first step: no "cancelled outside the bracket" warning,
    the long is reversed to a short, and the new short gets its own stop."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    await desk.submit(ReversePosition(symbol="MNQ"))
    await desk.move("MNQ", 1)
    assert desk.state.position_size("MNQ") == -1
    assert not [n.text for n in desk.of(Notice) if "outside the bracket" in n.text]
    assert desk.stop().side is Side.BUY
