"""A lockout survives editing, damaging or deleting any one of its records.

The sessions here are wired by ``build_session`` exactly as the cockpit wires them, with
the state and data dirs pointed at temporary folders (tests/conftest.py): one record in
the state dir, one beside the journals, and the newest journal as a witness.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from unittest.mock import patch

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.cli import main
from cockpit.config import JournalSettings, Settings, UiSettings, state_dir
from cockpit.core.clock import FakeClock
from cockpit.core.commands import PlaceOrder, SetArmed, StartLockout
from cockpit.core.engine import Engine
from cockpit.core.events import LockoutStarted
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Side
from cockpit.core.state import State
from cockpit.journal.files import journal_dir, runs
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine
from cockpit.risk.lockout import (
    DAMAGED_SUFFIX,
    FILE_NAME,
    Lockout,
    LockoutStore,
    RecordError,
    Witness,
    decode_record,
    encode_record,
    write_atomic,
)
from cockpit.session import Session, build_session
from tests.risk.conftest import TUESDAY_10, at, short_history

MINUTE = 60 * 1_000_000_000
HOUR = 60 * MINUTE
DAY_END = at(2026, 3, 10, 17, 0)
"""When Tuesday's trading day ends: the least a damaged or deleted record locks for."""
FAR = at(2100, 1, 4, 12, 0)
"""A lockout end no wall clock reaches while these tests run (for the real CLI)."""
RECORDS = ("state", "journals")


def record(which: str) -> Path:
    """One of the two records: in the state dir, or beside the journals."""
    return (state_dir() if which == "state" else journal_dir()) / FILE_NAME


def other(which: str) -> str:
    return RECORDS[1 - RECORDS.index(which)]


def read(which: str) -> Witness:
    return decode_record(record(which).read_bytes(), which)


def rewrite(which: str, lockout: Lockout | None, seen_ns: int = 0, copies: int = 2) -> None:
    """Edit a record as a careful hand would: new content, checksum redone."""
    write_atomic(record(which), encode_record(lockout, seen_ns, copies))


async def start(clock: FakeClock, *, journal: bool = False) -> Session:
    """Start the cockpit (paper, wired by build_session) on ``clock``, armed."""
    settings = Settings(ui=UiSettings(watchlist=["MNQ"]), journal=JournalSettings(enabled=journal))
    with short_history():
        session = build_session(settings, clock=clock, pump=False)
    await session.start()
    session.engine.submit(SetArmed(armed=True))
    return session


async def lock_and_quit(clock: FakeClock, until: int, *, journal: bool = False) -> None:
    session = await start(clock, journal=journal)
    verdict = await session.engine.execute(StartLockout(until_ns=until, reason="tilt"))
    assert verdict.accepted
    await session.stop()


async def assert_locked_until(clock: FakeClock, until: int, *, journal: bool = False) -> Session:
    """Start again: LOCKED until ``until``, and a new entry is denied."""
    session = await start(clock, journal=journal)
    assert session.state.risk_state == "LOCKED"
    assert session.state.lockout_until == until
    buy = await session.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    assert not buy.accepted
    return session


@pytest.mark.parametrize("which", RECORDS)
async def test_one_record_edited_into_the_past_keeps_the_original_end(which: str) -> None:
    """A record rewritten (checksum and all) to end an hour ago, or to hold no lockout:
    the restart is locked to the original end and the edited record is put back."""
    clock = FakeClock(TUESDAY_10)
    until = TUESDAY_10 + HOUR
    for edited in (Lockout(TUESDAY_10 - HOUR, "tilt", "manual", TUESDAY_10), None):
        await lock_and_quit(clock, until)
        rewrite(which, edited)
        session = await assert_locked_until(clock, until)
        session.engine.tick()
        witness = read(which)
        assert witness.lockout is not None
        assert witness.lockout.until_ns == until
        await session.stop()


@pytest.mark.parametrize("which", RECORDS)
async def test_a_hand_edit_that_breaks_the_checksum_locks_until_the_day_ends(which: str) -> None:
    """Changing ``until_ns`` in the text without redoing the checksum reads as damaged:
    locked until the trading day ends, the edited file kept beside as ``.damaged``."""
    clock = FakeClock(TUESDAY_10)
    await lock_and_quit(clock, TUESDAY_10 + HOUR)
    data = json.loads(record(which).read_text())
    data["lockout"]["until_ns"] = TUESDAY_10 - HOUR
    edited = json.dumps(data)
    record(which).write_text(edited)
    session = await assert_locked_until(clock, DAY_END)
    started = [e for e in session.state.fills_and_events if isinstance(e, LockoutStarted)]
    assert "is damaged (its checksum does not match" in started[-1].reason
    assert record(which).with_name(FILE_NAME + DAMAGED_SUFFIX).read_text() == edited
    assert read(which).lockout == read(other(which)).lockout
    await session.stop()


