"""The audit log: a daily-loss breach with no client flattens, locks, and says so in
jq-friendly lines; rotation, tail, and no credentials ever."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cockpit.cli.guard_show import follow_audit
from cockpit.core.events import Notice
from cockpit.guard.audit import Audit
from tests.guard.conftest import TOKEN, WatchedFactory


def records(audit: Audit) -> list[dict[str, Any]]:
    """Every line the audit has written, once what it queued is written."""
    audit.flush()
    return [json.loads(line) for line in audit.path.read_text(encoding="utf-8").splitlines()]


async def test_a_daily_loss_breach_with_no_client_flattens_and_locks(
    watched: WatchedFactory,
) -> None:
    """Nobody attached: the fill that breaches $0.50 locks, the guard flattens, all audited."""
    one = await watched({"daily_loss": {"limit": "0.5"}})
    await one.buy()
    state = one.guard.state
    assert state.is_flat()
    assert state.lockout_until is not None
    assert state.risk_state == "LOCKED"
    kinds = [r["kind"] for r in records(one.audit)]
    for kind in ("order_submitted", "fill", "decision", "lockout_set", "enforcement",
                 "flatten_started", "flatten_completed", "risk_state"):  # fmt: skip
        assert kind in kinds, kind
    assert kinds.index("lockout_set") < kinds.index("flatten_completed")
    one.audit.flush()
    lines = list(follow_audit(one.audit.path, 100, follow=False, as_json=False))
    assert any("lockout_set" in line and "daily loss limit" in line for line in lines)
    assert any("flatten_completed" in line and "flat=true" in line for line in lines)


async def test_every_line_is_json_with_utc_time_account_and_kind(watched: WatchedFactory) -> None:
    """Each line parses alone; ts is UTC ISO (Z), sides and statuses are names, prices
    read as prices, money as decimal strings."""
    one = await watched()
    await one.buy()
    rows = records(one.audit)
    assert rows
    for row in rows:
        assert row["ts"].endswith("Z")
        assert "T" in row["ts"]
        assert {"seq", "account_id", "kind"} <= row.keys()
    fill = next(r for r in rows if r["kind"] == "fill")
    assert fill["side"] == "BUY"
    assert fill["account_id"] == one.guard.account_ids()[0]
    assert isinstance(fill["price"], str)
    assert "." in fill["price"]
    assert isinstance(fill["fee"], str)
    order = next(r for r in rows if r["kind"] == "order" and r["status"] == "FILLED")
    assert order["type"] == "MARKET"
    seqs = [r["seq"] for r in rows if r["seq"] is not None]
    assert seqs == sorted(seqs)


async def test_quotes_prints_and_info_notices_stay_out(watched: WatchedFactory) -> None:
    """The audit is decisions and the account, not the market: no quote or print lines."""
    one = await watched()
    await one.guard.session.advance(5)
    kinds = {r["kind"] for r in records(one.audit)}
    assert kinds <= {"link", "reconciled", "armed", "notice"}


async def test_no_credential_ever_reaches_the_audit(watched: WatchedFactory) -> None:
    """The guard's token (and the broker's key) are masked even in a line that carries them."""
    one = await watched()
    one.guard.session.engine.emit(Notice(0, "error", f"sign-in failed with {TOKEN}"))
    await one.buy()
    one.audit.flush()
    text = one.audit.path.read_text(encoding="utf-8")
    assert TOKEN not in text
    assert "sign-in failed with ***" in text


def test_secrets_of_names_the_token_and_the_brokers_key(tmp_path: Path) -> None:
    """The runner masks the token, the key in the environment and the key in the config."""
    from pydantic import SecretStr

    from cockpit.config import Settings
    from cockpit.guard.runner import GuardOptions, secrets_of

    projectx = Settings().projectx.model_copy(update={"api_key": SecretStr("config-key-123")})
    settings = Settings().model_copy(update={"projectx": projectx})
    options = GuardOptions(settings, tmp_path, environ={"PROJECT_X_API_KEY": "env-key-456"})
    assert set(secrets_of(options, "tok")) == {"tok", "env-key-456", "config-key-123"}


def test_the_audit_rotates_and_tail_follows_across_it(tmp_path: Path) -> None:
    """Past max_bytes the file rolls to audit.ndjson.1; a following tail loses no line."""
    audit = Audit(tmp_path, max_bytes=2_000)
    audit.write(0, "first", {"n": 0})
    following = follow_audit(audit.path, 10, follow=True, as_json=True)
    assert json.loads(next(following))["kind"] == "first"
    seen = []
    for n in range(1, 40):
        audit.write(n, "line", {"n": n, "pad": "x" * 60})
        seen.append(json.loads(next(following))["n"])
    assert (tmp_path / "audit.ndjson.2").exists()
    assert seen == list(range(1, 40))
    audit.close()


async def test_dry_run_decides_and_records_but_enforces_nothing(
    watched: WatchedFactory, tmp_path: Path
) -> None:
    """--dry-run: the breach is decided and audited as "dry run"; no flatten, no lockout;
    the journal header records dry_run and status says so."""
    from cockpit.guard.status import guard_status
    from cockpit.journal.reader import open_journal

    journal = tmp_path / "journals"
    one = await watched({"daily_loss": {"limit": "0.5"}}, dry_run=True, journal=journal)
    await one.buy()
    state = one.guard.state
    assert state.position_size("MNQ") == 1
    assert state.lockout_until is None
    rows = records(one.audit)
    assert any(r["kind"] == "decision" and r["outcome"] == "dry run" for r in rows)
    assert not any(r["kind"] in ("lockout_set", "flatten_started", "enforcement") for r in rows)
    assert any(r["kind"] == "notice" and "DRY RUN" in r["text"] for r in rows)
    assert guard_status(one.guard)["dry_run"] is True
    await one.guard.stop()
    (path,) = journal.rglob("*.ckj*")
    with open_journal(path) as recorded:
        assert recorded.header.settings["risk"]["dry_run"] is True


async def test_lines_are_written_on_the_loops_next_turn_not_while_deciding(
    watched: WatchedFactory,
) -> None:
    """A decision's moment never waits on the disk: its lines are queued, then written in
    one go when the loop next turns, all of them and in order."""
    import asyncio

    one = await watched()
    one.audit.flush()
    before = one.audit.path.read_text(encoding="utf-8")
    one.guard.session.engine.emit(Notice(0, "warning", "first"))
    one.guard.session.engine.emit(Notice(0, "error", "second"))
    assert one.audit.path.read_text(encoding="utf-8") == before
    await asyncio.sleep(0)  # one turn of the loop: the lines are written
    added = one.audit.path.read_text(encoding="utf-8")[len(before) :]
    assert [json.loads(line)["text"] for line in added.splitlines()] == ["first", "second"]


async def test_a_turns_lines_go_in_one_write_by_the_loop_itself(
    watched: WatchedFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst of events is written in one write, on the loop's own thread: no thread of
    the audit's wakes to take the GIL from a flatten running on the loop."""
    import asyncio
    import threading

    one = await watched()
    one.audit.flush()
    file = one.audit._file
    assert file is not None
    writes: list[tuple[threading.Thread, str]] = []
    write = file.write

    def noted(text: str) -> None:
        writes.append((threading.current_thread(), text))
        write(text)

    monkeypatch.setattr(file, "write", noted)
    threads = threading.active_count()
    for n in range(5):
        one.guard.session.engine.emit(Notice(0, "warning", f"burst {n}"))
    await asyncio.sleep(0)
    assert [thread for thread, _ in writes] == [threading.main_thread()]
    assert writes[0][1].count("\n") == 5
    assert threading.active_count() == threads


