"""The limits and the trading state: re-reading each limit, turning a fresh breach into
its action, and the state that follows (ACTIVE, WARNING, REDUCE-ONLY, LOCKED), with the
sweep that clears what the state no longer allows.

A level goes up at once; a WARNING comes down with hysteresis (below ``warn_at -
warn_band``, after ``warn_hold_seconds``). A limit that latches holds its breach until
the day or the week ends. Every ``RiskStateChanged`` names its rule and a reason, the way
back to ACTIVE included. The gate, the watcher and the views all read these levels, and a
breach may lock, which changes the state again: the state is shared that deeply, so this
is a mixin of :class:`~cockpit.risk.engine.RiskEngine` rather than an object of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.core.commands import CancelAll, ClosePosition, FlattenAll
from cockpit.core.events import EnforcementTaken, RiskStateChanged
from cockpit.core.state import State
from cockpit.core.tradingstate import TradingState
from cockpit.risk.exposure import cancellable, order_increases
from cockpit.risk.rules.base import Act, Level, Rule

if TYPE_CHECKING:
    from cockpit.core.engine import Engine
    from cockpit.risk.decisions import Decisions
    from cockpit.risk.enforcement import Acts, Enforcement
    from cockpit.risk.lockout_keeper import LockoutKeeper
    from cockpit.risk.rules.base import Env
    from cockpit.risk.tally import Tally
    from cockpit.risk.timing import Calendar


class Limits:
    """Levels of the limits and the trading state (mixed into the risk engine)."""

    # What the mixin reads of the engine (RiskEngine sets them all in its __init__).
    rules: list[Rule]
    env: Env
    calendar: Calendar
    tally: Tally
    dry_run: bool
    decisions: Decisions
    enforcement: Enforcement
    lockouts: LockoutKeeper
    _engine: Engine | None

    # The state this mixin keeps.
    trading_state: TradingState
    state_reason: str
    state_rule: str
    """The rule (or ``lockout``) that holds the state where it is."""
    _limits: list[Rule]
    """The rules that are limits, in judging order."""
    _by_name: dict[str, Rule]
    _levels: dict[str, Level]
    """The level each rule stood at after the latest event or tick."""
    _latched: dict[str, int]
    """Rules whose breach holds until a time (the end of the day or week)."""
    _breach_reason: dict[str, str]
    _warned_at: dict[str, int]
    """When each rule now at WARN got there: a warning is held at least
    ``warn_hold_seconds`` (hysteresis, with the band below ``warn_at``)."""
    _hold_ns: int

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

    def _update(self, rule: Rule, state: State, now: int, acts: Acts) -> bool:
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

    def _breach(self, rule: Rule, state: State, now: int, acts: Acts) -> None:
        decisions = self.decisions
        reason = rule.reason(state, now)
        inputs = rule.inputs(state, now)
        self._breach_reason[rule.name] = reason
        action = rule.action
        if rule.latch == "day":
            self._latched[rule.name] = self.calendar.day_end(now)
        elif rule.latch == "week":
            self._latched[rule.name] = self.calendar.week_end(now)
        if action == "alert":
            decisions.decide(rule.name, "alert", "alerted", inputs)
            decisions.notice(now, "warning", reason)
            return
        if self.dry_run:
            decisions.decide(rule.name, action, "dry run", inputs)
            decisions.notice(now, "warning", f"DRY RUN: {rule.name} would {action}: {reason}")
            return
        decisions.decide(rule.name, action, "enforced", inputs)
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
            decisions.emit(EnforcementTaken(now, rule.name, action, reason))
        if action == "lock":
            until = self.lockouts.lock_end(rule.lock_until, now)
            self._lock(until, reason, rule.name, now, acts)
            if rule.restarts_after_lock:
                rule.restart()
                self._latched.pop(rule.name, None)
                self._levels[rule.name] = Level.OK

    def _lock(self, until: int, reason: str, source: str, now: int, acts: Acts) -> None:
        """Lock; when a lockout started, recompute the trading state (once attached)."""
        if self.lockouts.lock(until, reason, source, now) and self._engine is not None:
            self._refresh(self._engine.state, now, acts)

    def _refresh(self, state: State, now: int, acts: Acts) -> None:
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
        self.decisions.emit(RiskStateChanged(now, new, previous, shown, named))
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
        lockout = self.lockouts.active(now)
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

    def _sweep(self, state: State, now: int, acts: Acts) -> None:
        """REDUCE-ONLY: cancel working orders that add exposure. LOCKED: also close positions."""
        if self.trading_state.rank < TradingState.REDUCE_ONLY.rank or state.flattening:
            return
        if self.trading_state is TradingState.LOCKED and self.lockouts.end_if_over(now):
            self._refresh(state, now, acts)  # the lockout ended before the next tick said so
            if self.trading_state.rank < TradingState.REDUCE_ONLY.rank:
                return
        locked = self.trading_state is TradingState.LOCKED
        rule = "lockout" if locked else self._cancelling_rule()
        if rule is None:
            return
        for book in self.tally.working.values():
            for order in book.values():
                if self.enforcement.asked(("cancel", order.id)) or not cancellable(order):
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
