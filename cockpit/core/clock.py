"""Injected time. Nothing in the core reads the system clock directly.

Time is an ``int`` of nanoseconds since the Unix epoch (UTC): cheap to compare, exact,
and the same unit the journal stores. Live code uses :class:`WallClock`, replay a clock
driven by recorded time, tests a :class:`FakeClock`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

NS_PER_SECOND = 1_000_000_000
NS_PER_MS = 1_000_000
EXCHANGE_TZ = ZoneInfo("America/Chicago")


class Clock(Protocol):
    """Anything that tells the time in epoch nanoseconds."""

    def now_ns(self) -> int: ...


class WallClock:
    """The real clock, for live trading and the demo."""

    def now_ns(self) -> int:
        return time.time_ns()


class FakeClock:
    """A clock that moves only when told to: tests, snapshots and replay."""

    def __init__(self, start_ns: int) -> None:
        self._now = start_ns

    def now_ns(self) -> int:
        return self._now

    def set(self, ns: int) -> None:
        """Jump to ``ns`` (replay may jump either way; tests use it to go backwards)."""
        self._now = ns

    def advance(self, seconds: float = 0.0, *, ns: int = 0) -> int:
        """Move forward and return the new time."""
        self._now += int(seconds * NS_PER_SECOND) + ns
        return self._now


def ns_from_datetime(moment: datetime) -> int:
    """Epoch nanoseconds of an aware datetime (naive datetimes are rejected)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give a timezone")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NS_PER_SECOND + delta.microseconds * 1_000


def datetime_from_ns(ns: int, tz: ZoneInfo | None = None) -> datetime:
    """An aware datetime for epoch nanoseconds, in ``tz`` (UTC by default).

    Integer arithmetic, truncated to the microsecond: a float division would round
    16:59:59.9999999 up to 17:00 and put the instant in the wrong trading day.
    """
    seconds, rest = divmod(ns, NS_PER_SECOND)
    moment = datetime.fromtimestamp(seconds, tz=UTC) + timedelta(microseconds=rest // 1_000)
    return moment.astimezone(tz) if tz is not None else moment


def exchange_time(ns: int) -> datetime:
    """The exchange (Chicago) wall time of ``ns``: what the header clock shows."""
    return datetime_from_ns(ns, EXCHANGE_TZ)
