"""The [risk] config and ``cockpit rules``: effective rules printed, errors located."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from cockpit.cli import main
from cockpit.config import Settings, load_settings
from cockpit.journal.risk import trader_lockouts
from cockpit.risk.config import RiskSettings
from cockpit.risk.lockout import Lockout
from cockpit.risk.rules import RULES


def _check(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["rules", "check", str(path)])
    return result.exit_code, result.output, path


def test_only_the_feed_guard_is_on_by_default() -> None:
    """No [risk] section: every rule is off but the stale-feed guard, which only ever holds
    entries back while the market data cannot be trusted."""
    from cockpit.risk.engine import RiskEngine

    assert [rule.name for rule in RiskEngine(Settings().risk).rules] == ["stale"]


@pytest.mark.parametrize("value", ["next-day", "next-week", "hours-end", "15:30", "30m", "1h30m"])
def test_lock_until_accepts_its_forms(value: str) -> None:
    """Named ends, a time of day and a duration are all lock ends."""
    assert RiskSettings.model_validate({"daily_loss": {"lock_until": value}})


@pytest.mark.parametrize("value", ["tomorrow", "25:00", "0m", "3 hours"])
def test_lock_until_refuses_anything_else_and_says_what_is_allowed(value: str) -> None:
    """A bad lock end names the allowed forms."""
    with pytest.raises(ValidationError, match="next-day, next-week, hours-end"):
        RiskSettings.model_validate({"daily_loss": {"lock_until": value}})


def test_rules_check_prints_the_effective_rules(tmp_path: Path) -> None:
    """A valid file: exit 0, each rule on or off with what it does."""
    code, output, path = _check(
        tmp_path,
        "[risk.contract_limit]\ncontracts = 2\n[risk.daily_loss]\nlimit = 300\n",
    )
    assert code == 0
    assert f"Risk rules from {path}" in output
    assert (
        "daily-loss          on   $300.00 on net P&L, from the day's start; at the limit: "
        "flatten and lock until the trading day ends" in output
    )
    assert "contract-limit      on   2 contracts per symbol" in output
    assert "weekly-loss         off  (turn on with [risk.weekly_loss] limit)" in output
    assert (
        "stale               on   market feed up with data in the last 5 s; otherwise no "
        "new entries" in output
    )
    assert f"3 of {len(RULES)} rules on" in output


def test_rules_check_names_line_key_value_and_what_is_allowed(tmp_path: Path) -> None:
    """Each problem: file:line, [table] key = value, and what is allowed; exit code 2."""
    code, output, path = _check(
        tmp_path,
        '[risk]\nwarn_at = 1.5\n\n[risk.daily_loss]\nlimit = 300\nbasis = "gross"\n'
        "\n[[risk.cooldown.tiers]]\nloss = 100\nminutes = 5\nmins = 3\n"
        '\n[risk.trading_hours]\ntimezone = "Mars/Olympus"\n',
    )
    assert code == 2
    assert f"{path}:2: [risk] warn_at = 1.5: Input should be less than or equal to 1" in output
    assert (
        f"{path}:6: [risk.daily_loss] basis = \"gross\": Input should be 'realized' or 'net'"
        in output
    )
    assert (
        f"{path}:11: [risk.cooldown.tiers entry 1] mins = 3: unknown key; did you mean minutes?"
        " allowed: loss, minutes" in output
    )
    assert (
        f'{path}:14: [risk.trading_hours] timezone = "Mars/Olympus": unknown timezone '
        "'Mars/Olympus'; use an IANA name like America/Chicago" in output
    )


def test_rules_check_on_broken_toml_names_the_line(tmp_path: Path) -> None:
    """Not even TOML: the parser's line and column, exit code 2."""
    code, output, path = _check(tmp_path, "[risk.daily_loss]\nlimit = = 300\n")
    assert code == 2
    assert f"{path}:2: not valid TOML" in output
    assert "line 2" in output