def test_a_disk_that_refuses_the_audit_is_logged_and_the_guard_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A write the disk refuses is counted and logged, never raised into the guard."""
    audit = Audit(tmp_path)
    file = audit._file
    assert file is not None
    file._file.close()
    file._file = _FullDisk()  # type: ignore[assignment]
    audit.write(0, "line", {"n": 1})
    assert file.failures == 1
    assert "No space left on device" in caplog.text
    audit.close()


class _FullDisk:
    """A file whose disk is full."""

    def write(self, _data: object) -> int:
        raise OSError(28, "No space left on device")

    def close(self) -> None:
        pass


async def test_status_shows_the_lockout_in_the_traders_zone_with_its_countdown(
    watched: WatchedFactory,
) -> None:
    """After the breach, status names the lockout's end in CT and the time left."""
    from cockpit.cli.guard_show import render_status
    from cockpit.guard.status import guard_status

    one = await watched({"daily_loss": {"limit": "0.5"}})
    await one.buy()
    data = guard_status(one.guard)
    lockout = data["lockout"]
    assert lockout["until_local"] == "Fri 2026-11-20 17:00 CT"
    assert lockout["seconds_left"] > 0
    assert data["risk"]["state"] == "LOCKED"
    shown = render_status(data)
    assert "lockout    until Fri 2026-11-20 17:00 CT (" in shown
    assert "positions  flat" in shown
