"""Required stop, fat-finger guard, the second-press size confirmation, symbol block."""

from __future__ import annotations

from cockpit.core.events import Notice
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import OrderStatus, OrderType, Side
from tests.risk.conftest import DeskFactory


async def _stop(d, symbol: str, side: Side, size: int, stop_ticks: int):  # type: ignore[no-untyped-def]
    return await d.order(
        symbol, side, size, type=OrderType.STOP, stop_price=INSTRUMENTS[symbol].to_price(stop_ticks)
    )


async def test_a_position_without_a_stop_is_closed_after_the_grace(desk: DeskFactory) -> None:
    """10 s grace: at 9 s nothing happens, at 10 s the unprotected position is closed."""
    d = await desk({"require_stop": {"grace_seconds": 10}})
    await d.buy("MNQ", 1)
    await d.tick(9)
    assert d.size("MNQ") == 1
    await d.tick(1)
    assert d.size("MNQ") == 0


async def test_a_stop_placed_within_the_grace_keeps_the_position(desk: DeskFactory) -> None:
    """A sell stop covering the long within the grace: the position stays."""
    d = await desk({"require_stop": {"grace_seconds": 10}})
    await d.buy("MNQ", 2)
    await d.tick(5)
    assert (await _stop(d, "MNQ", Side.SELL, 2, d.bid("MNQ") - 40)).accepted
    await d.tick(60)
    assert d.size("MNQ") == 2


async def test_a_stop_that_covers_only_part_does_not_count(desk: DeskFactory) -> None:
    """Long 2 with a stop for 1 is unprotected."""
    d = await desk({"require_stop": {"grace_seconds": 10}})
    await d.buy("MNQ", 2)
    await _stop(d, "MNQ", Side.SELL, 1, d.bid("MNQ") - 40)
    await d.tick(10)
    assert d.size("MNQ") == 0


async def test_require_stop_alert_only_says_so(desk: DeskFactory) -> None:
    """``action = "alert"``: a notice, once, and the position stays."""
    d = await desk({"require_stop": {"grace_seconds": 10, "action": "alert"}})
    await d.buy("MNQ", 1)
    await d.tick(10)
    await d.tick(10)
    alerts = [n for n in d.of(Notice) if "has had no stop" in n.text]
    assert len(alerts) == 1
    assert d.size("MNQ") == 1


async def test_require_stop_places_a_stop_from_the_entry(desk: DeskFactory) -> None:
    """``place-stop`` with 40 ticks: a sell stop for the whole long, 40 ticks under the
    entry."""
    d = await desk(
        {"require_stop": {"grace_seconds": 10, "action": "place-stop", "stop_ticks": 40}}
    )
    await d.buy("MNQ", 2)
    entry = d.state.positions["MNQ"].average
    await d.tick(10)
    stops = [o for o in d.state.working_orders("MNQ") if o.type is OrderType.STOP]
    assert len(stops) == 1
    assert stops[0].side is Side.SELL
    assert stops[0].size == 2
    assert stops[0].stop == entry - 40
    await d.tick(30)
    assert d.size("MNQ") == 2


async def test_fat_finger_allows_the_maximum_distance_and_refuses_one_more(
    desk: DeskFactory,
) -> None:
    """Max 100 ticks: a buy limit 100 ticks from the ask passes, 101 is denied."""
    d = await desk({"fat_finger": {"max_ticks": 100}})
    ask = d.state.quotes["MNQ"].ask
    assert (await d.limit("MNQ", Side.BUY, 1, ask - 100)).accepted
    denied = await d.limit("MNQ", Side.BUY, 1, ask - 101)
    assert not denied.accepted
    assert denied.reason.startswith("limit price ")
    assert "is 101 ticks from the market" in denied.reason
    assert d.denials()[-1].rule == "fat-finger"


async def test_fat_finger_judges_stop_prices_and_per_symbol_limits(desk: DeskFactory) -> None:
    """A stop 30 ticks away passes the default 100 but not an MES limit of 20."""
    d = await desk({"fat_finger": {"max_ticks": 100, "symbols": {"MES": 20}}})
    assert (await _stop(d, "MNQ", Side.BUY, 1, d.bid("MNQ") + 30)).accepted
    denied = await _stop(d, "MES", Side.BUY, 1, d.bid("MES") + 30)
    assert not denied.accepted
    assert denied.reason.startswith("stop price")


async def test_large_size_needs_the_same_order_twice(desk: DeskFactory) -> None:
    """Above 3 contracts: denied once (rule confirm-size), then the identical order within
    3 s passes; a different one or a late one asks again."""
    d = await desk({"fat_finger": {"confirm_above": 3, "confirm_seconds": 3}})
    assert (await d.buy("MNQ", 3)).accepted
    first = await d.buy("MNQ", 4)
    assert not first.accepted
    assert first.reason == "size 4 is above 3: send the same order again within 3 s to confirm"
    assert d.denials()[-1].rule == "confirm-size"
    d.clock.advance(3)
    assert (await d.buy("MNQ", 4)).accepted
    assert d.size("MNQ") == 7
    assert not (await d.buy("MNQ", 4)).accepted
    assert not (await d.buy("MNQ", 5)).accepted
    d.clock.advance(3.001)
    assert not (await d.buy("MNQ", 5)).accepted


async def test_symbol_block_with_wildcards(desk: DeskFactory) -> None:
    """``block = ["M?S"]`` denies MES and lets MNQ through."""
    d = await desk({"symbols": {"block": ["M?S"]}})
    denied = await d.buy("MES", 1)
    assert not denied.accepted
    assert denied.reason == "MES is blocked (matches 'M?S' in [risk.symbols] block)"
    assert (await d.buy("MNQ", 1)).accepted


async def test_symbol_allow_list_lets_nothing_else_in(desk: DeskFactory) -> None:
    """``allow = ["MNQ"]``: NQ is denied."""
    d = await desk({"symbols": {"allow": ["MNQ"]}})
    assert (await d.buy("MNQ", 1)).accepted
    denied = await d.buy("NQ", 1)
    assert not denied.accepted
    assert denied.reason == "NQ is not in the allowed symbols (MNQ)"


async def test_blocked_symbol_outside_order_cancelled_but_position_may_be_closed(
    desk: DeskFactory,
) -> None:
    """A resting order in a blocked symbol from elsewhere is cancelled; a position there can
    still be closed from here."""
    d = await desk({"symbols": {"block": ["NQ"]}})
    order_id = await d.external("NQ", Side.BUY, 1, OrderType.LIMIT, limit=d.bid("NQ") - 20)
    assert d.state.orders[order_id].status is OrderStatus.CANCELLED
    await d.external("NQ", Side.BUY, 1)
    assert d.size("NQ") == 1
    assert (await d.sell("NQ", 1)).accepted
    assert d.size("NQ") == 0
