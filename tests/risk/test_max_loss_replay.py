"""The maximum loss limit replays the same: its floor starts from the journal's note."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cockpit.brokers.paper import PaperBroker
from cockpit.config import parse_settings
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
from cockpit.risk.floor import FloorRecord, FloorStore, file_name
from cockpit.session import build_session
from tests.journal.conftest import START_NS, SYMBOLS
from tests.risk.conftest import short_history


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


class OtherLogin(PaperBroker):
    """A broker told one account that logs into another: before the start it names the
    configured account, from the start the one it signed into (as ProjectX does)."""

    signed_in = False

    @property
    def account_name(self) -> str:
        return super().account_name if self.signed_in else "CONFIGURED"

    async def start(self, sink: Any) -> None:
        self.signed_in = True
        await super().start(sink)


@pytest.mark.parametrize("damaged", [False, True])
async def test_a_login_to_another_account_notes_and_replays_that_accounts_floor(
    tmp_path: Path, damaged: bool
) -> None:
    """Configured for one account, signed into PRACTICE-50K whose saved floor is breached
    (or whose state dir copy is damaged): live locks on that account's floor at its first
    balance, the journal header notes the floor of the account signed into, and the replay
    decides the same."""
    state_dir, journals = tmp_path / "state", tmp_path / "journals"
    record = FloorRecord(
        "eod-trailing",
        Decimal(50000),
        Decimal(50000),
        Decimal(48000),
        breached=True,
        account="PRACTICE-50K",
    )
    FloorStore(state_dir, journals, account="PRACTICE-50K").save(record)
    if damaged:
        path = state_dir / file_name("PRACTICE-50K")
        path.write_text(path.read_text().replace("48000", "47000"))
    settings = parse_settings(
        "[ui]\nwatchlist = ['MNQ', 'MES']\n[risk.max_loss]\namount = 2000\n",
        Path("config.toml"),
    )
    clock = FakeClock(START_NS)
    with short_history():
        broker = OtherLogin(clock, SYMBOLS, seed=11, pump_interval=0)
    session = build_session(
        settings,
        clock=clock,
        broker=broker,
        pump=False,
        risk_state_dir=state_dir,
        journal_dir=journals,
    )
    await session.start()
    await session.advance(3)
    await session.stop()
    assert session.state.risk_state == "LOCKED"
    assert session.journal is not None
    assert session.journal.path is not None
    with open_journal(session.journal.path) as journal:
        note = journal.header.settings[FLOOR_KEY]
        assert "PRACTICE-50K" in str(note)
        assert Replayer(journal).verify() == []
