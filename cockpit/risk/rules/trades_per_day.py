"""Trades per day, counted the ProjectX way: every entry fill and every exit fill.

Enter 5 and scale out 2-2-1 and that is 4 trades. Reaching the limit acts through
``action`` (by default reduce-only: no new entries and working entries cancelled, but
nothing liquidated); exits stay allowed even past the limit.
"""

from __future__ import annotations

from cockpit.core.state import State
from cockpit.risk.rules.base import Level, Reading, action_words, grade, pct
from cockpit.risk.rules.limits import CountLimit


class TradesPerDay(CountLimit):
    name = "trades-per-day"
    title = "Trades per day"
    turn_on = "[risk.trades_per_day] limit"
    section = "trades_per_day"
    latch = "day"

    def level(self, state: State, now: int) -> Level:
        if self.limit is None:
            return Level.OK
        trades = self.env.tally.trades_today(now)
        return grade(trades >= self.limit, pct(trades, self.limit), self.env.warn_at)

    def used(self, state: State, now: int) -> float | None:
        assert self.limit is not None
        return pct(self.env.tally.trades_today(now), self.limit)

    def reason(self, state: State, now: int) -> str:
        trades = self.env.tally.trades_today(now)
        if self.limit is not None and trades >= self.limit:
            return f"trades per day: {trades} fills today reached the limit of {self.limit}"
        return f"{trades} of {self.limit} trades today"

    def inputs(self, state: State, now: int) -> str:
        return f"trades={self.env.tally.trades_today(now)} limit={self.limit}"

    def reading(self, state: State, now: int) -> Reading:
        assert self.limit is not None
        trades = self.env.tally.trades_today(now)
        return Reading(
            self.name,
            self.title,
            str(self.limit),
            str(trades),
            str(max(0, self.limit - trades)),
            self.level(state, now),
            "every entry and exit fill; " + action_words(self.action, self.lock_until),
            pct(trades, self.limit),
        )

    def describe(self) -> str:
        return (
            f"{self.limit} fills per trading day (every entry and exit); "
            f"at the limit: {action_words(self.action, self.lock_until)}"
        )
