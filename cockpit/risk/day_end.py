"""The end of each trading day, told once: ``TradingDayEnded`` with its P&L and trades.

The risk engine asks on every tick; the first tick at or past the boundary of the day it
is in gets the event for that day (the guard's ``daily_reset``). A weekend day (a
Saturday or Sunday trading day, when the CME is closed) with nothing in it is not
announced. A machine that slept through several boundaries announces the day it was in,
once: the days it did not see had no ticks and no fills here.
"""

from __future__ import annotations

from datetime import date

from cockpit.core.events import TradingDayEnded
from cockpit.risk.tally import Tally
from cockpit.risk.timing import Calendar

SATURDAY = 5


class DayEnds:
    """Which trading day the risk engine is in, and the event when it ends."""

    def __init__(self, calendar: Calendar, tally: Tally) -> None:
        self.calendar = calendar
        self.tally = tally
        self.day: date | None = None
        self.until_ns = 0

    def begin(self, now: int) -> None:
        """Start watching the trading day ``now`` is in."""
        self.day = self.calendar.day(now)
        self.until_ns = self.calendar.day_end(now)

    def due(self, now: int) -> TradingDayEnded | None:
        """The event for the day that ended, on the first call past its boundary."""
        if now < self.until_ns or self.day is None:
            return None
        day, ended = self.day, self.until_ns
        pnl, trades = self.tally.day_figures(ended)
        self.begin(now)
        if day.weekday() >= SATURDAY and not trades and not pnl:
            return None
        return TradingDayEnded(now, day, pnl, trades)
