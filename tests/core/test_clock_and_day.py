"""Injected time and the CME trading day (17:00 to 17:00 Chicago), DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.clock import (
    EXCHANGE_TZ,
    NS_PER_SECOND,
    FakeClock,
    WallClock,
    datetime_from_ns,
    exchange_time,
    ns_from_datetime,
)
from cockpit.core.tradingday import (
    seconds_until,
    trading_day,
    trading_day_end,
    trading_day_start,
)

HOUR = 3600 * NS_PER_SECOND


def ct(*args: int) -> int:
    return ns_from_datetime(datetime(*args, tzinfo=EXCHANGE_TZ))  # type: ignore[misc]


def test_fake_clock_moves_only_when_told() -> None:
    """A fake clock stands still, advances by seconds or ns, and can be set back."""
    clock = FakeClock(1_000)
    assert clock.now_ns() == 1_000
    assert clock.advance(1.5) == 1_000 + 1_500_000_000
    assert clock.advance(ns=7) == 1_500_001_007
    clock.set(5)
    assert clock.now_ns() == 5


def test_wall_clock_reads_epoch_nanoseconds() -> None:
    """The wall clock speaks the same unit: nanoseconds after 2020, non-decreasing."""
    wall = WallClock()
    first = wall.now_ns()
    assert first > ns_from_datetime(datetime(2020, 1, 1, tzinfo=UTC))
    assert wall.now_ns() >= first


def test_naive_datetimes_are_refused() -> None:
    """A datetime without a zone is ambiguous: denied with a clear message."""
    with pytest.raises(ValueError, match="naive datetime"):
        ns_from_datetime(datetime(2026, 1, 1))


@given(st.integers(min_value=0, max_value=4_102_444_800 * NS_PER_SECOND))
def test_datetime_round_trip_keeps_every_microsecond(ns: int) -> None:
    """ns -> datetime -> ns loses only the sub-microsecond part, never rounds up."""
    back = ns_from_datetime(datetime_from_ns(ns))
    assert back == ns - ns % 1_000


def test_exchange_time_is_chicago() -> None:
    """The header clock reads Chicago time (CDT in October)."""
    moment = exchange_time(ct(2026, 10, 14, 9, 30))
    assert (moment.hour, moment.minute, moment.utcoffset()) == (9, 30, timedelta(hours=-5))


def test_trading_day_turns_at_five_pm_chicago() -> None:
    """16:59:59.999999999 CT belongs to today; 17:00 CT is already tomorrow's trading day."""
    five_pm = ct(2026, 10, 14, 17, 0)
    assert trading_day(five_pm - 1) == date(2026, 10, 14)
    assert trading_day(five_pm - 999) == date(2026, 10, 14)
    assert trading_day(five_pm) == date(2026, 10, 15)
    assert trading_day(ct(2026, 10, 14, 0, 5)) == date(2026, 10, 14)


def test_trading_day_start_and_end() -> None:
    """A Wednesday 09:30 CT lies in the day that began Tuesday 17:00 and ends Wednesday 17:00."""
    now = ct(2026, 10, 14, 9, 30)
    assert trading_day_start(now) == ct(2026, 10, 13, 17, 0)
    assert trading_day_end(now) == ct(2026, 10, 14, 17, 0)
    assert seconds_until(now, trading_day_end(now)) == 7.5 * 3600


@pytest.mark.parametrize(
    ("inside", "hours"),
    [
        ((2026, 3, 8, 12, 0), 23),  # spring forward: a 23-hour trading day
        ((2026, 11, 1, 12, 0), 25),  # fall back: a 25-hour trading day
        ((2026, 10, 14, 12, 0), 24),
    ],
)
def test_trading_day_length_across_dst(inside: tuple[int, ...], hours: int) -> None:
    """The day still runs 17:00 to 17:00 local when the clocks change, so it is 23 or 25 hours."""
    now = ct(*inside)
    start, end = trading_day_start(now), trading_day_end(now)
    assert (end - start) // HOUR == hours
    assert exchange_time(start).time() == time(17, 0)
    assert exchange_time(end).time() == time(17, 0)


def test_custom_boundary_hour() -> None:
    """A firm that resets at 16:00 CT gets its own boundary."""
    four_pm = ct(2026, 10, 14, 16, 0)
    assert trading_day(four_pm - 1, boundary=time(16, 0)) == date(2026, 10, 14)
    assert trading_day(four_pm, boundary=time(16, 0)) == date(2026, 10, 15)


@given(st.integers(min_value=ct(2024, 1, 1, 0, 0), max_value=ct(2030, 1, 1, 0, 0)))
def test_every_instant_lies_inside_its_trading_day(ns: int) -> None:
    """start <= ns < end, and the end is the next day's start."""
    start, end = trading_day_start(ns), trading_day_end(ns)
    assert start <= ns < end
    assert trading_day_start(end) == end
    assert 23 * HOUR <= end - start <= 25 * HOUR
