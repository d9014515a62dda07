"""The risk engine: a gate on every command, a watcher of every event, and the keeper of
the trading state and the lockout.

As a **gate** it judges each order that would add exposure against the lockout and
every rule, first denial wins; exits (cancel, close, flatten) and orders that only
reduce a position always pass. As a **watcher** it folds broker events into its tally,
re-reads the limits they touch, turns a breach into its action (alert, reduce-only,
cancel all, flatten, lock) and enforces on what the broker reports, including orders
and positions that appear from another platform. ``on_time`` (called by
``Engine.tick``) does what time alone decides: cooldowns and lockouts ending, the
end-of-day flatten, a missing stop, a warning whose hold is over.

The trading state goes up at once and a warning comes down with hysteresis (below
``warn_at - warn_band``, after ``warn_hold_seconds``); every ``RiskStateChanged`` names
its rule and a reason, the way back to ACTIVE included.

Every decision is an event through ``engine.emit``: ``RiskDecision`` (rule, inputs,
action, outcome) for the journal, ``OrderDenied`` / ``EnforcementTaken`` /
``RiskStateChanged`` / ``LockoutStarted`` / ``LockoutEnded`` for the screen. In dry run
the same decisions are made and recorded, but nothing is denied or enforced; a lockout
still holds, because a lockout is never up to the config.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cockpit.core.clock import NS_PER_SECOND, Clock, WallClock
from cockpit.core.commands import (
    CancelAll,
    CancelOrder,
    ClosePosition,
    Command,
    FlattenAll,
    ModifyOrder,
    PlaceOrder,
    StartLockout,
)
from cockpit.core.engine import Engine, Verdict
from cockpit.core.events import (
    EnforcementTaken,
    Event,
    FillReceived,
    FlattenCompleted,
    LockoutEnded,
    LockoutStarted,
    Notice,
    OrderDenied,
    OrderUpdated,
    PositionUpdated,
    Printed,
    QuoteUpdated,
    RiskDecision,
    RiskStateChanged,
)
from cockpit.core.models import OrderRequest, OrderType
from cockpit.core.state import State
from cockpit.core.text import countdown
from cockpit.core.tradingstate import TradingState
from cockpit.core.validation import Denial
from cockpit.risk.config import RiskSettings
from cockpit.risk.day_end import DayEnds
from cockpit.risk.eod import EndOfDay
from cockpit.risk.exposure import cancellable, order_increases
from cockpit.risk.floor import FloorStore
from cockpit.risk.lockout import Lockout, LockoutStore
from cockpit.risk.market_calendar import MarketCalendar, shipped_calendar
from cockpit.risk.peak import PeakStore
from cockpit.risk.rules import build_rules
from cockpit.risk.rules.base import Act, Env, Intent, Level, Rule, RuleDenial
from cockpit.risk.rules.daily_loss import DailyLoss
from cockpit.risk.rules.max_loss import MaxLoss
from cockpit.risk.rules.trading_hours import TradingHours
from cockpit.risk.tally import Tally
from cockpit.risk.timing import Calendar, lock_end_name, parse_duration, parse_hhmm
from cockpit.risk.views import RiskViews

CLOSE_RETRY_NS = 5 * NS_PER_SECOND
"""A close asked for and not yet confirmed flat is asked again after this long."""
NO_COMMANDS: tuple[Command, ...] = ()


class RiskEngine(RiskViews):
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
        self._levels: dict[str, Level] = {r.name: Level.OK for r in self.rules}
        self._latched: dict[str, int] = {}
        """Rules whose breach holds until a time (the end of the day or week)."""
        self._breach_reason: dict[str, str] = {}
        self._warned_at: dict[str, int] = {}
        """When each rule now at WARN got there: a warning is held at least
        ``warn_hold_seconds`` (hysteresis, with the band below ``warn_at``)."""
        self._hold_ns = int(self.settings.warn_hold_seconds * NS_PER_SECOND)
        self._by_name: dict[str, Rule] = {r.name: r for r in self.rules}
        self._acted: dict[object, int] = {}
        """Enforcements already asked for (by key), so none is asked for twice."""
        self._seen = self.store.last_seen_ns
        """The latest time seen: a clock set backwards never moves risk time back."""
        self._engine: Engine | None = None
        self._emit: Callable[[Event], None] = _drop
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
        self._emit = engine.emit
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
        self.tally.seed(state)
        now = self.now()
        self.day_ends.begin(now)
        if self.dry_run:
            self._notice(
                now,
                "warning",
                "risk rules in DRY RUN: decisions are recorded, nothing is denied or "
                "enforced (a lockout still holds)",
            )
        self.eod.observe(state, now, self.calendar)
        if self.eod.problem is not None:
            self._notice(now, "error", f"{self.eod.problem}: recorded afresh from the balance")
            self.eod.problem = None
        self.env.peaks.begin(self.calendar.day(now))
        if self.env.peaks.witnessed is not None:
            self._notice(now, "warning", self.env.peaks.witnessed)
        lockout = self.store.active(now)
        if self.store.problem is not None:
            reason = f"{self.store.problem}: locked until the trading day ends, to be safe"
            self._lock(self.calendar.day_end(now), reason, "lockout", now, [])
        for rule in self.rules:
            if (problem := rule.problem()) is not None:
                reason = f"{problem}: locked until the trading day ends, to be safe"
                self._lock(self.calendar.day_end(now), reason, rule.name, now, [])
        if lockout is not None and self.store.active(now) is lockout:
            self._emit(LockoutStarted(now, lockout.until_ns, lockout.reason, lockout.source))
            self._notice(
                now,
                "warning",
                f"lockout restored: locked until {self._when(lockout.until_ns, now)} "
                f"({lockout.reason})",
            )
        acts: list[tuple[str, Act]] = []
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

    # The gate ----------------------------------------------------------------------------

    def check(self, command: Command, request: OrderRequest | None, state: State) -> Denial | None:
        """Deny an order that adds exposure when the lockout or a rule says so."""
        if command.is_exit or request is None:
            return None
        if not isinstance(command, PlaceOrder | ModifyOrder):
            return None
        if command.origin == "bracket" and state.against_position(request.symbol, request.side):
            return None  # a bracket's legs: OCO, kept within the position by the manager
        without = command.order_id if isinstance(command, ModifyOrder) else None
        resting = request.type is not OrderType.MARKET
        if state.reduces(
            request.symbol, request.side, request.size, resting=resting, without=without
        ):
            return self._judge_exit(command, request, state)
        now = self.now()
        self.tally.epoch += 1
        replaces = state.orders.get(command.order_id) if isinstance(command, ModifyOrder) else None
        lockout = self.store.active(now)
        if lockout is not None:
            reason = (
                f"locked until {self._when(lockout.until_ns, now)} "
                f"({countdown(lockout.until_ns - now)} left): {lockout.reason}"
            )
            self._decide("lockout", "reject", "denied", f"until_ns={lockout.until_ns}", command)
            return Denial(reason, "lockout")
        intent = Intent(command, request, replaces)
        for rule in self.rules:
            denial = self._judge(rule, intent, state, now)
            if denial is None:
                continue
            name = denial.rule or rule.name
            if not self.dry_run:
                self._decide(name, "reject", "denied", denial.inputs, command, request.symbol)
                return Denial(denial.reason, name)
            self._decide(name, "reject", "would deny", denial.inputs, command, request.symbol)
            self._notice(now, "warning", f"DRY RUN: would deny {command.label}: {denial.reason}")
            break
        for rule in self.rules:
            rule.accepted(intent, now)
        return None

    def _judge_exit(
        self, command: PlaceOrder | ModifyOrder, request: OrderRequest, state: State
    ) -> Denial | None:
        """An exit passes, but for the rules that judge exits too (a stop moved away)."""
        judges = [rule for rule in self.rules if rule.judges_exits]
        if not judges:
            return None
        now = self.now()
        replaces = state.orders.get(command.order_id) if isinstance(command, ModifyOrder) else None
        intent = Intent(command, request, replaces)
        for rule in judges:
            denial = rule.check(intent, state, now)
            if denial is None:
                continue
            name = denial.rule or rule.name
            if self.dry_run:
                self._decide(name, "reject", "would deny", denial.inputs, command, request.symbol)
                self._notice(
                    now, "warning", f"DRY RUN: would deny {command.label}: {denial.reason}"
                )
                return None
            self._decide(name, "reject", "denied", denial.inputs, command, request.symbol)
            return Denial(denial.reason, name)
        return None

    def _judge(self, rule: Rule, intent: Intent, state: State, now: int) -> RuleDenial | None:
        if (
            rule.is_limit
            and rule.blocks_entries
            and self._level_now(rule, state, now) is Level.BREACH
        ):
            return RuleDenial(f"{self._why(rule, state, now)}", rule.inputs(state, now))
        return rule.check(intent, state, now)

    def _level_now(self, rule: Rule, state: State, now: int) -> Level:
        latched = self._latched.get(rule.name)
        if latched is not None and now < latched:
            return Level.BREACH
        return rule.level(state, now)

    def _why(self, rule: Rule, state: State, now: int) -> str:
        """The live reason while the rule is breached, else the one recorded at the breach."""
        if rule.level(state, now) is Level.BREACH:
            return rule.reason(state, now)
        recorded = self._breach_reason.get(rule.name)
        return f"{recorded} (earlier today)" if recorded else rule.reason(state, now)

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
        acts: list[tuple[str, Act]] = []
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
        return self._carry_out(acts, state, now) if acts else NO_COMMANDS

    def _on_account(self, event: Event, state: State) -> Iterable[Command]:
        now = self.now()
        kind = type(event)
        if type(event) is OrderUpdated:
            order = event.order
            self.tally.on_order(order)
            if not order.status.is_working:
                self._acted.pop(("cancel", order.id), None)
        elif type(event) is FillReceived:
            self.tally.on_fill(event.fill, now)
        elif type(event) is PositionUpdated:
            position = event.position
            self.tally.on_position(position)
            if position.size == 0:
                self._acted.pop(("close", position.symbol), None)
        acts: list[tuple[str, Act]] = []
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
        return self._carry_out(acts, state, now) if acts else NO_COMMANDS

    def on_time(self, now_ns: int, state: State) -> Iterable[Command]:
        """What time alone decides; called by ``Engine.tick`` (1 Hz live, recorded in replay)."""
        now = self.now(now_ns)
        self.tally.epoch += 1
        acts: list[tuple[str, Act]] = []
        if now >= self.day_ends.until_ns and (ended := self.day_ends.due(now)) is not None:
            self._emit(ended)
        if not self._end_lockout_if_over(now) and self.store.lockout is not None:
            self._save_problem(now, self.store.touch(now))
        if now >= self.eod.until_ns and self.eod.observe(state, now, self.calendar):
            if self.settings.scaling.steps:
                inputs = f"day={self.eod.day} balance={self.eod.balance}"
                self._decide("contract-limit", "record", "end-of-day balance", inputs)
            if self.eod.problem is not None:
                self._save_problem(now, self.eod.problem)
                self.eod.problem = None
        self.env.peaks.due(now)
        if (saved := self.env.peaks.take_saved()) is not None:
            inputs = f"day={saved.day} peak={saved.peak}"
            self._decide("daily-loss", "record", "day's best", inputs)
        if self.env.peaks.error is not None:
            self._save_problem(now, self.env.peaks.error)
            self.env.peaks.error = None
        for rule in self._timed:
            self._update(rule, state, now, acts)
        for rule in self._clocked:
            for act in rule.on_time(state, now):
                acts.append((rule.name, act))
        for key, asked in list(self._acted.items()):
            if isinstance(key, tuple) and key[0] == "close" and now - asked >= CLOSE_RETRY_NS:
                del self._acted[key]
        self._refresh(state, now, acts)
        self._sweep(state, now, acts)
        return self._carry_out(acts, state, now) if acts else NO_COMMANDS

    def _end_lockout_if_over(self, now: int) -> bool:
        """End a lockout whose time is up (the tick does; so does a sweep that comes first,
        so an order the gate accepted after the end is not cancelled as LOCKED)."""
        lockout = self.store.lockout
        if lockout is None or now < lockout.until_ns:
            return False
        self._save_problem(now, self.store.clear(now))
        self._emit(LockoutEnded(now, f"lockout ended ({lockout.reason})"))
        self._decide("lockout", "unlock", "ended", f"until_ns={lockout.until_ns}")
        return True

    # Limits and the trading state --------------------------------------------------------

    def _update(self, rule: Rule, state: State, now: int, acts: list[tuple[str, Act]]) -> bool:
        """Re-read one limit; act on a fresh breach. True when its level changed.

        Going up is immediate. A WARNING comes down only through :meth:`_holds`, so a P&L
        wobbling around ``warn_at`` (prints bouncing between bid and ask) warns once."""
        level = self._level_now(rule, state, now)
        if level is not Level.BREACH:
            self._latched.pop(rule.name, None)
        previous = self._levels[rule.name]
        if level is Level.OK and previous is Level.WARN and self._holds(rule, state, now):
            return False
        if level is previous:
            return False
        self._levels[rule.name] = level
        if level is Level.WARN:
            self._warned_at[rule.name] = now
        else:
            self._warned_at.pop(rule.name, None)
        if level is Level.BREACH and rule.is_limit:
            self._breach(rule, state, now, acts)
        return True

    def _holds(self, rule: Rule, state: State, now: int) -> bool:
        """A WARNING stays until its limit is back below ``warn_at - warn_band`` and it has
        stood ``warn_hold_seconds`` on the engine clock."""
        since = self._warned_at.get(rule.name)
        if since is not None and now - since < self._hold_ns:
            return True
        used = rule.used(state, now)
        return used is not None and used >= self.env.clear_at

    def _breach(self, rule: Rule, state: State, now: int, acts: list[tuple[str, Act]]) -> None:
        reason = rule.reason(state, now)
        inputs = rule.inputs(state, now)
        self._breach_reason[rule.name] = reason
        action = rule.action
        if rule.latch == "day":
            self._latched[rule.name] = self.calendar.day_end(now)
        elif rule.latch == "week":
            self._latched[rule.name] = self.calendar.week_end(now)
        if action == "alert":
            self._decide(rule.name, "alert", "alerted", inputs)
            self._notice(now, "warning", reason)
            return
        if self.dry_run:
            self._decide(rule.name, action, "dry run", inputs)
            self._notice(now, "warning", f"DRY RUN: {rule.name} would {action}: {reason}")
            return
        self._decide(rule.name, action, "enforced", inputs)
        if action in ("flatten", "lock"):
            acts.insert(
                0,
                (
                    rule.name,
                    Act(FlattenAll(origin="risk", reason=reason), "flatten", reason, inputs),
                ),
            )
        elif action == "cancel-all":
            acts.append((rule.name, Act(CancelAll(origin="risk"), "cancel-all", reason, inputs)))
        else:
            self._emit(EnforcementTaken(now, rule.name, action, reason))
        if action == "lock":
            until = self.lock_end(rule.lock_until, now)
            self._lock(until, reason, rule.name, now, acts)
            if rule.restarts_after_lock:
                rule.restart()
                self._latched.pop(rule.name, None)
                self._levels[rule.name] = Level.OK

    def _refresh(self, state: State, now: int, acts: list[tuple[str, Act]]) -> None:
        """Recompute the trading state; announce a change and sweep on the way down."""
        new, reason, rule = self._compute_state(state, now)
        if new is self.trading_state and rule == self.state_rule:
            return
        previous, named = self.trading_state, rule
        if new is TradingState.ACTIVE:  # named after what held it up, and why no longer
            named, reason = self.state_rule, self._all_clear(previous, state, now)
        self.trading_state, self.state_reason, self.state_rule = new, reason, rule
        shown = (
            f"DRY RUN: {reason}" if self.dry_run and new.rank >= 2 and rule != "lockout" else reason
        )
        self._emit(RiskStateChanged(now, new, previous, shown, named))
        if new.rank > previous.rank and new.rank >= TradingState.REDUCE_ONLY.rank:
            self._sweep(state, now, acts)

    def _all_clear(self, previous: TradingState, state: State, now: int) -> str:
        """Why the state came back to ACTIVE: the rule that held it up, in its words."""
        if previous is TradingState.LOCKED:
            return f"lockout over ({self.state_reason})"
        rule = self._by_name.get(self.state_rule)
        why = rule.cleared(state, now) if rule is not None else "every limit clear"
        if previous is TradingState.WARNING:
            return f"warning lifted: {why}"
        return f"entries allowed again: {why}"

    def _compute_state(self, state: State, now: int) -> tuple[TradingState, str, str]:
        lockout = self.store.active(now)
        if lockout is not None:
            return TradingState.LOCKED, lockout.reason, lockout.source
        warning: Rule | None = None
        for rule in self._limits:
            level = self._levels[rule.name]
            if level is Level.BREACH and rule.blocks_entries:
                return TradingState.REDUCE_ONLY, self._why(rule, state, now), rule.name
            if level is not Level.OK and warning is None:
                warning = rule
        if warning is not None:
            return TradingState.WARNING, warning.reason(state, now), warning.name
        return TradingState.ACTIVE, "", ""

    # Enforcement -------------------------------------------------------------------------

    def _sweep(self, state: State, now: int, acts: list[tuple[str, Act]]) -> None:
        """REDUCE-ONLY: cancel working orders that add exposure. LOCKED: also close positions."""
        if self.trading_state.rank < TradingState.REDUCE_ONLY.rank or state.flattening:
            return
        if self.trading_state is TradingState.LOCKED and self._end_lockout_if_over(now):
            self._refresh(state, now, acts)  # the lockout ended before the next tick said so
            if self.trading_state.rank < TradingState.REDUCE_ONLY.rank:
                return
        locked = self.trading_state is TradingState.LOCKED
        rule = "lockout" if locked else self._cancelling_rule()
        if rule is None:
            return
        for book in self.tally.working.values():
            for order in book.values():
                if ("cancel", order.id) in self._acted or not cancellable(order):
                    continue
                if not order_increases(state, order):
                    continue
                detail = (
                    f"{self.trading_state.value}: order {order.id} ({order.side.label} "
                    f"{order.remaining} {order.symbol}) would add exposure"
                )
                acts.append((rule, Act.cancel(order, detail)))
        if locked:
            for position in state.positions.values():
                detail = f"LOCKED: {position.symbol} {position.size:+d} must be closed"
                command = ClosePosition(symbol=position.symbol, origin="risk")
                key = ("close", position.symbol)
                acts.append(("lockout", Act(command, "close", detail, key=key)))

    def _cancelling_rule(self) -> str | None:
        """The breached limit that clears working entries (the stale guard does not: it
        cannot trust what it would cancel)."""
        for rule in self._limits:
            if (
                rule.cancels_entries
                and rule.blocks_entries
                and self._levels[rule.name] is Level.BREACH
            ):
                return rule.name
        return None

    def _carry_out(
        self,
        acts: list[tuple[str, Act]],
        state: State,
        now: int,
        *,
        flattening: bool | None = None,
    ) -> list[Command]:
        """Record each act once and return the commands to send (none in dry run).

        ``flattening`` says a flatten covers the cancels and closes (default: whether one
        is running now; a caller that just started one says so, however fast it ended).
        """
        commands: list[Command] = []
        flattening = state.flattening if flattening is None else flattening
        cancelled_all = False
        for rule, act in acts:
            key = act.key
            if key is not None and key in self._acted:
                continue
            command = act.command
            if command is None:
                self._decide(rule, act.action, "alerted", act.inputs)
                self._notice(now, "warning", act.detail)
                continue
            if flattening and isinstance(command, CancelOrder | ClosePosition):
                continue  # the running flatten does it; its completion sweeps again
            if cancelled_all and isinstance(command, CancelOrder):
                continue
            symbol = getattr(command, "symbol", None)
            if self.dry_run and rule != "lockout":
                key = key if key is not None else (rule, act.action, act.detail)
                if key in self._acted:
                    continue  # said once is enough when nothing is done about it
                self._acted[key] = now
                self._decide(rule, act.action, "dry run", act.inputs, command, symbol)
                self._notice(now, "warning", f"DRY RUN: would {act.action}: {act.detail}")
                continue
            if key is not None:
                self._acted[key] = now
            self._emit(EnforcementTaken(now, rule, act.action, act.detail))
            self._decide(rule, act.action, "enforced", act.inputs, command, symbol)
            commands.append(command)
            if isinstance(command, FlattenAll):
                flattening = True
            elif isinstance(command, CancelAll):
                cancelled_all = True
        return commands

    # Lockouts ----------------------------------------------------------------------------

    def _start_lockout(self, command: StartLockout) -> Verdict:
        """``StartLockout``: lock until ``until_ns`` (never shorter than now), then flatten."""
        engine = self._engine
        assert engine is not None, "attach() the risk engine first"
        now = self.now()
        if command.until_ns <= now:
            reason = "that lockout would already be over: pick a later time"
            self._emit(OrderDenied(now, command.label, reason, "lockout"))
            return Verdict(False, reason)
        # Lock first: from this moment nothing new may go out, whenever the flatten's
        # tasks first run (on eager tasks a paper flatten is over inside flatten_all).
        acts: list[tuple[str, Act]] = []
        self._lock(command.until_ns, command.reason, "manual", now, acts)
        task = engine.flatten_all(FlattenAll(reason=command.reason, origin="risk"))
        for sent in self._carry_out(acts, engine.state, now, flattening=True):
            engine.submit(sent)
        return Verdict(True, task=task)

    def _lock(
        self, until: int, reason: str, source: str, now: int, acts: list[tuple[str, Act]]
    ) -> None:
        before = self.store.active(now)
        lockout, error = self.store.extend(Lockout(until, reason, source, now), now)
        self._save_problem(now, error)
        if before is not None and lockout is before:
            self._notice(
                now,
                "info",
                f"already locked until {self._when(before.until_ns, now)}: "
                "a lockout is never shortened",
            )
            return
        self._emit(LockoutStarted(now, lockout.until_ns, lockout.reason, source))
        self._emit(
            EnforcementTaken(
                now, source, "lock", f"locked until {self._when(until, now)}: {reason}"
            )
        )
        self._decide(source, "lock", "enforced", f"until_ns={until} started_ns={now}")
        if self._engine is not None:
            self._refresh(self._engine.state, now, acts)

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

    def lockout(self, now_ns: int | None = None) -> Lockout | None:
        """The lockout in force, if any."""
        return self.store.active(self.now(now_ns))

    # Records -----------------------------------------------------------------------------

    def _decide(
        self,
        rule: str,
        action: str,
        outcome: str,
        inputs: str = "",
        command: Command | None = None,
        symbol: str | None = None,
    ) -> None:
        label = command.label if command is not None else ""
        self._emit(RiskDecision(self.now(), rule, action, outcome, inputs, label, symbol))

    def _notice(self, now: int, level: str, text: str) -> None:
        self._emit(Notice(now, level, text))

    def _save_problem(self, now: int, error: str | None) -> None:
        if error is not None:
            self._notice(now, "error", error)

    def _when(self, until: int, now: int) -> str:
        label = self.calendar.clock_label(until)
        if self.calendar.local(until).date() != self.calendar.local(now).date():
            label = f"{self.calendar.local(until):%a} {label}"
        return label


def _drop(event: Event) -> None:
    """Where events go before :meth:`RiskEngine.attach` (nowhere)."""
    return None
