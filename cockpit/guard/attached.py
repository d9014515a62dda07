"""A cockpit attached to a guard: what the screen is handed instead of a :class:`Session`.

The screen reads a state, the risk engine's views, and sends commands; here the state
is the link's replica, the views are the guard's risk engine's (as of its last word),
and the commands go over the stream. Everything that differs from running in-process
is in this module and the link, so no widget knows where the engine runs:

* :class:`RemoteEngine` folds the guard's events into the replica (the same
  ``State.apply``) and sends commands instead of judging them; it never ticks (time
  belongs to the guard);
* :class:`RiskMirror` answers the screen's risk questions from the guard's readout, and
  shows ``GUARD OFFLINE`` while the guard cannot be reached;
* :class:`BracketMirror` names the guard's bracket templates for the footer and `t` (the
  guard's bracket manager places the legs; a choice goes to it as ``ChooseBracket``).
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal
from pathlib import Path

from cockpit.config import Settings
from cockpit.core.bracket_plan import NO_TEMPLATE
from cockpit.core.clock import Clock, WallClock
from cockpit.core.commands import Command
from cockpit.core.engine import Engine, Verdict
from cockpit.core.state import State
from cockpit.core.tradingstate import TradingState
from cockpit.guard.client import GuardLink
from cockpit.guard.pidfile import read_running
from cockpit.guard.wire import RiskReadout
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine
from cockpit.risk.rules.base import Level, Reading
from cockpit.risk.tally import ZERO
from cockpit.risk.views import Banner

MODE_DETAIL = "· GUARD"
"""Beside the mode badge: ``SIM · GUARD``, ``LIVE · GUARD``."""


def offline_words(link: GuardLink) -> str:
    """Why nothing can be sent: the guard is not reachable, and when the next try is."""
    when = f" · trying again in {link.retry_in:g} s" if link.retry_in is not None else ""
    gone = f" · {link.gone_reason}" if link.gone_reason else ""
    return f"GUARD OFFLINE{gone}{when}"


class RemoteEngine(Engine):
    """The attached cockpit's engine: the guard decides, this one only folds and sends."""

    def __init__(self, state: State, clock: Clock, link: GuardLink) -> None:
        super().__init__(state, clock)
        self.link = link

    def submit(self, command: Command) -> Verdict:
        """Send ``command`` to the guard at once; the guard's verdict comes back later
        (``link.on_verdict``). Offline, every command is refused with that reason."""
        if not self.link.send(command):
            reason = f"{offline_words(self.link)}: nothing was sent"
            return Verdict(False, reason)
        return Verdict(True)

    def tick(self) -> None:
        """Time belongs to the guard: its own tick ends cooldowns and fires time rules."""


class RiskMirror(RiskEngine):
    """The guard's risk engine as the screen sees it: its settings (so the panels word
    limits the same) and its readout; it never judges a command or an event."""

    def __init__(self, settings: RiskSettings, clock: Clock, link: GuardLink) -> None:
        super().__init__(settings, clock)
        self.link = link
        if link.readout is not None:
            self.follow(link.readout)

    def follow(self, readout: RiskReadout) -> None:
        """Take the guard's latest word on the trading state, dry run and the day's best."""
        self.trading_state = readout.trading_state
        self.dry_run = readout.dry_run
        if self.daily_loss is not None and readout.loss_peak is not None:
            self.daily_loss.peak = readout.loss_peak  # what the header's "locks in" reads

    def banner(self, state: State, now_ns: int | None = None) -> Banner | None:
        if not self.link.online:
            refused = "order keys refused until it is back"
            text = f"{offline_words(self.link)} · {refused}"
            return Banner(TradingState.LOCKED, text, "guard")
        readout = self.link.readout
        return readout.banner if readout is not None else None

    def status(self, state: State, now_ns: int | None = None) -> list[Reading]:
        readout = self.link.readout
        return list(readout.status) if readout is not None else []

    def daily_loss_room(self, state: State, now_ns: int | None = None) -> Decimal | None:
        readout = self.link.readout
        return readout.loss_room if readout is not None else None

    def max_loss_distance(
        self, state: State, now_ns: int | None = None
    ) -> tuple[Decimal, Decimal, Level] | None:
        readout = self.link.readout
        if readout is None or readout.floor_distance is None:
            return None
        assert readout.floor_buffer is not None
        assert readout.floor_level is not None
        return readout.floor_distance, readout.floor_buffer, readout.floor_level

    def latched(self, rule: str, now: int) -> bool:
        readout = self.link.readout
        return readout is not None and rule in readout.latched

    def earlier_day_pnl(self, now_ns: int | None = None) -> Decimal:
        readout = self.link.readout
        return readout.earlier_day_pnl if readout is not None else ZERO


