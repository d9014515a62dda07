"""`cockpit` will not start with a config that loosens a locked limit; `cockpit rules
check` shows the lock and what it holds."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cockpit.cli import main
from cockpit.config import state_dir
from cockpit.core.clock import WallClock
from cockpit.journal.files import journal_dir
from cockpit.risk.config import RiskSettings
from cockpit.risk.settings_lock import SettingsLock, SettingsLockStore

LOOSER = """[paper]
seed = 7

[risk]
lock = "day"

[risk.daily_loss]
limit = 500
"""


def hold(limit: int) -> None:
    """A day lock in force now (in the test's private state dir), holding a daily loss limit."""
    now = WallClock().now_ns()
    held = RiskSettings.model_validate({"lock": "day", "daily_loss": {"limit": limit}})
    store = SettingsLockStore(state_dir(), journal_dir())
    assert store.save(SettingsLock("day", now, now + 3600 * 10**9, held)) is None


def test_a_looser_config_stops_the_start_with_its_line(tmp_path: Path) -> None:
    """`cockpit` with a higher daily loss limit than the lock holds exits 2 naming
    config.toml:8, the limit it loosens, and the lock."""
    hold(275)
    config = tmp_path / "config.toml"
    config.write_text(LOOSER)
    result = CliRunner().invoke(main, ["--config", str(config)])
    assert result.exit_code == 2
    assert f"{config}:8: [risk.daily_loss] limit = 500 loosens 275 until " in result.output
    assert '(locked by [risk] lock = "day")' in result.output


def test_rules_check_shows_what_the_lock_holds_and_what_this_file_loosens(
    tmp_path: Path,
) -> None:
    """`rules check` lists the held daily loss limit and says the file would stop the start."""
    hold(275)
    config = tmp_path / "config.toml"
    config.write_text(LOOSER)
    result = CliRunner().invoke(main, ["rules", "check", str(config)])
    assert result.exit_code == 0
    assert "Settings lock: in force until" in result.output
    assert "daily-loss  $275.00 on net P&L" in result.output
    assert "[risk.daily_loss] limit = 500 loosens 275" in result.output


def test_rules_check_says_when_a_lock_will_be_taken(tmp_path: Path) -> None:
    """With lock = "day" and none in force, `rules check` says the next start takes it."""
    config = tmp_path / "config.toml"
    config.write_text(LOOSER)
    result = CliRunner().invoke(main, ["rules", "check", str(config)])
    assert 'Settings lock: [risk] lock = "day": taken when the cockpit starts' in result.output
