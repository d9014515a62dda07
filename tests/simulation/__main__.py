"""``uv run python -m tests.simulation --runs N [--seed S] [--faults]``"""

from __future__ import annotations

import sys

import click

from tests.simulation.campaign import in_process, sweep
from tests.simulation.known import KNOWN
from tests.simulation.runner import SCHEDULES, STEPS


@click.command()
@click.option(
    "--runs", type=click.IntRange(min=1), help="Seeds to run (default 100, 1 with --seed)."
)
@click.option("--seed", type=int, help="The first seed (default 0).")
@click.option(
    "--schedule",
    type=click.Choice([*SCHEDULES, "both"]),
    default="both",
    show_default=True,
    help="Eager tasks (as Textual runs them), asyncio's lazy ones, or each seed on both.",
)
@click.option("--steps", "length", type=click.IntRange(min=1), help="Steps per run.")
@click.option("--faults", is_flag=True, help="Against the gateway emulator with its faults.")
@click.option(
    "--order-keys",
    is_flag=True,
    help="Add the order keys' commands to the trader (other seeds' plans unchanged).",
)
@click.option("--no-shrink", is_flag=True, help="Do not shorten failures.")
@click.option(
    "--strict",
    is_flag=True,
    help="Stop a run at a known defect too (by default it is noted and the run goes on).",
)
def main(
    runs: int | None,
    seed: int | None,
    schedule: str,
    length: int | None,
    faults: bool,
    order_keys: bool,
    no_shrink: bool,
    strict: bool,
) -> None:
    """Run seeded simulations of the trading core and check its promises after every step.

    A failure prints its seed and, for the first failure of each promise, a shortened
    reproduction as Python. Known defects (tests/simulation/known.py) are counted and
    the run goes on past them unless --strict. Exits 1 when any promise broke.
    """
    count = runs if runs is not None else (1 if seed is not None else 100)
    first = seed if seed is not None else 0
    seeds = range(first, first + count)
    tolerate = () if strict else KNOWN
    if faults:
        from tests.simulation.emulator import EMULATOR_STEPS, against_emulator

        runner = against_emulator(
            length or EMULATOR_STEPS, tolerate=tolerate, order_keys=order_keys
        )
        schedules = ["eager"]
    else:
        runner = in_process(length or STEPS, tolerate=tolerate, order_keys=order_keys)
        schedules = list(SCHEDULES) if schedule == "both" else [schedule]
    campaign = sweep(
        seeds, schedules, runner, shorten=not no_shrink, faults=faults, tolerate=tolerate
    )
    click.echo(campaign.summary())
    met_known = any(o.tolerated for o in campaign.outcomes)
    sys.exit(1 if campaign.failed or met_known else 0)


if __name__ == "__main__":
    main()
