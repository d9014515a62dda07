"""Daily profit target: stop (or be told) once the day has made enough.

Same measure as the daily loss limit (realized after fees, or ``net`` with the open
P&L). Reaching the target acts through ``action``: ``alert`` only reminds; ``lock``
(the default) flattens and locks in the day. A breach holds for the rest of the day.
"""

from __future__ import annotations

from decimal import Decimal

from cockpit.core.state import State
from cockpit.core.text import dollars
from cockpit.risk.rules.base import Env, Level, Reading, action_words, day_pnl, grade, pct
from cockpit.risk.rules.limits import PnlRule


class ProfitTarget(PnlRule):
    name = "profit-target"
    title = "Daily profit target"
    turn_on = "[risk.profit_target] target"
    section = "profit_target"
    latch = "day"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.target = env.settings.profit_target.target

    @property
    def enabled(self) -> bool:
        return self.target is not None

    def pnl(self, state: State, now: int) -> Decimal:
        return day_pnl(self.env, state, now, self.basis)

    def level(self, state: State, now: int) -> Level:
        if self.target is None:
            return Level.OK
        pnl = self.pnl(state, now)
        return grade(pnl >= self.target, pct(pnl, self.target), self.env.warn_at)

    def used(self, state: State, now: int) -> float | None:
        assert self.target is not None
        return pct(self.pnl(state, now), self.target)

    def reason(self, state: State, now: int) -> str:
        assert self.target is not None
        pnl = self.pnl(state, now)
        target = dollars(self.target)
        if pnl >= self.target:
            return f"profit target: day P&L {dollars(pnl)} reached the {target} target"
        return f"day P&L at {pct(pnl, self.target):.0%} of the {target} profit target"

    def inputs(self, state: State, now: int) -> str:
        return f"pnl={self.pnl(state, now)} target={self.target} basis={self.basis}"

    def reading(self, state: State, now: int) -> Reading:
        assert self.target is not None
        pnl = self.pnl(state, now)
        return Reading(
            self.name,
            self.title,
            f"{dollars(self.target)} {self.basis}",
            dollars(pnl),
            dollars(self.target - pnl),
            self.level(state, now),
            action_words(self.action, self.lock_until),
            max(0.0, pct(pnl, self.target)),
        )

    def describe(self) -> str:
        assert self.target is not None
        return (
            f"{dollars(self.target)} on {self.basis} P&L; "
            f"at the target: {action_words(self.action, self.lock_until)}"
        )
