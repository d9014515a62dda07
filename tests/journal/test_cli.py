"""``cockpit journal list|export``, ``cockpit review`` and ``cockpit replay`` on a recorded
session, and their answers to bad files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from cockpit.cli import main
from cockpit.core.clock import exchange_time
from cockpit.core.events import FillReceived
from cockpit.journal.reader import open_journal
from cockpit.journal.review import review

from .conftest import Recorded, crashed, damage_a_fill, make_writer
from .test_writer import quotes

STRICT = """\
[risk.max_order_size]
contracts = 1

[risk.daily_loss]
limit = 5
action = "flatten"
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def folder(recorded: Recorded, tmp_path: Path) -> Path:
    """A journals folder holding the recorded session."""
    target = tmp_path / "journals"
    target.mkdir()
    shutil.copy(recorded.path, target / recorded.path.name)
    return target


def test_list_shows_size_duration_trades_and_pnl(folder: Path, recorded: Recorded) -> None:
    """One row per run: name, account, mode, start, duration, size, round trips, net P&L."""
    result = run("journal", "list", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if recorded.path.name in line)
    minutes, seconds = divmod(recorded.duration_ns // 10**9, 60)
    duration = f"{minutes}m{seconds:02d}s"
    for shown in ("PRACTICE-50K", "SIM", "2026-10-14 09:30:00", duration, "KB", " 3 "):
        assert shown in row
    assert f"{recorded.net:.2f}" in row


def test_list_marks_foreign_and_truncated_files(folder: Path, recorded: Recorded) -> None:
    """A foreign file and a torn one are listed with a note instead of stopping the list."""
    (folder / "2026-01-02_080000_OTHER_SIM.ckj").write_text("not mine")
    torn = folder / "2026-01-03_080000_TORN_SIM.ckj"
    torn.write_bytes(recorded.path.read_bytes()[:-7])
    result = run("journal", "list", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "not a cockpit journal" in next(line for line in lines if "OTHER" in line)
    assert "ended abruptly: record stops at" in next(line for line in lines if "TORN" in line)


@pytest.mark.parametrize("command", ["journal show", "review"])
def test_show_and_review_say_how_the_session_ended(
    folder: Path, recorded: Recorded, command: str
) -> None:
    """`journal show` and `review` say closed cleanly, or ended abruptly and where it stops."""
    result = run(*command.split(), "latest", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    with open_journal(recorded.path) as journal:
        count, last = journal.count, journal.last_ns
    stops = f"{exchange_time(last):%H:%M:%S} CT, {count:,} records"
    assert f"Closed cleanly at {stops}" in result.output
    crashed(folder / recorded.path.name)
    result = run(*command.split(), "latest", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    assert f"Ended abruptly: record stops at {stops}" in result.output
    assert "Closed cleanly" not in result.output


def test_list_of_an_empty_folder_says_so(tmp_path: Path) -> None:
    """No journals yet: a sentence, not an empty table."""
    result = run("journal", "list", "--dir", str(tmp_path))
    assert result.exit_code == 0
    assert "No journals" in result.output


def test_review_latest_lists_the_live_trades(folder: Path, recorded: Recorded) -> None:
    """The round trips of the live session with entry, exit, P&L, MAE and MFE."""
    result = run("review", "latest", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    out = result.output
    with open_journal(recorded.path) as journal:
        expected = review(journal)
    summary = expected.summary
    assert f"Trades 3 ({summary.wins} won, {summary.losses} lost" in out
    assert f"Net {recorded.net:+.2f}" in out
    assert "P&L curve" in out
    trades = [line for line in out.splitlines() if "LONG" in line or "SHORT" in line]
    assert len(trades) == 3
    first = expected.trades.row(0, named=True)
    assert f"{first['entry']:.2f}" in trades[0]
    assert f"{first['net']:+.2f}" in trades[0]
    assert "trading keys are disarmed" in out


def test_review_with_other_rules_reports_the_what_if(folder: Path, tmp_path: Path) -> None:
    """--rules re-runs the day under a stricter file: what fires, and the P&L difference."""
    rules = tmp_path / "strict.toml"
    rules.write_text(STRICT)
    result = run("review", "latest", "--dir", str(folder), "--rules", str(rules))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "What if the day had been traded under strict.toml" in out
    assert "max-order-size" in out
    assert "WARNING -> REDUCE-ONLY" in out
    difference = next(line for line in out.splitlines() if line.startswith("difference"))
    assert re.search(r"difference\s+[+-]?\d+\.\d\d", difference)


def test_review_with_a_bad_rules_file_exits_2(folder: Path, tmp_path: Path) -> None:
    """A rules file with a bad value: the file, line and key, exit code 2."""
    rules = tmp_path / "bad.toml"
    rules.write_text("[risk.daily_loss]\nlimit = -5\n")
    result = run("review", "latest", "--dir", str(folder), "--rules", str(rules))
    assert result.exit_code == 2
    assert "bad.toml:2" in result.output


def test_export_writes_every_table_with_polars(
    folder: Path, tmp_path: Path, recorded: Recorded
) -> None:
    """Parquet files polars reads back: fills, trades, rule hits, curve, every record."""
    out = tmp_path / "out"
    result = run("journal", "export", "latest", "--dir", str(folder), "--out", str(out))
    assert result.exit_code == 0, result.output
    names = sorted(p.name.split(".")[1] for p in out.iterdir())
    assert names == ["events", "fills", "pnl_curve", "rule_hits", "trades"]
    fills = pl.read_parquet(next(out.glob("*.fills.parquet")))
    trades = pl.read_parquet(next(out.glob("*.trades.parquet")))
    events = pl.read_parquet(next(out.glob("*.events.parquet")))
    assert fills.height == 7
    assert trades["net"].sum() == recorded.net
    assert set(events["kind"].unique()) == {"in", "out", "command"}


def test_export_csv(folder: Path, tmp_path: Path) -> None:
    """--format csv writes the same tables as CSV."""
    out = tmp_path / "csv"
    result = run(
        "journal", "export", "latest", "--dir", str(folder), "--out", str(out), "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    trades = pl.read_csv(next(out.glob("*.trades.csv")))
    assert trades["side"].to_list() == ["LONG", "LONG", "SHORT"]


def test_headless_replay_prints_each_fill_and_checks_the_decisions(
    folder: Path, recorded: Recorded
) -> None:
    """Fill by fill, the prices and P&L the session showed; every decision reproduced."""
    result = run("replay", "latest", "--dir", str(folder), "--headless")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "every one reproduced" in out
    fills = [line for line in out.splitlines() if " BUY " in line or " SELL " in line]
    assert len(fills) == 7
    assert f"{recorded.net:+.2f}" in fills[-1]
    assert "cockpit.ui" not in out  # no scaffolding note: the interactive replay exists


def test_headless_replay_of_an_unreadable_record_stops_there_with_a_warning(
    recorded: Recorded, tmp_path: Path
) -> None:
    """A fill this cockpit cannot read: --headless replays up to it, says where and why it
    stopped, and never raises."""
    with open_journal(recorded.path) as journal:
        fills = sum(isinstance(r.item, FillReceived) for r in journal)
    damaged = damage_a_fill(recorded.path, fills // 2, tmp_path)
    result = run("replay", str(damaged), "--headless")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Replay stopped at record" in result.output
    assert "warning:" in result.output
    assert "cannot be read" in result.output


def test_replay_opens_the_cockpit_over_the_journal(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --headless, replay hands the replayed session and the trader's settings to
    the cockpit's start-up and exits with its code."""
    from cockpit.cli import start
    from cockpit.replay import ReplaySession

    opened: list[ReplaySession] = []

    def run_replay(replay: ReplaySession, settings: object) -> int:
        opened.append(replay)
        return 0

    monkeypatch.setattr(start, "run_replay", run_replay)
    result = run("replay", "latest", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    [replay] = opened
    assert replay.count > 0
    assert replay.journal.parts[0].parent == folder


COMMANDS = {
    "review": lambda target: ["review", target],
    "replay": lambda target: ["replay", target, "--headless"],
    "export": lambda target: ["journal", "export", target],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_bad_files_exit_2_with_a_clear_message(tmp_path: Path, command: str) -> None:
    """Missing, empty and foreign files: one line naming the problem, exit code 2."""
    empty = tmp_path / "empty.ckj"
    empty.touch()
    foreign = tmp_path / "foreign.ckj"
    foreign.write_text("hello")
    cases = {
        tmp_path / "missing.ckj": "no such journal",
        empty: "empty file",
        foreign: "not a cockpit journal",
    }
    for target, message in cases.items():
        result = run(*COMMANDS[command](str(target)))
        assert result.exit_code == 2, (target, result.output)
        assert message in result.output
        assert "Traceback" not in result.output


def test_latest_in_an_empty_folder_exits_2(tmp_path: Path) -> None:
    """``latest`` with nothing recorded yet says so."""
    result = run("review", "latest", "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert "no journals" in result.output


def test_a_truncated_journal_is_used_up_to_the_cut_with_a_warning(tmp_path: Path) -> None:
    """A torn journal reviews up to the cut, and the warning says where it stopped."""
    writer = make_writer(tmp_path, frame_records=10)
    for event in quotes(50):
        writer.record_event(event.ts, event, True)
    writer.close()
    assert writer.path is not None
    crashed(writer.path, cut=5)
    result = run("replay", str(writer.path), "--headless")
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output
    assert "stopped at byte" in result.output
    assert "40 records" in result.output


TINY_FIRM = """\
name = "tiny"
firm = "Test"
plan = "Tiny"
source = "https://example.com/rules"
read_on = 2026-11-30
verified = false

[max_loss]
amount = 1
mode = "intraday-trailing"
start_balance = 50000

[contracts]
max = 5
"""


def test_review_under_a_firm_reports_where_its_rules_would_have_fired(folder: Path) -> None:
    """--firm re-runs the day under a firm profile folded into the recorded rules: the
    firm's maximum loss fires, named, with the P&L difference."""
    from cockpit.config import firms_dir

    firms_dir().mkdir(parents=True, exist_ok=True)
    (firms_dir() / "tiny.toml").write_text(TINY_FIRM)
    result = run("review", "latest", "--dir", str(folder), "--firm", "tiny")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "What if the day had been traded under Test Tiny (tiny) over the recorded rules" in out
    assert "max-loss" in out
    assert "Test Tiny maximum loss limit: equity" in out


def test_review_under_an_unknown_firm_lists_the_known_ones(folder: Path) -> None:
    """--firm with a name no profile has: exit 2 and the names there are."""
    result = run("review", "latest", "--dir", str(folder), "--firm", "nobody")
    assert result.exit_code == 2
    assert "topstep-50k-combine" in result.output
