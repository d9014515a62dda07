"""Carrying out what a breach, a sweep or a rule asks for: each act recorded once and
turned into the command to send, or, in dry run, only said.

It keeps which enforcements were already asked for (by key: a cancel by order, a close
by symbol), so a storm of events never sends the same cancel twice, and a close the
broker has not confirmed is asked again after :data:`CLOSE_RETRY_NS`. A running flatten
covers the cancels and closes; a cancel-all covers the cancels after it.
"""

from __future__ import annotations

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.commands import CancelAll, CancelOrder, ClosePosition, Command, FlattenAll
from cockpit.core.events import EnforcementTaken
from cockpit.core.state import State
from cockpit.risk.decisions import Decisions
from cockpit.risk.rules.base import Act

CLOSE_RETRY_NS = 5 * NS_PER_SECOND
"""A close asked for and not yet confirmed flat is asked again after this long."""

Acts = list[tuple[str, Act]]
"""What is to be done, each act with the name of the rule (or ``lockout``) that asks."""


class Enforcement:
    """Turns acts into commands, each once; in dry run records and says them instead."""

    def __init__(self, decisions: Decisions, *, dry_run: bool) -> None:
        self.decisions = decisions
        self.dry_run = dry_run
        self._acted: dict[object, int] = {}
        """Enforcements already asked for (by key), so none is asked for twice."""

    def asked(self, key: object) -> bool:
        """Whether the enforcement under ``key`` was already asked for."""
        return key in self._acted

    def forget(self, key: object) -> None:
        """The broker settled it (an order no longer working, a position flat): a later
        one under the same key is asked for afresh."""
        self._acted.pop(key, None)

    def retry_closes(self, now: int) -> None:
        """Forget closes asked for at least :data:`CLOSE_RETRY_NS` ago, so the next sweep
        asks again."""
        for key, asked in list(self._acted.items()):
            if isinstance(key, tuple) and key[0] == "close" and now - asked >= CLOSE_RETRY_NS:
                del self._acted[key]

    def carry_out(
        self,
        acts: Acts,
        state: State,
        now: int,
        *,
        flattening: bool | None = None,
    ) -> list[Command]:
        """Record each act once and return the commands to send (none in dry run).

        ``flattening`` says a flatten covers the cancels and closes (default: whether one
        is running now; a caller that just started one says so, however fast it ended).
        """
        decisions = self.decisions
        commands: list[Command] = []
        flattening = state.flattening if flattening is None else flattening
        cancelled_all = False
        for rule, act in acts:
            key = act.key
            if key is not None and key in self._acted:
                continue
            command = act.command
            if command is None:
                decisions.decide(rule, act.action, "alerted", act.inputs)
                decisions.notice(now, "warning", act.detail)
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
                decisions.decide(rule, act.action, "dry run", act.inputs, command, symbol)
                decisions.notice(now, "warning", f"DRY RUN: would {act.action}: {act.detail}")
                continue
            if key is not None:
                self._acted[key] = now
            decisions.emit(EnforcementTaken(now, rule, act.action, act.detail))
            decisions.decide(rule, act.action, "enforced", act.inputs, command, symbol)
            commands.append(command)
            if isinstance(command, FlattenAll):
                flattening = True
            elif isinstance(command, CancelAll):
                cancelled_all = True
        return commands
