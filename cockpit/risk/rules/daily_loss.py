"""Daily loss limit: the trading day may lose this much and no more.

Measured on realized P&L after fees, or ``net`` (that plus the open P&L, so an open
loser counts before it is closed). The limit is a *floor* under the day's P&L:

* fixed: ``-limit``, measured from zero;
* ``trailing``: ``best - limit``, measured from the day's high-water mark (from zero);
* profit protection (``trail_after`` with ``trail_by`` or ``trail_pct``): ``-limit``
  until the day's best reaches ``trail_after``, then ``best - trail_by`` (or
  ``best * (1 - trail_pct)``), never below ``-limit``. The best only rises, so the floor
  never falls within the day: a good morning is locked in.

Reaching the floor breaches, and the breach holds for the rest of the trading day.

The day's best is kept on disk (:mod:`cockpit.risk.peak`), so a restart during the
day keeps the floor where it was: restarting never loosens the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cockpit.core.state import State
from cockpit.core.text import dollars
from cockpit.risk.rules.base import Env, Level, Reading, action_words, day_pnl, grade, pct
from cockpit.risk.rules.limits import PnlRule

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Floor:
    """The day's P&L against the floor it may not reach."""

    pnl: Decimal
    floor: Decimal
    """The day P&L that breaches."""
    top: Decimal
    """Where the measure starts: zero, or the day's best while trailing."""

    @property
    def room(self) -> Decimal:
        return self.pnl - self.floor

    @property
    def used(self) -> float:
        """The share of the way from ``top`` down to the floor already lost."""
        return pct(self.top - self.pnl, self.top - self.floor)


