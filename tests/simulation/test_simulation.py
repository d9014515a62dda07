"""The simulation tester itself: simulated time, determinism, every invariant able to fail,
and shortening to a reproduction that runs as printed."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cockpit.core.commands import CancelOrder, Command
from cockpit.core.events import Event, PositionUpdated, Printed
from cockpit.core.models import OrderRequest
from cockpit.core.state import State
from cockpit.core.validation import Denial
from cockpit.risk.engine import RiskEngine
from cockpit.risk.lockout import Lockout, LockoutStore
from tests.simulation import (
    Cancel,
    CloseSome,
    Flatten,
    Nudge,
    Place,
    Restart,
    Reverse,
    ToMarket,
    Wait,
    run_seed,
)
from tests.simulation import Lockout as LockoutStep
from tests.simulation.known import KNOWN, Known
from tests.simulation.line import SlowLine
from tests.simulation.report import reproduction
from tests.simulation.runner import Outcome, plan
from tests.simulation.shrink import shrink
from tests.simulation.timeloop import Stalled, run_simulated
from tests.simulation.venue import SimVenue
from tests.simulation.world import brackets_for

BUY_ONE = Place(symbol="M2K", side="buy", kind="market", size=1)


def test_simulated_time_jumps_to_the_next_timer() -> None:
    """An hour's sleep on the simulated loop ends at exactly an hour of loop time."""

    async def sleep_an_hour() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.wait_for(asyncio.sleep(3600), timeout=7200)
        return loop.time() - start

    assert run_simulated(sleep_an_hour(), eager=True) == 3600


def test_a_deadlock_is_reported_instead_of_waited_for() -> None:
    """When every task waits on something nothing will ever do, the loop says so."""

    async def wait_forever() -> None:
        await asyncio.get_running_loop().create_future()

    with pytest.raises(Stalled):
        run_simulated(wait_forever(), eager=False)


@pytest.mark.parametrize("schedule", ["eager", "lazy"])
def test_a_seed_replays_exactly(schedule: str) -> None:
    """The same seed gives the same decisions, broker facts and market, event for event."""
    first = run_seed(3, schedule=schedule, length=60, tolerate=KNOWN)
    second = run_seed(3, schedule=schedule, length=60, tolerate=KNOWN)
    assert first.fingerprint == second.fingerprint
    assert first.commands > 20


def test_a_seed_replays_exactly_in_another_process() -> None:
    """Nothing in a run depends on the process (string hashing differs between them)."""
    here = run_seed(5, length=40, tolerate=KNOWN).fingerprint
    code = (
        "from tests.simulation import run_seed\n"
        "from tests.simulation.known import KNOWN\n"
        "print(run_seed(5, length=40, tolerate=KNOWN).fingerprint)"
    )
    env = os.environ | {"PYTHONHASHSEED": "4242"}
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=root
    )
    assert out.stdout.strip() == here


def test_the_two_schedules_run_differently() -> None:
    """Eager and lazy tasks are really two schedules: the same seed interleaves apart."""
    eager = run_seed(3, schedule="eager", length=60, tolerate=KNOWN)
    lazy = run_seed(3, schedule="lazy", length=60, tolerate=KNOWN)
    assert eager.fingerprint != lazy.fingerprint


def test_a_run_covers_the_cockpits_situations() -> None:
    """A few seeds reach fills, denials by several rules, flattens, lockouts, reduce-only,
    outages, restarts and reconciles: what the promises are about comes up."""
    seen: set[str] = set()
    for seed in range(8):
        seen |= set(run_seed(seed, length=120, tolerate=KNOWN).coverage)
    expected = {
        "FillReceived",
        "LockoutStarted",
        "Reconciled",
        "broker failed",
        "broker uncertain",
        "denied by lockout",
        "denied by max-order-size",
        "denied by contract-limit",
        "enforced cancel-all",
        "flatten flat",
        "outage",
        "restart",
        "risk REDUCE-ONLY",
    }
    assert expected <= seen


# Each promise can break: a planted defect is caught -----------------------------------------


