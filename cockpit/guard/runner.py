"""One run of the guard, start to end: claim the state dir, listen, trade, stop cleanly.

``cockpit guard run`` (and systemd, and ``start`` in the background) come here. The
order matters: the state dir is claimed first (a second guard stops before touching
anything), the port next (a taken port fails before the broker connects), then the
session starts; only then does systemd hear READY. Stopping tells the clients, stops
the broker, closes the journal and the audit, then lets go of the state dir.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.brokers.projectx_config import ENV_API_KEY
from cockpit.config import Settings
from cockpit.guard.audit import Audit
from cockpit.guard.auth import ensure_token
from cockpit.guard.daemon import Guard, with_dry_run
from cockpit.guard.notify import Notifier
from cockpit.guard.pidfile import AlreadyRunning, PidFile, Running
from cockpit.guard.web import PortTaken, Server
from cockpit.session import build_session

log = logging.getLogger(__name__)


class StartRefused(Exception):
    """The guard could not start; the message is the one line a trader reads."""


@dataclass
class GuardOptions:
    """How to run a guard: its settings, state dir, address and dry run."""

    settings: Settings
    folder: Path
    """The state dir: pid file, token, audit log and risk records."""
    dry_run: bool = False
    host: str | None = None
    port: int | None = None
    journal_dir: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @property
    def address(self) -> tuple[str, int]:
        guard = self.settings.guard
        return self.host or guard.host, guard.port if self.port is None else self.port


def status_line(guard: Guard) -> str:
    """The one line ``systemctl status`` shows: where, what, and the trading state."""
    state = guard.state
    dry = " · DRY RUN" if guard.dry_run else ""
    lock = " · lockout" if state.lockout_until is not None else ""
    return (
        f"serving {guard.address} · {state.mode.value}{dry} · {state.risk_state.value}{lock}"
        f" · {len(state.open_positions())} positions · {len(guard.clients)} clients"
    )


def secrets_of(options: GuardOptions, token: str) -> list[str]:
    """What must never appear in the audit: the token and the broker's key."""
    found = [token, options.environ.get(ENV_API_KEY, "")]
    key = options.settings.projectx.api_key
    if key is not None:
        found.append(key.get_secret_value())
    return [s for s in found if s]


async def run_guard(
    options: GuardOptions,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[Guard], None] | None = None,
) -> None:
    """Run a guard until ``stop`` is set (or SIGTERM/SIGINT when none is given).

    Raises :class:`StartRefused` when it cannot start; ends cleanly otherwise.
    """
    pid = PidFile(options.folder)
    try:
        pid.claim(options.dry_run)
    except AlreadyRunning as exc:
        raise StartRefused(str(exc)) from None
    try:
        await _run_claimed(options, pid, stop, on_ready)
    finally:
        pid.release()


async def _run_claimed(
    options: GuardOptions,
    pid: PidFile,
    stop: asyncio.Event | None,
    on_ready: Callable[[Guard], None] | None,
) -> None:
    token = ensure_token(options.folder)
    settings = with_dry_run(options.settings, options.dry_run)
    try:
        session = build_session(
            settings, risk_state_dir=options.folder, journal_dir=options.journal_dir
        )
    except ValueError as exc:
        raise StartRefused(str(exc)) from None
    guard = Guard(session, token=token)
    audit = Audit(options.folder, secrets_of(options, token))
    audit.attach(guard)
    host, port = options.address
    server = Server(guard, host, port)
    notifier = Notifier(options.environ)
    try:
        try:
            await server.start()
        except PortTaken as exc:
            raise StartRefused(f"{exc}; another guard or program listens there") from None
        try:
            await guard.start()
        except Exception as exc:
            raise StartRefused(f"could not start the broker: {exc}") from None
        await _serve(guard, audit, pid, notifier, options, stop, on_ready)
    finally:
        notifier.stopping("stopping: telling clients, closing the journal")
        if guard.started_ns is not None:
            audit.write(session.clock.now_ns(), "guard_stopped", {"seq_last": guard.seq})
        await guard.stop("guard stopping")
        await server.stop()
        audit.close()
        notifier.close()


def journal_now(guard: Guard) -> str | None:
    """The journal part the guard writes now (it moves to a new part when one is full)."""
    journal = guard.session.journal
    if journal is None:
        return None
    if journal.path is None:
        journal.flush()  # a journal has its file from its first flush on
    return str(journal.path) if journal.path is not None else None


def say_where(pid: PidFile, guard: Guard) -> None:
    """Write the pid file again when what it says changed: where the guard listens and
    which journal it writes (so a cockpit on this machine can review it)."""
    running = Running(os.getpid(), guard.address, guard.dry_run, journal_now(guard))
    if running != pid.said:
        pid.write(running)


async def _serve(
    guard: Guard,
    audit: Audit,
    pid: PidFile,
    notifier: Notifier,
    options: GuardOptions,
    stop: asyncio.Event | None,
    on_ready: Callable[[Guard], None] | None,
) -> None:
    loop = asyncio.get_running_loop()
    stopping = stop or asyncio.Event()
    handled: list[signal.Signals] = []
    if stop is None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
            handled.append(sig)
    session = guard.session
    say_where(pid, guard)
    audit.write(
        session.clock.now_ns(),
        "guard_started",
        {
            "pid": os.getpid(),
            "address": guard.address,
            "broker": session.settings.broker.kind,
            "mode": guard.state.mode.value,
            "dry_run": guard.dry_run,
        },
    )
    guard.on_tick(lambda: notifier.status(status_line(guard)))
    guard.on_tick(lambda: say_where(pid, guard))
    notifier.ready(status_line(guard))
    watchdog = loop.create_task(notifier.feed_watchdog())
    if on_ready is not None:
        on_ready(guard)
    try:
        await stopping.wait()
    finally:
        watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
        for sig in handled:
            loop.remove_signal_handler(sig)
