"""The `cockpit` command line: usage errors list what is valid, exit 2, and never a traceback."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from cockpit import __version__
from cockpit import cli as cli_module
from cockpit.cli import main, parse_symbols, with_overrides
from cockpit.config import Settings

VALID_SYMBOLS = "MNQ, MES, M2K, MYM, MGC, MCL, NQ, ES, RTY, YM, GC, CL"


@click.command()
@click.option("--speed", type=float, default=1.0)
@click.option("--journal")
def demo_subcommand(speed: float, journal: str | None) -> None:
    """A stand-in subcommand registered through SUBCOMMANDS."""
    click.echo(f"speed {speed}")


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """Replace the UI entry point: records the settings the cockpit would start with."""
    seen: list[Settings] = []

    def run_cockpit(settings: Settings) -> int:
        seen.append(settings)
        return 0

    fake = types.ModuleType("cockpit.cli.start")
    fake.run_cockpit = run_cockpit  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cockpit.cli.start", fake)
    return seen


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="cockpit")


def assert_usage_error(result: Result) -> str:
    """Exit code 2, a usage message, and no traceback anywhere."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.output


def test_unknown_option_lists_the_valid_options() -> None:
    """`cockpit --frobnicate` says no such option and names every valid one."""
    output = assert_usage_error(run("--frobnicate"))
    assert "No such option '--frobnicate'." in output
    assert "Valid options: --broker, --config, --symbols, --theme, --seed, --version" in output
    assert "Usage: cockpit" in output


def test_misspelt_option_also_suggests_the_close_one() -> None:
    """`--sed 3` lists the options and asks whether --seed was meant."""
    output = assert_usage_error(run("--sed", "3"))
    assert "Valid options:" in output
    assert "Did you mean '--seed'?" in output


def test_unknown_symbol_lists_the_valid_symbols() -> None:
    """`--symbols MNQ,FOO` names FOO and every valid root."""
    output = assert_usage_error(run("--symbols", "MNQ,FOO"))
    assert f"unknown symbol FOO; valid: {VALID_SYMBOLS}" in output


def test_empty_symbol_list_is_a_usage_error() -> None:
    """`--symbols ,` has no symbol in it: refused with the valid ones."""
    output = assert_usage_error(run("--symbols", " , "))
    assert "unknown symbol (none)" in output


def test_unknown_broker_lists_the_choices() -> None:
    """`--broker live` is refused; the choices are paper and projectx."""
    output = assert_usage_error(run("--broker", "live"))
    assert "'paper'" in output
    assert "'projectx'" in output


def test_bad_seed_is_a_usage_error() -> None:
    """`--seed abc` is not an integer."""
    assert "'abc' is not a valid integer" in assert_usage_error(run("--seed", "abc"))


def test_unknown_command_lists_the_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """`cockpit nosuch` says there is no such command and lists the real ones."""
    monkeypatch.setitem(cli_module.SUBCOMMANDS, "demo", "tests.test_cli:demo_subcommand")
    output = assert_usage_error(run("nosuch"))
    assert "No such command 'nosuch'. Valid commands: " in output
    assert "demo" in output.split("Valid commands:")[1]


def test_unknown_option_of_a_subcommand_lists_its_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """A subcommand's unknown option lists that subcommand's options, not the group's."""
    monkeypatch.setitem(cli_module.SUBCOMMANDS, "demo", "tests.test_cli:demo_subcommand")
    output = assert_usage_error(run("demo", "--sped", "2"))
    assert "No such option '--sped'." in output
    assert "Valid options: --speed, --journal, -h, --help." in output
    assert run("demo", "--speed", "2").output == "speed 2.0\n"


def test_broken_config_exits_2_naming_file_line_key_and_value(tmp_path: Path) -> None:
    """A config mistake stops start-up with exit 2 and the precise line to fix."""
    path = tmp_path / "config.toml"
    path.write_text('[ui]\nwatchlist = ["MNQ", "XYZ"]\n', encoding="utf-8")
    output = assert_usage_error(run("--config", str(path)))
    assert "cockpit: config error" in output
    assert f"{path}:2: [ui] watchlist entry 2 = \"XYZ\": unknown symbol 'XYZ'" in output


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    """--config to a file that does not exist is a config error, not a silent default."""
    output = assert_usage_error(run("--config", str(tmp_path / "missing.toml")))
    assert "no such config file" in output


def test_config_directory_is_refused(tmp_path: Path) -> None:
    """--config pointing at a directory is refused by the option itself."""
    output = assert_usage_error(run("--config", str(tmp_path)))
    assert "is a directory" in output


def test_version_and_help() -> None:
    """--version prints the version; -h lists the options; both exit 0."""
    version = run("--version")
    assert version.exit_code == 0
    assert __version__ in version.output
    helped = run("-h")
    assert helped.exit_code == 0
    assert "--symbols" in helped.output


def test_options_reach_the_cockpit_over_the_file(tmp_path: Path, started: list[Settings]) -> None:
    """Command-line choices override the file; the rest of the file is kept."""
    path = tmp_path / "config.toml"
    path.write_text("[paper]\nseed = 5\nslippage_ticks = 1\n", encoding="utf-8")
    result = run("--config", str(path), "--symbols", "mes,mgc", "--seed", "9", "--theme", "x")
    assert result.exit_code == 0, result.output
    [settings] = started
    assert settings.ui.watchlist == ["MES", "MGC"]
    assert settings.paper.seed == 9
    assert settings.paper.slippage_ticks == 1
    assert settings.ui.theme == "x"


def test_no_arguments_starts_the_demo_on_paper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[Settings]
) -> None:
    """Bare `cockpit` with no config file starts the paper demo with the defaults."""
    monkeypatch.setattr("cockpit.config.default_config_path", lambda: tmp_path / "none.toml")
    result = run()
    assert result.exit_code == 0, result.output
    assert started == [Settings()]


def test_parse_symbols_normalises_case_and_spaces() -> None:
    """' mnq, Mes ' is MNQ and MES; no value means no override."""
    assert parse_symbols(None, None, " mnq, Mes ") == ["MNQ", "MES"]  # type: ignore[arg-type]
    assert parse_symbols(None, None, None) is None  # type: ignore[arg-type]


def test_with_overrides_keeps_unset_values() -> None:
    """Only the options given replace settings."""
    settings = Settings()
    assert with_overrides(settings) == settings
    assert with_overrides(settings, broker="projectx").broker.kind == "projectx"