class BracketMirror:
    """The guard's bracket templates as the footer and `t` see them: the names from the
    guard's readout, and the one a `t` asked for until the guard's readout shows it."""

    def __init__(self, link: GuardLink) -> None:
        self.link = link
        self.asked: str | None = None
        """The template a `t` sent, until the guard shows it active or refuses it."""

    @property
    def names(self) -> tuple[str, ...]:
        readout = self.link.readout
        return readout.brackets if readout is not None else ()

    @property
    def active_name(self) -> str:
        if self.asked is not None:
            return self.asked
        readout = self.link.readout
        return readout.bracket if readout is not None else NO_TEMPLATE

    def next_name(self) -> str:
        """The template after the active one in config order, then ``none``, then round
        (as the guard's bracket manager counts)."""
        names = [*self.names, NO_TEMPLATE]
        active = self.active_name
        return names[(names.index(active) + 1) % len(names)] if active in names else names[0]

    def follow(self, readout: RiskReadout) -> None:
        """The guard's word: a choice it now shows is no longer only asked for."""
        if self.asked == readout.bracket:
            self.asked = None


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def guard_journal(address: str, folder: Path) -> Path | None:
    """The journal part the guard at ``address`` writes now, when that guard runs on this
    machine: the pid file in the state dir ``folder`` names it (the same port, reached
    on loopback) and the file is there. ``None`` for a guard elsewhere (a tunnel's far
    end keeps its journal on its own machine)."""
    running = read_running(folder)
    if running is None or running.journal is None or running.address is None:
        return None
    host, _, port = address.rpartition(":")
    if host not in LOOPBACK or running.address.rpartition(":")[2] != port:
        return None
    path = Path(running.journal)
    return path if path.is_file() else None


class AttachedSession:
    """A cockpit's seat at a guard: the replica, the mirrored views, the link."""

    journal = None
    """The guard keeps the journal (:meth:`guard_journal` finds it on this machine)."""
    frozen = False
    mode_detail = MODE_DETAIL

    def __init__(self, settings: Settings, link: GuardLink, clock: Clock | None = None) -> None:
        state = link.state
        snapshot = link.snapshot
        if state is None or snapshot is None:
            raise ValueError("attach after the link's first snapshot")
        self.settings = settings
        self.link = link
        self.clock: Clock = clock or WallClock()
        self.state: State = state
        self.engine = RemoteEngine(state, self.clock, link)
        self.risk: RiskMirror | None = None
        self.bracket_mirror = BracketMirror(link)
        """The guard runs the bracket manager; a seat names its templates."""
        if snapshot.risk_settings is not None:
            self.risk = RiskMirror(snapshot.risk_settings, self.clock, link)
        self.account = snapshot.account
        self.started = False
        self._running: asyncio.Task[None] | None = None
        link.sink = self.engine.on_event
        link.on_readout = self._readout
        link.on_snapshot = self._snapshot

    @property
    def brackets(self) -> BracketMirror | None:
        """The guard's bracket templates; ``None`` when its config has none."""
        return self.bracket_mirror if self.bracket_mirror.names else None

    def _snapshot(self) -> None:
        """A fresh snapshot (a reconnect, perhaps to a guard restarted with other rules):
        the panels word the limits of the rules the guard runs now, and the footer the
        bracket template it has now."""
        self.bracket_mirror.asked = None
        snapshot = self.link.snapshot
        settings = snapshot.risk_settings if snapshot is not None else None
        if settings is None:
            self.risk = None
        elif self.risk is None or self.risk.settings != settings:
            self.risk = RiskMirror(settings, self.clock, self.link)
        elif self.link.readout is not None:
            self.risk.follow(self.link.readout)

    def _readout(self, readout: RiskReadout) -> None:
        self.bracket_mirror.follow(readout)
        if self.risk is not None:
            self.risk.follow(readout)
        self.state.changes.status = True  # the banner and header read it on the next drain

    def guard_journal(self) -> Path | None:
        """The guard's journal to review read-only, when the guard is on this machine."""
        from cockpit.config import state_dir  # looked up at the call: tests move the folders

        return guard_journal(self.link.address, state_dir())

    async def start(self) -> None:
        """Keep the link up (reading, reconnecting) for as long as the cockpit runs."""
        if self._running is None:
            self._running = asyncio.get_running_loop().create_task(self.link.run())
        self.started = True

    async def stop(self) -> None:
        """Detach: the guard and its enforcement go on."""
        task, self._running = self._running, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.link.close()
        self.started = False


async def attach(
    settings: Settings, address: str, token: str, *, clock: Clock | None = None
) -> AttachedSession:
    """Connect to the guard at ``address`` and take its snapshot (``GuardUnavailable``
    when it cannot be reached or refuses the token)."""
    link = GuardLink(address, token)
    await link.connect()
    return AttachedSession(settings, link, clock)