PLANTED_SEED = 12
"""A seed whose run has no bracket templates (world.brackets_for): a planted defect's
outcome then depends on the planted steps alone, not on the legs a bracket adds."""


def planted(steps: list[Any]) -> Outcome:
    assert not brackets_for(PLANTED_SEED)
    return run_seed(PLANTED_SEED, steps=steps)


def test_an_order_sent_twice_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A line that sends every order twice breaks 'no order reaches the broker twice'."""
    place = SlowLine.place_order

    async def twice(self: SlowLine, request: OrderRequest) -> int:
        await place(self, request)
        return await place(self, request)

    monkeypatch.setattr(SlowLine, "place_order", twice)
    assert planted([BUY_ONE, Wait(1.0)]).promise == "once"


def test_a_shortened_lockout_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store that lets a later, shorter lockout replace a longer one is caught."""

    def replace(self: LockoutStore, lockout: Lockout, now_ns: int) -> tuple[Lockout, None]:
        self.lockout = lockout
        return lockout, None

    monkeypatch.setattr(LockoutStore, "extend", replace)
    outcome = planted([LockoutStep(60.0), Wait(1.0), LockoutStep(2.0), Wait(5.0)])
    assert outcome.promise == "lockout"


def test_an_engine_that_loses_a_position_report_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A position report lost on the way breaks 'the engine's picture is the broker's'."""
    start = SimVenue.start

    async def lossy(self: SimVenue, sink: Callable[[Event], None]) -> None:
        await start(self, lambda e: None if isinstance(e, PositionUpdated) else sink(e))

    monkeypatch.setattr(SimVenue, "start", lossy)
    assert planted([BUY_ONE, Wait(0.5)]).promise == "mirror"


def test_an_order_past_a_limit_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A gate that lets everything through is caught accepting 4 contracts (max 3)."""
    monkeypatch.setattr(RiskEngine, "check", lambda *args: None)
    big = Place(symbol="M2K", side="buy", kind="market", size=4)
    outcome = planted([big, Wait(0.5)])
    assert outcome.promise == "limits"
    assert "above the 3-contract maximum" in outcome.violations[0].detail


def test_a_refused_cancel_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A gate that denies a cancel breaks 'no exit is denied'."""
    check = RiskEngine.check

    def no_cancels(
        self: RiskEngine, command: Command, request: OrderRequest | None, state: State
    ) -> Denial | None:
        if isinstance(command, CancelOrder):
            return Denial("planted", "planted")
        return check(self, command, request, state)

    monkeypatch.setattr(RiskEngine, "check", no_cancels)
    resting = Place(symbol="M2K", side="buy", kind="limit", size=1, ticks=10)
    outcome = planted([resting, Wait(0.5), Cancel(0)])
    assert outcome.promise == "exits"
    assert "denied" in outcome.violations[0].detail


def test_a_cancel_kept_waiting_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cancel that reaches the broker half a second after the key is caught."""
    cancel = SlowLine.cancel_order

    async def late(self: SlowLine, order_id: int) -> None:
        await asyncio.sleep(0.5)
        await cancel(self, order_id)

    monkeypatch.setattr(SlowLine, "cancel_order", late)
    resting = Place(symbol="M2K", side="buy", kind="limit", size=1, ticks=10)
    outcome = planted([resting, Wait(0.5), Cancel(0), Wait(1.0)])
    assert outcome.promise == "exits"
    assert "after the key" in outcome.violations[0].detail


