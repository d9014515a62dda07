"""Trading hours: entries only inside the allowed windows, and an end-of-day flatten.

Windows are wall-clock times in any timezone (``09:30-11:30`` New York time), on the
listed days; a window whose end is before its start runs past midnight. Outside every
window the cockpit is REDUCE-ONLY: exits only.

The firm's clock: to be flat by ``flat_by``, the cockpit flattens everything
``flatten_margin_minutes`` before it, and from then until the trading day ends no new
entry is allowed (a position that appears meanwhile is flattened too); in the last
``no_entries_minutes`` before ``flat_by`` entries are denied already. ``flatten_at`` is
the older spelling of the same with no margin. From the exchange calendar
(:mod:`cockpit.risk.market_calendar`): entries are denied on a holiday, and on a half
day ``flat_by`` moves to the early close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from cockpit.core.clock import NS_PER_SECOND, datetime_from_ns, ns_from_datetime
from cockpit.core.commands import FlattenAll
from cockpit.core.state import State
from cockpit.risk.config import WEEKDAYS
from cockpit.risk.market_calendar import Holiday
from cockpit.risk.rules.base import Act, Env, Level, Reading, Rule
from cockpit.risk.timing import NS_PER_MINUTE, Window, parse_hhmm

RETRY_NS = 5 * NS_PER_SECOND
"""How soon an end-of-day flatten that left something open is tried again."""


@dataclass(frozen=True, slots=True)
class Plan:
    """How one day ends (epoch ns): no entries from ``no_entries``, flatten at ``flatten``
    (and exits only until the trading day ends), to be flat by ``flat_by``."""

    no_entries: int
    flatten: int
    flat_by: int
    half_day: str = ""
    """The early close's name when a half day moved ``flat_by``."""


