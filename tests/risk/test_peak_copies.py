"""The day peak is kept in two copies, like the lockout: deleting or editing one copy
never loosens the daily loss limit's floor (issue 15)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from cockpit.config import Settings, UiSettings
from cockpit.core.clock import FakeClock
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.events import Notice
from cockpit.core.models import Side
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.journal.risk import peak_witness, trader_peaks
from cockpit.risk.config import RiskSettings
from cockpit.risk.peak import FILE_NAME, DayPeak, PeakStore, decode_copy, encode_peak
from cockpit.risk.records import write_atomic
from cockpit.risk.timing import Calendar
from cockpit.session import Session, build_session
from tests.journal.conftest import START_NS, SYMBOLS
from tests.risk.conftest import Desk, DeskFactory

PROTECT = {"limit": 275, "trail_after": 200, "trail_by": 100, "action": "reduce-only"}


def copies(root: Path) -> PeakStore:
    """The two copies a live session keeps: the state dir's and the journals dir's."""
    return PeakStore(root / "state", root / "journals")


async def made_260(desk: DeskFactory, root: Path) -> Desk:
    """A desk up $260 on the day, a second later (so both copies are saved)."""
    d = await desk({"daily_loss": PROTECT}, state_dir=root / "state", peaks=copies(root))
    await d.buy("MNQ", 1)
    await d.move("MNQ", 520)
    await d.tick(1)
    return d


async def restarted(desk: DeskFactory, root: Path, before: Desk) -> Desk:
    """The same day, a fresh paper account, the same two folders."""
    return await desk(
        {"daily_loss": PROTECT}, state_dir=root / "state", peaks=copies(root), clock=before.clock
    )


async def test_both_copies_are_written(desk: DeskFactory, tmp_path: Path) -> None:
    """A rise saves the best in the state dir and beside the journals, each saying that
    two were written together."""
    await made_260(desk, tmp_path)
    for folder in ("state", "journals"):
        record, written = decode_copy((tmp_path / folder / FILE_NAME).read_bytes())
        assert record.peak == Decimal("260.00")
        assert written == 2


async def test_the_state_copy_deleted_keeps_the_floor(desk: DeskFactory, tmp_path: Path) -> None:
    """Up $260, the state dir's copy deleted, restarted the same day: the floor is still
    $160 (from the journals dir's copy), and the missing copy is a trace that locks."""
    before = await made_260(desk, tmp_path)
    (tmp_path / "state" / FILE_NAME).unlink()
    after = await restarted(desk, tmp_path, before)
    assert after.risk.daily_loss is not None
    assert after.risk.daily_loss.locked_in == Decimal("160.00")
    assert after.state.risk_state == "LOCKED"
    lockout = after.store.lockout
    assert lockout is not None
    assert f"{tmp_path / 'state' / FILE_NAME} is missing" in lockout.reason
    assert "locked until the trading day ends" in lockout.reason


async def test_the_journals_copy_deleted_locks_too(desk: DeskFactory, tmp_path: Path) -> None:
    """Either copy missing while the other names it is a trace: the day locks."""
    before = await made_260(desk, tmp_path)
    (tmp_path / "journals" / FILE_NAME).unlink()
    after = await restarted(desk, tmp_path, before)
    assert after.state.risk_state == "LOCKED"
    lockout = after.store.lockout
    assert lockout is not None
    assert f"{tmp_path / 'journals' / FILE_NAME} is missing" in lockout.reason


async def test_a_deleted_copy_comes_back(desk: DeskFactory, tmp_path: Path) -> None:
    """The next save rewrites both copies, so a deleted one is back with today's best."""
    before = await made_260(desk, tmp_path)
    (tmp_path / "state" / FILE_NAME).unlink()
    after = await restarted(desk, tmp_path, before)
    after.peaks.rose(before.risk.calendar.day(after.clock.now_ns()), Decimal(261), 1)
    after.peaks.flush()
    assert (tmp_path / "state" / FILE_NAME).exists()
    assert PeakStore(tmp_path / "state").record == PeakStore(tmp_path / "journals").record


async def test_both_copies_deleted_is_a_fresh_day(desk: DeskFactory, tmp_path: Path) -> None:
    """With both copies gone and no journal to ask, no trace is left: the day starts from
    zero (the floor back to -$275), as documented, like a lockout with no record and no
    journal."""
    before = await made_260(desk, tmp_path)
    (tmp_path / "state" / FILE_NAME).unlink()
    (tmp_path / "journals" / FILE_NAME).unlink()
    after = await restarted(desk, tmp_path, before)
    assert after.state.risk_state == "ACTIVE"
    assert after.risk.daily_loss_room(after.state) == Decimal("275.00")


async def test_one_copy_edited_down_the_higher_wins(desk: DeskFactory, tmp_path: Path) -> None:
    """The state dir's copy rewritten whole (a valid checksum) with a $0 best: the
    journals dir's $260 wins, so the floor is still $160 and nothing is damaged."""
    before = await made_260(desk, tmp_path)
    path = tmp_path / "state" / FILE_NAME
    record, written = decode_copy(path.read_bytes())
    write_atomic(path, encode_peak(DayPeak(record.day, Decimal(0), record.seen_ns), written))
    after = await restarted(desk, tmp_path, before)
    assert after.risk.daily_loss is not None
    assert after.risk.daily_loss.locked_in == Decimal("160.00")
    assert after.state.risk_state == "REDUCE-ONLY"
    assert after.peaks.problem is None


async def test_a_copy_renamed_to_an_earlier_day_does_not_loosen(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """One copy rewritten whole to name yesterday: today's best in the other still wins."""
    before = await made_260(desk, tmp_path)
    path = tmp_path / "state" / FILE_NAME
    record, written = decode_copy(path.read_bytes())
    yesterday = record.day - timedelta(days=1)
    write_atomic(path, encode_peak(DayPeak(yesterday, Decimal(0), 0), written))
    after = await restarted(desk, tmp_path, before)
    assert after.risk.daily_loss is not None
    assert after.risk.daily_loss.locked_in == Decimal("160.00")


def test_a_copy_written_alone_vouches_for_no_sibling(tmp_path: Path) -> None:
    """A record from before the second copy (written alone) with no journals copy beside
    it is no trace: it is read, and nothing locks."""
    day = Calendar(RiskSettings().boundary, RiskSettings().zone).day(START_NS)
    PeakStore(tmp_path / "state").rose(day, Decimal(260), 0)
    store = copies(tmp_path)
    store.begin(day)
    assert store.problem is None
    assert store.starting(day) == Decimal(260)


def test_a_missing_copy_of_an_earlier_day_is_ignored(tmp_path: Path) -> None:
    """A copy missing while its sibling names yesterday concerns no trading today."""
    day = Calendar(RiskSettings().boundary, RiskSettings().zone).day(START_NS)
    yesterday = day - timedelta(days=1)
    copies(tmp_path).rose(yesterday, Decimal(260), 0)
    (tmp_path / "state" / FILE_NAME).unlink()
    store = copies(tmp_path)
    assert store.problem is not None
    store.begin(day)
    assert store.problem is None
    assert store.starting(day) is None


async def test_a_session_keeps_the_copy_beside_its_journals(tmp_path: Path) -> None:
    """build_session over a journals dir holding today's $260 best (its state dir copy
    deleted): the session starts locked, and the reason names the missing file."""
    rules = RiskSettings.model_validate({"daily_loss": PROTECT})
    day = Calendar(rules.boundary, rules.zone).day(START_NS)
    copies(tmp_path).rose(day, Decimal(260), START_NS - 60_000_000_000)
    (tmp_path / "state" / FILE_NAME).unlink()
    settings = Settings(ui=UiSettings(watchlist=list(SYMBOLS)), risk=rules)
    session = build_session(
        settings,
        clock=FakeClock(START_NS),
        pump=False,
        journal_dir=tmp_path / "journals",
        risk_state_dir=tmp_path / "state",
    )
    await session.start()
    await session.engine.execute(SetArmed(armed=True))
    verdict = await session.engine.execute(PlaceOrder(symbol="MES", side=Side.BUY, size=1))
    await session.advance(1)
    await session.stop()
    assert not verdict.accepted
    assert session.state.risk_state == "LOCKED"
    lockout = session.risk.store.lockout
    assert lockout is not None
    assert f"{tmp_path / 'state' / FILE_NAME} is missing" in lockout.reason


async def replayed_session(root: Path, rules: RiskSettings) -> tuple[str, list[str]]:
    """A session over ``root``'s two folders that buys and sells for a few seconds: its
    risk state at the end and the replay's differences from it."""
    settings = Settings(ui=UiSettings(watchlist=list(SYMBOLS)), risk=rules)
    session = build_session(
        settings,
        clock=FakeClock(START_NS),
        pump=False,
        journal_dir=root / "journals",
        risk_state_dir=root / "state",
    )
    await session.start()
    await session.engine.execute(SetArmed(armed=True))
    await session.engine.execute(PlaceOrder(symbol="MES", side=Side.BUY, size=1))
    await session.advance(5)
    await session.engine.execute(PlaceOrder(symbol="MES", side=Side.SELL, size=1))
    await session.stop()
    assert session.journal is not None
    assert session.journal.path is not None
    with open_journal(session.journal.path) as journal:
        differences = [str(difference) for difference in Replayer(journal).verify()]
    return session.state.risk_state, differences


async def test_a_trace_of_yesterday_replays_the_same(tmp_path: Path) -> None:
    """A copy missing while its sibling names yesterday locks nothing live, and the
    replay, from the problems its header noted with their days, locks nothing either."""
    rules = RiskSettings.model_validate({"daily_loss": PROTECT})
    day = Calendar(rules.boundary, rules.zone).day(START_NS)
    copies(tmp_path).rose(day - timedelta(days=1), Decimal(260), 0)
    (tmp_path / "state" / FILE_NAME).unlink()
    assert await replayed_session(tmp_path, rules) == ("ACTIVE", [])


async def test_copies_that_disagree_replay_the_same(tmp_path: Path) -> None:
    """One copy naming tomorrow, the other today's $260 best: live takes today's (the
    floor at $160, entries denied), and the replay picks the same from its header."""
    rules = RiskSettings.model_validate({"daily_loss": PROTECT})
    day = Calendar(rules.boundary, rules.zone).day(START_NS)
    copies(tmp_path).rose(day, Decimal(260), 0)
    write_atomic(
        tmp_path / "state" / FILE_NAME, encode_peak(DayPeak(day + timedelta(days=1), Decimal(0)), 2)
    )
    assert await replayed_session(tmp_path, rules) == ("REDUCE-ONLY", [])


def _session(root: Path, rules: RiskSettings) -> Session:
    settings = Settings(ui=UiSettings(watchlist=list(SYMBOLS)), risk=rules)
    return build_session(
        settings,
        clock=FakeClock(START_NS),
        pump=False,
        journal_dir=root / "journals",
        risk_state_dir=root / "state",
    )


async def test_both_copies_deleted_the_journal_keeps_the_best(tmp_path: Path) -> None:
    """A session started from today's $260 best (its journal header notes it); both copies
    then deleted: the next session asks the journal, keeps the $260 best (floor $160,
    REDUCE-ONLY on a day at $0), says so in fills & events, writes both copies again, and
    replays the same."""
    rules = RiskSettings.model_validate({"daily_loss": PROTECT})
    day = Calendar(rules.boundary, rules.zone).day(START_NS)
    copies(tmp_path).rose(day, Decimal(260), START_NS - 60_000_000_000)
    first = _session(tmp_path, rules)
    await first.start()
    await first.advance(2)
    await first.stop()
    for folder in ("state", "journals"):
        (tmp_path / folder / FILE_NAME).unlink()
    second = _session(tmp_path, rules)
    await second.start()
    await second.advance(2)
    await second.stop()
    assert second.risk is not None
    assert second.risk.daily_loss is not None
    assert second.risk.daily_loss.locked_in == Decimal("160.00")
    assert second.state.risk_state == "REDUCE-ONLY"
    notices = [
        e.text
        for e in second.state.fills_and_events
        if isinstance(e, Notice) and "day peak records are gone" in e.text
    ]
    assert notices
    assert "saved at 260" in notices[0]
    assert copies(tmp_path).record == DayPeak(day, Decimal(260), START_NS - 60_000_000_000)
    assert second.journal is not None
    assert second.journal.path is not None
    with open_journal(second.journal.path) as journal:
        assert Replayer(journal).verify() == []


async def test_a_save_during_the_run_is_a_trace_in_its_journal(tmp_path: Path) -> None:
    """A best saved while a session runs is recorded in its journal (a ``daily-loss``
    ``record`` decision), so the journal can vouch for it when both copies are gone."""
    rules = RiskSettings.model_validate({"daily_loss": PROTECT})
    day = Calendar(rules.boundary, rules.zone).day(START_NS)
    session = _session(tmp_path, rules)
    await session.start()
    session.risk.env.peaks.rose(day, Decimal(300), START_NS)  # type: ignore[union-attr]
    await session.advance(2)
    await session.stop()
    for folder in ("state", "journals"):
        (tmp_path / folder / FILE_NAME).unlink()
    seen = peak_witness(tmp_path / "journals")
    assert seen is not None
    assert (seen[0].day, seen[0].peak) == (day, Decimal(300))
    assert trader_peaks(state=tmp_path / "state", journals=tmp_path / "journals").witnessed
