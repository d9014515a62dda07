"""``cockpit attach [HOST:PORT]``, and how a bare ``cockpit`` finds a guard to attach to.

A bare ``cockpit`` attaches when the guard's token file is in the state dir and the
configured address (``[guard] host``, ``port``) answers ``/status`` at once; otherwise it
runs in-process exactly as before. ``cockpit attach`` is explicit: no guard there is an
error, never a silent in-process start.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

import click

from cockpit.config import Settings, state_dir
from cockpit.core import loop

FIND_TIMEOUT = 0.5
"""Seconds a bare ``cockpit`` waits for a guard's ``/status`` before running in-process."""


def configured_address(settings: Settings) -> str:
    guard = settings.guard
    host = f"[{guard.host}]" if ":" in guard.host else guard.host
    return f"{host}:{guard.port}"


def guard_answers(address: str, token: str, timeout: float = FIND_TIMEOUT) -> bool:
    """True when a guard at ``address`` answers ``/status`` with this token in time."""
    request = urllib.request.Request(
        f"http://{address}/status", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read())
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and body.get("status") == "ok"


def guard_token() -> str | None:
    from cockpit.guard.auth import read_token

    return read_token(state_dir())


def find_guard(settings: Settings) -> tuple[str, str] | None:
    """(address, token) of a guard answering on the configured address, else ``None``."""
    token = guard_token()
    if token is None:
        return None
    address = configured_address(settings)
    return (address, token) if guard_answers(address, token) else None


def run_attached(settings: Settings, address: str, token: str) -> int:
    """The cockpit attached to the guard at ``address``; 2 when it cannot attach."""
    from cockpit.cli.start import check_start
    from cockpit.logs import log_to_file
    from cockpit.slices import give_way
    from cockpit.ui.flatten_key import keys_first
    from cockpit.ui.hangup import watch_terminal

    code = check_start(settings)
    if code:
        return code
    log_to_file()
    keys_first()
    give_way()  # a screen's frame can wait: the guard, the key reader and keys go first
    watch_terminal()
    return loop.run(_attached(settings, address, token))


async def _attached(settings: Settings, address: str, token: str) -> int:
    from cockpit.guard.attached import attach
    from cockpit.guard.client import GuardUnavailable
    from cockpit.ui.app import make_app

    try:
        session = await attach(settings, address, token)
    except GuardUnavailable as exc:
        print(f"cockpit: {exc}", file=sys.stderr)
        return 2
    app = make_app(session)
    result = await app.run_async()
    return int(result or app.return_code or 0)


@click.command("attach")
@click.argument("address", required=False, metavar="[HOST:PORT]")
@click.pass_context
def attach_command(ctx: click.Context, address: str | None) -> None:
    """Open the cockpit on a running guard (default: the [guard] host and port)."""
    from cockpit.cli import load_or_exit, with_overrides

    params = ctx.find_root().params
    settings = with_overrides(load_or_exit(params.get("config_path")), theme=params.get("theme"))
    token = guard_token()
    if token is None:
        click.echo(
            f"cockpit attach: no guard token in {state_dir()} (start one: cockpit guard start)",
            err=True,
        )
        sys.exit(2)
    sys.exit(run_attached(settings, address or configured_address(settings), token))
