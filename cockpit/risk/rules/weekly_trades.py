"""Weekly trades: how many round trips the trading week may close, and should.

A trade is a round trip, flat to flat in one instrument (a flip closes one and opens the
next), counted when it closes, as review counts them. The trading week opens on Sunday
at the day boundary (17:00 CT: the CME's Sunday evening open, Monday's trading day) and
ends at the next one. ``max``: once the week has closed that many trades, entries are
denied (``action``, by default reduce-only, until the week ends); exits always pass.
``min``: the trades the week should have (a firm's minimum, or the trader's own), shown
beside the count in ``R`` and in review ("3 of 3-10 this week"), never enforced.
Trades of earlier runs this week are counted from the journals at start
(:func:`cockpit.journal.days.week_so_far`), so a restart never resets the count.
"""

from __future__ import annotations

from cockpit.core.events import FillReceived
from cockpit.core.state import State
from cockpit.risk.rules.base import Env, Level, Reading, action_words, grade, pct
from cockpit.risk.rules.limits import SectionLimit


def plural(count: int, word: str) -> str:
    """``1 trade``, ``3 trades``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def trades_range(count: int, low: int | None, high: int | None) -> str:
    """``3 of 3-10``, ``3 of 10``, ``3 of at least 5``: the count against its range."""
    if low is not None and high is not None:
        return f"{count} of {low}-{high}"
    if high is not None:
        return f"{count} of {high}"
    if low is not None:
        return f"{count} of at least {low}"
    return str(count)


class WeeklyTrades(SectionLimit):
    name = "weekly-trades"
    title = "Weekly trades"
    turn_on = "[risk.weekly_trades] max"
    section = "weekly_trades"
    latch = "week"
    events = (FillReceived,)

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.max: int | None = self.cfg.max
        self.min: int | None = self.cfg.min

    @property
    def enabled(self) -> bool:
        return self.max is not None or self.min is not None

    def count(self, now: int) -> int:
        return self.env.tally.trades_this_week(now)

    def level(self, state: State, now: int) -> Level:
        if self.max is None:
            return Level.OK
        trades = self.count(now)
        return grade(trades >= self.max, pct(trades, self.max), self.env.warn_at)

    def used(self, state: State, now: int) -> float | None:
        return None if self.max is None else pct(self.count(now), self.max)

    def reason(self, state: State, now: int) -> str:
        trades = self.count(now)
        if self.max is not None and trades >= self.max:
            return (
                f"weekly trades: {plural(trades, 'trade')} this week reached the maximum of "
                f"{self.max} (the week ends {self.week_end_words(now)})"
            )
        return f"{trades_range(trades, self.min, self.max)} trades this week"

    def week_end_words(self, now: int) -> str:
        """``Sun Mar 15 17:00 CT``: when the trading week of ``now`` ends."""
        calendar = self.env.calendar
        end = calendar.week_end(now)
        return f"{calendar.local(end):%a %b %-d} {calendar.clock_label(end)}"

    def inputs(self, state: State, now: int) -> str:
        return f"trades={self.count(now)} max={self.max} min={self.min}"

    def reading(self, state: State, now: int) -> Reading:
        trades = self.count(now)
        opened = self.env.calendar.clock_label(self.env.calendar.week_end(now))
        detail = (
            f"{trades_range(trades, self.min, self.max)} this week "
            f"(round trips since Sunday {opened})"
        )
        if self.min is not None and trades < self.min:
            detail += f"; {self.min - trades} more to reach the minimum"
        if self.max is not None:
            detail += "; at the max: " + action_words(self.action, self.lock_until)
        return Reading(
            self.name,
            self.title,
            trades_range(trades, self.min, self.max).partition(" of ")[2] or "-",
            str(trades),
            str(max(0, self.max - trades)) if self.max is not None else "-",
            self.level(state, now),
            detail,
            pct(trades, self.max) if self.max is not None else None,
        )

    def describe(self) -> str:
        parts = []
        if self.max is not None:
            parts.append(
                f"at most {self.max} trades (round trips) a trading week; at the max: "
                f"{action_words(self.action, self.lock_until)}"
            )
        if self.min is not None:
            parts.append(f"at least {self.min} a week (shown, not enforced)")
        return "; ".join(parts)
