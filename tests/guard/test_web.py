"""The guard's HTTP surface: the token on every route, /status in the one envelope."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from cockpit.guard.auth import ensure_token, read_token, token_ok
from cockpit.guard.daemon import Guard
from cockpit.guard.web import build_web_app, is_websocket
from tests.frozen import frozen_session

TOKEN = "s3cret-token"


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    guard = Guard(frozen_session(), token=TOKEN)
    await guard.start()
    async with TestClient(TestServer(build_web_app(guard))) as http:
        yield http
    await guard.stop()


async def test_status_without_the_token_is_401_in_the_envelope(
    client: TestClient[web.Request, web.Application],
) -> None:
    """No token, or a wrong one: 401 with status "error" and a message."""
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = await client.get("/status", headers=headers)
        assert response.status == 401
        body = await response.json()
        assert body["status"] == "error"
        assert body["data"] is None
        assert body["message"]


async def test_status_with_the_token_in_a_header_or_the_query(
    client: TestClient[web.Request, web.Application],
) -> None:
    """Bearer header or ?token=: the guard's status, running, with its account."""
    for response in (
        await client.get("/status", headers={"Authorization": f"Bearer {TOKEN}"}),
        await client.get("/status", params={"token": TOKEN}),
    ):
        assert response.status == 200
        body = await response.json()
        assert body["status"] == "ok"
        data = body["data"]
        assert data["state"] == "running"
        assert data["accounts"]
        assert data["armed"] is False
        assert data["risk"]["state"] == "ACTIVE"
        assert data["dry_run"] is False
        assert TOKEN not in await response.text()


async def test_an_unknown_route_with_the_token_is_404_and_without_it_401(
    client: TestClient[web.Request, web.Application],
) -> None:
    """The token is checked before anything else is revealed."""
    assert (await client.get("/nowhere")).status == 401
    assert (await client.get("/nowhere", params={"token": TOKEN})).status == 404


def test_the_token_file_is_made_once_with_mode_600(tmp_path: Path) -> None:
    """ensure_token() writes a random token readable only by its owner, and keeps it."""
    token = ensure_token(tmp_path)
    path = tmp_path / "guard.token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(token) >= 32
    assert ensure_token(tmp_path) == token == read_token(tmp_path)
    path.chmod(0o644)
    assert ensure_token(tmp_path) == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_token_ok_compares_the_bearer_header_then_the_query() -> None:
    """token_ok accepts the right token from either place, never an empty or wrong one."""
    from aiohttp.test_utils import make_mocked_request

    assert token_ok(make_mocked_request("GET", "/ws", headers={"Authorization": "Bearer t"}), "t")
    assert token_ok(make_mocked_request("GET", "/ws?token=t"), "t")
    assert not token_ok(make_mocked_request("GET", "/ws?token=x"), "t")
    assert not token_ok(make_mocked_request("GET", "/ws"), "t")
    assert not token_ok(make_mocked_request("GET", "/ws?token="), "")
    assert is_websocket(make_mocked_request("GET", "/ws", headers={"Upgrade": "websocket"}))
