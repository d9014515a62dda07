"""Daily loss limit: the trading day may lose this much and no more.

Measured on realized P&L after fees, or ``net`` (that plus the open P&L, so an open
loser counts before it is closed). ``trailing`` measures the loss from the day's
high-water mark instead of from zero, the way trailing drawdowns do. Reaching the limit
breaches it, and the breach holds for the rest of the trading day.
"""

from __future__ import annotations

from decimal import Decimal

from cockpit.core.state import State
from cockpit.core.text import dollars
from cockpit.risk.rules.base import Env, Level, Reading, action_words, day_pnl, grade, pct
from cockpit.risk.rules.limits import PnlRule

ZERO = Decimal(0)


class DailyLoss(PnlRule):
    name = "daily-loss"
    title = "Daily loss limit"
    turn_on = "[risk.daily_loss] limit"
    section = "daily_loss"
    latch = "day"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.limit = env.settings.daily_loss.limit
        self.trailing = env.settings.daily_loss.trailing
        self.peak = ZERO
        self._peak_end = 0

    @property
    def enabled(self) -> bool:
        return self.limit is not None

    def pnl(self, state: State, now: int) -> Decimal:
        return day_pnl(self.env, state, now, self.basis)

    def loss(self, state: State, now: int) -> Decimal:
        """Dollars lost today on this rule's measure (negative when up)."""
        pnl = self.pnl(state, now)
        if not self.trailing:
            return -pnl
        if now >= self._peak_end:
            self.peak = ZERO
            self._peak_end = self.env.calendar.day_end(now)
        if pnl > self.peak:
            self.peak = pnl
        return self.peak - pnl

    def room(self, state: State, now: int) -> Decimal:
        """Dollars left before the limit (the header's distance to it)."""
        assert self.limit is not None
        return self.limit - self.loss(state, now)

    def level(self, state: State, now: int) -> Level:
        limit = self.limit
        if limit is None:
            return Level.OK
        loss = self.loss(state, now)
        return grade(loss >= limit, pct(loss, limit), self.env.warn_at)

    def used(self, state: State, now: int) -> float | None:
        assert self.limit is not None
        return pct(self.loss(state, now), self.limit)

    def reason(self, state: State, now: int) -> str:
        assert self.limit is not None
        loss = self.loss(state, now)
        limit = dollars(self.limit)
        measure = f"day P&L {dollars(self.pnl(state, now))}"
        if self.trailing:
            measure += f", {dollars(loss)} below the day's high {dollars(self.peak)}"
        if loss >= self.limit:
            return f"daily loss limit: {measure} reached the {limit} limit"
        return f"daily loss at {pct(loss, self.limit):.0%} of the {limit} limit ({measure})"

    def inputs(self, state: State, now: int) -> str:
        return (
            f"pnl={self.pnl(state, now)} loss={self.loss(state, now)} limit={self.limit} "
            f"basis={self.basis} trailing={self.trailing}"
        )

    def reading(self, state: State, now: int) -> Reading:
        assert self.limit is not None
        loss = self.loss(state, now)
        return Reading(
            self.name,
            self.title,
            f"{dollars(self.limit)} {self.basis}{' trailing' if self.trailing else ''}",
            dollars(self.pnl(state, now)),
            dollars(self.limit - loss),
            self.level(state, now),
            action_words(self.action, self.lock_until),
            max(0.0, pct(loss, self.limit)),
        )

    def describe(self) -> str:
        assert self.limit is not None
        kind = "trailing from the day's high" if self.trailing else "from the day's start"
        return (
            f"{dollars(self.limit)} on {self.basis} P&L, {kind}; "
            f"at the limit: {action_words(self.action, self.lock_until)}"
        )
