"""What the screen reads: risk panel rows, banner, distance to the daily loss limit,
lockout presets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.core.commands import StartLockout
from cockpit.core.tradingstate import TradingState
from cockpit.risk.rules.base import Level
from tests.risk.conftest import DeskFactory, at

MINUTE = 60 * 1_000_000_000


async def test_banner_is_hidden_when_active(desk: DeskFactory) -> None:
    """No banner in the ACTIVE state."""
    d = await desk({"daily_loss": {"limit": 300}})
    assert d.risk.banner(d.state) is None


async def test_banner_for_warning_reducing_and_locked(desk: DeskFactory) -> None:
    """WARNING says how close; REDUCE-ONLY says exits only; LOCKED shows the end and countdown."""
    d = await desk({"daily_loss": {"limit": 100, "action": "reduce-only"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -170)
    warning = d.risk.banner(d.state)
    assert warning is not None
    assert warning.text == ("WARNING · daily loss at 85% of the $100.00 limit (day P&L -$85.00)")
    await d.move("MNQ", -30)
    reducing = d.risk.banner(d.state)
    assert reducing is not None
    assert reducing.text == (
        "REDUCE-ONLY · exits only · daily loss limit: day P&L -$100.00 reached the $100.00 limit"
    )
    await d.submit(StartLockout(until_ns=d.clock.now_ns() + 90 * MINUTE, reason="tilt"))
    locked = d.risk.banner(d.state)
    assert locked is not None
    assert locked.state == "LOCKED"
    assert locked.until_ns == d.clock.now_ns() + 90 * MINUTE
    assert locked.text == "LOCKED until 11:30 CT · 1:30:00 left · tilt"
    d.clock.advance(61)
    assert d.risk.banner(d.state).countdown == "1:28:59"  # type: ignore[union-attr]


async def test_banner_names_a_position_left_without_a_stop_even_when_active(
    desk: DeskFactory,
) -> None:
    """ACTIVE with a position its bracket manager flags bare: the banner is that line;
    under a WARNING the banner carries it too, for the screen to choose."""
    d = await desk({"daily_loss": {"limit": 100}})
    bare = ("MNQ +1 has no stop: no bracket template was active at restart",)
    d.risk.unprotected = lambda state: bare
    shown = d.risk.banner(d.state)
    assert shown is not None
    assert (shown.state, shown.text, shown.unprotected) == (TradingState.ACTIVE, bare[0], bare)
    await d.buy("MNQ", 1)
    await d.move("MNQ", -170)
    warning = d.risk.banner(d.state)
    assert warning is not None
    assert (warning.state, warning.unprotected) == (TradingState.WARNING, bare)


async def test_dry_run_banner_shows_even_when_active(desk: DeskFactory) -> None:
    """In dry run the banner says so in the ACTIVE state too."""
    d = await desk({"dry_run": True})
    banner = d.risk.banner(d.state)
    assert banner is not None
    assert banner.state is TradingState.ACTIVE
    assert banner.dry_run
    assert d.risk.dry_run


async def test_daily_loss_room_for_the_header(desk: DeskFactory) -> None:
    """Room left is the limit minus the loss; None when the rule is off."""
    d = await desk({"daily_loss": {"limit": 300}})
    assert d.risk.daily_loss_room(d.state) == Decimal(300)
    await d.buy("MNQ", 1)
    await d.move("MNQ", -100)
    assert d.risk.daily_loss_room(d.state) == Decimal("250.00")
    off = await desk()
    assert off.risk.daily_loss_room(off.state) is None


async def test_status_rows_list_the_lockout_then_every_rule_on(desk: DeskFactory) -> None:
    """One row for the lockout and one per rule that is on, with limit, value and room."""
    d = await desk(
        {
            "daily_loss": {"limit": 300},
            "contract_limit": {"contracts": 2},
            "fills_per_day": {"limit": 10},
        }
    )
    await d.buy("MNQ", 1)
    rows = d.risk.status(d.state)
    assert [r.rule for r in rows] == [
        "lockout",
        "daily-loss",
        "fills-per-day",
        "stale",
        "contract-limit",
    ]
    daily = rows[1]
    assert (daily.limit, daily.current, daily.headroom) == ("$300.00 net", "$0.00", "$300.00")
    trades = rows[2]
    assert (trades.current, trades.headroom, trades.fraction) == ("1", "9", 0.1)
    feed = rows[3]
    assert (feed.limit, feed.current, feed.level) == (
        "data within 5 s",
        "last data 0.0 s ago",
        Level.OK,
    )
    contracts = rows[4]
    assert (contracts.current, contracts.headroom) == ("MNQ 1", "1")
    assert all(r.level is Level.OK for r in rows)


async def test_a_breach_earlier_today_still_shows_in_the_panel(desk: DeskFactory) -> None:
    """After the loss recovers, the daily loss row still reads breached."""
    d = await desk({"daily_loss": {"limit": 100, "action": "reduce-only"}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -200)
    await d.move("MNQ", 150)
    row = d.risk.status(d.state)[1]
    assert row.level is Level.BREACH
    assert row.detail.startswith("breached earlier: daily loss limit")


async def test_lockout_presets_from_now(desk: DeskFactory) -> None:
    """15 min, 30 min, 1 h, and the rest of the trading day (17:00 CT)."""
    d = await desk()
    now = d.clock.now_ns()
    presets = d.risk.lockout_presets()
    assert [(p.key, p.until_ns - now) for p in presets[:3]] == [
        ("15m", 15 * MINUTE),
        ("30m", 30 * MINUTE),
        ("1h", 60 * MINUTE),
    ]
    assert presets[3].until_ns == at(2026, 3, 10, 17, 0)
    assert presets[3].label == "rest of the day (until 17:00 CT)"
    command = presets[1].command()
    assert command == StartLockout(until_ns=now + 30 * MINUTE, reason="manual lockout 30 min")


async def test_lockout_until_a_time_is_the_next_such_time(desk: DeskFactory) -> None:
    """ "13:15" at 10:00 is today; "09:00" is tomorrow; nonsense says what to type."""
    d = await desk()
    assert d.risk.lockout_until_time("13:15") == at(2026, 3, 10, 13, 15)
    assert d.risk.lockout_until_time("09:00") == at(2026, 3, 11, 9, 0)
    with pytest.raises(ValueError, match="write HH:MM"):
        d.risk.lockout_until_time("1pm")
