"""Keeping the lockout: starting it (never shorter), ending it when its time is up, and
working out when a lock given in the trader's words ends.

The records themselves (two copies and the journal as a witness) are
:class:`~cockpit.risk.lockout.LockoutStore`'s; this is what the risk engine does with
them, and what it says each time (``LockoutStarted``, ``EnforcementTaken``,
``LockoutEnded`` and a ``RiskDecision`` for each). What a lockout does to the trading
state (LOCKED, the sweep that closes positions) stays with the engine, which asks
:meth:`LockoutKeeper.lock` and recomputes the state when a lockout started.
"""

from __future__ import annotations

from cockpit.core.events import EnforcementTaken, LockoutEnded, LockoutStarted
from cockpit.risk.decisions import Decisions
from cockpit.risk.lockout import Lockout, LockoutStore
from cockpit.risk.rules.base import Rule
from cockpit.risk.rules.trading_hours import TradingHours
from cockpit.risk.timing import Calendar, lock_end_name, parse_duration, parse_hhmm


class LockoutKeeper:
    """Starts, keeps and ends the lockout in the store; says when a lock ends."""

    def __init__(
        self, store: LockoutStore, calendar: Calendar, rules: list[Rule], decisions: Decisions
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.rules = rules
        """The rules, for the trading hours a ``hours-end`` lock ends with."""
        self.decisions = decisions

    def active(self, now: int) -> Lockout | None:
        """The lockout in force at ``now``, if any."""
        return self.store.active(now)

    def lock(self, until: int, reason: str, source: str, now: int) -> bool:
        """Lock until ``until`` (a lockout is only ever extended). True when a lockout
        started or grew, so the trading state must be recomputed."""
        decisions = self.decisions
        before = self.store.active(now)
        lockout, error = self.store.extend(Lockout(until, reason, source, now), now)
        decisions.problem(now, error)
        if before is not None and lockout is before:
            decisions.notice(
                now,
                "info",
                f"already locked until {self.calendar.until_label(before.until_ns, now)}: "
                "a lockout is never shortened",
            )
            return False
        decisions.emit(LockoutStarted(now, lockout.until_ns, lockout.reason, source))
        decisions.emit(
            EnforcementTaken(
                now,
                source,
                "lock",
                f"locked until {self.calendar.until_label(until, now)}: {reason}",
            )
        )
        decisions.decide(source, "lock", "enforced", f"until_ns={until} started_ns={now}")
        return True

    def restored(self, lockout: Lockout, now: int) -> None:
        """Say that a lockout found on record at start still holds."""
        self.decisions.emit(LockoutStarted(now, lockout.until_ns, lockout.reason, lockout.source))
        self.decisions.notice(
            now,
            "warning",
            f"lockout restored: locked until {self.calendar.until_label(lockout.until_ns, now)} "
            f"({lockout.reason})",
        )

    def end_if_over(self, now: int) -> bool:
        """End a lockout whose time is up (the tick does; so does a sweep that comes first,
        so an order the gate accepted after the end is not cancelled as LOCKED)."""
        lockout = self.store.lockout
        if lockout is None or now < lockout.until_ns:
            return False
        self.decisions.problem(now, self.store.clear(now))
        self.decisions.emit(LockoutEnded(now, f"lockout ended ({lockout.reason})"))
        self.decisions.decide("lockout", "unlock", "ended", f"until_ns={lockout.until_ns}")
        return True

    def on_time(self, now: int) -> None:
        """The tick: end a lockout that is over, else record the time seen while locked
        (so a clock set back after a restart never shortens it)."""
        if not self.end_if_over(now) and self.store.lockout is not None:
            self.decisions.problem(now, self.store.touch(now))

    def lock_end(self, spec: str, now: int) -> int:
        """When a lock given as ``next-day``, ``next-week``, ``hours-end``, ``HH:MM`` or a
        duration (``30m``) ends, counted from ``now``."""
        spec = lock_end_name(spec)
        if spec == "next-day":
            return self.calendar.day_end(now)
        if spec == "next-week":
            return self.calendar.week_end(now)
        if spec == "hours-end":
            return self.hours_end(now)
        if ":" in spec:
            return self.calendar.next_time(now, parse_hhmm(spec))
        return now + parse_duration(spec)

    def hours_end(self, now: int) -> int:
        """The end of the allowed window ``now`` is in, else the end of the trading day."""
        for rule in self.rules:
            if isinstance(rule, TradingHours) and rule.windows and rule.inside(now):
                ends = [self.calendar.next_time(now, w.end, rule.tz) for w in rule.windows]
                return min(ends)
        return self.calendar.day_end(now)
