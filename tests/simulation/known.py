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
        "bracket-replay-nesting",
        "journal",
        "bracket",
        "on eager tasks a broker answers inside the send; the bracket manager decides on a "
        "state that already holds those answers, while a replay feeds them after all the "
        "commands of that moment, so it may decide a bracket cancel or notice the session "
        "did not (3 of 400 in-process runs)",
    ),
    Known(
        "contract-limit-replay-after-legs",
        "journal",
        "rule='contract-limit', action='cancel'",
        "the contract limit judging a bracket's new legs on a state with the broker's "
        "answers (live, eager) or without them (replay): the same nesting as above",
    ),
)
"""The eight defects the tester found first are fixed, and their shortened reproductions
run as plain regression tests in ``test_regressions.py``. The two above came with the
brackets (issue 13): a replay feeds a broker's answers after the commands of a moment,
where the live engine, on eager tasks, folds them inside the send; a watcher that reacts
to those answers (the bracket manager) can then decide differently in the replay."""


def recognise(violation: Violation, known: Iterable[Known] = KNOWN) -> Known | None:
    return next((k for k in known if k.matches(violation)), None)
