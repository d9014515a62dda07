"""Shortening a failing run to the few steps that still break the same promise.

Delta debugging (Zeller's ddmin) over the step list: drop chunks, keep any shorter list
that still breaks the promise, and refine the chunks until no single step can go. Every
trial is a fresh run of the same seed (the same market, the same line), so what is left
is a reproduction anyone can re-run. Steps after the one that broke the promise are cut
first: they never ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from tests.simulation.known import Known
from tests.simulation.runner import Outcome, run_seed
from tests.simulation.steps import Step

Trial = Callable[[dict[int, Step]], Outcome]


def shrink(
    outcome: Outcome,
    *,
    budget: int = 250,
    tolerate: tuple[Known, ...] = (),
    same: Callable[[Outcome], bool] | None = None,
) -> Outcome:
    """The shortest failing run found within ``budget`` trials (the original if none).

    A shorter run counts when it breaks the same promise (or passes ``same``). Trials
    tolerate the same known defects as the run being shortened, so it keeps breaking
    the promise the same way instead of drifting to a known defect."""
    promise = outcome.promise
    if promise is None:
        return outcome
    alike = same or (lambda candidate: candidate.promise == promise)

    def trial(steps: dict[int, Step]) -> Outcome:
        return run_seed(
            outcome.seed,
            schedule=outcome.schedule,
            steps=steps,
            replay_journal=promise == "journal",
            tolerate=tolerate,
        )

    return ddmin(outcome, trial, alike, budget=budget)


def ddmin(
    outcome: Outcome, trial: Trial, alike: Callable[[Outcome], bool], *, budget: int
) -> Outcome:
    """Delta debugging on ``outcome.steps``: ``trial`` runs a candidate, ``alike`` says
    whether it still fails the way that matters."""
    best = _cut(outcome)
    tries = 0

    def still_fails(steps: list[tuple[int, Step]]) -> Outcome | None:
        nonlocal tries
        tries += 1
        candidate = trial(dict(steps))
        return candidate if alike(candidate) else None

    if best.steps != outcome.steps:
        confirmed = still_fails(list(best.steps.items()))
        best = _cut(confirmed) if confirmed is not None else outcome
    chunks = 2
    while len(best.steps) >= 2 and tries < budget:
        steps = list(best.steps.items())
        size = -(-len(steps) // chunks)
        parts = [(start, min(start + size, len(steps))) for start in range(0, len(steps), size)]
        found = None
        for start, end in parts:
            if tries >= budget:
                break
            found = still_fails(steps[:start] + steps[end:])
            if found is not None:
                chunks = max(chunks - 1, 2)
                break
        if found is None and chunks > 2:
            for start, end in parts:
                if tries >= budget:
                    break
                found = still_fails(steps[start:end])
                if found is not None:
                    chunks = 2
                    break
        if found is not None:
            best = _cut(found)
        elif chunks >= len(steps):
            break
        else:
            chunks = min(len(steps), chunks * 2)
    return best


def _cut(outcome: Outcome) -> Outcome:
    """The outcome with the steps after the failing one removed (they never ran)."""
    last = outcome.failed_at
    if last is None or last == max(outcome.steps):
        return outcome
    steps = {number: step for number, step in outcome.steps.items() if number <= last}
    return replace(outcome, steps=steps)
