"""Lockouts survive quitting, a crash, a restart, an edited or deleted config and a clock
set backwards."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cockpit.core.clock import FakeClock
from cockpit.core.commands import StartLockout
from cockpit.core.events import LockoutStarted, Notice
from cockpit.risk.lockout import FILE_NAME, Lockout, LockoutStore, write_atomic
from tests.risk.conftest import TUESDAY_10, Desk, at

MINUTE = 60 * 1_000_000_000


async def _locked_desk(tmp_path: Path, minutes: int = 60, **risk: object) -> Desk:
    d = await Desk(risk or None, state_dir=tmp_path).start()  # type: ignore[arg-type]
    await d.submit(StartLockout(until_ns=d.clock.now_ns() + minutes * MINUTE))
    return d


async def test_a_restart_during_a_lockout_is_still_locked(tmp_path: Path) -> None:
    """Quit and start again 10 minutes later: LOCKED, same end, entries denied."""
    first = await _locked_desk(tmp_path)
    until = first.state.lockout_until
    clock = FakeClock(TUESDAY_10 + 10 * MINUTE)
    again = await Desk(state_dir=tmp_path, clock=clock).start()
    assert again.state.risk_state == "LOCKED"
    assert again.state.lockout_until == until
    assert again.of(LockoutStarted)[0].until_ns == until
    denied = await again.buy("MNQ", 1)
    assert not denied.accepted
    assert denied.reason.startswith("locked until 11:00 CT (50:00 left)")


async def test_an_edited_or_deleted_config_cannot_end_a_lockout(tmp_path: Path) -> None:
    """Restarting with no rules at all, or in dry run, is still locked."""
    await _locked_desk(tmp_path, daily_loss={"limit": 300})
    for risk in ({}, {"dry_run": True}):
        again = await Desk(risk, state_dir=tmp_path).start()
        assert again.state.risk_state == "LOCKED"
        assert not (await again.buy("MNQ", 1)).accepted


async def test_a_clock_set_back_before_a_restart_does_not_shorten_the_lockout(
    tmp_path: Path,
) -> None:
    """Locked for 1 h, 20 minutes pass, the clock is set back 3 hours and the cockpit
    restarted: still 40 minutes to go, counted from the latest time seen."""
    first = await _locked_desk(tmp_path)
    await first.tick(20 * 60)
    clock = FakeClock(TUESDAY_10 + 20 * MINUTE - 3 * 60 * MINUTE)
    again = await Desk(state_dir=tmp_path, clock=clock).start()
    assert again.state.risk_state == "LOCKED"
    banner = again.risk.banner(again.state)
    assert banner is not None
    assert banner.countdown == "40:00"
    await again.tick(3 * 3600)  # the wall clock catches up to where it was
    assert again.state.risk_state == "LOCKED"
    await again.tick(40 * 60)
    assert again.state.risk_state == "ACTIVE"


async def test_a_clock_set_back_while_running_does_not_shorten_the_lockout(
    tmp_path: Path,
) -> None:
    """In one run, the clock jumping back an hour freezes the countdown; it never jumps
    forward."""
    d = await _locked_desk(tmp_path, minutes=30)
    await d.tick(10 * 60)
    d.clock.set(d.clock.now_ns() - 60 * MINUTE)
    await d.tick()
    banner = d.risk.banner(d.state)
    assert banner is not None
    assert banner.countdown == "20:00"
    assert not (await d.buy("MNQ", 1)).accepted


async def test_the_lockout_file_is_written_whole_and_read_back(tmp_path: Path) -> None:
    """The saved file holds the lockout and nothing is left half-written beside it."""
    await _locked_desk(tmp_path)
    _check_saved_file(tmp_path)


def _check_saved_file(directory: Path) -> None:
    assert sorted(p.name for p in directory.iterdir()) == [FILE_NAME]
    data = json.loads((directory / FILE_NAME).read_text())
    assert data["lockout"]["until_ns"] == TUESDAY_10 + 60 * MINUTE
    assert data["lockout"]["source"] == "manual"
    assert LockoutStore(directory).active(TUESDAY_10) == Lockout(**data["lockout"])


def test_a_crash_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    """A temporary file left by a crash before the rename does not replace the lockout."""
    store = LockoutStore(tmp_path)
    store.extend(Lockout(TUESDAY_10 + MINUTE, "first", "manual", TUESDAY_10), TUESDAY_10)
    (tmp_path / f".{FILE_NAME}.999.tmp").write_text('{"lockout": nul')
    assert LockoutStore(tmp_path).active(TUESDAY_10) is not None
    write_atomic(tmp_path / FILE_NAME, (tmp_path / FILE_NAME).read_text())
    assert LockoutStore(tmp_path).problem is None


async def test_an_unreadable_lockout_file_locks_until_the_day_ends(tmp_path: Path) -> None:
    """A damaged file is kept aside and the cockpit locks for the rest of the day."""
    _write(tmp_path / FILE_NAME, "{ not json")
    d = await Desk(state_dir=tmp_path).start()
    assert d.state.risk_state == "LOCKED"
    assert d.state.lockout_until == at(2026, 3, 10, 17, 0)
    assert _read(tmp_path / f"{FILE_NAME}.damaged") == "{ not json"
    assert "unreadable" in d.of(LockoutStarted)[0].reason


async def test_a_lockout_the_disk_refuses_still_holds_in_memory(tmp_path: Path) -> None:
    """When the state dir cannot be written, the lockout holds for this run and the trader
    is told it could not be saved."""
    blocker = tmp_path / "file"
    _write(blocker, "")
    d = await _locked_desk(blocker / "state")
    assert d.state.risk_state == "LOCKED"
    assert any(n.level == "error" and "could not save" in n.text for n in d.of(Notice))


def test_a_store_never_shortens_and_never_clears_early(tmp_path: Path) -> None:
    """extend() keeps the later end; clear() before the end raises."""
    store = LockoutStore(tmp_path)
    long = Lockout(TUESDAY_10 + 60 * MINUTE, "long", "manual", TUESDAY_10)
    short = Lockout(TUESDAY_10 + 5 * MINUTE, "short", "manual", TUESDAY_10)
    store.extend(long, TUESDAY_10)
    kept, _ = store.extend(short, TUESDAY_10)
    assert kept == long
    try:
        store.clear(TUESDAY_10 + 59 * MINUTE)
    except ValueError:
        pass
    else:
        raise AssertionError("clear() before the end must raise")
    assert LockoutStore(tmp_path).active(TUESDAY_10 + 59 * MINUTE) == long


def test_the_engine_time_is_saved_while_locked(tmp_path: Path) -> None:
    """touch() saves the latest time at most once per interval, and only while locked."""
    second = 1_000_000_000
    store = LockoutStore(tmp_path)
    store.touch(TUESDAY_10)
    assert not (tmp_path / FILE_NAME).exists()
    store.extend(Lockout(TUESDAY_10 + MINUTE, "x", "manual", TUESDAY_10), TUESDAY_10)
    store.touch(TUESDAY_10 + 4 * second)
    assert LockoutStore(tmp_path).last_seen_ns == TUESDAY_10
    store.touch(TUESDAY_10 + 5 * second)
    assert LockoutStore(tmp_path).last_seen_ns == TUESDAY_10 + 5 * second
    assert os.listdir(tmp_path) == [FILE_NAME]


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def _read(path: Path) -> str:
    return path.read_text()


def test_a_version_1_file_still_reads_and_vouches_for_no_second_record(tmp_path: Path) -> None:
    """A file from before the second record (no checksum) reads as it did, and its lone
    record missing a sibling is no problem: upgrading does not lock anyone."""
    until = TUESDAY_10 + MINUTE
    lockout = {"until_ns": until, "reason": "old", "source": "manual", "started_ns": TUESDAY_10}
    (tmp_path / "state").mkdir()
    _write(
        tmp_path / "state" / FILE_NAME,
        json.dumps({"version": 1, "lockout": lockout, "last_seen_ns": TUESDAY_10}),
    )
    store = LockoutStore(tmp_path / "state", tmp_path / "journals")
    assert store.problem is None
    assert store.active(TUESDAY_10) == Lockout(**lockout)
    assert store.last_seen_ns == TUESDAY_10
    store.touch(TUESDAY_10 + 1)
    assert LockoutStore(tmp_path / "journals").active(TUESDAY_10) == Lockout(**lockout)


def test_a_missing_record_beside_one_that_holds_no_lockout_is_no_problem(tmp_path: Path) -> None:
    """A lockout that ended and was cleared leaves nothing to protect: a missing record is
    then just written again with the next save."""
    folders = (tmp_path / "state", tmp_path / "journals")
    store = LockoutStore(*folders)
    store.extend(Lockout(TUESDAY_10 + MINUTE, "x", "manual", TUESDAY_10), TUESDAY_10)
    store.clear(TUESDAY_10 + MINUTE)
    (folders[1] / FILE_NAME).unlink()
    again = LockoutStore(*folders)
    assert again.problem is None
    assert again.lockout is None


def test_a_look_that_only_reads_changes_no_file(tmp_path: Path) -> None:
    """A read-only store (``cockpit rules lockout``) will not write, even over a damaged
    record, so looking can never repair away a damage that must lock."""
    folders = (tmp_path / "state", tmp_path / "journals")
    LockoutStore(*folders).extend(Lockout(TUESDAY_10 + MINUTE, "x", "manual", 0), TUESDAY_10)
    _write(folders[0] / FILE_NAME, "{ not json")
    look = LockoutStore(*folders, read_only=True)
    assert look.problem is not None
    assert "is damaged" in look.problem
    with pytest.raises(RuntimeError):
        look.extend(Lockout(TUESDAY_10 + 2 * MINUTE, "y", "manual", 0), TUESDAY_10)
    assert _read(folders[0] / FILE_NAME) == "{ not json"
    assert sorted(p.name for p in folders[0].iterdir()) == [FILE_NAME]
