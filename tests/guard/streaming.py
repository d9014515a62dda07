"""A guard on a frozen paper session serving /stream on a loopback port, for the stream's
and the attach tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from aiohttp.test_utils import TestServer

from cockpit.config import Settings
from cockpit.core.state import State
from cockpit.guard.daemon import Guard
from cockpit.guard.snapshot import encode_state
from cockpit.guard.stream import STREAM_HUB, StreamHub
from cockpit.guard.web import build_web_app
from cockpit.journal.codec import dumps
from cockpit.risk.tally import Earlier
from tests.frozen import frozen_session

TOKEN = "stream-test-token"
DEADLINE = 30.0
"""Seconds a test waits for a condition before it fails (a shared machine can be slow)."""


def picture(state: State) -> bytes:
    """A state's whole content as bytes: two states are equal when these are."""
    return dumps(encode_state(state))


async def until(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    """Wait for ``condition`` (never for a time): fail only when the deadline passes."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not condition():
        if loop.time() > end:
            raise AssertionError(f"still waiting after {deadline} s for {what}")
        await asyncio.sleep(0.005)


@dataclass
class Served:
    guard: Guard
    hub: StreamHub
    server: TestServer

    @property
    def address(self) -> str:
        return f"{self.server.host}:{self.server.port}"


@asynccontextmanager
async def served_guard(
    port: int | None = None, settings: Settings | None = None, journal_dir: Path | None = None
) -> AsyncIterator[Served]:
    """A started guard on a frozen paper session, its web app with /stream, listening
    (journalled in ``journal_dir`` when given)."""
    guard = Guard(frozen_session(settings, journal_dir=journal_dir), token=TOKEN)
    await guard.start()
    app = build_web_app(guard)
    hub = app[STREAM_HUB]
    server = TestServer(app, port=port) if port is not None else TestServer(app)
    await server.start_server()
    try:
        yield Served(guard, hub, server)
    finally:
        await server.close()
        await guard.stop()


@asynccontextmanager
async def served_again(guard: Guard, port: int) -> AsyncIterator[Served]:
    """The same guard served again on ``port`` (its API restarted)."""
    app = build_web_app(guard)
    hub = app[STREAM_HUB]
    server = TestServer(app, port=port)
    await server.start_server()
    try:
        yield Served(guard, hub, server)
    finally:
        await server.close()


def earlier_run_made(guard: Guard, pnl: Decimal) -> None:
    """An earlier run of this guard realized ``pnl`` today in one trade, which the broker
    does not report again (a paper restart)."""
    risk = guard.session.risk
    assert risk is not None
    now = guard.session.clock.now_ns()
    calendar = risk.tally.calendar
    risk.tally.earlier = Earlier(calendar.week_end(now), 1, calendar.day_end(now), 1, pnl)
    assert risk.earlier_day_pnl(now) == pnl
