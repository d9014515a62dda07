"""[risk] lock: a start takes the lock, tightening is kept, loosening stops the start until the
lock ends, and the lock's record survives edits and damage the way a lockout's does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cockpit.risk.config import RiskSettings
from cockpit.risk.loosening import Loosening
from cockpit.risk.settings_lock import FILE_NAME, SettingsLockStore, Verdict, judge_start
from tests.risk.conftest import TUESDAY_10, at

DAY_END = at(2026, 3, 10, 17)


def risk(**tables: Any) -> RiskSettings:
    return RiskSettings.model_validate(tables)


def place(item: Loosening) -> str:
    return "config.toml:?"


def start(tmp_path: Path, settings: RiskSettings, now: int = TUESDAY_10) -> Verdict:
    store = SettingsLockStore(tmp_path / "state", tmp_path / "journals")
    return judge_start(settings, store, now, place)


def test_a_start_with_the_lock_on_takes_it_until_the_day_ends(tmp_path: Path) -> None:
    """lock = "day" at 10:00 CT holds the settings until 17:00 CT, in both records."""
    held = risk(lock="day", daily_loss={"limit": 275})
    verdict = start(tmp_path, held)
    assert verdict.stops == []
    assert verdict.lock is not None
    assert verdict.lock.until_ns == DAY_END
    assert verdict.lock.held == held
    assert (tmp_path / "state" / FILE_NAME).exists()
    assert (tmp_path / "journals" / FILE_NAME).exists()


def test_a_loosening_stops_the_start_naming_the_key_and_when_it_may_change(tmp_path: Path) -> None:
    """A higher daily loss limit while locked stops the start with the old limit and 17:00 CT."""
    start(tmp_path, risk(lock="day", daily_loss={"limit": 275}))
    verdict = start(tmp_path, risk(lock="day", daily_loss={"limit": 500}), TUESDAY_10 + 60)
    assert verdict.stops == [
        "config.toml:?: [risk.daily_loss] limit = 500 loosens 275 until 17:00 CT "
        '(locked by [risk] lock = "day")'
    ]


def test_turning_the_lock_off_does_not_end_it(tmp_path: Path) -> None:
    """lock = "off" and no daily loss limit while a lock holds one: stopped."""
    start(tmp_path, risk(lock="day", daily_loss={"limit": 275}))
    verdict = start(tmp_path, risk(), TUESDAY_10 + 60)
    assert verdict.stops[0].startswith("config.toml:?: [risk.daily_loss] limit not set")


def test_tightening_applies_at_once_and_cannot_be_undone(tmp_path: Path) -> None:
    """A lower limit starts and becomes what the lock holds: going back to the first limit
    is then a loosening."""
    start(tmp_path, risk(lock="day", daily_loss={"limit": 275}))
    assert start(tmp_path, risk(lock="day", daily_loss={"limit": 200}), TUESDAY_10 + 60).stops == []
    again = start(tmp_path, risk(lock="day", daily_loss={"limit": 275}), TUESDAY_10 + 120)
    assert "limit = 275 loosens 200" in again.stops[0]


def test_after_the_lock_ends_anything_may_change(tmp_path: Path) -> None:
    """At 17:00 CT the lock is over: a higher limit starts (and, lock on, a new lock holds it)."""
    start(tmp_path, risk(lock="day", daily_loss={"limit": 275}))
    verdict = start(tmp_path, risk(lock="day", daily_loss={"limit": 500}), DAY_END)
    assert verdict.stops == []
    assert verdict.lock is not None
    assert verdict.lock.until_ns == at(2026, 3, 11, 17)


def test_an_hours_lock_ends_with_the_trading_hours_window(tmp_path: Path) -> None:
    """lock = "hours" (or "session") at 10:00 inside 08:30-11:30 holds until 11:30; at
    12:00, between windows, until 15:00; without windows until the day ends."""
    hours = {"windows": ["08:30-11:30", "13:00-15:00"]}
    inside = start(tmp_path / "a", risk(lock="hours", trading_hours=hours))
    assert inside.lock is not None
    assert inside.lock.until_ns == at(2026, 3, 10, 11, 30)
    between = start(tmp_path / "b", risk(lock="session", trading_hours=hours), at(2026, 3, 10, 12))
    assert between.lock is not None
    assert between.lock.until_ns == at(2026, 3, 10, 15)
    plain = start(tmp_path / "c", risk(lock="session"))
    assert plain.lock is not None
    assert plain.lock.until_ns == DAY_END


def test_a_hand_edited_record_is_damaged_and_locks_every_start_until_the_day_ends(
    tmp_path: Path,
) -> None:
    """Both records edited (the limit raised without redoing the checksum): no config may
    start until 17:00 CT, the damaged file is kept aside, and after 17:00 the start is free."""
    start(tmp_path, risk(lock="day", daily_loss={"limit": 275}))
    for folder in ("state", "journals"):
        path = tmp_path / folder / FILE_NAME
        path.write_text(path.read_text().replace('"275"', '"5000"'))
    verdict = start(tmp_path, risk(lock="day", daily_loss={"limit": 100}), TUESDAY_10 + 60)
    assert "damaged" in verdict.stops[0]
    assert "no config may start until 17:00 CT" in verdict.stops[0]
    assert (tmp_path / "state" / (FILE_NAME + ".damaged")).exists()
    assert start(tmp_path, risk(daily_loss={"limit": 100}), TUESDAY_10 + 120).stops != []
    assert start(tmp_path, risk(daily_loss={"limit": 500}), DAY_END).stops == []


def test_one_whole_record_outvotes_a_damaged_one(tmp_path: Path) -> None:
    """With the state dir's record damaged, the copy beside the journals still holds."""
    start(tmp_path, risk(lock="day", daily_loss={"limit": 275}))
    (tmp_path / "state" / FILE_NAME).write_text("{not json")
    verdict = start(tmp_path, risk(lock="day", daily_loss={"limit": 500}), TUESDAY_10 + 60)
    assert "limit = 500 loosens 275" in verdict.stops[0]


def test_without_a_lock_nothing_is_written(tmp_path: Path) -> None:
    """lock off and no lock in force: the start changes nothing on disk."""
    assert start(tmp_path, risk(daily_loss={"limit": 500})) == Verdict([], None)
    assert not (tmp_path / "state").exists()