def test_a_flatten_that_leaves_a_position_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A close the venue ignores leaves the flatten NOT FLAT with nothing to blame."""

    async def ignore(self: SimVenue, symbol: str) -> None:
        return None

    monkeypatch.setattr(SimVenue, "close_position", ignore)
    outcome = planted([BUY_ONE, Wait(0.5), Flatten(), Wait(40.0)])
    assert outcome.promise == "flatten"
    assert "NOT FLAT though every broker call was answered" in outcome.violations[0].detail


def test_a_decision_the_journal_cannot_replay_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A gate that denies only the first order it ever sees (so not on replay) is caught
    by the journal re-run."""
    check = RiskEngine.check
    seen = itertools.count()

    def first_refused(
        self: RiskEngine, command: Command, request: OrderRequest | None, state: State
    ) -> Denial | None:
        if request is not None and next(seen) == 0:
            return Denial("planted", "planted")
        return check(self, command, request, state)

    monkeypatch.setattr(RiskEngine, "check", first_refused)
    assert planted([BUY_ONE, Wait(1.0)]).promise == "journal"


def test_an_exception_in_a_watcher_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A risk engine that raises on a print is caught and reported by the engine (the fold
    goes on for everyone else), and the run says so."""

    def explode(self: RiskEngine, event: Event, state: State) -> list[Command]:
        if isinstance(event, Printed):
            raise RuntimeError("planted")
        return []

    monkeypatch.setattr(RiskEngine, "on_event", explode)
    outcome = planted([Wait(1.0)])
    assert outcome.promise == "crash"


# Known defects, shortening and reproductions ---------------------------------------------------


def test_a_known_defect_is_noted_and_the_run_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """A violation a Known recognises is set aside and the run carries on to the end."""
    monkeypatch.setattr(RiskEngine, "check", lambda *args: None)
    big = Place(symbol="M2K", side="buy", kind="market", size=4)
    steps = [big, Wait(0.5), Wait(0.5)]
    size_limit = Known("planted", "limits", "maximum", "a gate that lets everything through")
    outcome = run_seed(11, steps=steps, tolerate=(size_limit,))
    assert outcome.ok
    assert list(outcome.tolerated) == ["planted"]
    assert outcome.failed_at is None


def test_a_failure_shortens_to_the_steps_that_matter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Of a 45-step plan, shortening keeps the few steps that still send an order twice,
    and the printed reproduction fails the same way when run as printed."""
    place = SlowLine.place_order

    async def third_twice(self: SlowLine, request: OrderRequest) -> int:
        order_id = await place(self, request)
        if request.tag is not None and request.tag.endswith("-3"):
            order_id = await place(self, request)
        return order_id

    monkeypatch.setattr(SlowLine, "place_order", third_twice)
    noise = [Wait(0.3), Cancel(2), Flatten(), Wait(2.0)] * 2
    steps = [LockoutStep(1.0), Wait(2.0), *noise, BUY_ONE, *noise, BUY_ONE]
    steps += [*noise, *noise, BUY_ONE, *noise]
    outcome = run_seed(11, steps=steps)
    assert outcome.promise == "once"
    short = shrink(outcome, budget=200)
    assert short.promise == "once"
    assert len(short.steps) <= 4
    namespace: dict[str, Any] = {}
    with pytest.raises(AssertionError, match="once"):
        exec(reproduction(short), namespace)
    assert namespace["outcome"].violations[0].detail == short.violations[0].detail


def test_the_order_keys_join_the_mix_without_reshuffling_other_plans() -> None:
    """Without the flag a seed's plan has none of the order keys' steps (so the pinned
    reproductions keep their meaning); with it, a run moves orders, sends to the market,
    reverses and closes part of positions, and the composite steps follow."""
    keyed_steps = (Nudge, ToMarket, Reverse, CloseSome)
    pinned = plan(74)  # test_regressions.py "tag-reused-after-restart" was drawn from it
    assert pinned[4] == Place(symbol="M2K", side="sell", kind="market", size=2)
    assert pinned[9] == Restart()
    for seed in range(5):
        assert not any(isinstance(s, keyed_steps) for s in plan(seed))
        keyed = plan(seed, order_keys=True)
        assert any(isinstance(s, keyed_steps) for s in keyed)
    seen: set[str] = set()
    for seed in range(6):
        seen |= set(run_seed(seed, length=120, order_keys=True).coverage)
    assert {
        "accepted CloseContracts",
        "accepted ReversePosition",
        "accepted MoveToMarket",
        "reverse step",
    } <= seen
