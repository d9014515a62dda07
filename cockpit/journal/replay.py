"""Replaying a journal through a fresh engine, deterministically, and checking it.

:class:`Replayer` walks the records in order with a :class:`FakeClock` set to each
record's time: broker facts go to ``engine.on_event``, the trader's commands are
re-submitted through the engine's validation and gates, clock ticks are given again,
and the recorded conclusions of broker calls are echoed. Every decision the replayed
engine reaches (denials, accepted orders, arm changes, risk states, enforcement, the
commands its watchers issue) is compared with the recorded one as the walk passes it;
any difference is a :class:`Mismatch`. No decision is ever copied from the recording,
so an empty mismatch list proves the day was judged the same way twice.

Going back in time restores the nearest in-memory checkpoint (a pickled engine taken
every ``checkpoint_every`` records) and plays forward from there.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cockpit.brokers.replay import ReplayBroker
from cockpit.core.clock import FakeClock, exchange_time
from cockpit.core.commands import Command
from cockpit.core.events import Event
from cockpit.core.sends import CALL_MARKS, CallEnded, CallOpened, CallReturned
from cockpit.core.state import State
from cockpit.journal.codec import CodecError
from cockpit.journal.format import FrameFlag, RecordKind
from cockpit.journal.reader import Journal, Record
from cockpit.journal.rerun import (
    DERIVED_ORIGINS,
    ECHOED,
    Derived,
    ReplayEngine,
    RiskInstaller,
)

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 100_000
"""Records between checkpoints: bounds the cost of going back to a few hundred ms."""

_IN, _OUT, _COMMAND, _TICK = RecordKind.IN, RecordKind.OUT, RecordKind.COMMAND, RecordKind.TICK


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A recorded decision the replay did not reach, or one it reached that was not."""

    position: int
    expected: Record | None
    got: tuple[int, Event | Command] | None

    def describe(self) -> str:
        def show(ns: int, item: object) -> str:
            return f"{exchange_time(ns):%H:%M:%S.%f} {item!r}"

        if self.expected is None and self.got is not None:
            return f"replay decided what the session did not: {show(*self.got)}"
        assert self.expected is not None
        recorded = show(self.expected.ns, self.expected.item)
        if self.got is None:
            return f"recorded but not reproduced: {recorded}"
        return f"recorded {recorded} but replay decided {show(*self.got)}"


