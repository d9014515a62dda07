"""Credentials never reach a log line, a journal or the terminal, on a good day or a bad
one: the user name, the API key and every token the gateway issued are grepped
for in everything written."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cockpit.brokers import projectx_redact
from cockpit.brokers.projectx_config import ProjectXSetupError
from cockpit.core.commands import FlattenAll, PlaceOrder
from cockpit.core.models import Side
from cockpit.gateway.server import GatewayServer
from tests.gateway.conftest import API_KEY, USERNAME, login_env, start_live

pytestmark = pytest.mark.slow


class EverythingFormatter(logging.Formatter):
    """The strictest formatter: every attribute of the record, extras included."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return f"{text} {record.__dict__!r}"


async def test_no_credential_in_logs_journal_or_terminal(
    gateway: GatewayServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A session with logins, faults and orders writes no user name, key or token."""
    log_file = tmp_path / "cockpit.log"
    journal = tmp_path / "journal.jsonl"
    handler = logging.FileHandler(log_file)
    handler.setFormatter(EverythingFormatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    projectx_redact.install()
    wrong = "WRONG-KEY-9d8c7b6a5f4e"
    try:
        with pytest.raises(ProjectXSetupError):
            await start_live(gateway, env=login_env(PROJECT_X_API_KEY=wrong), journal=journal)
        live = await start_live(gateway, journal=journal)
        await live.until(lambda: "ES" in live.state.quotes, "an ES quote")
        await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
        await live.fault(fault="http_error", endpoint="/Order/place", status=401, after=True)
        await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
        await live.fault(fault="malformed", hub="user", count=1)
        logins = sign_ins(gateway)
        await live.fault(fault="logout")
        await live.until(
            lambda: sign_ins(gateway) > logins and live.state.reconciled,
            "a login after the logout, then a reconcile",
        )
        logins = sign_ins(gateway)
        await live.fault(fault="expire_token", drop=True)
        await live.until(lambda: sign_ins(gateway) > logins, "a login after the token died")
        await live.until(lambda: live.state.reconciled, "reconciled")
        await live.engine.execute(FlattenAll())
        await live.broker.stop()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()
    tokens = list(gateway.tokens._sign_ins)
    assert len(tokens) >= 3  # first login, after the logout, after the expiry
    written = log_file.read_text() + journal.read_text()
    captured = capfd.readouterr()
    written += captured.out + captured.err
    assert len(written) > 10_000  # the session really was logged and journaled
    for secret in (API_KEY, USERNAME, wrong, *tokens):
        assert secret not in written
    assert "access_token=***" in written  # pysignalr's negotiate URL, masked


def sign_ins(gateway: GatewayServer) -> int:
    """Logins the gateway has answered so far (wait for a new one, never for a count)."""
    return sum(r.path == "/api/Auth/loginKey" for r in gateway.rest.requests)


def test_the_redactor_masks_literal_and_shaped_secrets() -> None:
    """Known secrets, JWTs, access_token queries, bearer headers and apiKey fields are masked."""
    redactor = projectx_redact.Redactor()
    redactor.add("hunter2-secret", "ab")
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2lnbmF0dXJl"
    text = (
        f"key hunter2-secret url /hubs/user?access_token=abc.def&id=1 "
        f"Authorization: Bearer zzz {jwt} "
        '{"apiKey": "k-123", "userName": "ab"}'
    )
    masked = redactor.redact(text)
    for leaked in ("hunter2-secret", "abc.def", "zzz", jwt, "k-123"):
        assert leaked not in masked
    assert "id=1" in masked
    assert '"userName": "ab"' in masked  # two characters are too short to mask literally
