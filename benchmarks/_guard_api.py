"""A guard serving its API on 127.0.0.1 (a free port), and its WebSocket clients in a
second process: what ``guard_fanout`` and ``guard_idle`` measure against."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from benchmarks._session import bench_session
from cockpit.config import Settings
from cockpit.core.clock import WallClock
from cockpit.guard.api import HUB, add_api_routes
from cockpit.guard.daemon import Guard
from cockpit.guard.web import build_web_app
from cockpit.guard.ws import Hub

TOKEN = "benchmark-token"
READY_S = 120.0
"""How long the clients may take to connect on a loaded machine (a deadline, not a figure)."""


@dataclass
class Served:
    guard: Guard
    hub: Hub
    url: str


@asynccontextmanager
async def served_guard(*, pump: bool) -> AsyncIterator[Served]:
    """A started guard on the wall clock (the paper market pumping when ``pump``)."""
    session = bench_session(Settings(), clock=WallClock(), pump=pump)
    guard = Guard(session, token=TOKEN)
    await guard.start()
    app = build_web_app(guard)
    add_api_routes(app, guard, max_clients=1000)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Served(guard, app[HUB], f"ws://127.0.0.1:{port}/ws?token={TOKEN}")
    finally:
        await runner.cleanup()
        await guard.stop()


@dataclass
class Clients:
    process: asyncio.subprocess.Process

    async def finish(self) -> dict[str, Any]:
        """Stop the clients and read what they received."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        out = await asyncio.wait_for(self.process.stdout.read(), READY_S)
        await self.process.wait()
        result: dict[str, Any] = orjson.loads(out.strip().splitlines()[-1])
        return result


async def start_clients(url: str, subscribed: int, idle: int) -> Clients:
    """Connect the clients in their own process; returns once all are connected."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks._ws_clients",
        url,
        str(subscribed),
        str(idle),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), READY_S)
    if line.strip() != b"ready":
        raise RuntimeError(f"the clients did not connect: {line!r}")
    return Clients(process)
