"""The risk engine: a gate on every command, a watcher of every event, and the keeper of
the trading state and the lockout.

As a **gate** (:mod:`cockpit.risk.gate`) it judges each order that would add exposure
against the lockout and every rule, first denial wins; exits (cancel, close, flatten) and
orders that only reduce a position always pass. As a **watcher** (here) it folds broker
events into its tally, re-reads the limits they touch (:mod:`cockpit.risk.limits`, which
keeps the levels and the trading state), turns a breach into its action (alert,
reduce-only, cancel all, flatten, lock) and enforces on what the broker reports,
including orders and positions that appear from another platform
(:mod:`cockpit.risk.enforcement`). ``on_time`` (called by ``Engine.tick``) does what time
alone decides: cooldowns and lockouts ending (:mod:`cockpit.risk.lockout_keeper`), the
end-of-day flatten, a missing stop, a warning whose hold is over.

This module composes those parts, wires them into an :class:`~cockpit.core.engine.Engine`
and routes each event to what it touches. Every decision is an event through
``engine.emit`` (:mod:`cockpit.risk.decisions`). In dry run the same decisions are made
and recorded, but nothing is denied or enforced; a lockout still holds, because a
lockout is never up to the config.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cockpit.core.clock import NS_PER_SECOND, Clock, WallClock
from cockpit.core.commands import Command, FlattenAll, StartLockout
from cockpit.core.engine import Engine, Verdict
from cockpit.core.events import (
    Event,
    FillReceived,
    FlattenCompleted,
    OrderDenied,
    OrderUpdated,
    PositionUpdated,
    Printed,
    QuoteUpdated,
)
from cockpit.core.state import State
from cockpit.core.tradingstate import TradingState
from cockpit.risk.config import RiskSettings
from cockpit.risk.day_end import DayEnds
from cockpit.risk.decisions import Decisions
from cockpit.risk.enforcement import Acts, Enforcement
from cockpit.risk.eod import EndOfDay
from cockpit.risk.floor import FloorStore
from cockpit.risk.gate import Gate
from cockpit.risk.limits import Limits
from cockpit.risk.lockout import Lockout, LockoutStore
from cockpit.risk.lockout_keeper import LockoutKeeper
from cockpit.risk.market_calendar import MarketCalendar, shipped_calendar
from cockpit.risk.peak import PeakStore
from cockpit.risk.rules import build_rules
from cockpit.risk.rules.base import Env, Level, Rule
from cockpit.risk.rules.daily_loss import DailyLoss
from cockpit.risk.rules.max_loss import MaxLoss
from cockpit.risk.tally import Tally
from cockpit.risk.timing import Calendar
from cockpit.risk.views import RiskViews

NO_COMMANDS: tuple[Command, ...] = ()


class RiskEngine(Gate, Limits, RiskViews):
    """Judges commands, watches events, keeps the trading state and the lockout."""

    def __init__(
        self,
        settings: RiskSettings | None = None,
        clock: Clock | None = None,
        *,
        store: LockoutStore | None = None,
        market: MarketCalendar | None = None,
        eod: EndOfDay | None = None,
        floors: FloorStore | None = None,
        peaks: PeakStore | None = None,
    ) -> None:
        self.settings = settings or RiskSettings()
        self.clock: Clock = clock or WallClock()
        self.store = store or LockoutStore.memory()
        self.calendar = Calendar(self.settings.boundary, self.settings.zone)
        self.tally = Tally(self.calendar)
        self.day_ends = DayEnds(self.calendar, self.tally)
        self.eod = eod if eod is not None else EndOfDay()
        """The end-of-day balance (the scaling plan's), recorded on the tick."""
        market = market if market is not None else shipped_calendar()
        self.env = Env(self.settings, self.calendar, self.tally, market, self.eod, floors, peaks)
        self.rules: list[Rule] = build_rules(self.env)
        self.dry_run = self.settings.dry_run
        self.decisions = Decisions(self.now)
        self.enforcement = Enforcement(self.decisions, dry_run=self.dry_run)
        self.lockouts = LockoutKeeper(self.store, self.calendar, self.rules, self.decisions)
        self.trading_state = TradingState.ACTIVE
        self.state_reason = ""
        self.state_rule = ""
        self.daily_loss: DailyLoss | None = next(
            (r for r in self.rules if isinstance(r, DailyLoss)), None
        )
        self.max_loss: MaxLoss | None = next(
            (r for r in self.rules if isinstance(r, MaxLoss)), None
        )
        self._limits = [r for r in self.rules if r.is_limit]
        self._levels = {r.name: Level.OK for r in self.rules}
        self._latched = {}
        self._breach_reason = {}
        self._warned_at = {}
        self._hold_ns = int(self.settings.warn_hold_seconds * NS_PER_SECOND)
        self._by_name = {r.name: r for r in self.rules}
        self._seen = self.store.last_seen_ns
        """The latest time seen: a clock set backwards never moves risk time back."""
        self._engine = None
        self._by_event: dict[type, list[Rule]] = {}
        self._reactors: dict[type, list[Rule]] = {}
        for rule in self.rules:
            for kind in rule.events:
                self._by_event.setdefault(kind, []).append(rule)
            for kind in rule.reacts_to:
                self._reactors.setdefault(kind, []).append(rule)
        self._pnl_rules = [r for r in self.rules if QuoteUpdated in r.events or Printed in r.events]
        self._timed = [r for r in self.rules if r.timed]
        self._clocked = [r for r in self.rules if type(r).on_time is not Rule.on_time]
        self._dispatch: dict[type, Callable[[Any, State], Iterable[Command]]] = {
            QuoteUpdated: self._on_market,
            Printed: self._on_market,
        }
        for kind in (OrderUpdated, FillReceived, PositionUpdated, FlattenCompleted):
            self._dispatch[kind] = self._on_account
        for kind in set(self._by_event) | set(self._reactors):
            self._dispatch.setdefault(kind, self._on_account)

    # Wiring ------------------------------------------------------------------------------

    def attach(self, engine: Engine) -> None:
        """Plug into an engine: gate, watcher, ``StartLockout`` handler; restore a lockout."""
        self._engine = engine
        self.decisions.emit = engine.emit
        if self not in engine.gates:
            engine.gates.append(self)
        if self not in engine.watchers:
            engine.watchers.append(self)
        engine.handlers[StartLockout] = self._start_lockout
        with engine.moment():
            self._restore(engine.state)

    def _restore(self, state: State) -> None:
        """Begin the day, say what was found, restore a lockout, judge the limits: all in
        one moment of the engine, so the journal's time is each event's own time."""
        decisions = self.decisions
        self.tally.seed(state)
        now = self.now()
        self.day_ends.begin(now)
        if self.dry_run:
            decisions.notice(
                now,
                "warning",
                "risk rules in DRY RUN: decisions are recorded, nothing is denied or "
                "enforced (a lockout still holds)",
            )
        self.eod.observe(state, now, self.calendar)
        if self.eod.problem is not None:
            decisions.notice(now, "error", f"{self.eod.problem}: recorded afresh from the balance")
            self.eod.problem = None
        self.env.peaks.begin(self.calendar.day(now))
        if self.env.peaks.witnessed is not None:
            decisions.notice(now, "warning", self.env.peaks.witnessed)
        lockout = self.store.active(now)
        if self.store.problem is not None:
            reason = f"{self.store.problem}: locked until the trading day ends, to be safe"
            self._lock(self.calendar.day_end(now), reason, "lockout", now, [])
        for rule in self.rules:
            if (problem := rule.problem()) is not None:
                reason = f"{problem}: locked until the trading day ends, to be safe"
                self._lock(self.calendar.day_end(now), reason, rule.name, now, [])
        if lockout is not None and self.store.active(now) is lockout:
            self.lockouts.restored(lockout, now)
        acts: Acts = []
        for rule in self._limits:
            self._update(rule, state, now, acts)
        self._refresh(state, now, acts)

    def now(self, clock_ns: int | None = None) -> int:
        """Risk time: the engine's moment (the clock when unattached), but never earlier
        than the latest time already seen."""
        if clock_ns is not None:
            now = clock_ns
        elif self._engine is not None:
            now = self._engine.now()
        else:
            now = self.clock.now_ns()
        if now < self._seen:
            return self._seen
        self._seen = now
        return now

    # The watcher -------------------------------------------------------------------------

    def on_event(self, event: Event, state: State) -> Iterable[Command]:
        handler = self._dispatch.get(type(event))
        if handler is None:
            return NO_COMMANDS
        self.tally.epoch += 1
        return handler(event, state)

    def _on_market(self, event: QuoteUpdated | Printed, state: State) -> Iterable[Command]:
        now = self.now()
        tally = self.tally
        tally.market_seen[event.symbol] = now  # the feed's age (the stale rule) at no
        tally.market_latest = now  # cost of a rule call on every quote
        reactors = self._reactors.get(type(event))
        if reactors is None and event.symbol not in state.positions:
            return NO_COMMANDS
        acts: Acts = []
        if reactors is not None:
            for rule in reactors:
                for act in rule.react(event, state, now):
                    acts.append((rule.name, act))
        if event.symbol in state.positions:
            changed = False
            for rule in self._pnl_rules:
                changed |= self._update(rule, state, now, acts)
            if changed:
                self._refresh(state, now, acts)
        return self.enforcement.carry_out(acts, state, now) if acts else NO_COMMANDS

    def _on_account(self, event: Event, state: State) -> Iterable[Command]:
        now = self.now()
        kind = type(event)
        if type(event) is OrderUpdated:
            order = event.order
            self.tally.on_order(order)
            if not order.status.is_working:
                self.enforcement.forget(("cancel", order.id))
        elif type(event) is FillReceived:
            self.tally.on_fill(event.fill, now)
        elif type(event) is PositionUpdated:
            position = event.position
            self.tally.on_position(position)
            if position.size == 0:
                self.enforcement.forget(("close", position.symbol))
        acts: Acts = []
        for rule in self._reactors.get(kind, ()):
            for act in rule.react(event, state, now):
                acts.append((rule.name, act))
        changed = False
        for rule in self._by_event.get(kind, ()):
            changed |= self._update(rule, state, now, acts)
        if changed:
            self._refresh(state, now, acts)
        if kind in (OrderUpdated, PositionUpdated, FlattenCompleted):
            self._sweep(state, now, acts)
        return self.enforcement.carry_out(acts, state, now) if acts else NO_COMMANDS

    def on_time(self, now_ns: int, state: State) -> Iterable[Command]:
        """What time alone decides; called by ``Engine.tick`` (1 Hz live, recorded in replay)."""
        decisions = self.decisions
        now = self.now(now_ns)
        self.tally.epoch += 1
        acts: Acts = []
        if now >= self.day_ends.until_ns and (ended := self.day_ends.due(now)) is not None:
            decisions.emit(ended)
        self.lockouts.on_time(now)
        if now >= self.eod.until_ns and self.eod.observe(state, now, self.calendar):
            if self.settings.scaling.steps:
                inputs = f"day={self.eod.day} balance={self.eod.balance}"
                decisions.decide("contract-limit", "record", "end-of-day balance", inputs)
            if self.eod.problem is not None:
                decisions.problem(now, self.eod.problem)
                self.eod.problem = None
        self.env.peaks.due(now)
        if (saved := self.env.peaks.take_saved()) is not None:
            inputs = f"day={saved.day} peak={saved.peak}"
            decisions.decide("daily-loss", "record", "day's best", inputs)
        if self.env.peaks.error is not None:
            decisions.problem(now, self.env.peaks.error)
            self.env.peaks.error = None
        for rule in self._timed:
            self._update(rule, state, now, acts)
        for rule in self._clocked:
            for act in rule.on_time(state, now):
                acts.append((rule.name, act))
        self.enforcement.retry_closes(now)
        self._refresh(state, now, acts)
        self._sweep(state, now, acts)
        return self.enforcement.carry_out(acts, state, now) if acts else NO_COMMANDS

    # Lockouts ----------------------------------------------------------------------------

    def _start_lockout(self, command: StartLockout) -> Verdict:
        """``StartLockout``: lock until ``until_ns`` (never shorter than now), then flatten."""
        engine = self._engine
        assert engine is not None, "attach() the risk engine first"
        now = self.now()
        if command.until_ns <= now:
            reason = "that lockout would already be over: pick a later time"
            self.decisions.emit(OrderDenied(now, command.label, reason, "lockout"))
            return Verdict(False, reason)
        # Lock first: from this moment nothing new may go out, whenever the flatten's
        # tasks first run (on eager tasks a paper flatten is over inside flatten_all).
        acts: Acts = []
        self._lock(command.until_ns, command.reason, "manual", now, acts)
        task = engine.flatten_all(FlattenAll(reason=command.reason, origin="risk"))
        for sent in self.enforcement.carry_out(acts, engine.state, now, flattening=True):
            engine.submit(sent)
        return Verdict(True, task=task)

    def lock_end(self, spec: str, now: int) -> int:
        """When a lock given as ``next-day``, ``next-week``, ``hours-end``, ``HH:MM`` or a
        duration (``30m``) ends, counted from ``now``."""
        return self.lockouts.lock_end(spec, now)

    def hours_end(self, now: int) -> int:
        """The end of the allowed window ``now`` is in, else the end of the trading day."""
        return self.lockouts.hours_end(now)

    def lockout(self, now_ns: int | None = None) -> Lockout | None:
        """The lockout in force, if any."""
        return self.lockouts.active(self.now(now_ns))