class TradingHours(Rule):
    name = "trading-hours"
    title = "Trading hours"
    turn_on = "[risk.trading_hours] windows, flat_by or flatten_at"
    timed = True
    is_limit = True
    action = "reduce-only"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = env.settings.trading_hours
        self.tz = ZoneInfo(cfg.timezone)
        self.windows = [Window.parse(text) for text in cfg.windows]
        self.days = frozenset(WEEKDAYS.index(day) for day in cfg.days)
        self.firm = cfg.flat_by is not None
        """``flat_by`` (the firm's time, with a margin) rather than ``flatten_at``."""
        written = cfg.flat_by or cfg.flatten_at
        self.flat_by = parse_hhmm(written) if written else None
        """The time to be flat by; ``flatten_at`` is the same with no margin."""
        self.margin_minutes = cfg.flatten_margin_minutes if self.firm else 0.0
        self.no_entries_minutes = cfg.no_entries_minutes
        self.margin_ns = int(self.margin_minutes * NS_PER_MINUTE)
        self.no_entries_ns = int(self.no_entries_minutes * NS_PER_MINUTE)
        self._last_flatten = -RETRY_NS
        self._cache: tuple[int, int, bool] = (0, 0, False)
        """(from, to, inside): the answer for one second, so a burst costs one lookup."""
        self._phase: tuple[int, int, tuple[str, Plan | None]] = (0, 0, ("open", None))
        """(from, to, phase): the same for the end of the day and holidays."""
        self._plans: dict[date, Plan | None] = {}

    @property
    def enabled(self) -> bool:
        return bool(self.windows) or self.flat_by is not None

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

    def plan(self, day: date) -> Plan | None:
        """The end of ``day`` (a local date in the rule's timezone): ``None`` off the
        listed days, on a holiday, or without a flat-by time."""
        plans = self._plans
        if day in plans:
            return plans[day]
        if len(plans) > 8:
            plans.clear()
        plans[day] = found = self._plan(day)
        return found

    def _plan(self, day: date) -> Plan | None:
        if self.flat_by is None or day.weekday() not in self.days:
            return None
        if self.env.market.holiday(day) is not None:
            return None
        flat_by = ns_from_datetime(datetime.combine(day, self.flat_by, tzinfo=self.tz))
        early = self.env.market.early_close(day)
        half_day = self.env.market.early_closes.get(day)
        if early is None or early >= flat_by or half_day is None:
            half_day = None
        else:
            flat_by = early
        flatten = flat_by - self.margin_ns
        no_entries = min(flat_by - self.no_entries_ns, flatten)
        return Plan(no_entries, flatten, flat_by, half_day.name if half_day else "")

    def phase(self, now: int) -> tuple[str, Plan | None]:
        """Where ``now`` stands: ``holiday``, ``flat`` (the flatten has passed, the day is
        not over), ``no-entries`` (the last minutes before flat_by) or ``open``."""
        start, end, answer = self._phase
        if start <= now < end:
            return answer
        answer = self._phase_at(now)
        second = now - now % NS_PER_SECOND
        self._phase = (second, second + NS_PER_SECOND, answer)
        return answer

    def _phase_at(self, now: int) -> tuple[str, Plan | None]:
        if self.env.market.holidays and self.holiday(now) is not None:
            return "holiday", None
        if self.flat_by is None:
            return "open", None
        local_day = datetime_from_ns(now, self.tz).date()
        for day in (local_day, local_day - timedelta(days=1)):
            plan = self.plan(day)
            if plan is None or now < plan.no_entries:
                continue
            if now < plan.flatten:
                return "no-entries", plan
            if now < self.env.calendar.day_end(plan.flatten):
                return "flat", plan
        return "open", None

    def holiday(self, now: int) -> Holiday | None:
        """The exchange holiday the trading day of ``now`` is, if it is one."""
        return self.env.market.holiday(self.env.calendar.day(now))

    def flatten_moment(self, now: int) -> int | None:
        """The flatten time in force at ``now``: passed, and its trading day not over."""
        kind, plan = self.phase(now)
        return plan.flatten if kind == "flat" and plan is not None else None

    def on_time(self, state: State, now: int) -> list[Act]:
        kind, plan = self.phase(now)
        if kind != "flat" or plan is None or state.flattening:
            return []
        if not state.positions and not state.working_orders():
            return []
        if now - self._last_flatten < RETRY_NS:
            return []
        self._last_flatten = now
        when = self._hhmm(plan.flatten)
        if not self.firm:
            return [
                Act(
                    FlattenAll(origin="risk", reason=f"end-of-day flatten at {when}"),
                    "flatten",
                    f"end-of-day flatten time {when} {self.tz.key} has passed",
                    f"flatten_at={when} tz={self.tz.key}",
                )
            ]
        flat_by = self._hhmm(plan.flat_by)
        return [
            Act(
                FlattenAll(origin="risk", reason=f"flat-by flatten at {when} (flat by {flat_by})"),
                "flatten",
                f"the firm's flat-by time is {flat_by} {self.tz.key}{self._half(plan)}: "
                f"flattened at {when}, {self.margin_minutes:g} min before it",
                f"flat_by={flat_by} flatten={when} margin_min={self.margin_minutes:g} "
                f"tz={self.tz.key}",
            )
        ]

    def _hhmm(self, ns: int) -> str:
        return f"{datetime_from_ns(ns, self.tz):%H:%M}"

    @staticmethod
    def _half(plan: Plan) -> str:
        return f" (half day: {plan.half_day})" if plan.half_day else ""

    # Level -------------------------------------------------------------------------------

    def level(self, state: State, now: int) -> Level:
        if self.phase(now)[0] != "open" or not self.inside(now):
            return Level.BREACH
        return Level.OK

    def reason(self, state: State, now: int) -> str:
        kind, plan = self.phase(now)
        if kind == "holiday":
            holiday = self.holiday(now)
            name = f"{holiday.name} ({holiday.date})" if holiday is not None else ""
            return f"market holiday: {name}: exits only"
        if kind == "flat" and plan is not None and not self.firm:
            return (
                f"after the {self._hhmm(plan.flatten)} end-of-day flatten: "
                "exits only until the day ends"
            )
        if kind == "flat" and plan is not None:
            return (
                f"flat by {self._hhmm(plan.flat_by)} {self.tz.key}{self._half(plan)}: "
                f"flattened at {self._hhmm(plan.flatten)}, exits only until the day ends"
            )
        if kind == "no-entries" and plan is not None:
            return (
                f"no entries in the last {self.no_entries_minutes:g} min before the flat-by "
                f"time {self._hhmm(plan.flat_by)} {self.tz.key}{self._half(plan)} "
                f"(since {self._hhmm(plan.no_entries)}): exits only"
            )
        if not self.inside(now):
            return f"outside trading hours ({self.describe_windows()}): exits only"
        return "inside trading hours"

    def inputs(self, state: State, now: int) -> str:
        local = datetime_from_ns(now, self.tz)
        text = f"local={local:%a %H:%M:%S} tz={self.tz.key} windows={self.describe_windows()}"
        kind, plan = self.phase(now)
        if plan is not None:
            text += (
                f" phase={kind} flat_by={self._hhmm(plan.flat_by)} "
                f"flatten={self._hhmm(plan.flatten)}"
            )
        elif kind == "holiday":
            text += f" phase=holiday day={self.env.calendar.day(now)}"
        return text

    def describe_windows(self) -> str:
        if not self.windows:
            return "any time"
        days = ",".join(WEEKDAYS[d] for d in sorted(self.days))
        return f"{' '.join(str(w) for w in self.windows)} {self.tz.key} {days}"

    def describe_end(self) -> str:
        if self.flat_by is None:
            return ""
        if not self.firm:
            return f"flatten {self.flat_by:%H:%M}"
        text = f"flat by {self.flat_by:%H:%M}, flatten {self.margin_minutes:g} min before"
        if self.no_entries_minutes:
            text += f", no entries {self.no_entries_minutes:g} min before"
        return text

    def reading(self, state: State, now: int) -> Reading:
        level = self.level(state, now)
        limit = self.describe_windows()
        detail = self.reason(state, now)
        if self.flat_by is not None:
            limit += f"; {'flat by' if self.firm else 'flatten'} {self.flat_by:%H:%M}"
            detail = f"{detail}{self.todays_end(now)}"
        return Reading(
            self.name,
            self.title,
            limit,
            f"{datetime_from_ns(now, self.tz):%H:%M} {self.tz.key}",
            "closed" if level is Level.BREACH else "open",
            level,
            detail,
        )

    def todays_end(self, now: int) -> str:
        """`` · today: no entries from 15:00, flatten 15:05, flat by 15:10`` for the risk
        panel: the trading day's (after 17:00 CT, tomorrow's; a half day's own times);
        empty on a day without one."""
        plan = self.plan(self.env.calendar.day(now))
        if plan is None or not self.firm:
            return ""
        parts = []
        if plan.no_entries < plan.flatten:
            parts.append(f"no entries from {self._hhmm(plan.no_entries)}")
        parts.append(f"flatten {self._hhmm(plan.flatten)}")
        parts.append(f"flat by {self._hhmm(plan.flat_by)}{self._half(plan)}")
        return " · today: " + ", ".join(parts)

    def describe(self) -> str:
        text = f"entries only {self.describe_windows()}"
        if self.flat_by is not None and not self.firm:
            text += f"; flatten everything at {self.flat_by:%H:%M} {self.tz.key}"
        elif self.flat_by is not None:
            text += f"; {self.describe_end()} ({self.tz.key}; earlier on a half day)"
        return text + "; no entries on an exchange holiday"
