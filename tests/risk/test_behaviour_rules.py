"""Fills per day, losing streaks, cooldowns, the trade clock, adding to losers, the rate."""

from __future__ import annotations

from cockpit.core.commands import CancelOrder, FlattenAll
from cockpit.core.events import LockoutStarted, RiskStateChanged
from cockpit.core.models import OrderStatus, Side
from tests.risk.conftest import Desk, DeskFactory, at


async def _round_trip(d: Desk, ticks: int, symbol: str = "MNQ") -> None:
    """Buy 1, move ``ticks``, sell 1: one losing or winning trade."""
    await d.buy(symbol, 1)
    await d.move(symbol, ticks)
    await d.sell(symbol, 1)


async def test_trades_are_counted_the_projectx_way(desk: DeskFactory) -> None:
    """Enter 5, scale out 2-2-1: four trades."""
    d = await desk({"fills_per_day": {"limit": 10}})
    await d.buy("MNQ", 5)
    for size in (2, 2, 1):
        await d.sell("MNQ", size)
    assert d.risk.tally.fills_today(d.clock.now_ns()) == 4


async def test_trades_per_day_at_the_limit_refuses_entries_but_not_exits(
    desk: DeskFactory,
) -> None:
    """At 3 of 3 trades a new entry is denied, the open position can still be closed and a
    working entry order is cancelled."""
    d = await desk({"fills_per_day": {"limit": 3}})
    await _round_trip(d, 2)
    await d.limit("MES", Side.BUY, 1, d.bid("MES") - 40)
    await d.buy("MNQ", 1)
    assert d.state.risk_state == "REDUCE-ONLY"
    assert d.state.working_orders() == []
    denied = await d.buy("MNQ", 1)
    assert not denied.accepted
    assert denied.reason == "fills per day: 3 fills today reached the limit of 3"
    assert (await d.sell("MNQ", 1)).accepted
    assert d.size("MNQ") == 0


async def test_trades_per_day_warns_before_the_limit(desk: DeskFactory) -> None:
    """8 of 10 trades (80%) is a WARNING; 7 is not."""
    d = await desk({"fills_per_day": {"limit": 10}})
    for _ in range(3):
        await _round_trip(d, 1)
    await d.buy("MNQ", 1)
    assert d.state.risk_state == "ACTIVE"
    await d.sell("MNQ", 1)
    assert d.state.risk_state == "WARNING"


async def test_trades_per_day_start_again_the_next_trading_day(desk: DeskFactory) -> None:
    """The count resets at 17:00 CT."""
    d = await desk({"fills_per_day": {"limit": 2}})
    await _round_trip(d, 1)
    assert d.state.risk_state == "REDUCE-ONLY"
    d.clock.set(at(2026, 3, 10, 17, 0))
    await d.tick()
    assert d.state.risk_state == "ACTIVE"
    assert (await d.buy("MNQ", 1)).accepted


async def test_three_losers_in_a_row_lock_and_counting_restarts_after(desk: DeskFactory) -> None:
    """Two losers, then a third, lock for 30 minutes; after it the streak counts from zero."""
    d = await desk({"consecutive_losses": {"limit": 3, "lock_until": "30m"}})
    await _round_trip(d, -4)
    await _round_trip(d, -4)
    assert d.state.risk_state == "ACTIVE"
    await _round_trip(d, -4)
    assert d.state.risk_state == "LOCKED"
    assert d.of(LockoutStarted)[-1].source == "consecutive-losses"
    await d.tick(30 * 60)
    assert d.state.risk_state == "ACTIVE"
    assert d.risk.tally.losing_streak(d.clock.now_ns()) == 0
    await _round_trip(d, -4)
    assert d.state.risk_state == "ACTIVE"


async def test_a_winner_breaks_the_losing_streak(desk: DeskFactory) -> None:
    """Loss, loss, win, loss is a streak of one."""
    d = await desk({"consecutive_losses": {"limit": 3}})
    for ticks in (-4, -4, 6, -4):
        await _round_trip(d, ticks)
    assert d.risk.tally.losing_streak(d.clock.now_ns()) == 1
    assert d.state.risk_state == "ACTIVE"


async def test_consecutive_losses_reduce_only_holds_for_the_day(desk: DeskFactory) -> None:
    """With ``action = "reduce-only"`` the breach is not served by a lockout: it holds."""
    d = await desk({"consecutive_losses": {"limit": 2, "action": "reduce-only"}})
    await _round_trip(d, -2)
    await _round_trip(d, -2)
    assert d.state.risk_state == "REDUCE-ONLY"
    await d.tick(3600)
    assert not (await d.buy("MNQ", 1)).accepted


