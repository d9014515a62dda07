"""Time for risk rules: the trading day and week, lock ends, windows and countdowns.

Daily limits reset at the trading-day boundary (17:00 America/Chicago unless the config
says otherwise); weekly limits when the trading week rolls (Sunday at the boundary).
Every function takes the time it reasons about: nothing here reads the system clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cockpit.core.clock import NS_PER_SECOND, datetime_from_ns, ns_from_datetime
from cockpit.core.tradingday import trading_day, trading_day_end, trading_day_start

NS_PER_MINUTE = 60 * NS_PER_SECOND

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")

#: The named lock ends a rule's ``lock_until`` accepts, besides ``HH:MM`` and durations.
NAMED_LOCK_ENDS = ("next-day", "next-week", "hours-end")
LOCK_FORMS = "next-day, next-week, hours-end, a time of day like 15:30, or a duration like 30m"
RENAMED_LOCK_ENDS = {"session-end": "hours-end"}  # vocab: keep
"""Lock ends under their old names, still read from configs and journals written before."""


def lock_end_name(text: str) -> str:
    """A lock end under its current name (see ``RENAMED_LOCK_ENDS``)."""
    value = text.strip()
    return RENAMED_LOCK_ENDS.get(value, value)


def parse_hhmm(text: str) -> time:
    """``"15:08"`` -> ``time(15, 8)``; raises ``ValueError`` saying what is allowed."""
    match = _HHMM.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a time of day; write HH:MM on a 24-hour clock")
    return time(int(match.group(1)), int(match.group(2)))


def parse_duration(text: str) -> int:
    """``"1h30m"``, ``"15m"``, ``"90s"`` -> nanoseconds (at least one second)."""
    match = _DURATION.match(text.strip())
    if match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration; write e.g. 90s, 15m, 1h or 1h30m")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = (hours * 3600 + minutes * 60 + seconds) * NS_PER_SECOND
    if total <= 0:
        raise ValueError(f"{text!r} is not a duration of at least one second")
    return total


def check_lock_until(text: str) -> str:
    """Validate a ``lock_until`` value (named end, ``HH:MM`` or a duration)."""
    value = lock_end_name(text)
    if value in NAMED_LOCK_ENDS:
        return value
    try:
        parse_hhmm(value)
        return value
    except ValueError:
        pass
    try:
        parse_duration(value)
        return value
    except ValueError:
        raise ValueError(f"{text!r} is not a lock end; allowed: {LOCK_FORMS}") from None


@dataclass(frozen=True, slots=True)
class Window:
    """A time-of-day window; when ``end <= start`` it runs past midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> Window:
        parts = text.split("-")
        if len(parts) != 2:
            raise ValueError(f"{text!r} is not a window; write HH:MM-HH:MM, e.g. 08:30-11:30")
        start, end = parse_hhmm(parts[0]), parse_hhmm(parts[1])
        if start == end:
            raise ValueError(f"{text!r} is an empty window: start and end are the same")
        return cls(start, end)

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class Calendar:
    """The trading day and week for one boundary and timezone."""

    def __init__(self, boundary: time = time(17, 0), tz: ZoneInfo | None = None) -> None:
        self.boundary = boundary
        self.tz = tz or ZoneInfo("America/Chicago")
        self._span = (0, 0)
        """The last trading day looked up, [start, end): most calls fall inside it."""

    def day(self, ns: int) -> date:
        return trading_day(ns, self.boundary, self.tz)

    def _day(self, ns: int) -> tuple[int, int]:
        span = self._span
        if not span[0] <= ns < span[1]:
            span = self._span = (
                trading_day_start(ns, self.boundary, self.tz),
                trading_day_end(ns, self.boundary, self.tz),
            )
        return span

    def day_start(self, ns: int) -> int:
        return self._day(ns)[0]

    def day_end(self, ns: int) -> int:
        """When the trading day containing ``ns`` ends: daily limits reset then."""
        return self._day(ns)[1]

    def week(self, ns: int) -> tuple[int, int]:
        """ISO (year, week) of the trading day: Sunday evening belongs to Monday's week."""
        iso = self.day(ns).isocalendar()
        return iso.year, iso.week

    def week_end(self, ns: int) -> int:
        """When the trading week containing ``ns`` ends (Sunday at the boundary)."""
        day = self.day(ns)
        monday = day + timedelta(days=7 - day.weekday())
        sunday = datetime.combine(monday - timedelta(days=1), self.boundary, tzinfo=self.tz)
        return ns_from_datetime(sunday)

    def next_time(self, ns: int, at: time, tz: ZoneInfo | None = None) -> int:
        """The next moment the wall clock in ``tz`` reads ``at`` (strictly after ``ns``)."""
        zone = tz or self.tz
        local = datetime_from_ns(ns, zone)
        candidate = datetime.combine(local.date(), at, tzinfo=zone)
        moment = ns_from_datetime(candidate)
        if moment <= ns:
            moment = ns_from_datetime(
                datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
            )
        return moment

    def local(self, ns: int) -> datetime:
        return datetime_from_ns(ns, self.tz)

    def clock_label(self, ns: int) -> str:
        """``17:00 CT``-style wall time in the calendar's timezone."""
        moment = datetime_from_ns(ns, self.tz)
        return f"{moment:%H:%M} {zone_label(moment)}"

    def until_label(self, until_ns: int, now_ns: int) -> str:
        """When something ends, as a line says it: ``17:00 CT``, or ``Wed 17:00 CT`` when
        it ends on another calendar day than ``now_ns``."""
        label = self.clock_label(until_ns)
        if self.local(until_ns).date() != self.local(now_ns).date():
            return f"{self.local(until_ns):%a} {label}"
        return label


def zone_label(moment: datetime) -> str:
    """The zone as the header names it: ``CT`` for Chicago, summer or winter (never CST
    here and CDT there); another zone by its abbreviation."""
    if getattr(moment.tzinfo, "key", None) == "America/Chicago":
        return "CT"
    return moment.tzname() or ""
