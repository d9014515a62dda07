"""The maximum loss limit replays the same: its floor starts from the journal's note."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cockpit.brokers.paper import PaperBroker
from cockpit.core.clock import FakeClock
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.engine import Engine
from cockpit.core.events import Event, RiskDecision
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Mode, Side
from cockpit.core.state import State
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.journal.risk import FLOOR_KEY, note_floor
from cockpit.journal.writer import JournalWriter
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine
from cockpit.risk.floor import FloorRecord, FloorStore
from tests.journal.conftest import START_NS, SYMBOLS


@pytest.mark.parametrize("account", ["PRACTICE-50K", ""])
async def test_a_max_loss_breach_replays_to_the_same_decisions(
    tmp_path: Path, account: str
) -> None:
    """A session that starts near a saved floor (the account's own, or one from before
    floors had an account) breaches it live; the replay, starting from the floor the
    journal's header noted (not from the broker's balance), makes every decision again,
    the same."""
    start = FloorStore.memory(
        FloorRecord(
            "intraday-trailing",
            Decimal(50000),
            Decimal(50010),
            Decimal(49990),
            account=account,
        )
    )
    header: dict[str, Any] = {}

    class Note:
        settings = header

    note_floor(Note, start)
    risk = {"max_loss": {"amount": 20, "mode": "intraday-trailing", "buffer": 5}}
    settings = {"risk": risk, FLOOR_KEY: header[FLOOR_KEY]}
    clock = FakeClock(START_NS)
    broker = PaperBroker(clock, SYMBOLS, seed=11, pump_interval=0)
    state = State(INSTRUMENTS, SYMBOLS, mode=broker.mode)
    writer = JournalWriter(
        tmp_path,
        account="PRACTICE-50K",
        mode=Mode.SIM,
        instruments=INSTRUMENTS,
        watchlist=SYMBOLS,
        settings=settings,
    )
    engine = Engine(state, clock, broker=broker, recorder=writer)
    emitted: list[Event] = []
    original = engine.emit

    def emit(event: Event) -> None:
        emitted.append(event)
        original(event)

    engine.emit = emit  # type: ignore[method-assign]
    RiskEngine(RiskSettings.model_validate(risk), clock, floors=start).attach(engine)
    await broker.start(engine.on_event)
    await engine.execute(SetArmed(armed=True))
    await engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=2))
    for _ in range(600):
        if state.risk_state == "LOCKED":
            break
        clock.advance(1)
        broker.step(clock.now_ns())
        engine.tick()
        await engine.drain()
    assert state.risk_state == "LOCKED"
    for _ in range(30):
        clock.advance(1)
        broker.step(clock.now_ns())
        engine.tick()
        await engine.drain()
    writer.close()
    assert writer.path is not None
    decisions = [e for e in emitted if isinstance(e, RiskDecision)]
    assert any(d.rule == "max-loss" and d.outcome == "enforced" for d in decisions)
    with open_journal(writer.path) as journal:
        assert Replayer(journal).verify() == []
