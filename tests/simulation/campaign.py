"""Many seeds in a row: run them, shorten the first failure of each promise, sum up."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tests.simulation.known import KNOWN, Known
from tests.simulation.report import failure
from tests.simulation.runner import Outcome, run_seed
from tests.simulation.shrink import shrink

Runner = Callable[[int, str], Outcome]


@dataclass
class Campaign:
    """What a sweep over seeds found."""

    outcomes: list[Outcome] = field(default_factory=list)
    wall: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def per_minute(self) -> float:
        return len(self.outcomes) / self.wall * 60 if self.wall else 0.0

    def summary(self) -> str:
        runs = len(self.outcomes)
        simulated = sum(o.seconds for o in self.outcomes)
        commands = sum(o.commands for o in self.outcomes)
        by_promise: dict[str, list[str]] = {}
        for outcome in self.failed:
            assert outcome.promise is not None
            by_promise.setdefault(outcome.promise, []).append(f"{outcome.seed}/{outcome.schedule}")
        lines = [
            f"{runs} run(s) in {self.wall:.1f} s wall: {self.per_minute():.0f} seeds/min; "
            f"{simulated:.0f} s of trading, {commands} commands judged; "
            f"{len(self.failed)} failed"
        ]
        covered: Counter[str] = Counter()
        for outcome in self.outcomes:
            covered.update(outcome.coverage)
        if covered:
            lines.append("exercised: " + ", ".join(f"{k} {n}" for k, n in sorted(covered.items())))
        for promise, seeds in sorted(by_promise.items()):
            lines.append(f"  {promise}: {len(seeds)} ({_some(seeds)})")
        by_known: dict[str, list[str]] = {}
        for outcome in self.outcomes:
            for key in outcome.tolerated:
                by_known.setdefault(key, []).append(f"{outcome.seed}/{outcome.schedule}")
        if by_known:
            lines.append("known defects met (tolerated, see tests/simulation/known.py):")
            for key, seeds in sorted(by_known.items()):
                lines.append(f"  {key}: {len(seeds)} ({_some(seeds)})")
        return "\n".join(lines)


def _some(seeds: list[str]) -> str:
    return ", ".join(seeds[:12]) + (" ..." if len(seeds) > 12 else "")


def in_process(
    length: int, tolerate: tuple[Known, ...] = KNOWN, *, order_keys: bool = False
) -> Runner:
    def run(seed: int, schedule: str) -> Outcome:
        return run_seed(
            seed, schedule=schedule, length=length, tolerate=tolerate, order_keys=order_keys
        )

    return run


def sweep(
    seeds: Iterable[int],
    schedules: Iterable[str],
    runner: Runner,
    *,
    shorten: bool = True,
    faults: bool = False,
    tolerate: tuple[Known, ...] = KNOWN,
    say: Callable[[str], None] = print,
) -> Campaign:
    """Run every seed on every schedule; tell each failure as it comes, the first of each
    promise shortened to a reproduction."""
    campaign = Campaign()
    shortened: set[str] = set()
    started = time.perf_counter()
    schedules = list(schedules)
    for seed in seeds:
        for schedule in schedules:
            outcome = runner(seed, schedule)
            campaign.outcomes.append(outcome)
            if outcome.ok:
                continue
            short = None
            if shorten and not faults and outcome.promise not in shortened:
                assert outcome.promise is not None
                shortened.add(outcome.promise)
                short = shrink(outcome, tolerate=tolerate)
            say(failure(outcome, short, faults=faults))
    campaign.wall = time.perf_counter() - started
    return campaign
