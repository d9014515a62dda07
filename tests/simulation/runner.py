"""One run: a seed's world, a step list, the invariants after every step, the journal at
the end. Everything else (the CLI, the shrinker, the tests) calls :func:`run_seed`."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from tests.simulation.invariants import FLATTEN_BOUND, Run, Violation, check
from tests.simulation.known import Known, recognise
from tests.simulation.steps import Step
from tests.simulation.timeloop import run_simulated
from tests.simulation.trader import Trader
from tests.simulation.world import PaperWorld, rules_for

STEPS = 120
"""Steps in one in-process run."""
SCHEDULES = ("eager", "lazy")


@dataclass
class Outcome:
    """What one run found."""

    seed: int
    schedule: str
    steps: dict[int, Step]
    """The steps run, by their number in the seed's plan (a shortened run keeps them:
    each step's broker answers are drawn from its own number, so dropping one step does
    not change the answers the others get)."""
    violations: list[Violation] = field(default_factory=list)
    failed_at: int | None = None
    """Number of the step after which the first violation was seen (``None``: at the end)."""
    seconds: float = 0.0
    """Seconds of trading the run covered (simulated in process, wall against the emulator)."""
    fingerprint: str = ""
    """A digest of every decision and broker fact: the same seed gives the same one."""
    commands: int = 0
    coverage: Counter[str] = field(default_factory=Counter)
    """What the run exercised (see ``Facts.coverage``)."""
    order_keys: bool = False
    """The plan was drawn with the order keys' commands in the mix."""
    tolerated: dict[str, Violation] = field(default_factory=dict)
    """Known defects the run met and carried on past: the first violation of each, by key."""

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def promise(self) -> str | None:
        return self.violations[0].promise if self.violations else None


def plan(
    seed: int, length: int = STEPS, *, faults: bool = False, order_keys: bool = False
) -> list[Step]:
    """The seed's trader and world moves."""
    return Trader(seed, faults=faults, order_keys=order_keys).plan(length)


def numbered(steps: Sequence[Step] | Mapping[int, Step]) -> dict[int, Step]:
    """Steps by their number in the plan (a list is numbered from 0)."""
    if isinstance(steps, Mapping):
        return dict(steps)
    return dict(enumerate(steps))


def run_seed(
    seed: int,
    *,
    schedule: str = "eager",
    steps: Sequence[Step] | Mapping[int, Step] | None = None,
    length: int = STEPS,
    rules: dict[str, Any] | None = None,
    replay_journal: bool = True,
    tolerate: Iterable[Known] = (),
    order_keys: bool = False,
) -> Outcome:
    """Run one seed in process on simulated time; stops at the first broken promise that
    is not one of the known defects in ``tolerate``."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}")
    drawn = plan(seed, length, order_keys=order_keys) if steps is None else steps
    outcome = Outcome(seed, schedule, numbered(drawn), order_keys=order_keys)
    with tempfile.TemporaryDirectory(prefix=f"sim-{seed}-") as scratch:
        journals = run_simulated(
            _play(outcome, Path(scratch), rules or rules_for(seed), tuple(tolerate)),
            eager=schedule == "eager",
        )
        if outcome.ok and replay_journal:
            outcome.violations += _sift(outcome, _replay(journals), tuple(tolerate))
    return outcome


async def _play(
    outcome: Outcome, folder: Path, rules: dict[str, Any], tolerate: tuple[Known, ...]
) -> list[Path]:
    world = await PaperWorld.open(outcome.seed, folder, rules)
    run = Run(world, world.session.settings.risk)
    try:
        for number, step in outcome.steps.items():
            world.begin(number)
            await step.run(world)
            found = _sift(outcome, check(run), tolerate)
            if found:
                outcome.violations, outcome.failed_at = found, number
                return []
        world.begin(-1)  # the end: settling draws from its own number
        await world.settle(FLATTEN_BOUND + 1)
        outcome.violations = _sift(outcome, check(run), tolerate)
    finally:
        outcome.seconds = world.clock.seconds()
        outcome.fingerprint = world.facts.fingerprint()
        outcome.commands = len(world.facts.judged)
        outcome.coverage = world.facts.coverage
        await world.close()
    return world.journal_paths


def _sift(outcome: Outcome, found: list[Violation], tolerate: tuple[Known, ...]) -> list[Violation]:
    """Set the known defects aside (noting the first of each); return the rest."""
    unknown = []
    for violation in found:
        known = recognise(violation, tolerate)
        if known is None:
            unknown.append(violation)
        else:
            outcome.tolerated.setdefault(known.key, violation)
    return unknown


def _replay(paths: list[Path]) -> list[Violation]:
    """Each session's journal, re-run through a fresh engine and the recorded rules,
    decides the same."""
    mismatches = []
    for path in paths:
        with open_journal(path) as journal:
            mismatches += Replayer(journal).verify()
    if not mismatches:
        return []
    shown = "; ".join(m.describe() for m in mismatches[:3])
    more = f" (+{len(mismatches) - 3} more)" if len(mismatches) > 3 else ""
    return [Violation("journal", f"{len(mismatches)} decision(s) differ: {shown}{more}", 0.0)]