def test_rules_check_on_a_missing_file_is_an_error(tmp_path: Path) -> None:
    """A file named on the command line that does not exist: exit code 2."""
    result = CliRunner().invoke(main, ["rules", "check", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_rules_check_uses_the_global_config_option(tmp_path: Path) -> None:
    """``cockpit --config FILE rules check`` checks FILE."""
    path = tmp_path / "mine.toml"
    path.write_text("[risk.max_order_size]\ncontracts = 0\n")
    result = CliRunner().invoke(main, ["--config", str(path), "rules", "check"])
    assert result.exit_code == 2
    assert f"{path}:2: [risk.max_order_size] contracts = 0" in result.output


def test_rules_check_refuses_unknown_symbols_and_patterns(tmp_path: Path) -> None:
    """Per-symbol limits and block patterns must name instruments the cockpit knows."""
    code, output, _ = _check(
        tmp_path, '[risk.contract_limit]\nsymbols = { ZZ = 2 }\n[risk.symbols]\nblock = ["Q*"]\n'
    )
    assert code == 2
    assert "unknown symbol 'ZZ'; valid: MNQ" in output
    assert "'Q*' matches no instrument" in output


def test_place_stop_needs_its_distance() -> None:
    """``action = "place-stop"`` without ``stop_ticks`` says what is missing."""
    with pytest.raises(ValidationError, match="needs stop_ticks"):
        RiskSettings.model_validate({"require_stop": {"grace_seconds": 5, "action": "place-stop"}})


def test_cooldown_tiers_go_from_small_to_large() -> None:
    """Tiers out of order are denied."""
    with pytest.raises(ValidationError, match="smallest loss to the largest"):
        RiskSettings.model_validate(
            {"cooldown": {"tiers": [{"loss": 200, "minutes": 5}, {"loss": 100, "minutes": 1}]}}
        )


def test_rules_lockout_reports_the_saved_lockout() -> None:
    """``cockpit rules lockout`` reads the trader's records: none, then the one saved."""
    assert "no lockout in force" in CliRunner().invoke(main, ["rules", "lockout"]).output
    far = 4_102_444_800 * 1_000_000_000  # 2100-01-01
    trader_lockouts().extend(Lockout(far, "tilt", "manual", 0), 0)
    output = CliRunner().invoke(main, ["rules", "lockout"]).output
    assert output.startswith("LOCKED until Thu 2099-12-31 18:00 CT")
    assert output.rstrip().endswith(": tilt")


def test_old_table_names_still_load_as_their_new_names(tmp_path: Path) -> None:
    """A config written before the renames ([risk.fills_per_day], [risk.trading_hours],
    lock_until = "hours-end") loads as fills_per_day, trading_hours and hours-end."""
    text = (
        "[risk.trades_per_day]  # vocab: keep\nlimit = 4\n"
        'action = "lock"\nlock_until = "session-end"  # vocab: keep\n'
        '\n[risk.sessions]  # vocab: keep\nwindows = ["09:30-11:00"]\n'
    )
    path = tmp_path / "config.toml"
    path.write_text(text)
    risk = load_settings(path)[0].risk
    assert risk.fills_per_day.limit == 4
    assert risk.fills_per_day.lock_until == "hours-end"
    assert risk.trading_hours.windows == ["09:30-11:00"]
    code, output, _ = _check(tmp_path, text)
    assert code == 0
    assert "fills-per-day       on   4 fills per trading day" in output
    assert "note: [risk.trades_per_day] is now [risk.fills_per_day]" in output  # vocab: keep
    assert "note: [risk.sessions] is now [risk.trading_hours]" in output  # vocab: keep


def test_an_error_under_an_old_table_name_names_its_line(tmp_path: Path) -> None:
    """A bad value under an old table name is located at its line, under the new name."""
    text = "[risk]\n\n[risk.trades_per_day]\nlimit = 0\n"  # vocab: keep
    code, output, path = _check(tmp_path, text)
    assert code == 2
    assert f"{path}:4: [risk.fills_per_day] limit = 0" in output


def test_old_and_new_table_names_together_are_an_error() -> None:
    """Both [risk.fills_per_day] and [risk.fills_per_day]: one must go, and the error says so."""
    with pytest.raises(ValidationError, match="old name of"):
        RiskSettings.model_validate(
            {"trades_per_day": {"limit": 3}, "fills_per_day": {"limit": 2}}  # vocab: keep
        )
