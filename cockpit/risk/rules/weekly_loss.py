"""Weekly loss limit: the trading week (Sunday evening to Friday) may lose this much.

Counts the fills this cockpit saw this week after fees, plus the open P&L for ``net``.
A breach holds until the week rolls over.
"""

from __future__ import annotations

from decimal import Decimal

from cockpit.core.state import State
from cockpit.core.text import dollars
from cockpit.risk.rules.base import Env, Level, Reading, action_words, grade, pct
from cockpit.risk.rules.limits import PnlRule


class WeeklyLoss(PnlRule):
    name = "weekly-loss"
    title = "Weekly loss limit"
    turn_on = "[risk.weekly_loss] limit"
    section = "weekly_loss"
    latch = "week"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.limit = env.settings.weekly_loss.limit

    @property
    def enabled(self) -> bool:
        return self.limit is not None

    def pnl(self, state: State, now: int) -> Decimal:
        value = self.env.tally.net_realized_week(now)
        if self.basis == "net" and state.positions:
            value += self.env.tally.open_pnl(state, now)
        return value

    def level(self, state: State, now: int) -> Level:
        if self.limit is None:
            return Level.OK
        loss = -self.pnl(state, now)
        return grade(loss >= self.limit, pct(loss, self.limit), self.env.warn_at)

    def used(self, state: State, now: int) -> float | None:
        assert self.limit is not None
        return pct(-self.pnl(state, now), self.limit)

    def reason(self, state: State, now: int) -> str:
        assert self.limit is not None
        pnl = self.pnl(state, now)
        limit = dollars(self.limit)
        if -pnl >= self.limit:
            return f"weekly loss limit: week P&L {dollars(pnl)} reached the {limit} limit"
        return f"weekly loss at {pct(-pnl, self.limit):.0%} of the {limit} limit"

    def inputs(self, state: State, now: int) -> str:
        return f"pnl={self.pnl(state, now)} limit={self.limit} basis={self.basis}"

    def reading(self, state: State, now: int) -> Reading:
        assert self.limit is not None
        pnl = self.pnl(state, now)
        return Reading(
            self.name,
            self.title,
            f"{dollars(self.limit)} {self.basis}",
            dollars(pnl),
            dollars(self.limit + pnl),
            self.level(state, now),
            action_words(self.action, self.lock_until),
            max(0.0, pct(-pnl, self.limit)),
        )

    def describe(self) -> str:
        assert self.limit is not None
        return (
            f"{dollars(self.limit)} on {self.basis} P&L of the trading week; "
            f"at the limit: {action_words(self.action, self.lock_until)}"
        )
