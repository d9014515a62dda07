"""Fills per day, counted the ProjectX way: every entry fill and every exit fill.

Enter 5 and scale out 2-2-1 and that is 4 fills. Reaching the limit acts through
``action`` (by default reduce-only: no new entries and working entries cancelled, but
nothing liquidated); exits stay allowed even past the limit.
"""

from __future__ import annotations

from cockpit.core.state import State
from cockpit.risk.rules.base import Level, Reading, action_words, grade, pct
from cockpit.risk.rules.limits import CountLimit


class FillsPerDay(CountLimit):
    name = "fills-per-day"
    title = "Fills per day"
    turn_on = "[risk.fills_per_day] limit"
    section = "fills_per_day"
    latch = "day"

    def level(self, state: State, now: int) -> Level:
        if self.limit is None:
            return Level.OK
        fills = self.env.tally.fills_today(now)
        return grade(fills >= self.limit, pct(fills, self.limit), self.env.warn_at)

    def used(self, state: State, now: int) -> float | None:
        assert self.limit is not None
        return pct(self.env.tally.fills_today(now), self.limit)

    def reason(self, state: State, now: int) -> str:
        fills = self.env.tally.fills_today(now)
        if self.limit is not None and fills >= self.limit:
            return f"fills per day: {fills} fills today reached the limit of {self.limit}"
        return f"{fills} of {self.limit} fills today"

    def inputs(self, state: State, now: int) -> str:
        return f"fills={self.env.tally.fills_today(now)} limit={self.limit}"

    def reading(self, state: State, now: int) -> Reading:
        assert self.limit is not None
        fills = self.env.tally.fills_today(now)
        return Reading(
            self.name,
            self.title,
            str(self.limit),
            str(fills),
            str(max(0, self.limit - fills)),
            self.level(state, now),
            "every entry and exit fill; " + action_words(self.action, self.lock_until),
            pct(fills, self.limit),
        )

    def describe(self) -> str:
        return (
            f"{self.limit} fills per trading day (every entry and exit); "
            f"at the limit: {action_words(self.action, self.lock_until)}"
        )
