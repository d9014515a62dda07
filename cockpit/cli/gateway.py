"""``cockpit gateway``: run the loopback ProjectX Gateway emulator in a terminal.

It prints how to point the cockpit at it, logs every REST call (the exact
``/Order/place`` body included, secrets masked) and takes faults at ``/admin/faults``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from cockpit.brokers import projectx_redact
from cockpit.cli import parse_symbols
from cockpit.core import loop as cockpit_loop
from cockpit.core.text import money
from cockpit.gateway.faults import ScenarioError, Step, load_scenario
from cockpit.gateway.server import DEFAULT_SYMBOLS, GatewayOptions, GatewayServer

DEMO_USER = "demo"
DEMO_KEY = "emulator-demo-key"


def parse_accounts(
    _ctx: click.Context | None, _param: click.Parameter | None, value: str
) -> list[tuple[str, Decimal]]:
    """``PRACTICE-50K,COMBINE-150K:150000``: names, each with an optional balance."""
    accounts = []
    for part in value.split(","):
        name, _, balance = part.strip().partition(":")
        name = name.strip()
        if not name:
            raise click.BadParameter("give each account a name, e.g. PRACTICE-50K:50000")
        try:
            amount = Decimal(balance.strip() or "50000")
        except InvalidOperation:
            raise click.BadParameter(f"balance {balance!r} of {name} is not a number") from None
        if amount <= 0:
            raise click.BadParameter(f"balance of {name} must be positive")
        accounts.append((name, amount))
    names = [name.upper() for name, _ in accounts]
    if len(set(names)) != len(names):
        raise click.BadParameter("account names must differ")
    return accounts


def banner(server: GatewayServer, api_key_given: bool) -> str:
    """How to use the running emulator: the other terminal's exact command."""
    url = server.url
    accounts = server.venue.accounts()
    account = accounts[0].name
    key = "<the key you passed with --api-key>" if api_key_given else DEMO_KEY
    lines = [
        f"ProjectX Gateway emulator on {url} (127.0.0.1 only; Ctrl-C stops it)",
        "accounts: "
        + ", ".join(f"{a.name} (id {a.id}, balance {money(a.balance)})" for a in accounts),
        "contracts: " + ", ".join(f"{s} {cid}" for s, cid in server.venue.contract_ids.items()),
        "",
        "Point the cockpit at it, in another terminal:",
        f"  PROJECTX_GATEWAY={url} PROJECT_X_USERNAME={DEMO_USER} \\",
        f"  PROJECT_X_API_KEY={key} PROJECT_X_ACCOUNT_NAME={account} \\",
        "  uv run cockpit --broker projectx",
        "",
        "Inject a fault while it runs (see docs/live.md for every kind):",
        f"""  curl -s -X POST {url}/admin/faults -d '{{"fault": "drop_hub", "hub": "user"}}'""",
        f"""  curl -s -X POST {url}/admin/faults -d '{{"fault": "silent", "seconds": 10}}'""",
        f"  curl -s {url}/admin/state",
        "",
    ]
    if len(accounts) > 1:
        lines.insert(-1, "Several accounts: the cockpit will not start until one is named.")
    return "\n".join(lines)


@click.command("gateway")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")  # fmt: skip
@click.option("--scenario", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="TOML file of timed faults ([[steps]] with at = seconds).")  # fmt: skip
@click.option("--accounts", "accounts", default="PRACTICE-50K", show_default=True,
              callback=parse_accounts, help="Login accounts: NAME[:BALANCE],...")  # fmt: skip
@click.option("--symbols", callback=parse_symbols, default=None,
              help=f"Contracts to trade (default {','.join(DEFAULT_SYMBOLS)}).")  # fmt: skip
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the market.")
@click.option("--api-key", default=None, help="Accept only this API key (default: any).")
@click.option("--token-minutes", type=click.FloatRange(min=0.1), default=1440.0,
              show_default=True, help="Sign-in token lifetime.")  # fmt: skip
@click.option("--quiet", is_flag=True, help="Log faults and errors only, not every call.")
def gateway(
    port: int,
    scenario: Path | None,
    accounts: list[tuple[str, Decimal]],
    symbols: list[str] | None,
    seed: int,
    api_key: str | None,
    token_minutes: float,
    quiet: bool,
) -> None:
    """Run a loopback ProjectX Gateway emulator backed by the paper broker."""
    steps: list[Step] = []
    if scenario is not None:
        try:
            steps = load_scenario(scenario)
        except ScenarioError as exc:
            click.echo(f"cockpit gateway: {exc}", err=True)
            sys.exit(2)
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(name)s %(message)s",
        datefmt="%H:%M:%S",
    )
    projectx_redact.install()
    options = GatewayOptions(
        port=port,
        accounts=accounts,
        symbols=symbols or DEFAULT_SYMBOLS,
        seed=seed,
        api_key=api_key,
        token_ttl=token_minutes * 60,
        scenario=steps,
    )
    with contextlib.suppress(KeyboardInterrupt):
        code = cockpit_loop.run(_serve(options, api_key is not None))
        sys.exit(code)


async def _serve(options: GatewayOptions, api_key_given: bool) -> int:
    server = GatewayServer(options)
    try:
        await server.start()
    except OSError as exc:
        click.echo(
            f"cockpit gateway: cannot listen on 127.0.0.1:{options.port} ({exc.strerror}); "
            "try another --port, or --port 0 for a free one",
            err=True,
        )
        return 2
    click.echo(banner(server, api_key_given))
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
    return 0  # pragma: no cover - the wait above only ends by interruption
