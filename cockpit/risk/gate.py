"""The gate: the risk engine's judgement of every command before any broker sees it.

An order that would add exposure is judged against the lockout, then every rule in
order, first denial wins; a limit breached now (or latched earlier) denies it with its
reason. Exits (cancel, close, flatten), a bracket's legs and orders that only reduce a
position pass, but for the rules that judge exits too (a stop moved away). In dry run the
same denials are recorded as ``would deny`` and the order goes; a lockout still denies,
because a lockout is never up to the config. A mixin of
:class:`~cockpit.risk.engine.RiskEngine`, since it reads the levels the engine keeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.core.commands import Command, ModifyOrder, PlaceOrder
from cockpit.core.models import OrderRequest, OrderType
from cockpit.core.state import State
from cockpit.core.text import countdown
from cockpit.core.validation import Denial
from cockpit.risk.rules.base import Intent, Level, Rule, RuleDenial

if TYPE_CHECKING:
    from cockpit.risk.decisions import Decisions
    from cockpit.risk.lockout_keeper import LockoutKeeper
    from cockpit.risk.tally import Tally
    from cockpit.risk.timing import Calendar


class Gate:
    """Judges commands that add exposure (mixed into the risk engine)."""

    # What the gate reads of the engine (RiskEngine sets and defines them).
    rules: list[Rule]
    tally: Tally
    calendar: Calendar
    dry_run: bool
    decisions: Decisions
    lockouts: LockoutKeeper

    if TYPE_CHECKING:

        def now(self, clock_ns: int | None = None) -> int: ...
        def _level_now(self, rule: Rule, state: State, now: int) -> Level: ...
        def _why(self, rule: Rule, state: State, now: int) -> str: ...

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
        decisions = self.decisions
        now = self.now()
        self.tally.epoch += 1
        replaces = state.orders.get(command.order_id) if isinstance(command, ModifyOrder) else None
        lockout = self.lockouts.active(now)
        if lockout is not None:
            reason = (
                f"locked until {self.calendar.until_label(lockout.until_ns, now)} "
                f"({countdown(lockout.until_ns - now)} left): {lockout.reason}"
            )
            decisions.decide("lockout", "reject", "denied", f"until_ns={lockout.until_ns}", command)
            return Denial(reason, "lockout")
        intent = Intent(command, request, replaces)
        for rule in self.rules:
            denial = self._judge(rule, intent, state, now)
            if denial is None:
                continue
            name = denial.rule or rule.name
            if not self.dry_run:
                decisions.decide(name, "reject", "denied", denial.inputs, command, request.symbol)
                return Denial(denial.reason, name)
            decisions.decide(name, "reject", "would deny", denial.inputs, command, request.symbol)
            decisions.notice(
                now, "warning", f"DRY RUN: would deny {command.label}: {denial.reason}"
            )
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
        decisions = self.decisions
        now = self.now()
        replaces = state.orders.get(command.order_id) if isinstance(command, ModifyOrder) else None
        intent = Intent(command, request, replaces)
        for rule in judges:
            denial = rule.check(intent, state, now)
            if denial is None:
                continue
            name = denial.rule or rule.name
            if self.dry_run:
                decisions.decide(
                    name, "reject", "would deny", denial.inputs, command, request.symbol
                )
                decisions.notice(
                    now, "warning", f"DRY RUN: would deny {command.label}: {denial.reason}"
                )
                return None
            decisions.decide(name, "reject", "denied", denial.inputs, command, request.symbol)
            return Denial(denial.reason, name)
        return None

    def _judge(self, rule: Rule, intent: Intent, state: State, now: int) -> RuleDenial | None:
        """A limit that blocks entries and stands breached denies; else the rule judges."""
        if (
            rule.is_limit
            and rule.blocks_entries
            and self._level_now(rule, state, now) is Level.BREACH
        ):
            return RuleDenial(f"{self._why(rule, state, now)}", rule.inputs(state, now))
        return rule.check(intent, state, now)
