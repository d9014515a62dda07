"""``cockpit guard``: run the guard, start and stop it in the background, ask it how it is.

``run`` keeps it in the foreground (systemd runs this); ``start`` runs it in the
background and returns once ``/status`` answers; ``stop`` ends it cleanly; ``status``
asks it (with the token); ``tail`` follows its audit log; ``validate`` checks its
config; ``service`` prints the systemd user unit. docs/guard.md says it all.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from cockpit.cli import load_or_exit, with_overrides
from cockpit.cli.guard_show import follow_audit, render_status
from cockpit.config import Settings, state_dir
from cockpit.core import loop as cockpit_loop
from cockpit.guard.auth import read_token
from cockpit.guard.pidfile import Running, read_running

START_DEADLINE_S = 90.0
"""How long ``start`` waits for the guard to answer (a live broker signs in first)."""
STOP_DEADLINE_S = 60.0
UNIT_FILE = "docs/cockpit-guard.service"


def _settings(ctx: click.Context, broker: str | None) -> Settings:
    """The config with the command line's choices on top (``cockpit --broker ... guard``)."""
    root = ctx.find_root()
    params = root.params
    return with_overrides(
        load_or_exit(params.get("config_path")),
        broker=broker or params.get("broker"),
        seed=params.get("seed"),
        symbols=params.get("symbols"),
    )


def _folder() -> Path:
    return state_dir()


@click.group("guard")
def guard() -> None:
    """The guard: the risk engine run headless all day, with a local API."""


def _run_options(function: Any) -> Any:
    function = click.option(
        "--port", type=click.IntRange(0, 65535), default=None,
        help="Port to listen on (default [guard] port, 8765; 0 picks a free one).",
    )(function)  # fmt: skip
    function = click.option(
        "--broker", type=click.Choice(["paper", "projectx"]), default=None,
        help="Where orders go: the paper demo (default) or a live ProjectX account.",
    )(function)  # fmt: skip
    return click.option(
        "--dry-run", is_flag=True,
        help="Decide and record every rule; enforce nothing (status, audit, journal say so).",
    )(function)  # fmt: skip


@guard.command("run")
@_run_options
@click.pass_context
def run(ctx: click.Context, dry_run: bool, broker: str | None, port: int | None) -> None:
    """Run the guard in the foreground until SIGTERM or Ctrl-C."""
    from cockpit.guard.reads_between import guard_loop
    from cockpit.guard.runner import GuardOptions, StartRefused, run_guard

    settings = _settings(ctx, broker)
    if settings.broker.kind == "projectx":
        from cockpit.cli import check_live_login

        check_live_login(settings)
    code = _checks(settings)
    if code:
        sys.exit(code)
    _log_setup(settings)
    options = GuardOptions(settings, _folder(), dry_run=dry_run, port=port)

    def ready(guard: Any) -> None:
        dry = " · DRY RUN: rules decide and record, nothing is enforced" if guard.dry_run else ""
        click.echo(f"guard serving on {guard.address} (PID {os.getpid()}){dry}", err=True)

    try:
        cockpit_loop.run(run_guard(options, on_ready=ready), base=guard_loop)
    except StartRefused as exc:
        click.echo(f"cockpit guard: {exc}", err=True)
        sys.exit(2)
    click.echo("guard stopped", err=True)


def _checks(settings: Settings) -> int:
    """The start checks the cockpit makes that concern the guard: the exchange calendar
    and the settings lock (a config that loosens a locked limit does not start)."""
    from cockpit.cli.settings_lock import check_settings_lock
    from cockpit.config import ConfigError, load_market_calendar

    try:
        load_market_calendar()
    except ConfigError as exc:
        click.echo(f"cockpit guard: config error\n{exc}", err=True)
        return 2
    return check_settings_lock(settings)


def _log_setup(settings: Settings) -> None:
    """The log file, as the cockpit keeps it; live credentials masked."""
    from cockpit.logs import log_to_file

    log_to_file()
    if settings.broker.kind == "projectx":
        from cockpit.brokers import projectx_redact

        projectx_redact.install()


@guard.command("start")
@_run_options
@click.pass_context
def start(ctx: click.Context, dry_run: bool, broker: str | None, port: int | None) -> None:
    """Start the guard in the background; return once it answers."""
    folder = _folder()
    running = read_running(folder)
    if running is not None:
        click.echo(f"cockpit guard: a guard is already running on {folder} "
                   f"(PID {running.pid}, {running.address})", err=True)  # fmt: skip
        sys.exit(2)
    settings = _settings(ctx, broker)  # a bad config fails here, in the trader's terminal
    if settings.broker.kind == "projectx":
        from cockpit.cli import check_live_login

        check_live_login(settings)
    args = [sys.executable, "-m", "cockpit", *_root_args(ctx), "guard", "run"]
    args += [*(["--dry-run"] if dry_run else []), *(["--broker", broker] if broker else [])]
    args += ["--port", str(port)] if port is not None else []
    folder.mkdir(parents=True, exist_ok=True)
    console = folder / "guard.out"
    with open(console, "wb") as out:
        child = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        code = child.poll()
        if code is not None:
            text = console.read_text(encoding="utf-8", errors="replace").strip()
            click.echo(text or f"cockpit guard: the guard ended at once (exit {code})", err=True)
            sys.exit(code or 2)
        running = read_running(folder)
        if running is not None and running.pid == child.pid and running.address:
            status = _fetch_status(running, folder)
            if status is not None and status.get("state") == "running":
                dry = " · DRY RUN" if status.get("dry_run") else ""
                click.echo(f"guard started (PID {child.pid}) on {running.address}{dry}")
                return
        time.sleep(0.1)  # polling a condition, with the deadline above
    click.echo(f"cockpit guard: PID {child.pid} did not answer within "
               f"{START_DEADLINE_S:.0f} s; see {console}", err=True)  # fmt: skip
    sys.exit(1)


