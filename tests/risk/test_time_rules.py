"""Trading hours in any timezone, the end-of-day flatten, and the stale feed/account guard."""

from __future__ import annotations

from cockpit.core.commands import FlattenAll
from cockpit.core.events import (
    ConnectionChanged,
    FlattenStarted,
    Link,
    LinkStatus,
    Reconciled,
)
from cockpit.core.models import OrderStatus, Side
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine
from cockpit.risk.rules.trading_hours import TradingHours
from tests.risk.conftest import CT, NY, DeskFactory, at


async def test_entries_only_inside_a_new_york_window(desk: DeskFactory) -> None:
    """09:30-11:30 New York: 10:00 CT (11:00 ET) trades; 10:30 CT (11:30 ET) is outside,
    REDUCE-ONLY, and denies entries but not exits."""
    d = await desk({"trading_hours": {"timezone": "America/New_York", "windows": ["09:30-11:30"]}})
    assert (await d.buy("MNQ", 1)).accepted
    d.clock.set(at(2026, 3, 10, 10, 29, 59))
    await d.tick()
    assert d.state.risk_state == "ACTIVE"
    d.clock.set(at(2026, 3, 10, 10, 30))
    await d.tick()
    assert d.state.risk_state == "REDUCE-ONLY"
    denied = await d.buy("MNQ", 1)
    assert not denied.accepted
    assert denied.reason == (
        "outside trading hours (09:30-11:30 America/New_York mon,tue,wed,thu,fri): exits only"
    )
    assert (await d.sell("MNQ", 1)).accepted


async def test_a_window_opens_at_its_start_minute(desk: DeskFactory) -> None:
    """Before 10:15 CT denied; at 10:15 allowed."""
    d = await desk({"trading_hours": {"windows": ["10:15-11:00"]}})
    assert d.state.risk_state == "REDUCE-ONLY"
    d.clock.set(at(2026, 3, 10, 10, 15))
    await d.tick()
    assert d.state.risk_state == "ACTIVE"
    assert (await d.buy("MNQ", 1)).accepted


def test_overnight_window_belongs_to_the_day_it_starts() -> None:
    """18:00-02:00 on weekdays: Tuesday 23:00 and Wednesday 01:59 are in, 02:00 is out,
    Saturday 01:00 (Friday's window) is in, Sunday 01:00 is out."""
    risk = RiskEngine(
        RiskSettings.model_validate({"trading_hours": {"windows": ["18:00-02:00"]}}),
        clock=None,
    )
    rule = next(r for r in risk.rules if isinstance(r, TradingHours))
    assert rule.inside(at(2026, 3, 10, 23, 0))
    assert rule.inside(at(2026, 3, 11, 1, 59))
    assert not rule.inside(at(2026, 3, 11, 2, 0))
    assert rule.inside(at(2026, 3, 14, 1, 0))
    assert not rule.inside(at(2026, 3, 15, 1, 0))
    assert not rule.inside(at(2026, 3, 10, 17, 59))


def test_windows_follow_daylight_saving_in_their_own_timezone() -> None:
    """09:30 New York is 08:30 Chicago on both sides of the March change."""
    risk = RiskEngine(
        RiskSettings.model_validate(
            {"trading_hours": {"timezone": "America/New_York", "windows": ["09:30-16:00"]}}
        )
    )
    rule = next(r for r in risk.rules if isinstance(r, TradingHours))
    for day in (6, 9):  # Friday before, Monday after the 8 March 2026 change
        assert not rule.inside(at(2026, 3, day, 8, 29, tz=CT))
        assert rule.inside(at(2026, 3, day, 8, 30, tz=CT))
        assert rule.inside(at(2026, 3, day, 9, 30, tz=NY))


async def test_end_of_day_flatten_closes_everything_and_holds_until_the_day_ends(
    desk: DeskFactory,
) -> None:
    """At 15:08 CT everything is flattened; entries wait for the 17:00 CT new day."""
    d = await desk({"trading_hours": {"flatten_at": "15:08"}})
    await d.buy("MNQ", 2)
    await d.limit("MES", Side.BUY, 1, d.bid("MES") - 40)
    d.clock.set(at(2026, 3, 10, 15, 7, 59))
    await d.tick()
    assert d.size("MNQ") == 2
    d.clock.set(at(2026, 3, 10, 15, 8))
    await d.tick()
    assert d.state.is_flat()
    assert d.of(FlattenStarted)[-1].reason == "end-of-day flatten at 15:08"
    assert d.state.risk_state == "REDUCE-ONLY"
    assert not (await d.buy("MNQ", 1)).accepted
    d.clock.set(at(2026, 3, 10, 17, 0))
    await d.tick()
    assert d.state.risk_state == "ACTIVE"
    assert (await d.buy("MNQ", 1)).accepted


async def test_end_of_day_flatten_catches_a_position_opened_elsewhere_later(
    desk: DeskFactory,
) -> None:
    """After the flatten time a position that appears is flattened again."""
    d = await desk({"trading_hours": {"flatten_at": "15:08"}})
    d.clock.set(at(2026, 3, 10, 15, 30))
    await d.tick()
    await d.external("MNQ", Side.BUY, 1)
    assert d.size("MNQ") == 1
    await d.tick(1)
    assert d.size("MNQ") == 0


async def test_stale_quotes_refuse_entries_until_a_fresh_one(desk: DeskFactory) -> None:
    """With a 5 s feed guard, an entry 6 s after the last market data is denied; exits
    pass."""
    d = await desk({"stale": {"feed_seconds": 5}})
    await d.buy("MNQ", 1)
    d.clock.advance(5)
    assert (await d.buy("MNQ", 1)).accepted
    d.clock.advance(1)
    denied = await d.buy("MNQ", 1)
    assert not denied.accepted
    assert denied.reason == (
        "market data stale: none for 6.0 s (limit 5 s): entries wait; exits pass"
    )
    assert (await d.submit(FlattenAll())).accepted
    d.quote("MNQ", d.bid("MNQ"))
    assert (await d.buy("MNQ", 1)).accepted


async def test_account_link_down_is_reducing_without_cancelling(desk: DeskFactory) -> None:
    """The account link drops: REDUCE-ONLY, but working orders are left alone (nothing can be
    trusted to cancel); reconnected and reconciled: ACTIVE again."""
    d = await desk({"stale": {"account": True}})
    assert d.state.risk_state == "ACTIVE"
    await d.limit("MNQ", Side.BUY, 1, d.bid("MNQ") - 30)
    order = d.state.working_orders()[0]
    now = d.clock.now_ns()
    d.engine.on_event(ConnectionChanged(now, Link.ACCOUNT, LinkStatus.DISCONNECTED, "lost"))
    await d.settle()
    assert d.state.risk_state == "REDUCE-ONLY"
    assert d.state.orders[order.id].status is OrderStatus.OPEN
    d.engine.on_event(ConnectionChanged(now, Link.ACCOUNT, LinkStatus.CONNECTED, "back"))
    assert d.state.risk_state == "REDUCE-ONLY"
    d.engine.on_event(Reconciled(now, "re-read"))
    assert d.state.risk_state == "ACTIVE"
