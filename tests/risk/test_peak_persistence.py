"""The daily loss limit's best P&L of the day outlives a restart, so restarting never
loosens a trailing floor or profit protection (issue 15, items 2 and 7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from cockpit.brokers.paper import PaperBroker
from cockpit.config import Settings, UiSettings
from cockpit.core.clock import FakeClock
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.engine import Engine
from cockpit.core.events import Event, RiskDecision
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Mode, Side
from cockpit.core.state import State
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.journal.risk import PEAK_KEY, note_peak
from cockpit.journal.writer import JournalWriter
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine
from cockpit.risk.peak import FILE_NAME, DayPeak, PeakStore, encode_peak
from cockpit.risk.timing import Calendar
from cockpit.session import build_session
from tests.journal.conftest import START_NS, SYMBOLS
from tests.risk.conftest import Desk, DeskFactory

PROTECT = {"limit": 275, "trail_after": 200, "trail_by": 100, "action": "reduce-only"}
TRAILING = {"limit": 300, "trailing": True, "action": "reduce-only"}


async def made_260(desk: DeskFactory, state_dir: Path) -> Desk:
    """A desk up $260 on the day, a second later (so the best is saved)."""
    d = await desk({"daily_loss": PROTECT}, state_dir=state_dir)
    await d.buy("MNQ", 1)
    await d.move("MNQ", 520)
    assert d.risk.daily_loss is not None
    assert d.risk.daily_loss.locked_in == Decimal("160.00")
    await d.tick(1)
    return d


async def test_a_restart_keeps_the_protected_floor(desk: DeskFactory, tmp_path: Path) -> None:
    """Up $260 under protection, then restarted the same day: the floor is still $160,
    so the day back at $0 (a fresh paper account) is past it and entries stay blocked."""
    before = await made_260(desk, tmp_path)
    after = await desk({"daily_loss": PROTECT}, state_dir=tmp_path, clock=before.clock)
    assert after.risk.daily_loss is not None
    assert after.risk.daily_loss.locked_in == Decimal("160.00")
    assert after.state.risk_state == "REDUCE-ONLY"
    denied = await after.buy("MES", 1)
    assert not denied.accepted
    assert "protected floor $160.00" in denied.reason


async def test_a_restart_keeps_the_trailing_high(desk: DeskFactory, tmp_path: Path) -> None:
    """Trailing $300 from a $100 high, restarted the same day: $200 of room, not $300."""
    before = await desk({"daily_loss": TRAILING}, state_dir=tmp_path)
    await before.buy("MNQ", 1)
    await before.move("MNQ", 200)
    await before.tick(1)
    after = await desk({"daily_loss": TRAILING}, state_dir=tmp_path, clock=before.clock)
    assert after.risk.daily_loss_room(after.state) == Decimal("200.00")
    assert after.risk.daily_loss is not None
    assert after.risk.daily_loss.peak == Decimal("100.00")


def test_the_best_is_written_at_most_once_a_second(tmp_path: Path) -> None:
    """Rises within a second of the last save wait for the second (engine time), or for
    a flush."""
    store = PeakStore(tmp_path)
    store.rose(date(2026, 3, 10), Decimal(10), 1_000)
    store.rose(date(2026, 3, 10), Decimal(20), 2_000)
    assert PeakStore(tmp_path).starting(date(2026, 3, 10)) == Decimal(10)
    store.due(500_000_000)
    assert PeakStore(tmp_path).starting(date(2026, 3, 10)) == Decimal(10)
    store.due(1_000_001_000)
    assert PeakStore(tmp_path).starting(date(2026, 3, 10)) == Decimal(20)
    store.rose(date(2026, 3, 10), Decimal(30), 1_000_002_000)
    store.flush()
    assert PeakStore(tmp_path).starting(date(2026, 3, 10)) == Decimal(30)


async def test_a_breach_saves_the_best_at_once(desk: DeskFactory, tmp_path: Path) -> None:
    """Up $50 (saved), up to $260 and back to the $160 floor within the same second: the
    breach writes the $260 best, so a restart right then keeps the floor."""
    before = await desk({"daily_loss": PROTECT}, state_dir=tmp_path)
    await before.buy("MNQ", 1)
    await before.move("MNQ", 100)
    await before.move("MNQ", 420)
    await before.move("MNQ", -200)
    assert before.state.risk_state == "REDUCE-ONLY"
    after = await desk({"daily_loss": PROTECT}, state_dir=tmp_path, clock=before.clock)
    assert after.risk.daily_loss is not None
    assert after.risk.daily_loss.locked_in == Decimal("160.00")


async def test_a_new_trading_day_starts_fresh(desk: DeskFactory, tmp_path: Path) -> None:
    """Yesterday's best protects nothing today: the floor is back to -$275."""
    before = await made_260(desk, tmp_path)
    before.clock.advance(24 * 3600)
    after = await desk({"daily_loss": PROTECT}, state_dir=tmp_path, clock=before.clock)
    assert after.risk.daily_loss is not None
    assert after.risk.daily_loss.locked_in is None
    assert after.risk.daily_loss_room(after.state) == Decimal("275.00")
    assert after.state.risk_state == "ACTIVE"