async def test_cooldown_tier_follows_the_size_of_the_loss(desk: DeskFactory) -> None:
    """A $150 loss sits in the $100 tier: 5 minutes without entries, then it unlocks alone."""
    d = await desk(
        {
            "cooldown": {
                "tiers": [
                    {"loss": 100, "minutes": 5},
                    {"loss": 200, "minutes": 15},
                    {"loss": 300, "minutes": 30},
                ]
            }
        }
    )
    await _round_trip(d, -300)
    assert d.state.risk_state == "REDUCE-ONLY"
    denied = await d.buy("MNQ", 1)
    assert not denied.accepted
    assert denied.reason == "cooldown after a $150.00 loss: no new entries for 5:00"
    await d.tick(5 * 60 - 1)
    assert not (await d.buy("MNQ", 1)).accepted
    await d.tick(1)
    assert d.state.risk_state == "ACTIVE"
    assert (await d.buy("MNQ", 1)).accepted
    assert [e.state for e in d.of(RiskStateChanged)] == ["REDUCE-ONLY", "ACTIVE"]


async def test_a_loss_under_the_first_tier_starts_no_cooldown(desk: DeskFactory) -> None:
    """$99.50 lost with a $100 first tier: no cooldown."""
    d = await desk({"cooldown": {"tiers": [{"loss": 100, "minutes": 5}]}})
    await _round_trip(d, -199)
    assert d.state.risk_state == "ACTIVE"
    await _round_trip(d, -200)
    assert d.state.risk_state == "REDUCE-ONLY"


async def test_a_bigger_loss_lengthens_a_cooldown_and_a_smaller_never_shortens_it(
    desk: DeskFactory,
) -> None:
    """A $100 loss starts 5 minutes, a $300 loss makes it 30, and a later $100 loss leaves
    the 30 in place (exits are allowed during a cooldown, so the losses can follow)."""
    tiers = [{"loss": 100, "minutes": 5}, {"loss": 300, "minutes": 30}]
    d = await desk({"cooldown": {"tiers": tiers}})
    await d.buy("MNQ", 1)
    await d.buy("MES", 2)
    await d.move("MES", -80)
    await d.move("MNQ", -600)
    await d.sell("MES", 1)  # -$100: 5 minutes
    assert d.risk.status(d.state)[1].current == "5:00 left"
    await d.sell("MNQ", 1)  # -$300: 30 minutes
    assert d.risk.status(d.state)[1].current == "30:00 left"
    d.clock.advance(60)
    await d.sell("MES", 1)  # -$100 a minute later: would be 5 minutes, the 30 stand
    assert d.risk.status(d.state)[1].current == "29:00 left"
    await d.tick(29 * 60 - 1)
    assert d.state.risk_state == "REDUCE-ONLY"
    await d.tick(1)
    assert d.state.risk_state == "ACTIVE"


async def test_trade_clock_holds_entries_after_an_entry(desk: DeskFactory) -> None:
    """2 minutes after an entry fill no new entry passes; the exit does; at 2:00 it opens."""
    d = await desk({"trade_clock": {"minutes": 2}})
    await d.buy("MNQ", 1)
    denied = await d.buy("MES", 1)
    assert not denied.accepted
    assert denied.reason.startswith("trade clock: next entry allowed in 2:00")
    assert (await d.sell("MNQ", 1)).accepted
    await d.tick(119)
    assert not (await d.buy("MES", 1)).accepted
    await d.tick(1)
    assert (await d.buy("MES", 1)).accepted


async def test_no_adding_to_a_losing_position(desk: DeskFactory) -> None:
    """Long and losing: buying more is denied; selling is fine; once winning, adding is
    fine."""
    d = await desk({"no_adding_to_loser": {"enabled": True}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -10)
    denied = await d.buy("MNQ", 1)
    assert not denied.accepted
    assert denied.reason == "MNQ +1 is losing -$5.00: no adding to a losing position"
    await d.move("MNQ", 11)
    assert (await d.buy("MNQ", 1)).accepted
    assert (await d.buy("MES", 1)).accepted


async def test_throttle_allows_n_orders_per_window(desk: DeskFactory) -> None:
    """3 per second: the fourth within the second is denied, the next second it passes, and
    exits are never throttled."""
    d = await desk({"throttle": {"orders": 3, "seconds": 1}})
    for _ in range(3):
        assert (await d.limit("MNQ", Side.BUY, 1, d.bid("MNQ") - 50)).accepted
    denied = await d.limit("MNQ", Side.BUY, 1, d.bid("MNQ") - 50)
    assert not denied.accepted
    assert denied.reason == "order rate: 3 orders in the last 1 s (limit 3)"
    order = d.state.working_orders()[0]
    assert (await d.submit(CancelOrder(order_id=order.id))).accepted
    assert d.state.orders[order.id].status is OrderStatus.CANCELLED
    assert (await d.submit(FlattenAll())).accepted
    d.clock.advance(1)
    assert (await d.limit("MNQ", Side.BUY, 1, d.bid("MNQ") - 50)).accepted
