"""The CME trading day: 17:00 to 17:00 America/Chicago (16:00-17:00 is maintenance).

Daily P&L, daily bars and daily risk limits all reset at this boundary. Firms differ, so
the boundary hour is a parameter, defaulting to 17:00 Chicago time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from cockpit.core.clock import EXCHANGE_TZ, NS_PER_SECOND, datetime_from_ns, ns_from_datetime

DEFAULT_BOUNDARY = time(17, 0)


@lru_cache(maxsize=4096)
def _boundary_ns(day: date, boundary: time, tz: ZoneInfo) -> int:
    return ns_from_datetime(datetime.combine(day, boundary, tzinfo=tz))


def trading_day(ns: int, boundary: time = DEFAULT_BOUNDARY, tz: ZoneInfo = EXCHANGE_TZ) -> date:
    """The trading day ``ns`` belongs to: after the boundary it is already tomorrow's."""
    local = datetime_from_ns(ns, tz)
    day = local.date()
    if local.time() >= boundary:
        day += timedelta(days=1)
    return day


def trading_day_start(
    ns: int, boundary: time = DEFAULT_BOUNDARY, tz: ZoneInfo = EXCHANGE_TZ
) -> int:
    """Epoch ns when the trading day containing ``ns`` began (yesterday at the boundary)."""
    day = trading_day(ns, boundary, tz)
    return _boundary_ns(day - timedelta(days=1), boundary, tz)


def trading_day_end(ns: int, boundary: time = DEFAULT_BOUNDARY, tz: ZoneInfo = EXCHANGE_TZ) -> int:
    """Epoch ns when the trading day containing ``ns`` ends (the next boundary)."""
    return _boundary_ns(trading_day(ns, boundary, tz), boundary, tz)


def seconds_until(ns_from: int, ns_to: int) -> float:
    """Seconds from one instant to another (negative when already past)."""
    return (ns_to - ns_from) / NS_PER_SECOND
