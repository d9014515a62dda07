"""Defects the simulation found and the lead knows of: recognised, so a run goes on.

A run stops at the first broken promise. A defect that breaks one in most seeds would
then hide everything behind it, so a run may *tolerate* the known ones: a violation a
:class:`Known` recognises is kept in ``Outcome.tolerated`` and the run carries on. Each
entry names the shortened reproduction in ``test_regressions.py`` that pins it; when the
defect is fixed that test passes (its strict xfail turns red) and the entry goes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tests.simulation.invariants import Violation


@dataclass(frozen=True, slots=True)
class Known:
    """A known defect, recognised by its promise and a piece of the violation's text."""

    key: str
    promise: str
    marker: str
    summary: str

    def matches(self, violation: Violation) -> bool:
        return violation.promise == self.promise and self.marker in violation.detail


KNOWN: tuple[Known, ...] = (
    Known(
        "second-close-never-sent",
        "flatten",
        "NOT FLAT though every broker call was answered",
        "eager tasks: Engine._send_close stores _closing[symbol] after the close task already "
        "finished and popped it, so every later close of that symbol joins a finished task "
        "and sends nothing (flatten ends NOT FLAT, ClosePosition says 'close already sent')",
    ),
    Known(
        "close-joins-finished-close",
        "exits",
        "was accepted but never sent",
        "the same stale _closing entry seen from a key: ClosePosition says 'close already "
        "sent' (or a flatten with nothing to cancel starts no call) and nothing is sent",
    ),
    Known(
        "flatten-forgets-first-failure",
        "flatten",
        "NOT FLAT without quoting the broker",
        "eager tasks: Engine.flatten_all assigns self._flatten after the flatten task already "
        "ran to its first suspension, so `flattening` is False there and _failed drops a "
        "broker failure of that first stretch from the outcome (seen when the second pass "
        "then sends nothing, through second-close-never-sent)",
    ),
    Known(
        "exit-refused-during-flatten",
        "exits",
        "refused (flatten)",
        "an order that only reduces the position is refused while a flatten runs "
        "(trading_denial), instead of joining the flatten",
    ),
    Known(
        "flat-with-orders-in-flight",
        "flatten",
        "while orders were still on their way",
        "a flatten verifies flat from positions and working orders only: an order sent "
        "before the press and not yet acknowledged lands after 'verified flat'",
    ),
    Known(
        "reducing-order-over-contract-limit",
        "limits",
        "a reducing order, takes",
        "the gate passes any order no larger than the position against it, even when working "
        "orders on the same side already cover the position; the contract-limit watcher "
        "then cancels it as over the limit",
    ),
)


KNOWN += (
    Known(
        "tag-reused-after-restart",
        "once",
        "was sent 2 times",
        "session.run_tag is the start second in base 36: a cockpit restarted within the "
        "same second (a crash and a quick restart) numbers its orders from 1 under the "
        "same prefix and sends tags the broker has seen (ProjectX refuses a reused "
        "customTag)",
    ),
    Known(
        "replay-misorders-lockout",
        "journal",
        "reason='simulated lockout'",
        "eager tasks: RiskEngine._start_lockout starts the flatten (whose first stretch runs "
        "inside the key press: closes fill, watchers judge the fills) and only then locks; "
        "replay re-submits StartLockout as one unit (flatten sends nothing, lock) before "
        "the fills recorded inside it, so it judges them already LOCKED",
    ),
)


def recognise(violation: Violation, known: Iterable[Known] = KNOWN) -> Known | None:
    return next((k for k in known if k.matches(violation)), None)