class Replayer:
    """A journal replayed through a fresh engine; moves to any record or time."""

    def __init__(
        self,
        journal: Journal,
        *,
        install: RiskInstaller | None = None,
        rerun: bool = True,
        broker: ReplayBroker | None = None,
        checkpoint_every: int = CHECKPOINT_EVERY,
        echoed: tuple[type[Event], ...] = ECHOED,
        derived_origins: frozenset[str] = DERIVED_ORIGINS,
    ) -> None:
        self.journal = journal
        self.install = install if install is not None else _recorded_rules
        self.rerun = rerun
        """Re-judge the day (True) or show the recorded decisions as they are (False)."""
        self.broker = broker or ReplayBroker(account_name=journal.header.account)
        self.checkpoint_every = max(1, checkpoint_every)
        self.echoed = echoed
        self.derived_origins = derived_origins
        self.listeners: list[Callable[[Event], None]] = []
        """Given to every engine the replay builds (the UI's wake-up callbacks)."""
        self.rebuilt: list[Callable[[], None]] = []
        """Called after the engine, state and clock were replaced (a jump back in time)."""
        self.mismatches: list[Mismatch] = []
        self.error: str | None = None
        """Why the replay stopped early (a record this cockpit cannot read)."""
        self.generation = 0
        self._checkpoints: list[tuple[int, int, bytes]] = []
        self._checkpointing = True
        self.defer_checkpoints = False
        """While playing paced, a due checkpoint waits for an idle moment (it costs tens of
        milliseconds); the replay session takes it with :meth:`checkpoint`. Never more than one
        interval late."""
        self.checkpoint_due = False
        self._ticks_recorded = any(f.flags & FrameFlag.TICKS for f in journal.frames)
        self._fresh()

    # Building ----------------------------------------------------------------------------

    def _fresh(self) -> None:
        header = self.journal.header
        self.position = 0
        self.clock = FakeClock(self.journal.first_ns)
        self.state = State(header.instruments, header.watchlist, mode=self.broker.mode)
        self.derived = Derived(self.echoed, self.derived_origins)
        self.derived.collecting = self.rerun
        self.engine = ReplayEngine(
            self.state,
            self.clock,
            broker=self.broker,
            recorder=self.derived,
            run_tag=header.tag_prefix,
        )
        if self.rerun:
            self.install(self.engine, header.settings)
        self.engine.listeners = self.listeners

    def _rebuilt(self) -> None:
        self.generation += 1
        for callback in list(self.rebuilt):
            callback()

    def checkpoint(self) -> None:
        """Take a checkpoint that came due while they were deferred."""
        if self.checkpoint_due:
            self._snapshot()

    def _snapshot(self) -> None:
        self.checkpoint_due = False
        if not self._checkpointing:
            return
        if self._checkpoints and self._checkpoints[-1][0] >= self.position:
            return
        engine = self.engine
        listeners, broker, answers = engine.listeners, engine.broker, engine.answers
        engine.listeners, engine.broker, engine.answers = [], None, None
        try:
            blob = pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            log.warning("replay checkpoints off (%s): going back replays from the start", exc)
            self._checkpointing = False
            return
        finally:
            engine.listeners, engine.broker, engine.answers = listeners, broker, answers
        self._checkpoints.append((self.position, len(self.mismatches), blob))

    def _restore(self, position: int) -> None:
        """Rebuild the replay at the latest checkpoint at or before ``position``."""
        best = None
        for checkpoint in self._checkpoints:
            if checkpoint[0] <= position:
                best = checkpoint
        if best is None:
            self._fresh()
            del self.mismatches[:]
        else:
            at, mismatches, blob = best
            engine: ReplayEngine = pickle.loads(blob)
            engine.broker = self.broker
            engine.listeners = self.listeners
            engine.replaying = False
            clock = engine.clock
            assert isinstance(clock, FakeClock)
            self.engine, self.state, self.clock = engine, engine.state, clock
            recorder = engine.recorder
            assert isinstance(recorder, Derived)
            self.derived = recorder
            self.position = at
            del self.mismatches[mismatches:]
        self.error = None
        self._rebuilt()

    # Moving ------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self.journal.count

    @property
    def at_end(self) -> bool:
        return self.position >= self.journal.count or self.error is not None

    @property
    def next_ns(self) -> int | None:
        """Time of the next record to apply (``None`` at the end)."""
        record = self._upcoming()
        return record.ns if record is not None else None

    def go_to(self, position: int) -> int:
        """Move so that exactly the first ``position`` records are applied."""
        position = max(0, min(position, self.journal.count))
        if position < self.position:
            self._restore(position)
        return self._apply(position)

    def step(self) -> Record | None:
        """Apply one record and return it (``None`` at the end)."""
        record = self._upcoming()
        if record is None:
            return None
        self._apply(self.position + 1)
        return record

    def _upcoming(self) -> Record | None:
        """The next record to apply; ``None`` at the end, or where one cannot be read
        (the replay stops there, saying why in :attr:`error`)."""
        if self.at_end:
            return None
        try:
            return self.journal.record(self.position)
        except CodecError as exc:
            self._cannot_read(exc)
            return None

    def _cannot_read(self, exc: CodecError) -> None:
        self.error = f"record {self.position:,} cannot be read: {exc}"
        log.warning("replay stopped: %s", self.error)

    def run_until(self, ns: int, limit: int | None = None) -> int:
        """Apply the records at or before ``ns`` (at most ``limit``); forward only."""
        stop = (
            self.journal.count if limit is None else min(self.journal.count, self.position + limit)
        )
        return self._apply(stop, until_ns=ns)

    def seek(self, ns: int) -> None:
        """Show the session as it was at ``ns``: every record at or before it applied."""
        target = self.journal.position_at(ns + 1)
        self.go_to(target)
        if ns > self.clock.now_ns():
            self.clock.set(ns)

    def advance_clock(self, ns: int) -> None:
        """Let replay time flow between records (never past the next record)."""
        upcoming = self.next_ns
        if upcoming is not None:
            ns = min(ns, upcoming)
        if ns > self.clock.now_ns():
            self.clock.set(ns)

    def verify(self) -> list[Mismatch]:
        """Replay to the end and return every decision that differed."""
        self.go_to(self.journal.count)
        self.finish()
        return self.mismatches

    def finish(self) -> None:
        """At the end: decisions the replay reached that the recording never shows."""
        if self.position >= self.journal.count:
            while self.derived.pending:
                self.mismatches.append(
                    Mismatch(self.position, None, self.derived.pending.popleft())
                )

    # The walk ----------------------------------------------------------------------------

    def _apply(self, stop: int, until_ns: int | None = None) -> int:
        journal = self.journal
        start = self.position
        engine = self.engine
        engine.replaying = True
        engine.answers = self._answers
        try:
            while self.position < stop and self.error is None:
                index = journal.frame_of(self.position)
                frame = journal.frames[index]
                kinds, times, items = journal.block(index)
                hi = min(frame.count, stop - frame.start)
                offset = self.position - frame.start
                while offset < hi:
                    t = times[offset]
                    if until_ns is not None and t > until_ns:
                        return self.position - start
                    self._play(self.position, kinds[offset], t, items[offset])
                    offset = self.position - frame.start  # a call's answers may have moved it
                since = self.position - (self._checkpoints[-1][0] if self._checkpoints else 0)
                if since >= self.checkpoint_every:
                    if self.defer_checkpoints and since < 2 * self.checkpoint_every:
                        self.checkpoint_due = True
                    else:
                        self._snapshot()
        except CodecError as exc:
            self._cannot_read(exc)
        finally:
            engine.replaying = False
            engine.answers = None
        return self.position - start

    def _play(self, position: int, kind: int, t: int, item: Any) -> None:
        """Apply one record (the walk moves past it first: a command it re-submits may
        play the records of its broker call, which follow it)."""
        self.position = position + 1
        self.clock.set(t)
        engine = self.engine
        if type(item) in CALL_MARKS:
            if type(item) is CallEnded:
                engine.open_calls.discard(item.call)
            return  # the other marks are read where the replay makes the call
        if kind == _IN:
            engine.on_event(item)
        elif kind == _OUT:
            if isinstance(item, self.echoed):
                engine.echo(item)
            elif self.rerun:
                self._expect(position, t, item, kind)
            else:
                engine.emit(item)
        elif kind == _COMMAND:
            if not self.rerun:
                pass
            elif item.origin in self.derived_origins:
                self._expect(position, t, item, kind)
            else:
                engine.submit(item)
        elif kind == _TICK and self.rerun:
            engine.tick()

    def _answers(self, label: str) -> int | None:
        """Play, inside the command being re-judged, what happened inside its broker call.

        The replayed engine just dropped the broker call ``label``. Live, the engine
        marked where the call started and where it first gave control back
        (core/sends.py); the records between are the broker's answers folded before the
        command returned, with all the watchers decided on them. The records before the
        opening mark are decisions this command took before making the call (the replay
        has just taken them again). A journal without marks (written before them) keeps
        the answers where they are. Returns the call's recorded number: it is on its way
        until the walk passes its end mark.
        """
        journal = self.journal
        opening = self.position
        while opening < journal.count:
            record = journal.record(opening)
            if type(record.item) is CallOpened:
                if record.item.label != label:
                    return None  # another call's: this one made no call (it was joined)
                break
            if not self._decided_here(record):
                return None
            opening += 1
        else:
            return None
        while self.position < opening:
            self._play_at(self.position)
        opened = journal.record(opening).item
        assert isinstance(opened, CallOpened)
        call = opened.call
        self.engine.open_calls.add(call)
        self.position = opening + 1
        while self.position < journal.count and self.error is None:
            if type(journal.record(self.position).item) is CallReturned:
                self.position += 1
                break
            self._play_at(self.position)
        return call

    def _play_at(self, position: int) -> None:
        record = self.journal.record(position)
        self._play(position, record.kind, record.ns, record.item)

    def _decided_here(self, record: Record) -> bool:
        """A decision the replayed engine has just taken again (never a broker's fact, a
        trader's key, or a decision still to come: a call joining one on its way opens
        nothing, and the next mark is another call's)."""
        item = record.item
        if record.kind == _OUT:
            if isinstance(item, self.echoed) or type(item) in CALL_MARKS:
                return False
        elif record.kind != _COMMAND or item.origin not in self.derived_origins:
            return False
        return any(ns == record.ns and got == item for ns, got in self.derived.pending)

    def _expect(self, position: int, ns: int, item: Any, kind: int) -> None:
        """Match a recorded decision against what the replayed engine decided."""
        pending = self.derived.pending
        if not pending and not self._ticks_recorded:
            self.engine.tick()  # a journal without ticks: time-based rules decide now
        expected = _record(kind, ns, item)
        for index, (got_ns, got) in enumerate(pending):
            if got_ns > ns:
                break
            if got_ns == ns and got == item:
                for _ in range(index):  # decided before it, and never recorded
                    self.mismatches.append(Mismatch(position, None, pending.popleft()))
                pending.popleft()
                return
        for index, (got_ns, got) in enumerate(pending):
            if got_ns > ns:
                break
            if got_ns == ns and type(got) is type(item):
                del pending[index]
                self.mismatches.append(Mismatch(position, expected, (got_ns, got)))
                return
        while pending and pending[0][0] < ns:
            self.mismatches.append(Mismatch(position, None, pending.popleft()))
        self.mismatches.append(Mismatch(position, expected, None))


def _record(kind: int, ns: int, item: Any) -> Record:
    return Record(RecordKind(kind), ns, item)


def _recorded_rules(engine: Any, settings: Any) -> None:
    """The default installer: the risk engine the session was recorded under."""
    from cockpit.journal.risk import install_risk

    install_risk(engine, settings)
