"""The firm's clock: flat by its time with the cockpit's flatten a margin before, no entries
in the last minutes, holidays and half days from the exchange calendar."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from cockpit.core.events import FlattenStarted
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Side
from cockpit.core.state import State
from cockpit.risk.config import RiskSettings
from cockpit.risk.market_calendar import (
    EarlyClose,
    Holiday,
    MarketCalendar,
    shipped_calendar,
    shipped_file,
)
from tests.risk.conftest import DeskFactory, at

FIRM = {"trading_hours": {"flat_by": "15:10"}}
CALENDAR = MarketCalendar(
    holidays={date(2026, 12, 25): Holiday(date=date(2026, 12, 25), name="Christmas Day")},
    early_closes={
        date(2026, 11, 27): EarlyClose(
            date=date(2026, 11, 27), name="Day after Thanksgiving", close="12:15"
        )
    },
)


async def test_flat_by_flattens_the_margin_before_and_holds_until_the_day_ends(
    desk: DeskFactory,
) -> None:
    """Flat by 15:10, margin 5: still open at 15:04:59, flattened at 15:05 with the firm's
    time in the reason, entries denied until 17:00 CT, then allowed again."""
    d = await desk(FIRM)
    await d.buy("MNQ", 2)
    await d.limit("MES", Side.BUY, 1, d.bid("MES") - 40)
    d.clock.set(at(2026, 3, 10, 15, 4, 59))
    await d.tick()
    assert d.size("MNQ") == 2
    d.clock.set(at(2026, 3, 10, 15, 5))
    await d.tick()
    assert d.state.is_flat()
    assert not d.state.working_orders()
    assert d.of(FlattenStarted)[-1].reason == "flat-by flatten at 15:05 (flat by 15:10)"
    assert d.state.risk_state == "REDUCE-ONLY"
    denied = await d.buy("MNQ", 1)
    assert denied.reason == (
        "flat by 15:10 America/Chicago: flattened at 15:05, exits only until the day ends"
    )
    d.clock.set(at(2026, 3, 10, 16, 59, 59))
    await d.tick()
    assert not (await d.buy("MNQ", 1)).accepted
    d.clock.set(at(2026, 3, 10, 17, 0))
    await d.tick()
    assert d.state.risk_state == "ACTIVE"
    assert (await d.buy("MNQ", 1)).accepted


async def test_a_margin_of_zero_flattens_at_flat_by(desk: DeskFactory) -> None:
    """flatten_margin_minutes = 0: the flatten is at the flat-by time itself."""
    d = await desk({"trading_hours": {"flat_by": "15:10", "flatten_margin_minutes": 0}})
    await d.buy("MNQ", 1)
    d.clock.set(at(2026, 3, 10, 15, 9, 59))
    await d.tick()
    assert d.size("MNQ") == 1
    d.clock.set(at(2026, 3, 10, 15, 10))
    await d.tick()
    assert d.size("MNQ") == 0


async def test_no_entries_in_the_last_minutes_before_flat_by(desk: DeskFactory) -> None:
    """No entries 15 min before a 15:10 flat-by: 14:54:59 trades, 14:55 is denied with the
    reason and the time, an exit still passes, and the position stays until 15:05."""
    d = await desk({"trading_hours": {"flat_by": "15:10", "no_entries_minutes": 15}})
    d.clock.set(at(2026, 3, 10, 14, 54, 59))
    await d.tick()
    assert (await d.buy("MNQ", 2)).accepted
    d.clock.set(at(2026, 3, 10, 14, 55))
    await d.tick()
    assert d.state.risk_state == "REDUCE-ONLY"
    denied = await d.buy("MNQ", 1)
    assert not denied.accepted
    assert denied.reason == (
        "no entries in the last 15 min before the flat-by time 15:10 America/Chicago "
        "(since 14:55): exits only"
    )
    assert (await d.sell("MNQ", 1)).accepted
    assert d.size("MNQ") == 1
    d.clock.set(at(2026, 3, 10, 15, 5))
    await d.tick()
    assert d.size("MNQ") == 0


async def test_a_half_day_moves_flat_by_to_the_early_close(desk: DeskFactory) -> None:
    """Friday after Thanksgiving closes 12:15 CT: the flatten fires at 12:10, naming the
    half day; the firm's 15:10 is not waited for."""
    d = await desk(FIRM, start=at(2026, 11, 27, 9, 0), market=CALENDAR)
    await d.buy("MNQ", 1)
    d.clock.set(at(2026, 11, 27, 12, 9, 59))
    await d.tick()
    assert d.size("MNQ") == 1
    d.clock.set(at(2026, 11, 27, 12, 10))
    await d.tick()
    assert d.size("MNQ") == 0
    denied = await d.buy("MNQ", 1)
    assert denied.reason == (
        "flat by 12:15 America/Chicago (half day: Day after Thanksgiving): flattened at "
        "12:10, exits only until the day ends"
    )


async def test_entries_are_denied_on_a_market_holiday(desk: DeskFactory) -> None:
    """On Christmas Day entries are denied with the holiday's name; exits pass; the next
    trading day (from 17:00 CT) trades again."""
    d = await desk(FIRM, start=at(2026, 12, 24, 17, 30), market=CALENDAR)
    await d.tick()
    assert d.state.risk_state == "REDUCE-ONLY"
    denied = await d.buy("MNQ", 1)
    assert denied.reason == "market holiday: Christmas Day (2026-12-25): exits only"
    d.clock.set(at(2026, 12, 25, 17, 0))
    await d.tick()
    assert d.state.risk_state == "ACTIVE"
    assert (await d.buy("MNQ", 1)).accepted


def test_flatten_at_and_flat_by_together_are_refused() -> None:
    """Both spellings of the end of day at once: keep flat_by."""
    with pytest.raises(ValidationError, match="keep flat_by"):
        RiskSettings.model_validate({"trading_hours": {"flatten_at": "15:08", "flat_by": "15:10"}})


def test_the_shipped_calendar_reads_and_says_it_is_unverified() -> None:
    """The shipped CME dates load, and every one is marked not verified."""
    calendar = shipped_calendar()
    assert calendar.holiday(date(2026, 12, 25)) is not None
    assert calendar.early_close_time(date(2026, 11, 27)) is not None
    entries = [*shipped_file().holiday, *shipped_file().early_close]
    assert entries
    assert not any(entry.verified for entry in entries)


def test_the_risk_panel_shows_the_trading_days_end() -> None:
    """The ``R`` row: the flat-by time as the limit, and the trading day's times in the
    detail, the half day's on a half day (after 17:00 CT: the next day's)."""
    from cockpit.risk.engine import RiskEngine
    from cockpit.risk.rules.trading_hours import TradingHours

    settings = RiskSettings.model_validate(
        {"trading_hours": {"flat_by": "15:10", "no_entries_minutes": 10}}
    )
    risk = RiskEngine(settings, market=CALENDAR)
    rule = next(r for r in risk.rules if isinstance(r, TradingHours))
    state = State(INSTRUMENTS, ["MNQ"])
    reading = rule.reading(state, at(2026, 3, 10, 10, 0))
    assert reading.limit == "any time; flat by 15:10"
    assert reading.detail == (
        "inside trading hours · today: no entries from 15:00, flatten 15:05, flat by 15:10"
    )
    evening = rule.reading(state, at(2026, 11, 26, 18, 0))
    assert evening.detail == (
        "inside trading hours · today: no entries from 12:05, flatten 12:10, "
        "flat by 12:15 (half day: Day after Thanksgiving)"
    )
