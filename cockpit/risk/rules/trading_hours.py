"""Trading hours: entries only inside the allowed windows, and an end-of-day flatten.

Windows are wall-clock times in any timezone (``09:30-11:30`` New York time), on the
listed days; a window whose end is before its start runs past midnight. Outside every
window the cockpit is REDUCE-ONLY: exits only. At ``flatten_at`` everything is flattened,
and from then until the trading day ends no new entry is allowed (a position that
appears meanwhile is flattened too).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from cockpit.core.clock import NS_PER_SECOND, datetime_from_ns, ns_from_datetime
from cockpit.core.commands import FlattenAll
from cockpit.core.state import State
from cockpit.risk.config import WEEKDAYS
from cockpit.risk.rules.base import Act, Env, Level, Reading, Rule
from cockpit.risk.timing import Window, parse_hhmm

RETRY_NS = 5 * NS_PER_SECOND
"""How soon an end-of-day flatten that left something open is tried again."""


class TradingHours(Rule):
    name = "trading-hours"
    title = "Trading hours"
    turn_on = "[risk.trading_hours] windows or flatten_at"
    timed = True
    is_limit = True
    action = "reduce-only"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = env.settings.trading_hours
        self.tz = ZoneInfo(cfg.timezone)
        self.windows = [Window.parse(text) for text in cfg.windows]
        self.days = frozenset(WEEKDAYS.index(day) for day in cfg.days)
        self.flatten_at = parse_hhmm(cfg.flatten_at) if cfg.flatten_at else None
        self._last_flatten = -RETRY_NS
        self._cache: tuple[int, int, bool] = (0, 0, False)
        """(from, to, inside): the answer for one second, so a burst costs one lookup."""

    @property
    def enabled(self) -> bool:
        return bool(self.windows) or self.flatten_at is not None

    # Windows -----------------------------------------------------------------------------

    def inside(self, now: int) -> bool:
        """Whether ``now`` falls in an allowed window (always, when none are set)."""
        if not self.windows:
            return True
        start, end, answer = self._cache
        if start <= now < end:
            return answer
        local = datetime_from_ns(now, self.tz)
        answer = any(self._in_window(window, local) for window in self.windows)
        second = now - now % NS_PER_SECOND
        self._cache = (second, second + NS_PER_SECOND, answer)
        return answer

    def _in_window(self, window: Window, local: datetime) -> bool:
        clock = local.time()
        today = local.weekday()
        if not window.overnight:
            return today in self.days and window.start <= clock < window.end
        if today in self.days and clock >= window.start:
            return True
        return (today - 1) % 7 in self.days and clock < window.end

    # End of day --------------------------------------------------------------------------

    def flatten_moment(self, now: int) -> int | None:
        """The flatten time in force at ``now``: passed, and its trading day not over."""
        if self.flatten_at is None:
            return None
        local_day = datetime_from_ns(now, self.tz).date()
        for day in (local_day, local_day - timedelta(days=1)):
            moment = self._moment(day)
            if moment is not None and moment <= now < self.env.calendar.day_end(moment):
                return moment
        return None

    def _moment(self, day: date) -> int | None:
        if day.weekday() not in self.days or self.flatten_at is None:
            return None
        return ns_from_datetime(datetime.combine(day, self.flatten_at, tzinfo=self.tz))

    def on_time(self, state: State, now: int) -> list[Act]:
        if self.flatten_moment(now) is None or state.flattening:
            return []
        if not state.positions and not state.working_orders():
            return []
        if now - self._last_flatten < RETRY_NS:
            return []
        self._last_flatten = now
        when = f"{self.flatten_at:%H:%M}"
        return [
            Act(
                FlattenAll(origin="risk", reason=f"end-of-day flatten at {when}"),
                "flatten",
                f"end-of-day flatten time {when} {self.tz.key} has passed",
                f"flatten_at={when} tz={self.tz.key}",
            )
        ]

    # Level -------------------------------------------------------------------------------

    def level(self, state: State, now: int) -> Level:
        if self.flatten_moment(now) is not None or not self.inside(now):
            return Level.BREACH
        return Level.OK

    def reason(self, state: State, now: int) -> str:
        if self.flatten_moment(now) is not None:
            return (
                f"after the {self.flatten_at:%H:%M} end-of-day flatten: "
                "exits only until the day ends"
            )
        if not self.inside(now):
            return f"outside trading hours ({self.describe_windows()}): exits only"
        return "inside trading hours"

    def inputs(self, state: State, now: int) -> str:
        local = datetime_from_ns(now, self.tz)
        return f"local={local:%a %H:%M:%S} tz={self.tz.key} windows={self.describe_windows()}"

    def describe_windows(self) -> str:
        if not self.windows:
            return "any time"
        days = ",".join(WEEKDAYS[d] for d in sorted(self.days))
        return f"{' '.join(str(w) for w in self.windows)} {self.tz.key} {days}"

    def reading(self, state: State, now: int) -> Reading:
        level = self.level(state, now)
        limit = self.describe_windows()
        if self.flatten_at is not None:
            limit += f"; flatten {self.flatten_at:%H:%M}"
        return Reading(
            self.name,
            self.title,
            limit,
            f"{datetime_from_ns(now, self.tz):%H:%M} {self.tz.key}",
            "closed" if level is Level.BREACH else "open",
            level,
            self.reason(state, now),
        )

    def describe(self) -> str:
        text = f"entries only {self.describe_windows()}"
        if self.flatten_at is not None:
            text += f"; flatten everything at {self.flatten_at:%H:%M} {self.tz.key}"
        return text
