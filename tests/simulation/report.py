"""How a failing run is told: the seed, the broken promise, and a reproduction to paste."""

from __future__ import annotations

from tests.simulation.runner import Outcome


def reproduction(outcome: Outcome) -> str:
    """Python that re-runs exactly this run (paste it into a test or a shell)."""
    steps = "\n".join(f"        {number}: {step!r}," for number, step in outcome.steps.items())
    return (
        "from tests.simulation import *\n\n"
        f"outcome = run_seed(\n    {outcome.seed},\n    schedule={outcome.schedule!r},\n"
        f"    steps={{\n{steps}\n    }},\n)\n"
        "assert outcome.ok, outcome.violations"
    )


def failure(outcome: Outcome, shortened: Outcome | None = None, *, faults: bool = False) -> str:
    """The full story of one failing seed."""
    where = (
        f"after step {outcome.failed_at} ({len(outcome.steps)} in the plan)"
        if outcome.failed_at is not None
        else "at the end of the run"
    )
    mode = " --faults" if faults else f" --schedule {outcome.schedule}"
    mode += " --order-keys" if outcome.order_keys else ""
    lines = [
        f"seed {outcome.seed} ({outcome.schedule} tasks) broke a promise {where}:",
        *(f"  {v.describe()}" for v in outcome.violations[:3]),
        f"  re-run: uv run python -m tests.simulation --seed {outcome.seed}{mode}",
    ]
    if shortened is not None:
        lines.append(
            f"  shortened to {len(shortened.steps)} step(s) of {len(outcome.steps)}"
            f" ({shortened.violations[0].detail}):"
        )
        lines += ["    " + line for line in reproduction(shortened).splitlines()]
    return "\n".join(lines)