@pytest.mark.parametrize("which", RECORDS)
async def test_a_deleted_record_is_restored_and_the_lockout_holds(which: str) -> None:
    """Delete one record during a 1 h lockout: the restart locks until the day ends (the
    other record says a lockout ran) and writes the deleted record back."""
    clock = FakeClock(TUESDAY_10)
    await lock_and_quit(clock, TUESDAY_10 + HOUR)
    record(which).unlink()
    session = await assert_locked_until(clock, DAY_END)
    restored = read(which).lockout
    assert restored is not None
    assert restored.until_ns == DAY_END
    await session.stop()


@pytest.mark.parametrize("which", RECORDS)
async def test_a_damaged_record_locks_until_the_day_ends_whatever_rules_lockout_does(
    which: str,
) -> None:
    """Garbage in one record: ``cockpit rules lockout`` says LOCKED and changes no file,
    however often it runs, and the next start is locked until the day ends."""
    clock = FakeClock(TUESDAY_10)
    await lock_and_quit(clock, TUESDAY_10 + 30 * MINUTE)
    record(which).write_bytes(b"{ not json")
    before = {name: record(name).read_bytes() for name in RECORDS}
    for _ in range(2):
        result = CliRunner().invoke(main, ["rules", "lockout"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("LOCKED until at least ")
        assert f"lockout record {record(which)} is damaged" in result.output
    assert {name: record(name).read_bytes() for name in RECORDS} == before
    assert not record(which).with_name(FILE_NAME + DAMAGED_SUFFIX).exists()
    session = await assert_locked_until(clock, DAY_END)
    await session.stop()


@pytest.mark.parametrize("later", RECORDS)
async def test_when_the_records_disagree_the_later_end_wins(later: str) -> None:
    """Two whole records with different ends (a crash between the two writes, or an
    edit): the later end holds, and both records end up saying so."""
    clock = FakeClock(TUESDAY_10)
    short = Lockout(TUESDAY_10 + 10 * MINUTE, "short", "manual", TUESDAY_10)
    long = Lockout(TUESDAY_10 + 2 * HOUR, "long", "manual", TUESDAY_10)
    rewrite(later, long)
    rewrite(other(later), short)
    session = await assert_locked_until(clock, long.until_ns)
    session.engine.tick()
    assert read("state").lockout == read("journals").lockout == long
    await session.stop()


async def test_a_lockout_survives_restarts_on_both_records() -> None:
    """Quit and start three times: the same end every time, the same in both records."""
    clock = FakeClock(TUESDAY_10)
    until = TUESDAY_10 + HOUR
    await lock_and_quit(clock, until)
    for _ in range(3):
        clock.advance(60)
        session = await assert_locked_until(clock, until)
        session.engine.tick()
        await session.stop()
    state, journals = read("state"), read("journals")
    assert (state.lockout, state.seen_ns) == (journals.lockout, journals.seen_ns)
    assert state.lockout is not None
    assert state.lockout.until_ns == until


async def test_the_clock_floor_survives_one_record_edited_and_the_clock_set_back() -> None:
    """Locked 1 h, 20 minutes pass, one record's saved time is zeroed and the clock set
    back 3 h: the restart still has 40 minutes to go."""
    clock = FakeClock(TUESDAY_10)
    session = await start(clock)
    await session.engine.execute(StartLockout(until_ns=TUESDAY_10 + HOUR))
    clock.advance(20 * 60)
    session.engine.tick()
    await session.stop()
    witness = read("state")
    assert witness.seen_ns == TUESDAY_10 + 20 * MINUTE
    rewrite("state", witness.lockout, seen_ns=0)
    clock.set(TUESDAY_10 + 20 * MINUTE - 3 * HOUR)
    again = await start(clock)
    banner = again.risk.banner(again.state) if again.risk is not None else None
    assert banner is not None
    assert banner.countdown == "40:00"
    await again.stop()


async def test_with_both_records_deleted_the_journal_still_locks() -> None:
    """The newest journal saw the lockout start: deleting both records still leaves the
    cockpit locked until the day ends, and both records come back."""
    clock = FakeClock(TUESDAY_10)
    await lock_and_quit(clock, TUESDAY_10 + HOUR, journal=True)
    for name in RECORDS:
        record(name).unlink()
    clock.advance(60)
    session = await assert_locked_until(clock, DAY_END, journal=True)
    assert all(read(name).lockout is not None for name in RECORDS)
    await session.stop()


async def test_one_record_cleared_and_the_other_deleted_the_journal_still_locks() -> None:
    """Two files touched at once (one record rewritten to hold no lockout, the other
    deleted): the journal says a lockout ran, so it is locked until the day ends."""
    clock = FakeClock(TUESDAY_10)
    await lock_and_quit(clock, TUESDAY_10 + HOUR, journal=True)
    rewrite("state", None)
    record("journals").unlink()
    session = await assert_locked_until(clock, DAY_END, journal=True)
    await session.stop()


async def test_a_session_started_on_a_damaged_record_replays_the_same() -> None:
    """The journal header notes the damage, so a replay locks until the day ends exactly
    as the session did."""
    clock = FakeClock(TUESDAY_10)
    await lock_and_quit(clock, TUESDAY_10 + HOUR, journal=True)
    record("state").write_bytes(b"\x00garbage")
    clock.advance(60)
    session = await assert_locked_until(clock, DAY_END, journal=True)
    await session.stop()
    newest = runs(journal_dir())[-1]
    with open_journal(newest) as journal:
        assert "is damaged" in journal.header.settings["lockout"]["problem"]
        assert Replayer(journal).verify() == []


def test_rules_lockout_reads_both_records_and_the_journal_folder() -> None:
    """``cockpit rules lockout`` takes the later end of the two records."""
    rewrite("state", Lockout(FAR - HOUR, "short", "manual", 0))
    rewrite("journals", Lockout(FAR, "tilt", "manual", 0))
    output = CliRunner().invoke(main, ["rules", "lockout"]).output
    assert output.startswith("LOCKED until Mon 2100-01-04 12:00 CT")
    assert output.rstrip().endswith(": tilt")


# Any run of one-file tamperings, each followed by a restart -------------------------------

tamper = st.one_of(
    st.tuples(st.just("delete"), st.none()),
    st.tuples(st.just("garbage"), st.binary(max_size=40)),
    st.tuples(st.just("clear"), st.none()),
    st.tuples(st.just("move-end"), st.integers(-3 * 60, 10 * 60)),
    st.tuples(st.just("zero-time"), st.none()),
    st.tuples(st.just("copies-1"), st.none()),
    st.tuples(st.just("hand-edit"), st.integers(-3 * 60, 10 * 60)),
)
step = st.tuples(st.sampled_from([0, 1]), tamper, st.integers(-180, 30))
"""Which record, what is done to it, and how many minutes the clock moves (back too)."""


def _tamper(path: Path, how: str, value: object) -> None:
    """One change to one file, as a trader with a text editor or a shell could make."""
    if how == "delete":
        path.unlink(missing_ok=True)
        return
    if how == "garbage":
        assert isinstance(value, bytes)
        path.write_bytes(value)
        return
    try:
        witness = decode_record(path.read_bytes(), "")
    except (OSError, RecordError):
        return  # already deleted or damaged: nothing more to edit
    lockout, seen, copies = witness.lockout, witness.seen_ns, witness.copies
    if how == "hand-edit":
        data = json.loads(path.read_text())
        if data["lockout"] is not None:
            assert isinstance(value, int)
            data["lockout"]["until_ns"] = TUESDAY_10 + value * MINUTE
        path.write_text(json.dumps(data))
        return
    if how == "clear":
        lockout = None
    elif how == "move-end" and lockout is not None:
        assert isinstance(value, int)
        lockout = replace(lockout, until_ns=TUESDAY_10 + value * MINUTE)
    elif how == "zero-time":
        seen = 0
    elif how == "copies-1":
        copies = 1
    write_atomic(path, encode_record(lockout, seen, copies))


def _no_sync(fd: int) -> None:
    return None


def _restart(folders: tuple[Path, Path], clock: FakeClock) -> RiskEngine:
    """Start the risk engine again on the records, as the cockpit does, and let it tick."""
    engine = Engine(State(INSTRUMENTS, ["MNQ"]), clock)
    risk = RiskEngine(RiskSettings(), clock, store=LockoutStore(*folders))
    risk.attach(engine)
    engine.tick()
    return risk


@given(st.lists(step, min_size=1, max_size=12))
@settings(max_examples=60)
def test_no_run_of_one_file_tamperings_ever_shortens_a_lockout(
    steps: list[tuple[int, tuple[str, object], int]],
) -> None:
    """Whatever is done to one record between two starts (deleted, garbage, cleared,
    moved earlier, its saved time zeroed, edited by hand) and wherever the clock is set,
    the lockout never ends before the latest end it ever had (once the cockpit has seen that
    end pass, the lockout was served)."""
    # Durability is not what this proves: skip the fsyncs, which a shared disk makes slow.
    with tempfile.TemporaryDirectory() as scratch, patch.object(os, "fsync", _no_sync):
        folders = (Path(scratch) / "state", Path(scratch) / "journals")
        clock = FakeClock(TUESDAY_10)
        first = LockoutStore(*folders)
        first.extend(Lockout(TUESDAY_10 + HOUR, "tilt", "manual", TUESDAY_10), TUESDAY_10)
        promised = TUESDAY_10 + HOUR
        for which, (how, value), minutes in steps:
            _tamper(folders[which] / FILE_NAME, how, value)
            clock.set(clock.now_ns() + minutes * MINUTE)
            risk = _restart(folders, clock)
            now = risk.now()
            if now >= promised:
                break  # the lockout was served in full: setting the clock back later is moot
            if now < promised:
                lockout = risk.lockout()
                assert lockout is not None, (how, now, promised)
                assert lockout.until_ns >= promised
                promised = lockout.until_ns