async def test_an_unreadable_record_locks_the_day(desk: DeskFactory, tmp_path: Path) -> None:
    """A peak record that is not JSON might have held any best: the day locks (the
    tightest floor there is) and the reason names the record."""
    await made_260(desk, tmp_path)
    (tmp_path / FILE_NAME).write_text("{ half a rec", encoding="utf-8")
    after = await desk({"daily_loss": PROTECT}, state_dir=tmp_path)
    assert after.state.risk_state == "LOCKED"
    lockout = after.store.lockout
    assert lockout is not None
    assert "day peak record" in lockout.reason
    assert "locked until the trading day ends" in lockout.reason


async def test_a_record_edited_down_does_not_loosen(desk: DeskFactory, tmp_path: Path) -> None:
    """A record whose best was edited down to $0 fails its checksum: the day locks."""
    before = await made_260(desk, tmp_path)
    path = tmp_path / FILE_NAME
    path.write_text(path.read_text(encoding="utf-8").replace("260", "0"), encoding="utf-8")
    after = await desk({"daily_loss": PROTECT}, state_dir=tmp_path, clock=before.clock)
    assert after.state.risk_state == "LOCKED"
    lockout = after.store.lockout
    assert lockout is not None
    assert "checksum" in lockout.reason


async def test_a_damaged_record_of_an_earlier_day_is_ignored(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """A damaged record that still names yesterday cannot concern today: no lock."""
    record = encode_peak(DayPeak(date(2026, 3, 9), Decimal(500), 0))
    (tmp_path / FILE_NAME).write_text(record.replace("500", "5"), encoding="utf-8")
    after = await desk({"daily_loss": PROTECT}, state_dir=tmp_path)
    assert after.state.risk_state == "ACTIVE"
    assert after.risk.daily_loss_room(after.state) == Decimal("275.00")


async def test_a_session_restarted_mid_day_replays_the_same(tmp_path: Path) -> None:
    """A session that starts from a saved $260 best (a restart) is past the protected
    floor at once; the replay, starting from the best its journal header noted, makes
    every decision again, the same."""
    risk: dict[str, Any] = {"daily_loss": PROTECT}
    settings_model = RiskSettings.model_validate(risk)
    day = Calendar(settings_model.boundary, settings_model.zone).day(START_NS)
    PeakStore(tmp_path / "state").rose(day, Decimal(260), START_NS - 60_000_000_000)
    start = PeakStore(tmp_path / "state")
    header: dict[str, Any] = {}

    class Note:
        settings = header

    note_peak(Note, start)
    settings = {"risk": risk, PEAK_KEY: header[PEAK_KEY]}
    clock = FakeClock(START_NS)
    broker = PaperBroker(clock, SYMBOLS, seed=11, pump_interval=0)
    state = State(INSTRUMENTS, SYMBOLS, mode=broker.mode)
    writer = JournalWriter(
        tmp_path / "journals",
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

    engine.emit = emit  # type: ignore[method-assign]  # watch what the engine records
    RiskEngine(settings_model, clock, peaks=start).attach(engine)
    await broker.start(engine.on_event)
    await engine.execute(SetArmed(armed=True))
    await engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    for _ in range(30):
        clock.advance(1)
        broker.step(clock.now_ns())
        engine.tick()
        await engine.drain()
    writer.close()
    assert writer.path is not None
    assert state.risk_state == "REDUCE-ONLY"
    decisions = [e for e in emitted if isinstance(e, RiskDecision)]
    assert any(d.rule == "daily-loss" and d.outcome == "denied" for d in decisions)
    with open_journal(writer.path) as journal:
        assert Replayer(journal).verify() == []


async def test_a_restarted_session_keeps_the_floor_and_replays(tmp_path: Path) -> None:
    """build_session over a state dir holding today's $260 best (an earlier run): the
    session starts past the protected floor, its journal header notes the best, and the
    replay decides the same."""
    rules = RiskSettings.model_validate({"daily_loss": PROTECT})
    day = Calendar(rules.boundary, rules.zone).day(START_NS)
    PeakStore(tmp_path / "state").rose(day, Decimal(260), START_NS - 60_000_000_000)
    settings = Settings(ui=UiSettings(watchlist=list(SYMBOLS)), risk=rules)
    clock = FakeClock(START_NS)
    session = build_session(
        settings,
        clock=clock,
        pump=False,
        journal_dir=tmp_path / "journals",
        risk_state_dir=tmp_path / "state",
    )
    await session.start()
    await session.engine.execute(SetArmed(armed=True))
    verdict = await session.engine.execute(PlaceOrder(symbol="MES", side=Side.BUY, size=1))
    await session.advance(5)
    await session.stop()
    assert not verdict.accepted
    assert "protected floor $160.00" in verdict.reason
    assert session.state.risk_state == "REDUCE-ONLY"
    assert session.journal is not None
    assert session.journal.path is not None
    with open_journal(session.journal.path) as journal:
        assert PEAK_KEY in journal.header.settings
        assert Replayer(journal).verify() == []
