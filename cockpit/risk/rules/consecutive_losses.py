"""Consecutive losing trades: stop after N losers in a row.

A trade here is one closing order (its partial fills together), so one stop-out that
fills in three pieces is one loss. A winner resets the count, a scratch leaves it. With
``action = "lock"`` the lockout serves the breach and counting starts again after it;
with the other actions the breach holds for the rest of the day.
"""

from __future__ import annotations

from cockpit.core.state import State
from cockpit.risk.rules.base import Level, Reading, action_words, grade, pct
from cockpit.risk.rules.limits import CountLimit


class ConsecutiveLosses(CountLimit):
    name = "consecutive-losses"
    title = "Losing trades in a row"
    turn_on = "[risk.consecutive_losses] limit"
    section = "consecutive_losses"
    latch = "day"

    @property
    def restarts_after_lock(self) -> bool:
        return self.action == "lock"

    def streak(self, now: int) -> int:
        return self.env.tally.losing_streak(now)

    def level(self, state: State, now: int) -> Level:
        if self.limit is None:
            return Level.OK
        streak = self.streak(now)
        return grade(streak >= self.limit, pct(streak, self.limit), self.env.warn_at)

    def used(self, state: State, now: int) -> float | None:
        assert self.limit is not None
        return pct(self.streak(now), self.limit)

    def reason(self, state: State, now: int) -> str:
        streak = self.streak(now)
        if self.limit is not None and streak >= self.limit:
            return f"{streak} losing trades in a row (limit {self.limit})"
        return f"{streak} losing trades in a row of {self.limit} allowed"

    def inputs(self, state: State, now: int) -> str:
        return f"streak={self.streak(now)} limit={self.limit}"

    def restart(self) -> None:
        self.env.tally.restart_streak()

    def reading(self, state: State, now: int) -> Reading:
        assert self.limit is not None
        streak = self.streak(now)
        return Reading(
            self.name,
            self.title,
            str(self.limit),
            str(streak),
            str(max(0, self.limit - streak)),
            self.level(state, now),
            action_words(self.action, self.lock_until),
            pct(streak, self.limit),
        )

    def describe(self) -> str:
        return (
            f"{self.limit} losing trades in a row (a trade: one closing order); "
            f"then: {action_words(self.action, self.lock_until)}"
        )