class DailyLoss(PnlRule):
    name = "daily-loss"
    title = "Daily loss limit"
    turn_on = "[risk.daily_loss] limit"
    section = "daily_loss"
    latch = "day"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = env.settings.daily_loss
        self.limit = cfg.limit
        self.trailing = cfg.trailing
        self.trail_after: Decimal | None = cfg.trail_after
        self.trail_by: Decimal | None = cfg.trail_by
        self.trail_pct: float | None = cfg.trail_pct
        self.peak = ZERO
        self._peak_end = 0
        self.label = f"{cfg.from_firm} daily loss limit" if cfg.from_firm else "daily loss limit"
        """How a breach names the rule: the firm's plan when its limit is the one in effect."""

    @property
    def enabled(self) -> bool:
        return self.limit is not None

    @property
    def follows_peak(self) -> bool:
        """The floor depends on the day's best (trailing or profit protection)."""
        return self.limit is not None and (self.trailing or self.trail_after is not None)

    def problem(self) -> str | None:
        return self.env.peaks.problem if self.follows_peak else None

    def pnl(self, state: State, now: int) -> Decimal:
        return day_pnl(self.env, state, now, self.basis)

    def protected_floor(self, peak: Decimal) -> Decimal | None:
        """The floor profit protection holds at this day's best, ``None`` before
        ``trail_after`` (or without protection). Rises with ``peak``, never falls."""
        after = self.trail_after
        if after is None or peak < after:
            return None
        if self.trail_by is not None:
            return peak - self.trail_by
        assert self.trail_pct is not None
        return (peak - peak * Decimal(str(self.trail_pct))).quantize(CENT)

    @property
    def locked_in(self) -> Decimal | None:
        """The floor profit protection holds now (as of the last measure), if engaged."""
        assert self.limit is not None
        floor = self.protected_floor(self.peak)
        return None if floor is None else max(floor, -self.limit)

    def measure(self, state: State, now: int) -> Floor:
        """The day's P&L and the floor under it (keeps the day's best up to date)."""
        assert self.limit is not None
        pnl = self.pnl(state, now)
        if not self.trailing and self.trail_after is None:
            return Floor(pnl, -self.limit, ZERO)
        peaks = self.env.peaks
        if now >= self._peak_end:
            day = self.env.calendar.day(now)
            kept = peaks.starting(day)
            self.peak = ZERO if kept is None else max(ZERO, kept)
            self._peak_end = self.env.calendar.day_end(now)
        if pnl > self.peak:
            self.peak = pnl
            peaks.rose(self.env.calendar.day(now), pnl, now)
        else:
            peaks.due(now)
        if self.trailing:
            return Floor(pnl, self.peak - self.limit, self.peak)
        floor = self.locked_in
        if floor is None:
            return Floor(pnl, -self.limit, ZERO)
        return Floor(pnl, floor, self.peak)

    def loss(self, state: State, now: int) -> Decimal:
        """Dollars lost from where the measure starts (negative when above it)."""
        floor = self.measure(state, now)
        return floor.top - floor.pnl

    def room(self, state: State, now: int) -> Decimal:
        """Dollars left before the floor (the header's distance to it)."""
        return self.measure(state, now).room

    def level(self, state: State, now: int) -> Level:
        if self.limit is None:
            return Level.OK
        floor = self.measure(state, now)
        breached = floor.pnl <= floor.floor
        if breached:
            self.env.peaks.flush()
        return grade(breached, floor.used, self.env.warn_at)

    def used(self, state: State, now: int) -> float | None:
        return self.measure(state, now).used

    def reason(self, state: State, now: int) -> str:
        assert self.limit is not None
        floor = self.measure(state, now)
        limit = dollars(self.limit)
        measure = f"day P&L {dollars(floor.pnl)}"
        if self.trailing:
            below = dollars(floor.top - floor.pnl)
            measure += f", {below} below the day's high {dollars(self.peak)}"
        protected = self.locked_in if self.trail_after is not None else None
        if protected is not None:
            high = dollars(self.peak)
            floor_words = f"the protected floor {dollars(protected)} (day's high {high})"
            if floor.pnl <= floor.floor:
                return f"{self.label}: {measure} fell to {floor_words}"
            return f"daily loss at {floor.used:.0%} of the way to {floor_words} ({measure})"
        if floor.pnl <= floor.floor:
            return f"{self.label}: {measure} reached the {limit} limit"
        return f"daily loss at {floor.used:.0%} of the {limit} limit ({measure})"

    def inputs(self, state: State, now: int) -> str:
        floor = self.measure(state, now)
        text = (
            f"pnl={floor.pnl} loss={floor.top - floor.pnl} limit={self.limit} "
            f"basis={self.basis} trailing={self.trailing}"
        )
        if self.trail_after is not None:
            text += f" floor={floor.floor} best={self.peak}"
        return text

    def reading(self, state: State, now: int) -> Reading:
        floor = self.measure(state, now)
        return Reading(
            self.name,
            self.title,
            self._limit_words(),
            dollars(floor.pnl),
            dollars(floor.room),
            self.level(state, now),
            action_words(self.action, self.lock_until),
            max(0.0, floor.used),
        )

    def _limit_words(self) -> str:
        assert self.limit is not None
        words = f"{dollars(self.limit)} {self.basis}{' trailing' if self.trailing else ''}"
        if self.trail_after is not None:
            words += f", {self._protection_words()}"
        return words

    def _protection_words(self) -> str:
        """``trails 100.00 below the best from +200.00``."""
        assert self.trail_after is not None
        by = dollars(self.trail_by) if self.trail_by is not None else f"{self.trail_pct:.0%}"
        return f"trails {by} below the day's best from {dollars(self.trail_after)} up"

    def describe(self) -> str:
        assert self.limit is not None
        kind = "trailing from the day's high" if self.trailing else "from the day's start"
        if self.trail_after is not None:
            kind += f"; profit protection {self._protection_words()}"
        return (
            f"{dollars(self.limit)} on {self.basis} P&L, {kind}; "
            f"at the limit: {action_words(self.action, self.lock_until)}"
        )
