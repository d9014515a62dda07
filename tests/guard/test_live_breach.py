"""The real thing: ``cockpit guard run`` on the live path (ProjectX, against the loopback
gateway emulator), no client attached; an order placed elsewhere breaches the daily
loss limit, and the guard flattens and locks on its own; ``guard tail`` shows it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cockpit.core.models import OrderRequest, OrderType, Side
from cockpit.gateway.server import GatewayServer
from tests.e2e.terminal import cockpit_command, isolated_env
from tests.gateway.conftest import API_KEY, USERNAME, options

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEADLINE_S = 120.0


async def cockpit(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run ``cockpit`` without blocking the loop the emulator serves on."""
    child = await asyncio.create_subprocess_exec(
        *cockpit_command(), *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(DEADLINE_S):
        out, err = await child.communicate()
    return child.returncode or 0, out.decode(), err.decode()


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


async def audited(path: Path, *kinds: str) -> list[dict[str, object]]:
    """Wait until the audit has a line of each of ``kinds``; every line so far."""
    async with asyncio.timeout(DEADLINE_S):
        while True:
            rows = [json.loads(line) for line in text_of(path).splitlines() if line]
            if set(kinds) <= {row["kind"] for row in rows}:
                return rows
            await asyncio.sleep(0.1)  # polling a file for a condition, deadline above


async def test_a_breach_with_no_client_flattens_and_locks_in_a_real_guard(
    tmp_path: Path,
) -> None:
    """An outside buy costs more than the $0.50 limit: the guard locks, flattens at the
    broker (the emulator holds nothing after), and tail shows the lockout and flatten."""
    server = GatewayServer(options(api_key=API_KEY, pump_interval=0.05))
    await server.start()
    config = tmp_path / "config.toml"
    config.write_text("[risk.daily_loss]\nlimit = 0.5\n", encoding="utf-8")
    env = isolated_env(
        tmp_path,
        PROJECTX_GATEWAY=server.url,
        PROJECT_X_USERNAME=USERNAME,
        PROJECT_X_API_KEY=API_KEY,
    )
    audit = tmp_path / "state" / "cockpit" / "audit.ndjson"
    guard = await asyncio.create_subprocess_exec(
        *cockpit_command(), "--config", str(config), "guard", "run", "--broker", "projectx",
        "--port", "0", env=env, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await audited(audit, "guard_started")
        (account,) = server.venue.accounts()
        server.venue.place(account.id, OrderRequest("MNQ", Side.BUY, OrderType.MARKET, 1))
        rows = await audited(audit, "lockout_set", "flatten_completed")
        done = next(row for row in rows if row["kind"] == "flatten_completed")
        assert done["flat"] is True, done
        assert server.venue.open_positions(account.id) == []
        code, out, _ = await cockpit(env, "guard", "tail", "--no-follow", "-n", "200")
        assert code == 0
        assert any("lockout_set" in line and "daily loss" in line for line in out.splitlines())
        assert "flatten_completed" in out
        text = text_of(audit)
        assert API_KEY not in text
        assert USERNAME not in text
        code, out, err = await cockpit(env, "guard", "stop")
        assert code == 0, err
    finally:
        if guard.returncode is None:
            guard.terminate()
        async with asyncio.timeout(DEADLINE_S):
            await guard.wait()
        await server.stop()
