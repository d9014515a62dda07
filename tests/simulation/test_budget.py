"""The simulation's fixed CI budget: seeds in process on both schedules, and a few against
the gateway emulator with its faults. Every promise holds in every seed, known defects
aside (tests/simulation/known.py; each has a strict-xfail reproduction). A failure prints
the seed and a shortened reproduction. Seeds per minute are printed at the end."""

from __future__ import annotations

import time

import pytest

from tests.simulation.campaign import Campaign
from tests.simulation.conftest import BUDGETS
from tests.simulation.emulator import run_emulated
from tests.simulation.known import KNOWN
from tests.simulation.report import failure
from tests.simulation.runner import SCHEDULES, Outcome, run_seed
from tests.simulation.shrink import shrink

pytestmark = pytest.mark.slow

IN_PROCESS_SEEDS = range(200)
ORDER_KEY_SEEDS = range(1000, 1100)
"""Seeds whose trader also uses the order keys (move, to market, reverse, partial close):
the mix that found the limits' gaps on a close and a new size on their way."""
EMULATOR_SEEDS = range(20)


def _noted(mode: str, outcome: Outcome, started: float) -> Outcome:
    campaign = BUDGETS.setdefault(mode, Campaign())
    campaign.outcomes.append(outcome)
    campaign.wall += time.perf_counter() - started
    return outcome


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("seed", IN_PROCESS_SEEDS)
def test_a_seed_in_process_keeps_every_promise(seed: int, schedule: str) -> None:
    """One seed's trader, market, slow paper line and schedule break no promise."""
    started = time.perf_counter()
    outcome = _noted("in process", run_seed(seed, schedule=schedule, tolerate=KNOWN), started)
    if not outcome.ok:
        pytest.fail(failure(outcome, shrink(outcome, budget=150, tolerate=KNOWN)))


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("seed", ORDER_KEY_SEEDS)
def test_a_seed_with_the_order_keys_keeps_every_promise(seed: int, schedule: str) -> None:
    """One seed's trader with the order keys in its mix breaks no promise."""
    started = time.perf_counter()
    outcome = run_seed(seed, schedule=schedule, tolerate=KNOWN, order_keys=True)
    outcome = _noted("in process, order keys", outcome, started)
    if not outcome.ok:
        pytest.fail(failure(outcome, shrink(outcome, budget=150, tolerate=KNOWN)))


@pytest.mark.parametrize("seed", EMULATOR_SEEDS)
def test_a_seed_against_the_emulator_keeps_every_promise(seed: int) -> None:
    """One seed's trader and faults against the gateway emulator, through the real SDK,
    break no promise (not bit-for-bit reproducible: real sockets and wall time)."""
    started = time.perf_counter()
    outcome = _noted("gateway emulator", run_emulated(seed, tolerate=KNOWN), started)
    if not outcome.ok:
        pytest.fail(failure(outcome, faults=True))
