"""Daily loss limit, weekly loss limit and daily profit target, boundaries included."""

from __future__ import annotations

from decimal import Decimal

from cockpit.core.commands import CancelAll
from cockpit.core.events import (
    EnforcementTaken,
    FlattenStarted,
    LockoutEnded,
    Notice,
    RiskDecision,
    RiskStateChanged,
)
from cockpit.core.models import Side
from tests.risk.conftest import DeskFactory, at

MNQ_TICK = Decimal("0.50")


async def test_daily_loss_just_short_of_the_limit_warns_and_still_trades(desk: DeskFactory) -> None:
    """$299.50 down on a $300 limit is a WARNING, and entries still pass."""
    d = await desk({"daily_loss": {"limit": 300}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -599)
    assert d.state.day_pnl() == Decimal("-299.50")
    assert d.state.risk_state == "WARNING"
    assert (await d.buy("MES", 1)).accepted


async def test_daily_loss_reaching_the_limit_exactly_flattens_and_locks(desk: DeskFactory) -> None:
    """Reaching the limit to the cent breaches it: flatten, then lock until 17:00 CT."""
    d = await desk({"daily_loss": {"limit": 300}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -600)
    assert d.state.positions == {}
    assert d.state.risk_state == "LOCKED"
    assert d.state.lockout_until == at(2026, 3, 10, 17)
    assert d.of(FlattenStarted)[-1].reason.startswith("daily loss limit")
    assert [e.action for e in d.of(EnforcementTaken)] == ["lock", "flatten"]


async def test_realized_basis_ignores_the_open_loss_until_it_is_closed(desk: DeskFactory) -> None:
    """With basis realized an open loser past the limit is tolerated; closing it breaches."""
    d = await desk({"daily_loss": {"limit": 300, "basis": "realized", "action": "reduce-only"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -700)
    assert d.state.risk_state == "ACTIVE"
    await d.sell("MNQ", 1)
    assert d.state.risk_state == "REDUCE-ONLY"
    denied = await d.buy("MNQ", 1)
    assert not denied.accepted
    assert denied.reason.startswith("daily loss limit: day P&L -$350.00")


async def test_fees_count_toward_the_daily_loss(desk: DeskFactory) -> None:
    """$299.50 lost plus $0.74 of fees is past a $300 limit."""
    d = await desk(
        {"daily_loss": {"limit": 300, "basis": "realized", "action": "reduce-only"}},
        fees={"MNQ": Decimal("0.37"), "MES": Decimal(0), "NQ": Decimal(0)},
    )
    await d.buy("MNQ", 1)
    await d.move("MNQ", -599)
    await d.sell("MNQ", 1)
    assert d.state.net_realized == Decimal("-300.24")
    assert d.state.risk_state == "REDUCE-ONLY"


async def test_trailing_daily_loss_measures_from_the_days_high(desk: DeskFactory) -> None:
    """Up $200 then down to -$100 is a $300 drawdown: a trailing limit breaches, a fixed one
    would not."""
    d = await desk({"daily_loss": {"limit": 300, "trailing": True, "action": "reduce-only"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", 400)
    assert d.state.risk_state == "ACTIVE"
    await d.move("MNQ", -599)
    assert d.state.risk_state == "WARNING"
    await d.move("MNQ", -1)
    assert d.state.day_pnl() == Decimal("-100.00")
    assert d.state.risk_state == "REDUCE-ONLY"
    assert d.risk.daily_loss_room(d.state) == Decimal(0)


async def test_a_daily_breach_holds_for_the_day_and_clears_at_the_boundary(
    desk: DeskFactory,
) -> None:
    """Reduce-only after a breach stays on when the P&L recovers, and ends at 17:00 CT."""
    d = await desk({"daily_loss": {"limit": 300, "action": "reduce-only"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -600)
    assert d.state.risk_state == "REDUCE-ONLY"
    await d.move("MNQ", 500)
    await d.tick(1)
    assert d.state.risk_state == "REDUCE-ONLY"
    assert not (await d.buy("MES", 1)).accepted
    assert (await d.sell("MNQ", 1)).accepted
    d.clock.set(at(2026, 3, 10, 17, 0))
    await d.tick()
    assert d.state.risk_state == "ACTIVE"
    assert (await d.buy("MES", 1)).accepted


async def test_alert_action_only_warns(desk: DeskFactory) -> None:
    """``action = "alert"``: a breach is a WARNING and a notice, and nothing is denied."""
    d = await desk({"daily_loss": {"limit": 300, "action": "alert"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -700)
    assert d.state.risk_state == "WARNING"
    assert any("daily loss limit" in n.text for n in d.of(Notice))
    assert d.of(RiskDecision)[-1].outcome == "alerted"
    assert (await d.buy("MNQ", 1)).accepted
    assert d.size("MNQ") == 2


async def test_flatten_action_flattens_then_refuses_entries_without_a_lockout(
    desk: DeskFactory,
) -> None:
    """``action = "flatten"``: everything is closed and entries denied, but nothing locks."""
    d = await desk({"daily_loss": {"limit": 300, "action": "flatten"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -600)
    assert d.state.positions == {}
    assert d.state.lockout_until is None
    assert d.state.risk_state == "REDUCE-ONLY"


async def test_cancel_all_action_cancels_every_working_order(desk: DeskFactory) -> None:
    """``action = "cancel-all"`` sends one CancelAll and keeps the position."""
    d = await desk({"daily_loss": {"limit": 300, "action": "cancel-all"}})
    await d.buy("MNQ", 1)
    await d.limit("MES", Side.BUY, 1, d.bid("MES") - 50)
    await d.move("MNQ", -600)
    assert any(isinstance(c, CancelAll) for c in d.recorder.commands)
    assert d.state.working_orders() == []
    assert d.size("MNQ") == 1


async def test_timed_lock_ends_but_the_breach_keeps_reducing_for_the_day(desk: DeskFactory) -> None:
    """``lock_until = "30m"``: locked for 30 minutes, then REDUCE-ONLY until the day ends."""
    d = await desk({"daily_loss": {"limit": 300, "lock_until": "30m"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -600)
    assert d.state.risk_state == "LOCKED"
    await d.tick(30 * 60 - 1)
    assert d.state.risk_state == "LOCKED"
    await d.tick(1)
    assert d.of(LockoutEnded)
    assert d.state.risk_state == "REDUCE-ONLY"


async def test_weekly_loss_adds_the_days_of_the_week_and_locks_until_sunday(
    desk: DeskFactory,
) -> None:
    """$200 lost Tuesday and $100 Wednesday breach a $300 weekly limit; the lock ends Sunday
    17:00 CT, when the trading week rolls."""
    d = await desk({"weekly_loss": {"limit": 300}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -400)
    await d.sell("MNQ", 1)
    d.clock.set(at(2026, 3, 11, 9, 0))
    await d.tick()
    assert d.state.risk_state == "ACTIVE"
    await d.buy("MNQ", 1)
    await d.move("MNQ", -200)
    assert d.state.risk_state == "LOCKED"
    assert d.state.lockout_until == at(2026, 3, 15, 17, 0)


async def test_weekly_loss_starts_afresh_the_next_week(desk: DeskFactory) -> None:
    """Losses of last week do not count on Monday."""
    d = await desk({"weekly_loss": {"limit": 300, "action": "alert"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -500)
    await d.sell("MNQ", 1)
    assert d.state.risk_state == "WARNING"
    d.clock.set(at(2026, 3, 16, 9, 0))
    await d.tick()
    assert d.state.risk_state == "ACTIVE"
    assert d.risk.tally.net_realized_week(d.clock.now_ns()) == 0


async def test_profit_target_reached_locks_in_the_day(desk: DeskFactory) -> None:
    """Reaching a $500 target flattens and locks (the default action)."""
    d = await desk({"profit_target": {"target": 500}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", 999)
    assert d.state.risk_state == "WARNING"
    await d.move("MNQ", 1)
    assert d.state.risk_state == "LOCKED"
    assert d.state.positions == {}
    assert d.state.net_realized == Decimal("500.00")


async def test_profit_target_alert_only_reminds(desk: DeskFactory) -> None:
    """With ``action = "alert"`` reaching the target changes nothing but the banner."""
    d = await desk({"profit_target": {"target": 100, "action": "alert"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", 250)
    assert d.state.risk_state == "WARNING"
    assert d.size("MNQ") == 1
    assert [e.state for e in d.of(RiskStateChanged)] == ["WARNING"]


async def test_yesterdays_loss_does_not_count_today(desk: DeskFactory) -> None:
    """A loss before the 17:00 CT boundary is not part of the next trading day."""
    d = await desk({"daily_loss": {"limit": 300, "action": "alert"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -500)
    await d.sell("MNQ", 1)
    assert d.state.risk_state == "WARNING"
    d.clock.set(at(2026, 3, 10, 17, 0, 1))
    await d.tick()
    assert d.state.risk_state == "ACTIVE"
    assert d.risk.daily_loss_room(d.state) == Decimal(300)


async def test_a_breach_on_the_entrys_own_fill_leaves_the_balance_the_brokers(
    desk: DeskFactory,
) -> None:
    """The entry's fees breach at its fill: after the flatten the state holds the broker's
    last balance, not the entry's older report delivered after the close's."""
    d = await desk({"daily_loss": {"limit": 3}}, fees={"MNQ": Decimal(1)})
    await d.buy("MNQ", 5)
    assert d.state.positions == {}
    assert d.state.risk_state == "LOCKED"
    assert d.state.account is not None
    assert d.state.account.balance == d.broker.account.account.balance
