"""A real guard over a frozen session, serving the API on 127.0.0.1 (port 0), for the
REST and WebSocket tests: aiohttp's test client for HTTP, a plain ``websockets`` client
for ``/ws`` (what a trader's script would use)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import websockets
from aiohttp.test_utils import TestClient, TestServer
from websockets.asyncio.client import ClientConnection

from cockpit.config import Settings
from cockpit.guard.api import add_api_routes
from cockpit.guard.daemon import Guard
from cockpit.guard.web import build_web_app
from tests.frozen import frozen_session

TOKEN = "test-token-not-a-secret"
DEADLINE = 10.0
"""Seconds a test waits for a message it is owed before it fails (never a measure)."""


@dataclass
class Api:
    guard: Guard
    http: TestClient[Any, Any]
    sockets: list[ClientConnection] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}

    def ws_url(self, token: str | None = TOKEN) -> str:
        url = f"ws://127.0.0.1:{self.http.port}/ws"
        return f"{url}?token={token}" if token is not None else url

    async def connect(self, token: str | None = TOKEN) -> ClientConnection:
        socket = await websockets.connect(self.ws_url(token))
        self.sockets.append(socket)
        return socket

    async def get(self, path: str) -> tuple[int, dict[str, Any]]:
        async with self.http.get(path, headers=self.auth) as answer:
            return answer.status, await answer.json()

    async def post(self, path: str, body: object = None) -> tuple[int, dict[str, Any]]:
        data = orjson.dumps(body) if body is not None else b""
        async with self.http.post(path, data=data, headers=self.auth) as answer:
            return answer.status, await answer.json()


@asynccontextmanager
async def running_api(
    settings: Settings | None = None, *, max_clients: int | None = None
) -> AsyncIterator[Api]:
    """A started guard and its API; everything is stopped on the way out."""
    guard = Guard(frozen_session(settings), token=TOKEN)
    await guard.start()
    app = build_web_app(guard)
    add_api_routes(app, guard, max_clients=max_clients)
    http: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await http.start_server()
    api = Api(guard, http)
    try:
        yield api
    finally:
        for socket in api.sockets:
            await socket.close()
        await http.close()
        await guard.stop()


async def receive(socket: ClientConnection) -> dict[str, Any]:
    """The next message (fails only if none comes within the generous deadline)."""
    text = await asyncio.wait_for(socket.recv(), DEADLINE)
    message: dict[str, Any] = orjson.loads(text)
    return message


async def receive_until(socket: ClientConnection, kind: str) -> list[dict[str, Any]]:
    """Every message up to and including the first of type ``kind``."""
    seen: list[dict[str, Any]] = []
    while True:
        message = await receive(socket)
        seen.append(message)
        if message["type"] == kind:
            return seen


async def request(
    socket: ClientConnection, kind: str, data: dict[str, Any] | None = None, request_id: str = "r"
) -> dict[str, Any]:
    """Send a request and return the message that answers it (by its ``request_id``)."""
    body: dict[str, Any] = {"type": kind, "request_id": request_id}
    if data is not None:
        body["data"] = data
    await socket.send(orjson.dumps(body).decode())
    while True:
        message = await receive(socket)
        if message.get("request_id") == request_id:
            return message
