"""systemd Type=notify: READY when serving, WATCHDOG from the loop, STATUS, STOPPING;
heard on a fake NOTIFY_SOCKET (a unix datagram socket of the test's own)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.config import Settings
from cockpit.guard.daemon import Guard
from cockpit.guard.notify import Notifier
from cockpit.guard.runner import GuardOptions, run_guard

DEADLINE_S = 60.0


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket standing in for systemd's, and its path."""
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.setblocking(False)
    yield sock, path
    sock.close()


async def heard(sock: socket.socket, want: str, log: list[str], times: int = 1) -> None:
    """Read datagrams into ``log`` until ``times`` contain ``want`` (the caller's deadline)."""
    loop = asyncio.get_running_loop()
    while sum(want in message for message in log) < times:
        data = await loop.sock_recv(sock, 4096)
        log.append(data.decode())


async def test_ready_watchdog_status_and_stopping_reach_systemd(
    systemd: tuple[socket.socket, str], tmp_path: Path
) -> None:
    """A real guard run: READY=1 with a STATUS once serving, WATCHDOG=1 again and again
    (WATCHDOG_USEC of 0.2 s: every 0.1 s), STOPPING=1 when told to stop."""
    sock, path = systemd
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"}
    options = GuardOptions(Settings(), tmp_path / "state", port=0, environ=env)
    stop = asyncio.Event()
    ready: list[Guard] = []
    run = asyncio.get_running_loop().create_task(
        run_guard(options, stop=stop, on_ready=ready.append)
    )
    log: list[str] = []
    async with asyncio.timeout(DEADLINE_S):
        await heard(sock, "READY=1", log)
        await heard(sock, "WATCHDOG=1", log, times=3)
        stop.set()
        await heard(sock, "STOPPING=1", log)
        await run
    ready_line = next(m for m in log if "READY=1" in m)
    assert "STATUS=serving 127.0.0.1:" in ready_line
    assert "SIM" in ready_line
    assert ready
    assert any(m.startswith("STOPPING=1\nSTATUS=stopping") for m in log)


def test_the_abstract_namespace_and_a_foreign_watchdog_pid() -> None:
    """'@name' is Linux's abstract socket; WATCHDOG_PID of another process means no pings."""
    notifier = Notifier({"NOTIFY_SOCKET": "@cockpit-test", "WATCHDOG_USEC": "1000000",
                         "WATCHDOG_PID": "1"})  # fmt: skip
    assert notifier.address == "\0cockpit-test"
    assert notifier.watchdog_s is None
    notifier.close()
    quiet = Notifier({})
    assert not quiet.enabled
    quiet.ready("nothing listens")  # does nothing, raises nothing
