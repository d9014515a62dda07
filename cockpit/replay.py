"""The replay controls a trader uses: play, pause, speed, step, go to, jump.

:class:`ReplaySession` is what the cockpit's REPLAY mode is handed. It owns a
:class:`~cockpit.journal.replay.Replayer` and a :class:`~cockpit.session.Session` whose
broker is a :class:`~cockpit.brokers.replay.ReplayBroker`, so the UI reads ``state`` and
drains ``state.changes`` exactly as in a live session. Pacing runs as one asyncio task:
at each wake-up it applies the records that recorded time has reached at the chosen
speed, a bounded batch at a time, and yields, so keys stay responsive at 64x and unpaced.

A jump back in time replaces the engine, state and clock (restored from a checkpoint):
read them through this object (or ``session``) after every control, and redraw
everything when :attr:`generation` changes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cockpit.brokers.replay import ReplayBroker
from cockpit.config import Settings
from cockpit.core.bars import BarSeries, timeframe
from cockpit.core.clock import FakeClock
from cockpit.core.engine import Engine
from cockpit.core.events import (
    AccountUpdated,
    EnforcementTaken,
    FillReceived,
    LockoutEnded,
    LockoutStarted,
    OrderDenied,
    PositionUpdated,
    RiskStateChanged,
)
from cockpit.core.state import State
from cockpit.journal.codec import CodecError
from cockpit.journal.ending import Ending
from cockpit.journal.format import FrameFlag, RecordKind
from cockpit.journal.reader import Journal, Record, open_journal
from cockpit.journal.replay import Mismatch, Replayer
from cockpit.journal.rerun import RiskInstaller
from cockpit.risk.engine import RiskEngine
from cockpit.session import Session

SPEEDS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
"""The paced speeds; ``None`` is unpaced (as fast as the machine goes)."""
BATCH = 500
"""Records applied between two yields to the event loop (a few milliseconds)."""
IDLE_SECONDS = 0.02
"""A pause in the recording at least this long (at the chosen speed) is used for a
checkpoint that came due."""
FRAME_SECONDS = 0.05
"""Longest sleep while paced, so the replay clock on screen moves smoothly."""

_FILL_FACTS = (PositionUpdated, AccountUpdated)
"""What a broker reports with a fill: a jump to the fill lands after them."""
_DECISIONS = (OrderDenied, EnforcementTaken, RiskStateChanged)
_LOCKOUTS = (LockoutStarted, LockoutEnded)


def _is_fill(record: Record) -> bool:
    return record.kind is RecordKind.IN and isinstance(record.item, FillReceived)


def _is_decision(record: Record) -> bool:
    return record.kind is RecordKind.OUT and isinstance(record.item, _DECISIONS)


def _is_lockout(record: Record) -> bool:
    return record.kind is RecordKind.OUT and isinstance(record.item, _LOCKOUTS)


JUMPS: dict[str, tuple[FrameFlag, Callable[[Record], bool]]] = {
    "fill": (FrameFlag.FILLS, _is_fill),
    "decision": (FrameFlag.DECISIONS, _is_decision),
    "lockout": (FrameFlag.LOCKOUTS, _is_lockout),
}
"""What the jump keys look for: a fill, a rule decision, a lockout starting or ending."""


class ReplaySession:
    """A journal replayed in the cockpit, with the controls of a replay."""

    def __init__(
        self,
        journal: Journal,
        *,
        settings: Settings | None = None,
        install: RiskInstaller | None = None,
        rerun: bool = True,
        speed: float | None = 1.0,
        checkpoint_every: int | None = None,
    ) -> None:
        self.journal = journal
        self.broker = ReplayBroker(
            on_start=self._started, on_stop=self._stopped, account_name=journal.header.account
        )
        options: dict[str, Any] = {}
        if checkpoint_every is not None:
            options["checkpoint_every"] = checkpoint_every
        self.replayer = Replayer(
            journal, install=install, rerun=rerun, broker=self.broker, **options
        )
        base = settings if settings is not None else Settings()
        ui = base.ui.model_copy(update={"watchlist": list(journal.header.watchlist)})
        self.session = Session(
            base.model_copy(update={"ui": ui}),
            self.replayer.clock,
            self.replayer.state,
            self.replayer.engine,
            self.broker,
            list(journal.header.watchlist),
        )
        self.session.risk = self._risk()
        self.replayer.rebuilt.append(self._rebind)
        self.speed: float | None = speed
        self.playing = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._anchor_ns = 0
        self._anchor_wall = 0.0

    # What the UI reads -------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self.replayer.state

    @property
    def engine(self) -> Engine:
        return self.replayer.engine

    @property
    def clock(self) -> FakeClock:
        return self.replayer.clock

    @property
    def now_ns(self) -> int:
        """Replay time: the recorded moment on screen."""
        return self.replayer.clock.now_ns()

    @property
    def start_ns(self) -> int:
        return self.journal.first_ns

    @property
    def end_ns(self) -> int:
        return self.journal.last_ns

    @property
    def position(self) -> int:
        """Records applied so far (of :attr:`count`)."""
        return self.replayer.position

    @property
    def count(self) -> int:
        return self.journal.count

    @property
    def at_end(self) -> bool:
        return self.replayer.at_end

    @property
    def generation(self) -> int:
        """Bumped when a jump back replaced state and engine: redraw everything."""
        return self.replayer.generation

    @property
    def mismatches(self) -> list[Mismatch]:
        """Recorded decisions the replay did not reproduce (empty when faithful)."""
        return self.replayer.mismatches

    @property
    def stopped(self) -> str | None:
        """Why the replay stopped before the end: a record it cannot read (``None`` if not)."""
        return self.replayer.error

    @property
    def warning(self) -> str | None:
        """Why the replay ends early: a torn journal, or a record it cannot read."""
        if self.replayer.error is not None:
            return self.replayer.error
        if self.journal.truncated is not None:
            return self.journal.truncated.describe()
        return None

    @property
    def ending(self) -> Ending:
        """How the recorded session ended: closed cleanly, or where its record stops."""
        return self.journal.ending

    @property
    def end_notice(self) -> str | None:
        """Once every record is played: how the session ended (``the record stops here:
        the session ended without a clean close``); ``None`` before the end."""
        if self.replayer.position < self.journal.count:
            return None
        return self.journal.ending.notice

    def _rebind(self) -> None:
        session = self.session
        session.state, session.engine, session.clock = self.state, self.engine, self.clock
        session.risk = self._risk()
        self._anchor()

    def _risk(self) -> RiskEngine | None:
        """The replayed risk engine (the UI's risk banner and panel read its views)."""
        return next((g for g in self.engine.gates if isinstance(g, RiskEngine)), None)

    # Play, pause, speed ------------------------------------------------------------------

    def play(self) -> None:
        if self.at_end:
            return
        self.playing = True
        self._anchor()
        self._wake.set()

    def pause(self) -> None:
        self.playing = False
        self._wake.clear()
        self.replayer.defer_checkpoints = False
        self.replayer.checkpoint()

    def toggle(self) -> bool:
        """Space: play if paused, pause if playing; returns whether it now plays."""
        if self.playing:
            self.pause()
        else:
            self.play()
        return self.playing

    def set_speed(self, speed: float | None) -> None:
        """A speed from :data:`SPEEDS`, or ``None`` for unpaced."""
        if speed is not None and not SPEEDS[0] <= speed <= SPEEDS[-1]:
            raise ValueError(f"speed must be {SPEEDS[0]}x..{SPEEDS[-1]}x or unpaced")
        self.speed = speed
        self._anchor()

    def faster(self) -> float | None:
        """The next speed up; past 64x comes unpaced."""
        if self.speed is None:
            return None
        higher = [s for s in SPEEDS if s > self.speed]
        self.set_speed(higher[0] if higher else None)
        return self.speed

    def slower(self) -> float | None:
        if self.speed is None:
            self.set_speed(SPEEDS[-1])
        else:
            lower = [s for s in SPEEDS if s < self.speed]
            self.set_speed(lower[-1] if lower else SPEEDS[0])
        return self.speed

    @property
    def speed_label(self) -> str:
        if self.speed is None:
            return "unpaced"
        return f"{self.speed:g}x"

    # Stepping and going to ---------------------------------------------------------------

    def step_event(self) -> Record | None:
        """Apply one record (pauses first); returns it, ``None`` at the end."""
        self.pause()
        return self.replayer.step()

    def step_bar(self, label: str = "1m") -> None:
        """Play to the end of the bar now forming in timeframe ``label`` (pauses first)."""
        self.pause()
        series = BarSeries(timeframe(label))
        _, end = series.bucket(self.now_ns + 1)
        self.replayer.seek(end - 1)

    def go_to(self, ns: int) -> None:
        """Show the session as it was at ``ns`` (earlier or later than now)."""
        ns = max(self.start_ns, min(ns, self.end_ns))
        self.replayer.seek(ns)
        self._anchor()

    def go_to_position(self, position: int) -> None:
        self.replayer.go_to(position)
        self._anchor()

    def jump(self, what: str, *, backward: bool = False) -> Record | None:
        """Land just after the next (or previous) fill, rule decision or lockout.

        A fill lands after the account updates that came with it, so the positions and
        P&L on screen are the ones the trader saw live. Returns the record jumped to,
        or ``None`` (nothing moves) when there is none.
        """
        flag, matches = JUMPS[what]
        journal, replayer = self.journal, self.replayer
        here = replayer.position
        try:
            if backward:
                found = self._back_to(flag, matches, here)
            else:
                found = journal.find(flag, matches, here)
                if found is not None:
                    replayer.go_to(self._landing(found))
        except CodecError:
            # The search met a record this cockpit cannot read. Play up to it: the replay
            # stops there and says why (``stopped``), as playing or --headless would.
            found = None
            replayer.go_to(journal.count if not backward else here)
        if found is None or replayer.error is not None:
            return None
        self._anchor()
        return journal.record(found)

    def _back_to(self, flag: FrameFlag, matches: Callable[[Record], bool], here: int) -> int | None:
        """Go to the latest match the replay lands before ``here``. A fill answered inside
        the command that sent it lands after that command (the replay plays a broker
        call's answers with it), maybe where it already stands: then the one before."""
        journal, replayer = self.journal, self.replayer
        start = here
        while (found := journal.find(flag, matches, start, backward=True)) is not None:
            if self._landing(found) < here:
                replayer.go_to(self._landing(found))
                if replayer.position < here:
                    return found
            start = found
        if replayer.position != here:
            replayer.go_to(here)
        return None

    def next_fill(self) -> Record | None:
        return self.jump("fill")

    def previous_fill(self) -> Record | None:
        return self.jump("fill", backward=True)

    def next_decision(self) -> Record | None:
        return self.jump("decision")

    def previous_decision(self) -> Record | None:
        return self.jump("decision", backward=True)

    def next_lockout(self) -> Record | None:
        return self.jump("lockout")

    def previous_lockout(self) -> Record | None:
        return self.jump("lockout", backward=True)

    def _landing(self, found: int) -> int:
        """Just past ``found``; past a fill, also past the position and balance it moved."""
        journal = self.journal
        record = journal.record(found)
        end = found + 1
        if isinstance(record.item, FillReceived):
            while end < journal.count:
                nxt = journal.record(end)
                if nxt.kind is not RecordKind.IN or not isinstance(nxt.item, _FILL_FACTS):
                    break
                end += 1
        return end

    # Pacing ------------------------------------------------------------------------------

    def _anchor(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._anchor_wall = asyncio.get_running_loop().time()
        self._anchor_ns = self.now_ns

    async def _started(self) -> None:
        """Show the opening moment (history, account, quotes) and start the pacer."""
        if self.replayer.position == 0:
            self.replayer.seek(self.journal.first_ns)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="replay")

    async def _stopped(self) -> None:
        self.pause()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def start(self) -> None:
        """Start the replay (what ``session.start()`` does for a replay session)."""
        await self.session.start()

    async def stop(self) -> None:
        await self.session.stop()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        replayer = self.replayer
        while True:
            await self._wake.wait()
            if replayer.at_end:
                self.pause()
                continue
            if self.speed is None:
                replayer.go_to(replayer.position + BATCH)
                await asyncio.sleep(0)
                continue
            elapsed = loop.time() - self._anchor_wall
            target = self._anchor_ns + int(elapsed * self.speed * 1e9)
            replayer.defer_checkpoints = True
            try:
                applied = replayer.run_until(target, limit=BATCH)
            finally:
                replayer.defer_checkpoints = False
            if applied >= BATCH:
                await asyncio.sleep(0)  # behind: catch up, but let keys in between
                continue
            replayer.advance_clock(target)
            upcoming = replayer.next_ns
            if upcoming is None:
                continue
            wait = (upcoming - target) / 1e9 / self.speed
            if wait >= IDLE_SECONDS and replayer.checkpoint_due:
                replayer.checkpoint()
                continue  # the checkpoint took time: recompute where recorded time is
            await asyncio.sleep(min(max(wait, 0.0), FRAME_SECONDS))


def open_replay(
    path: Path | str,
    *,
    settings: Settings | None = None,
    install: RiskInstaller | None = None,
    rerun: bool = True,
) -> ReplaySession:
    """Open a journal for replay (``JournalError`` for a missing or foreign file)."""
    return ReplaySession(open_journal(path), settings=settings, install=install, rerun=rerun)
