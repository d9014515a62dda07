"""A live clock moves while the engine decides; replay must still reproduce every
decision to the nanosecond."""

from __future__ import annotations

from pathlib import Path

from cockpit.bracket_config import BracketSettings
from cockpit.config import Settings, UiSettings
from cockpit.core import loop as cockpit_loop
from cockpit.core.commands import FlattenAll, PlaceOrder, SetArmed
from cockpit.core.events import LockoutStarted
from cockpit.core.models import Side
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.journal.risk import install_risk
from cockpit.risk.config import RiskSettings
from cockpit.risk.lockout import Lockout, LockoutStore
from cockpit.session import build_session

from .conftest import START_NS


class TickingClock:
    """Like a wall clock: every reading is a few microseconds after the last."""

    def __init__(self, start_ns: int, step_ns: int = 7_000) -> None:
        self._now = start_ns
        self.step_ns = step_ns

    def now_ns(self) -> int:
        self._now += self.step_ns
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += int(seconds * 1_000_000_000)


async def record(folder: Path) -> Path:
    clock = TickingClock(START_NS)
    settings = Settings(
        ui=UiSettings(watchlist=["MNQ", "MES"]),
        risk=RiskSettings.model_validate({"max_order_size": {"contracts": 2}}),
    )
    session = build_session(
        settings, clock=clock, pump=False, journal_dir=folder / "j", risk_state_dir=folder / "s"
    )
    await session.start()
    broker, engine = session.broker, session.engine

    async def go(seconds: float) -> None:
        clock.advance(seconds)
        broker.step(clock.now_ns())  # type: ignore[attr-defined]
        engine.tick()
        await engine.drain()

    await go(2)
    engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))  # disarmed: denied
    await engine.execute(SetArmed(armed=True))
    await engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=3))  # too big: denied
    await engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=2))
    await go(5)
    await engine.execute(PlaceOrder(symbol="MNQ", side=Side.SELL, size=2))
    await go(5)
    await session.stop()
    assert session.journal is not None
    assert session.journal.path is not None
    return session.journal.path


def test_replay_reproduces_decisions_made_on_a_moving_clock(tmp_path: Path) -> None:
    """Denials, submissions and risk decisions recorded on a ticking clock replay exactly."""
    path = cockpit_loop.run(record(tmp_path))
    with open_journal(path) as journal:
        assert Replayer(journal, install=install_risk).verify() == []


async def record_bracketed(folder: Path) -> Path:
    clock = TickingClock(START_NS)
    brackets = BracketSettings.model_validate(
        {"active": "scalp", "scalp": {"stop": 8, "target": 16}}
    )
    settings = Settings(ui=UiSettings(watchlist=["MNQ"]), brackets=brackets)
    session = build_session(
        settings, clock=clock, pump=False, journal_dir=folder / "j", risk_state_dir=folder / "s"
    )
    await session.start()
    broker, engine = session.broker, session.engine

    async def go(seconds: float) -> None:
        clock.advance(seconds)
        broker.step(clock.now_ns())  # type: ignore[attr-defined]
        engine.tick()
        await engine.drain()

    await go(2)
    await engine.execute(SetArmed(armed=True))
    await engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    await go(3)
    await engine.execute(FlattenAll())
    await go(3)
    await session.stop()
    assert session.journal is not None
    assert session.journal.path is not None
    return session.journal.path


def test_bracket_decisions_on_a_moving_clock_replay_exactly(tmp_path: Path) -> None:
    """The bracket manager's legs and notices (said once the broker's answers are all in)
    carry the moment they were decided in, live and in the replay, on a ticking clock."""
    path = cockpit_loop.run(record_bracketed(tmp_path))
    with open_journal(path) as journal:
        legs = [r for r in journal if isinstance(r.item, PlaceOrder) and r.item.origin == "bracket"]
        assert len(legs) == 2
        assert Replayer(journal, install=install_risk).verify() == []


async def record_restored_lockout(folder: Path) -> Path:
    clock = TickingClock(START_NS)
    store = LockoutStore(folder / "s")
    store.extend(Lockout(START_NS + 3600 * 10**9, "tilt", "manual", START_NS - 10), START_NS)
    session = build_session(
        Settings(ui=UiSettings(watchlist=["MNQ"])),
        clock=clock,
        pump=False,
        journal_dir=folder / "j",
        risk_state_dir=folder / "s",
    )
    await session.start()
    clock.advance(2)
    session.engine.tick()
    await session.engine.drain()
    await session.stop()
    assert session.journal is not None
    assert session.journal.path is not None
    return session.journal.path


def test_a_lockout_restored_at_start_on_a_moving_clock_replays_exactly(tmp_path: Path) -> None:
    """The lockout restored at start, its notice and the LOCKED state are stamped with the
    moment the risk engine attached, so the recorded time is the event's own time and the
    replay decides them at that same nanosecond."""
    path = cockpit_loop.run(record_restored_lockout(tmp_path))
    with open_journal(path) as journal:
        restored = [r for r in journal if isinstance(r.item, LockoutStarted)]
        assert [(r.ns, r.item.ts) for r in restored] == [(restored[0].item.ts,) * 2]
        assert Replayer(journal, install=install_risk).verify() == []
