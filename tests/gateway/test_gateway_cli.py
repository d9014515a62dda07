"""``cockpit gateway``: its options, its usage errors (exit 2, no traceback), and the
banner that tells a trader exactly how to point the cockpit at it."""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cockpit.cli import main
from cockpit.cli.gateway import banner, parse_accounts
from cockpit.gateway.server import GatewayServer
from tests.gateway.conftest import options


def test_accounts_parse_with_optional_balances() -> None:
    """NAME[:BALANCE] pairs, 50,000 by default."""
    assert parse_accounts(None, None, "A, B:150000") == [
        ("A", Decimal(50_000)),
        ("B", Decimal(150_000)),
    ]


@pytest.mark.parametrize("value", ["A,a", "A:lots", ":5", "A:-1"])
def test_bad_accounts_are_usage_errors(value: str) -> None:
    """Duplicate names, bad or negative balances and missing names are refused."""
    with pytest.raises(click.BadParameter):
        parse_accounts(None, None, value)


def test_a_bad_scenario_file_exits_2_with_the_reason(tmp_path: Path) -> None:
    """A scenario that cannot be used is a clear message and exit code 2."""
    path = tmp_path / "bad.toml"
    path.write_text('[[steps]]\nat = 1\nfault = "meteor"\n')
    result = CliRunner().invoke(main, ["gateway", "--scenario", str(path)])
    assert result.exit_code == 2
    assert "step 1: bad fault" in result.output
    assert "Traceback" not in result.output


def test_a_busy_port_exits_2_with_advice() -> None:
    """A port in use says so and suggests --port 0."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["gateway", "--port", str(port), "--symbols", "MNQ"])
    assert result.exit_code == 2
    assert "--port 0" in result.output


async def test_the_banner_gives_the_exact_command_for_the_other_terminal() -> None:
    """The banner names the URL, the account and the cockpit command, never a real key."""
    server = GatewayServer(options(api_key=None))
    await server.start()
    try:
        text = banner(server, api_key_given=False)
        assert f"PROJECTX_GATEWAY={server.url}" in text
        assert "PROJECT_X_ACCOUNT_NAME=PRACTICE-50K" in text
        assert "uv run cockpit --broker projectx" in text
        assert f"curl -s -X POST {server.url}/admin/faults" in text
        assert "<the key you passed" in banner(server, api_key_given=True)
    finally:
        await server.stop()


def test_going_live_without_credentials_exits_2_naming_them(tmp_path: Path) -> None:
    """``cockpit --broker projectx`` with no key anywhere says what to set, exit code 2."""
    config = tmp_path / "config.toml"
    config.write_text("")
    unset = dict.fromkeys(("PROJECT_X_USERNAME", "PROJECT_X_API_KEY", "PROJECT_X_ACCOUNT_NAME"))
    result = CliRunner(env=unset).invoke(main, ["--config", str(config), "--broker", "projectx"])
    assert result.exit_code == 2
    assert "PROJECT_X_USERNAME and PROJECT_X_API_KEY" in result.output
    assert "Traceback" not in result.output
