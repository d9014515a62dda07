"""``cockpit guard`` verbs through the real ``cockpit`` command: start, status, stop,
a second guard refused, a taken port, dry run; and validate, tail, service."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cockpit.cli import main
from cockpit.cli.guard import process_alive, unit_text
from cockpit.guard.pidfile import read_running
from tests.e2e.terminal import cockpit_command, isolated_env

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 120


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """The child's own config, data and state dirs; any guard left running is stopped."""
    yield tmp_path
    if read_running(tmp_path / "state" / "cockpit") is not None:
        cockpit(tmp_path, "guard", "stop")


def cockpit(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``cockpit`` command with ``home``'s dirs; wait for it to end."""
    return subprocess.run(
        [*cockpit_command(), *args],
        env=isolated_env(home),
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
    )


@pytest.mark.e2e
def test_start_status_stop_and_a_second_guard_refused(home: Path) -> None:
    """start returns once /status answers; status shows the account; a second start or
    run names the running PID (exit 2); stop ends it; then status and stop say none, exit 1."""
    started = cockpit(home, "guard", "start", "--port", "0")
    assert started.returncode == 0, started.stderr
    assert "guard started (PID" in started.stdout
    pid = int(started.stdout.split("PID ")[1].split(")")[0])

    shown = cockpit(home, "guard", "status")
    assert shown.returncode == 0, shown.stderr
    assert f"running · PID {pid}" in shown.stdout
    assert "PRACTICE-50K" in shown.stdout
    assert "positions  flat" in shown.stdout
    data = json.loads(cockpit(home, "guard", "status", "--json").stdout)
    assert data["pid"] == pid
    assert data["state"] == "running"
    assert data["risk"]["state"] == "ACTIVE"
    assert data["clients"]["total"] == 0

    for verb in ("start", "run"):
        second = cockpit(home, "guard", verb, "--port", "0")
        assert second.returncode == 2
        assert "already running on" in second.stderr
        assert f"PID {pid}" in second.stderr

    stopped = cockpit(home, "guard", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert f"guard stopped (PID {pid})" in stopped.stdout
    assert not process_alive(pid)
    for verb in ("status", "stop"):
        none = cockpit(home, "guard", verb)
        assert none.returncode == 1
        assert "no guard is running" in none.stderr
    tail = cockpit(home, "guard", "tail", "--no-follow", "--json", "-n", "1")
    assert json.loads(tail.stdout)["kind"] == "guard_stopped"
    listed = cockpit(home, "journal", "list")
    assert "PRACTICE-50K" in listed.stdout
    assert "closed cleanly" in listed.stdout


@pytest.mark.e2e
def test_a_taken_port_is_one_line_and_exit_2(home: Path) -> None:
    """Another program on the port: one line naming the address, exit 2, nothing left."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = cockpit(home, "guard", "run", "--port", str(port))
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"cockpit guard: 127.0.0.1:{port} is already in use; another guard or program listens there"
    ]
    assert cockpit(home, "guard", "status").returncode == 1


@pytest.mark.e2e
def test_dry_run_says_so_in_start_and_status(home: Path) -> None:
    """--dry-run: start and status both say DRY RUN; the audit's first line says so too."""
    started = cockpit(home, "guard", "start", "--dry-run", "--port", "0")
    assert started.returncode == 0, started.stderr
    assert "DRY RUN" in started.stdout
    assert "DRY RUN: rules decide and record, nothing is enforced" in (
        cockpit(home, "guard", "status").stdout
    )
    lines = cockpit(home, "guard", "tail", "--no-follow", "--json", "-n", "50").stdout
    started_line = next(
        json.loads(line) for line in lines.splitlines() if '"guard_started"' in line
    )
    assert started_line["dry_run"] is True


def test_service_prints_the_unit_in_docs() -> None:
    """cockpit guard service is docs/cockpit-guard.service with this cockpit's path."""
    result = CliRunner().invoke(main, ["guard", "service"])
    assert result.exit_code == 0
    docs = (ROOT / "docs" / "cockpit-guard.service").read_text(encoding="utf-8")
    assert docs == unit_text("%h/.local/bin/cockpit")
    assert "Type=notify" in result.output
    assert "WatchdogSec=" in result.output
    (exec_line,) = [line for line in result.output.splitlines() if line.startswith("ExecStart=")]
    assert exec_line.endswith(" guard run")


def test_validate_checks_the_rules_and_the_address(tmp_path: Path) -> None:
    """validate prints the rules and where the guard listens; a remote host is exit 2 at
    its line."""
    good = tmp_path / "good.toml"
    good.write_text("[risk.daily_loss]\nlimit = 500\n\n[guard]\nport = 9000\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["guard", "validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "daily" in result.output
    assert "guard: listens on 127.0.0.1:9000 (loopback)" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[guard]\nhost = "0.0.0.0"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["guard", "validate", str(bad)])
    assert result.exit_code == 2
    assert "bad.toml:2: [guard] host" in result.output


def test_tail_without_an_audit_says_so() -> None:
    """No guard ever ran: tail --no-follow says where it looked, exit 1."""
    result = CliRunner().invoke(main, ["guard", "tail", "--no-follow"])
    assert result.exit_code == 1
    assert "no audit log yet" in result.output
