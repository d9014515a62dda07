"""The risk engine re-runs on a recorded day and reaches every decision again, exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import Settings, UiSettings
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import FakeClock
from cockpit.core.commands import PlaceOrder, SetArmed, StartLockout
from cockpit.core.events import (
    LockoutEnded,
    LockoutStarted,
    OrderDenied,
    RiskDecision,
    RiskStateChanged,
)
from cockpit.core.models import Side
from cockpit.journal.format import RecordKind
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.risk.config import RiskSettings
from cockpit.session import Session, build_session

from .conftest import START_NS

RULES = {
    "max_order_size": {"contracts": 2},
    "trade_clock": {"minutes": 0.25},
    "daily_loss": {"limit": "5", "action": "lock", "lock_until": "2m"},
}


async def trade_into_a_lockout(session: Session, clock: FakeClock) -> None:
    """Too big, too soon, then losing round trips until the daily loss locks; wait it out,
    then lock by hand and wait that out too."""
    engine, broker = session.engine, session.broker

    async def wait(seconds: int) -> None:
        for _ in range(seconds):
            clock.advance(1)
            broker.step(clock.now_ns())  # type: ignore[attr-defined]
            engine.tick()
            await engine.drain()

    async def order(side: Side, size: int = 1) -> bool:
        verdict = await engine.execute(PlaceOrder(symbol="MES", side=side, size=size))
        await engine.drain()
        return verdict.accepted

    await wait(2)
    await engine.execute(SetArmed(armed=True))
    assert not await order(Side.BUY, 3)  # above the largest order
    risk = session.risk
    assert risk is not None
    for _ in range(10):
        # Losing round trips (spread and fees) until the daily loss locks, on an entry or
        # on an exit, whichever the tape makes reach the limit first.
        if risk.store.lockout is not None:
            break
        assert await order(Side.BUY)
        if risk.store.lockout is not None:
            break
        assert await order(Side.SELL)  # an exit: never blocked
        if risk.store.lockout is not None:
            break
        assert not await order(Side.BUY)  # too soon after the entry: the trade clock says no
        await wait(16)
    assert risk.store.lockout is not None
    assert not await order(Side.BUY)  # locked
    await wait(150)  # the lockout ends on a tick
    assert risk.store.lockout is None
    await order(Side.BUY)  # the day's loss still denies entries: reduce-only
    await engine.execute(StartLockout(until_ns=clock.now_ns() + 30 * 10**9, reason="tilt"))
    await wait(35)


@pytest.fixture(scope="module")
def risky(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real session (build_session: paper broker, risk engine, journal) locked out."""

    folder = tmp_path_factory.mktemp("risky")
    settings = Settings(
        ui=UiSettings(watchlist=["MNQ", "MES"]), risk=RiskSettings.model_validate(RULES)
    )

    async def run() -> Path:
        clock = FakeClock(START_NS)
        session = build_session(
            settings,
            clock=clock,
            pump=False,
            journal_dir=folder / "journals",
            risk_state_dir=folder / "state",
        )
        await session.start()
        await trade_into_a_lockout(session, clock)
        await session.stop()
        assert session.journal is not None
        assert session.journal.path is not None
        return session.journal.path

    return cockpit_loop.run(run())


def test_the_session_hit_every_kind_of_rule(risky: Path) -> None:
    """The recording holds size, time and loss denials, a lockout and its end, ticks."""
    with open_journal(risky) as journal:
        records = list(journal)
        assert journal.header.settings["risk"]["daily_loss"]["limit"] == "5"
    out = [r.item for r in records if r.kind is RecordKind.OUT]
    rules = {e.rule for e in out if isinstance(e, OrderDenied)}
    assert {"max-order-size", "trade-clock", "lockout"} <= rules
    assert any(isinstance(e, LockoutStarted) for e in out)
    assert sum(isinstance(e, LockoutEnded) for e in out) == 2
    assert any(isinstance(e, RiskStateChanged) and e.state == "LOCKED" for e in out)
    assert any(isinstance(e, RiskDecision) for e in out)
    assert any(r.kind is RecordKind.TICK for r in records)


def test_replay_reproduces_the_risk_engine_decisions(risky: Path) -> None:
    """Re-run with the recorded rules, every denial, state change, enforcement and
    lockout comes out the same, at the same nanosecond."""
    with open_journal(risky) as journal:
        assert Replayer(journal).verify() == []


def test_replay_with_checkpoints_reproduces_them_too(risky: Path) -> None:
    """Going back through pickled checkpoints keeps the risk engine's memory intact."""
    with open_journal(risky) as journal:
        replayer = Replayer(journal, checkpoint_every=300)
        replayer.go_to(journal.count)
        replayer.go_to(journal.count // 3)
        assert replayer.generation == 1
        assert replayer.verify() == []


def test_replay_without_the_rules_notices_their_decisions_missing(risky: Path) -> None:
    """Re-run with no rules: the recorded risk decisions are reported as not reproduced."""
    with open_journal(risky) as journal:
        mismatches = Replayer(journal, install=lambda engine, settings: None).verify()
    assert any("max-order-size" in m.describe() for m in mismatches)


def test_jumping_to_the_lockout_shows_the_cockpit_locked(risky: Path) -> None:
    """Next lockout lands where trading locked: the state and the risk views say LOCKED,
    and the next jump lands where it ended."""
    from cockpit.replay import ReplaySession

    with open_journal(risky) as journal:
        replay = ReplaySession(journal)
        started = replay.next_lockout()
        assert started is not None
        assert isinstance(started.item, LockoutStarted)
        assert replay.state.lockout_until == started.item.until_ns
        assert replay.session.risk is not None
        assert replay.session.risk.trading_state.value == "LOCKED"
        ended = replay.next_lockout()
        assert ended is not None
        assert isinstance(ended.item, LockoutEnded)
        assert replay.state.lockout_until is None
