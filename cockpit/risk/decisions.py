"""How the risk engine tells what it decided, so the journal and the screen hear it.

Every decision is an event through ``engine.emit``: a ``RiskDecision`` (rule, inputs,
action, outcome) for the journal, a ``Notice`` for the screen, and the engine's other
events (``OrderDenied``, ``EnforcementTaken``, ``RiskStateChanged``, ``LockoutStarted``,
``LockoutEnded``). The gate, the limits, the enforcement and the lockout keeping share one
:class:`Decisions`, so they all record alike and all start speaking when the risk engine
is attached (before that, events go nowhere).
"""

from __future__ import annotations

from collections.abc import Callable

from cockpit.core.commands import Command
from cockpit.core.events import Event, Notice, RiskDecision


class Decisions:
    """Emits the risk engine's events, stamped with risk time."""

    def __init__(self, now: Callable[[], int]) -> None:
        self.emit: Callable[[Event], None] = _drop
        """``engine.emit`` once the risk engine is attached."""
        self._now = now

    def decide(
        self,
        rule: str,
        action: str,
        outcome: str,
        inputs: str = "",
        command: Command | None = None,
        symbol: str | None = None,
    ) -> None:
        """Record one decision for the journal, at risk time now."""
        label = command.label if command is not None else ""
        self.emit(RiskDecision(self._now(), rule, action, outcome, inputs, label, symbol))

    def notice(self, now: int, level: str, text: str) -> None:
        """Tell the trader a line (``info``, ``warning`` or ``error``)."""
        self.emit(Notice(now, level, text))

    def problem(self, now: int, error: str | None) -> None:
        """Say what went wrong saving a record, if anything did."""
        if error is not None:
            self.notice(now, "error", error)


def _drop(event: Event) -> None:
    """Where events go before the risk engine is attached (nowhere)."""
    return None
