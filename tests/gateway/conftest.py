"""Fixtures for the live path: the emulator on a free loopback port, and the real SDK,
the ProjectX adapter and the real Engine driving it.

Speed: the emulator pumps every 20 ms; the adapter looks at its links every 50 ms and
calls a feed stale after 0.5 s of silence. The SDK's 30 s stale-feed watchdog is off
(the adapter disables it and owns staleness). A 429 on a *read* costs no 60 s SDK sleep:
the adapter calls past that rule and pauses its own reads for 2 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from cockpit.brokers.projectx import ProjectXBroker
from cockpit.brokers.projectx_config import ProjectXSettings, resolve_login
from cockpit.core.clock import WallClock
from cockpit.core.commands import Command, SetArmed
from cockpit.core.engine import Engine
from cockpit.core.events import Event
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.state import State
from cockpit.gateway.faults import parse_fault
from cockpit.gateway.server import GatewayOptions, GatewayServer

USERNAME = "trader-jane-7731"
API_KEY = "SECRET-KEY-5f1c9a0e77d2"
SYMBOLS = ("MNQ", "ES")

FAST = ProjectXSettings(
    timeout_seconds=2,
    stale_after_seconds=0.5,
    reconnect_after_seconds=3.0,
    check_interval_seconds=0.05,
    account_poll_seconds=0,
    uncertain_grace_seconds=1.5,
)


def options(**overrides: Any) -> GatewayOptions:
    base = GatewayOptions(
        port=0,
        symbols=SYMBOLS,
        pump_interval=0.02,
        keepalive_seconds=0.25,
        api_key=API_KEY,
    )
    return replace(base, **overrides)


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayServer]:
    server = GatewayServer(options())
    await server.start()
    yield server
    await server.stop()


@dataclass
class Live:
    """A started live session against the emulator, with helpers to wait on its state."""

    server: GatewayServer
    broker: ProjectXBroker
    state: State
    engine: Engine
    events: list[Event] = field(default_factory=list)
    journal: Path | None = None
    """When set, every event and command is also written here as a JSON line."""

    def record_event(self, recv_ns: int, event: Event, inbound: bool) -> None:
        """Every event the engine folds, broker facts and its own conclusions alike."""
        self.events.append(event)
        self._write(recv_ns, event)

    def record_command(self, ts: int, command: Command) -> None:
        self._write(ts, command)

    def _write(self, ts: int, item: object) -> None:
        if self.journal is not None:
            line = {"ts": ts, "kind": type(item).__name__, "item": item}
            with self.journal.open("ab") as out:
                out.write(orjson.dumps(line, default=str) + b"\n")

    async def until(self, check: Callable[[], Any], what: str, within: float = 10.0) -> None:
        """Wait until ``check()`` holds (the limit only stops a hung test)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not check():
            if loop.time() > deadline:
                pytest.fail(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    async def fault(self, **body: Any) -> str:
        return await self.server.apply(parse_fault(body))

    def account(self) -> Any:
        return next(iter(self.server.venue.ledgers.values()))


def login_env(**extra: str) -> dict[str, str]:
    return {"PROJECT_X_USERNAME": USERNAME, "PROJECT_X_API_KEY": API_KEY, **extra}


async def start_live(
    server: GatewayServer,
    settings: ProjectXSettings = FAST,
    env: dict[str, str] | None = None,
    journal: Path | None = None,
) -> Live:
    settings = settings.model_copy(update={"gateway": server.url})
    login = resolve_login(settings, env if env is not None else login_env())
    clock = WallClock()
    broker = ProjectXBroker(clock, list(SYMBOLS), settings, login=login)
    state = State(INSTRUMENTS, SYMBOLS, mode=broker.mode)
    engine = Engine(state, clock, broker=broker, confirm_timeout=5.0)
    live = Live(server, broker, state, engine, journal=journal)
    engine.recorder = live
    await broker.start(engine.on_event)
    engine.submit(SetArmed(armed=True))
    return live


@pytest.fixture
async def live(gateway: GatewayServer) -> AsyncIterator[Live]:
    session = await start_live(gateway)
    yield session
    await session.engine.drain()
    await session.broker.stop()


def money(text: str) -> Decimal:
    return Decimal(text)
