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


KNOWN: tuple[Known, ...] = ()
"""Empty: every defect the tester found is fixed, and its shortened reproduction runs as
a plain regression test in ``test_regressions.py``. The last two came with the brackets
(issue 13): on eager tasks a quick broker answers inside the send, and a replay fed those
answers after the command, so the bracket manager and the contract limit decided on
another state; the journal now marks where each broker call ran (core/sends.py) and the
replay plays its answers inside the re-judged command."""


def recognise(violation: Violation, known: Iterable[Known] = KNOWN) -> Known | None:
    return next((k for k in known if k.matches(violation)), None)
