"""The exchange's calendar: holidays (no trading) and half days (an early close).

A calendar file lists ``[[holiday]]`` and ``[[early_close]]`` entries by trading day (the
day that ends at the 17:00 CT boundary on that date). The cockpit ships one
(``cockpit/risk/calendar.toml``, CME Globex equity, metal and energy dates, marked
``verified = false``); a file of the same shape in the config dir adds to it, a date
listed there replacing the shipped entry for that date, or replaces it whole with
``replace_shipped = true``. The trading-hours rule reads it: entries are denied on a
holiday, and on a half day the firm's ``flat_by`` moves to the early close.

Parsing raises pydantic's ``ValidationError`` or ``tomllib.TOMLDecodeError``; the config
layer (:func:`cockpit.config.load_market_calendar`) turns them into ``file:line`` errors.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cockpit.core.clock import ns_from_datetime
from cockpit.risk.timing import parse_hhmm

SHIPPED = Path(__file__).with_name("calendar.toml")
EXCHANGE_ZONE = ZoneInfo("America/Chicago")
"""Calendar times (an early close) are exchange time, Chicago."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: date
    name: str = Field(min_length=1)
    verified: bool = False
    """Checked against the exchange's published calendar by whoever wrote the entry."""


class Holiday(_Entry):
    """A trading day without trading: entries are denied all day."""


class EarlyClose(_Entry):
    """A half day: the market closes at ``close`` (CT)."""

    close: str

    @field_validator("close")
    @classmethod
    def _close(cls, value: str) -> str:
        parse_hhmm(value)
        return value


class CalendarFile(BaseModel):
    """The shape of a calendar file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    replace_shipped: bool = False
    """Use only this file's dates, none of the shipped ones."""
    holiday: list[Holiday] = Field(default_factory=list)
    early_close: list[EarlyClose] = Field(default_factory=list)

    def listed_twice(self) -> tuple[str, int, date] | None:
        """The first entry whose date an earlier entry already has: (table, index, date)."""
        seen: set[date] = set()
        for table, entries in (("holiday", self.holiday), ("early_close", self.early_close)):
            for index, entry in enumerate(entries):
                if entry.date in seen:
                    return table, index, entry.date
                seen.add(entry.date)
        return None


def parse_calendar(text: str) -> CalendarFile:
    """A calendar file's text, validated (raises ``TOMLDecodeError`` / ``ValidationError``;
    a date listed twice is for the caller to report, see :meth:`CalendarFile.listed_twice`)."""
    return CalendarFile.model_validate(tomllib.loads(text))


@dataclass(frozen=True, slots=True)
class MarketCalendar:
    """Holidays and early closes by trading day."""

    holidays: dict[date, Holiday] = field(default_factory=dict)
    early_closes: dict[date, EarlyClose] = field(default_factory=dict)

    @classmethod
    def from_files(cls, *files: CalendarFile) -> MarketCalendar:
        """Later files win, date by date; ``replace_shipped`` drops what came before."""
        holidays: dict[date, Holiday] = {}
        early: dict[date, EarlyClose] = {}
        for file in files:
            if file.replace_shipped:
                holidays, early = {}, {}
            for holiday in file.holiday:
                early.pop(holiday.date, None)
                holidays[holiday.date] = holiday
            for close in file.early_close:
                holidays.pop(close.date, None)
                early[close.date] = close
        return cls(holidays, early)

    def holiday(self, day: date) -> Holiday | None:
        return self.holidays.get(day)

    def early_close(self, day: date) -> int | None:
        """When the market closes early on ``day`` (epoch ns), or ``None``."""
        entry = self.early_closes.get(day)
        if entry is None:
            return None
        moment = datetime.combine(day, parse_hhmm(entry.close), tzinfo=EXCHANGE_ZONE)
        return ns_from_datetime(moment)

    def early_close_time(self, day: date) -> time | None:
        entry = self.early_closes.get(day)
        return parse_hhmm(entry.close) if entry is not None else None


@cache
def shipped_file() -> CalendarFile:
    """The calendar shipped with the cockpit (read once per process)."""
    return parse_calendar(SHIPPED.read_text(encoding="utf-8"))


def shipped_calendar() -> MarketCalendar:
    return MarketCalendar.from_files(shipped_file())


NO_CALENDAR = MarketCalendar()
"""No holidays, no half days."""