def _root_args(ctx: click.Context) -> list[str]:
    """The ``cockpit`` options given before ``guard``, for the background guard."""
    params = ctx.find_root().params
    args: list[str] = []
    if params.get("config_path") is not None:
        args += ["--config", str(params["config_path"])]
    if params.get("broker"):
        args += ["--broker", params["broker"]]
    if params.get("symbols"):
        args += ["--symbols", ",".join(params["symbols"])]
    if params.get("seed") is not None:
        args += ["--seed", str(params["seed"])]
    return args


@guard.command("stop")
def stop() -> None:
    """Stop the running guard cleanly (clients told, journal closed)."""
    folder = _folder()
    running = read_running(folder)
    if running is None:
        click.echo(f"cockpit guard: no guard is running (state dir {folder})", err=True)
        sys.exit(1)
    try:
        os.kill(running.pid, signal.SIGTERM)
    except ProcessLookupError:
        click.echo(f"cockpit guard: PID {running.pid} is gone", err=True)
        sys.exit(1)
    deadline = time.monotonic() + STOP_DEADLINE_S
    while time.monotonic() < deadline:
        if read_running(folder) is None and not process_alive(running.pid):
            click.echo(f"guard stopped (PID {running.pid})")
            return
        time.sleep(0.1)  # polling a condition, with the deadline above
    click.echo(f"cockpit guard: PID {running.pid} did not stop within "
               f"{STOP_DEADLINE_S:.0f} s", err=True)  # fmt: skip
    sys.exit(1)


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent to read it has ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return True  # no /proc (macOS): kill's answer stands
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _fetch_status(running: Running, folder: Path) -> dict[str, Any] | None:
    """The guard's ``/status`` data, or ``None`` when it does not answer (yet)."""
    token = read_token(folder)
    if token is None or running.address is None:
        return None
    request = urllib.request.Request(
        f"http://{running.address}/status", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = json.loads(response.read())
    except (OSError, ValueError):
        return None
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else None


@guard.command("status")
@click.option("--json", "as_json", is_flag=True, help="The guard's /status as JSON.")
def status(as_json: bool) -> None:
    """What the running guard holds: accounts, positions, orders, risk, clients."""
    folder = _folder()
    running = read_running(folder)
    if running is None:
        if as_json:
            click.echo(json.dumps({"state": "stopped"}))
        click.echo(f"cockpit guard: no guard is running (state dir {folder})", err=True)
        sys.exit(1)
    data = _fetch_status(running, folder)
    if data is None:
        click.echo(f"cockpit guard: PID {running.pid} does not answer at "
                   f"{running.address or 'its address (still starting?)'}", err=True)  # fmt: skip
        sys.exit(1)
    click.echo(json.dumps(data, indent=2) if as_json else render_status(data))


@guard.command("tail")
@click.option("-n", "--lines", type=click.IntRange(0), default=10, show_default=True,
              help="Lines of the past to show first.")  # fmt: skip
@click.option("--follow/--no-follow", default=True, show_default=True,
              help="Keep showing new lines as the guard writes them.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="The audit lines as they are (JSON).")
def tail(lines: int, follow: bool, as_json: bool) -> None:
    """Follow the guard's audit log (audit.ndjson) as readable lines."""
    from cockpit.guard.audit import audit_path

    path = audit_path(_folder())
    if not path.exists() and not follow:
        click.echo(f"cockpit guard: no audit log yet at {path}", err=True)
        sys.exit(1)
    try:
        for line in follow_audit(path, lines, follow=follow, as_json=as_json):
            click.echo(line)
    except KeyboardInterrupt:
        return


@guard.command("validate")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def validate(ctx: click.Context, file: Path | None) -> None:
    """Check the guard's config (FILE, default the config file): rules, address."""
    from cockpit.cli.rules import check

    ctx.invoke(check, file=file)
    where = load_or_exit(file or ctx.find_root().params.get("config_path")).guard
    reach = "loopback" if not where.allow_remote else "reachable from other machines"
    click.echo(f"guard: listens on {where.host}:{where.port} ({reach}); "
               f"state dir {_folder()}")  # fmt: skip


@guard.command("service")
def service() -> None:
    """Print the systemd user unit (Type=notify) that runs the guard."""
    click.echo(unit_text(_executable()), nl=False)


def _executable() -> str:
    """This cockpit's own command, so the unit runs the installed version."""
    beside = Path(sys.executable).parent / "cockpit"
    if beside.exists():
        return str(beside)
    return shutil.which("cockpit") or "cockpit"


UNIT = """\
# The cockpit guard as a systemd user service (docs/guard.md).
#   cockpit guard service > ~/.config/systemd/user/cockpit-guard.service
#   systemctl --user daemon-reload && systemctl --user enable --now cockpit-guard
#   loginctl enable-linger "$USER"   # keep it running after you log out
[Unit]
Description=cockpit guard: the trader's risk rules, enforced all day
After=network-online.target
Wants=network-online.target

[Service]
Type=notify
NotifyAccess=all
ExecStart={executable} guard run
WatchdogSec=30
TimeoutStartSec=120
TimeoutStopSec=60
Restart=on-failure
RestartSec=5
# Live credentials (PROJECT_X_USERNAME, PROJECT_X_API_KEY...): in a file only you read
EnvironmentFile=-%h/.config/cockpit/guard.env

[Install]
WantedBy=default.target
"""


def unit_text(executable: str) -> str:
    """The unit, running ``executable`` (the docs' copy names ``%h/.local/bin/cockpit``)."""
    return UNIT.format(executable=executable)
