"""Trade clock: no new entry for N minutes after an entry fill.

Slows a trader down after getting in; exits, stops and targets are never held back.
"""

from __future__ import annotations

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.state import State
from cockpit.core.text import countdown
from cockpit.risk.rules.base import Env, Intent, Level, Reading, Rule, RuleDenial


class TradeClock(Rule):
    name = "trade-clock"
    title = "Trade clock"
    turn_on = "[risk.trade_clock] minutes"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        minutes = env.settings.trade_clock.minutes
        self.minutes = minutes
        self.span = int(minutes * 60 * NS_PER_SECOND) if minutes is not None else 0

    @property
    def enabled(self) -> bool:
        return self.minutes is not None

    def next_entry(self) -> int:
        last = self.env.tally.last_entry_ns
        return last + self.span if last is not None else 0

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        ready = self.next_entry()
        if now >= ready:
            return None
        return RuleDenial(
            f"trade clock: next entry allowed in {countdown(ready - now)} "
            f"({self.minutes:g} min after each entry)",
            f"last_entry_ns={self.env.tally.last_entry_ns} ready_ns={ready}",
        )

    def reading(self, state: State, now: int) -> Reading:
        ready = self.next_entry()
        waiting = now < ready
        return Reading(
            self.name,
            self.title,
            f"{self.minutes:g} min",
            f"{countdown(ready - now)} left" if waiting else "ready",
            "-" if waiting else "ready",
            Level.WARN if waiting else Level.OK,
            "after each entry fill",
        )

    def describe(self) -> str:
        return f"no new entry for {self.minutes:g} min after an entry fill; deny"
