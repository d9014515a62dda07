"""The guard: one session run headless, its clock tick, and a number on every event.

The guard hosts a :class:`~cockpit.session.Session` (the broker, the engine, the risk
engine and the journal) exactly as the cockpit does in-process, and owns what the UI
owned there: the 1 Hz tick that ends cooldowns and fires time rules. Every event the
engine folds gets a guard-wide sequence number, so a client sees a gap as a gap.

Listeners ride on ``Engine.listeners``, which the engine calls right after the state
folds an event and before the watchers react: events a watcher causes are folded (and
numbered) after the event that caused them, so the numbers follow the fold order a
replica must reproduce.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from cockpit.config import Settings
from cockpit.core import memory
from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.commands import Command
from cockpit.core.engine import Verdict
from cockpit.core.events import Event
from cockpit.core.flatten import Completion
from cockpit.core.memory import FullCollections
from cockpit.core.state import State
from cockpit.guard.clients import Clients
from cockpit.risk.tally import ZERO
from cockpit.session import Session

log = logging.getLogger(__name__)

Listener = Callable[[int, int, Event], None]
"""Called as ``listener(seq, recv_ns, event)`` right after each fold."""


@dataclass(frozen=True, slots=True)
class LastEvent:
    """The newest event the guard folded: its number, when, and what it was."""

    seq: int
    recv_ns: int
    kind: str


def with_dry_run(settings: Settings, dry_run: bool) -> Settings:
    """The settings with ``[risk] dry_run`` on when the guard runs with ``--dry-run``."""
    if not dry_run or settings.risk.dry_run:
        return settings
    risk = settings.risk.model_copy(update={"dry_run": True})
    return settings.model_copy(update={"risk": risk}).saved_to(settings.file)


class Guard:
    """Hosts one session all day: numbers its events, ticks its clock, counts clients."""

    def __init__(self, session: Session, *, token: str = "") -> None:
        self.session = session
        self.token = token
        """The clients' token (``auth.ensure_token``); never logged."""
        self.clients = Clients(session.clock.now_ns)
        self.seq = 0
        """The number of the last event folded (0 before the first)."""
        self.last_event: LastEvent | None = None
        self.started_ns: int | None = None
        self.address: str | None = None
        """``host:port`` once the API listens (the server sets it)."""
        self.stopping = False
        self._listeners: list[Listener] = []
        self._ticks: list[Callable[[], None]] = []
        self._tick_task: asyncio.Task[None] | None = None
        self._collections: FullCollections | None = None
        """Full garbage collections while flat (a live guard only: core/memory.py)."""
        session.engine.listeners.append(self._folded)

    # What clients read ------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self.session.state

    @property
    def dry_run(self) -> bool:
        """True when risk decisions are recorded and nothing is enforced (``--dry-run``)."""
        risk = self.session.risk
        return risk is not None and risk.dry_run

    def account_ids(self) -> list[int]:
        """The accounts this guard trades (one today; every event carries its id)."""
        account = self.state.account
        return [account.id] if account is not None else []

    def day_pnl(self, now_ns: int) -> Decimal:
        """The trading day's P&L net of fees, earlier runs' realized P&L of today included
        (a paper restart): the figure the cockpit's header shows."""
        risk = self.session.risk
        earlier = risk.earlier_day_pnl(now_ns) if risk is not None else ZERO
        return self.state.day_pnl() + earlier

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(seq, recv_ns, event)`` after each fold; returns the unlisten."""
        self._listeners.append(listener)

        def unlisten() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unlisten

    def on_tick(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` after each clock tick of a live guard (the systemd watchdog...)."""
        self._ticks.append(hook)

    # What clients ask --------------------------------------------------------------------

    def submit(self, command: Command) -> Verdict:
        """Judge a command through the engine's gates: a denied one never reaches a broker."""
        return self.session.engine.submit(command)

    def flatten_all(self) -> Completion:
        """Cancel every working order and close every position (joins a running flatten)."""
        return self.session.engine.flatten_all()

    # Running -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the session, then tick once a second of its clock (a live clock only: a
        frozen session ticks as it is advanced)."""
        self.started_ns = self.session.clock.now_ns()
        await self.session.start()
        if not self.session.frozen:
            memory.settle()
            self._collections = FullCollections(self.session.clock.now_ns())
            self._tick_task = asyncio.get_running_loop().create_task(self._tick_loop())

    def tick(self) -> None:
        """One tick: time-driven risk first, then the hooks (the watchdog), then a full
        garbage collection if the account is flat and it is time."""
        self.session.engine.tick()
        for hook in list(self._ticks):
            try:
                hook()
            except Exception:
                log.exception("a tick hook failed")
        if self._collections is not None:
            self._collections.on_tick(self.session.clock.now_ns(), self.state)

    async def _tick_loop(self) -> None:
        clock = self.session.clock
        while True:
            self.tick()
            left = NS_PER_SECOND - clock.now_ns() % NS_PER_SECOND
            await asyncio.sleep(left / NS_PER_SECOND)

    async def stop(self, reason: str = "guard stopping") -> None:
        """Tell every client why, stop ticking, stop the broker and close the journal."""
        self.stopping = True
        await self.clients.tell_all(reason)
        if self._collections is not None:
            self._collections.release()
        task, self._tick_task = self._tick_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.session.stop()

    def _folded(self, event: Event) -> None:
        self.seq = seq = self.seq + 1
        recv = self.session.engine.now()
        self.last_event = LastEvent(seq, recv, type(event).__name__)
        for listener in list(self._listeners):
            try:
                listener(seq, recv, event)
            except Exception:  # one client's bug never stops the fold for the others
                log.exception("a guard listener failed on %s", type(event).__name__)
