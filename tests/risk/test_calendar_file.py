"""The exchange calendar file: the trader's own over the shipped one, and its errors named
by file, line and key, exit 2, in ``cockpit rules check`` and at the start."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cockpit.cli import main
from cockpit.config import Settings, calendar_path, load_market_calendar


def _own(text: str) -> Path:
    path = calendar_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _check(tmp_path: Path, config: str = "") -> tuple[int, str]:
    file = tmp_path / "config.toml"
    file.write_text(config)
    result = CliRunner().invoke(main, ["rules", "check", str(file)])
    return result.exit_code, result.output


def test_rules_check_names_file_line_and_key_of_a_bad_calendar(tmp_path: Path) -> None:
    """A bad close time, a missing name and a misspelt key: each with its line; exit 2."""
    path = _own(
        '[[holiday]]\ndate = 2026-12-25\nname = "Christmas"\n\n'
        '[[early_close]]\ndate = 2026-12-24\nclose = "25:00"\nname = "Eve"\n\n'
        '[[early_close]]\ndate = 2026-12-31\nclose = "12:00"\nnme = "x"\n'
    )
    code, output = _check(tmp_path)
    assert code == 2
    assert (
        f"{path}:7: [early_close entry 1] close = \"25:00\": '25:00' is not a time of day" in output
    )
    assert f"{path}:10: [early_close entry 2] name: Field required" in output
    assert f'{path}:13: [early_close entry 2] nme = "x": unknown key; did you mean name?' in output


def test_a_date_listed_twice_names_the_second_entry(tmp_path: Path) -> None:
    """The same date as a holiday and a half day: the later entry's line; exit 2."""
    path = _own(
        '[[holiday]]\ndate = 2027-01-01\nname = "New Year"\n\n'
        '[[early_close]]\ndate = 2027-01-01\nclose = "12:00"\nname = "New Year"\n'
    )
    code, output = _check(tmp_path)
    assert code == 2
    assert f"{path}:6: [early_close entry 1] date = 2027-01-01: listed twice" in output


def test_a_calendar_that_is_not_toml_names_the_line(tmp_path: Path) -> None:
    """Broken TOML: the parser's line; exit 2."""
    path = _own("[[holiday]]\ndate = = 2026-12-25\n")
    code, output = _check(tmp_path)
    assert code == 2
    assert f"{path}:2: not valid TOML" in output


def test_rules_check_says_where_the_calendar_comes_from(tmp_path: Path) -> None:
    """A good file: the rules print with a line on the calendar, its unverified count."""
    _own('[[holiday]]\ndate = 2026-08-03\nname = "Desk closed"\nverified = true\n')
    code, output = _check(tmp_path)
    assert code == 0, output
    assert "Exchange calendar: 7 holidays, 18 half days (24 not verified), shipped, with" in (
        output
    )


def test_the_traders_dates_win_over_the_shipped_ones() -> None:
    """A shipped holiday listed as a half day becomes one; ``replace_shipped`` drops the
    shipped dates."""
    _own('[[early_close]]\ndate = 2026-12-25\nclose = "10:00"\nname = "Mine"\n')
    calendar = load_market_calendar()
    assert calendar.holiday(date(2026, 12, 25)) is None
    assert calendar.early_close_time(date(2026, 12, 25)) is not None
    assert calendar.holiday(date(2026, 1, 1)) is not None
    _own('replace_shipped = true\n[[holiday]]\ndate = 2026-08-03\nname = "Mine"\n')
    calendar = load_market_calendar()
    assert list(calendar.holidays) == [date(2026, 8, 3)]
    assert not calendar.early_closes


def test_a_bad_calendar_stops_the_start_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """The cockpit does not open over a calendar it cannot read: file:line, exit 2."""
    from cockpit.cli.start import check_start

    path = _own('[[holiday]]\ndate = "someday"\nname = "x"\n')
    assert check_start(Settings()) == 2
    assert f"{path}:2: [holiday entry 1] date" in capsys.readouterr().err


def test_the_start_reads_the_calendar_once_and_builds_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`cockpit` reads the trader's calendar file once: the session's risk engine holds
    the very calendar the start checked (no second read that could differ)."""
    import cockpit.config
    from cockpit.cli import start

    _own('[[holiday]]\ndate = 2026-08-03\nname = "Mine"\n')
    reads: list[Path] = []
    real = cockpit.config.read_calendar

    def counted(path: Path) -> object:
        reads.append(path)
        return real(path)

    built: list[object] = []

    class App:
        return_code = 0

        def run(self) -> int:
            return 0

    def make_app(session: object) -> App:
        built.append(session)
        return App()

    monkeypatch.setattr(cockpit.config, "read_calendar", counted)
    monkeypatch.setattr(start, "make_app", make_app)
    monkeypatch.setattr(start, "log_to_file", lambda: None)
    assert start.run_cockpit(Settings()) == 0
    assert len(reads) == 1
    (session,) = built
    market = session.risk.env.market  # type: ignore[attr-defined]
    assert market.holiday(date(2026, 8, 3)) is not None
