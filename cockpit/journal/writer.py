"""The journal writer: the engine's :class:`~cockpit.core.engine.Recorder`, append-only.

The hot path is two list appends per record (no tuple, no encoding, no I/O): the engine
calls it for every quote of a storm. A timer task (:meth:`JournalWriter.run`) encodes the
buffered records in batches every ``flush_interval`` seconds and appends them as
checksummed frames with one ``os.write``, so a ``kill -9`` loses at most the records of
the last interval and never damages what is already written (a torn last frame is
skipped on read). The file is opened at the first flush, named from the first record's
time, and continues in a new part file past ``max_bytes``. Closing writes a close
record as the last frame: a journal without one ended abruptly, and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import lz4.block

from cockpit.core.commands import Command
from cockpit.core.events import (
    EnforcementTaken,
    Event,
    FillReceived,
    LockoutEnded,
    LockoutStarted,
    OrderDenied,
    RiskDecision,
    RiskStateChanged,
)
from cockpit.core.instruments import Instrument
from cockpit.core.models import Mode
from cockpit.core.state import State
from cockpit.journal import codec
from cockpit.journal.ending import CloseRecord
from cockpit.journal.files import fresh_stem, journal_dir, part_path
from cockpit.journal.format import MAGIC, FrameFlag, FrameKind, pack_frame
from cockpit.journal.header import JournalHeader, replay_settings

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.15
"""Seconds between flushes: the most a ``kill -9`` can lose."""
FLUSH_TURN = 512
"""Records the flush timer encodes and writes per turn of the loop (about 0.4 ms): a fast
market's 0.15 s, written whole, held a guard's loop for 1-2.7 ms."""
MAX_BYTES = 256 * 1024 * 1024
FRAME_RECORDS = 4096
"""Records per frame at most: the granularity of seeking inside a flush."""

DECISION_TYPES: tuple[type[Event], ...] = (
    OrderDenied,
    EnforcementTaken,
    RiskStateChanged,
    RiskDecision,
    LockoutStarted,
    LockoutEnded,
)
LOCKOUT_TYPES: tuple[type[Event], ...] = (LockoutStarted, LockoutEnded)


class JournalWriter:
    """Records every event, command and tick of a session into a journal."""

    def __init__(
        self,
        directory: Path,
        *,
        account: str,
        mode: Mode,
        instruments: Mapping[str, Instrument],
        watchlist: Iterable[str],
        settings: Mapping[str, Any] | None = None,
        tag_prefix: str = "ck",
        flush_interval: float = FLUSH_INTERVAL,
        max_bytes: int = MAX_BYTES,
        compress: bool = True,
        frame_records: int = FRAME_RECORDS,
    ) -> None:
        self.directory = directory
        self.account = account
        self.mode = mode
        self.instruments = dict(instruments)
        self.watchlist = tuple(watchlist)
        self.settings = dict(settings or {})
        self.tag_prefix = tag_prefix
        self.flush_interval = flush_interval
        self.max_bytes = max_bytes
        self.compress = compress
        self.frame_records = max(1, frame_records)
        self.run_id = uuid.uuid4().hex[:16]
        self.paths: list[Path] = []
        """Every part file written so far, oldest first."""
        self.records = 0
        """Records written (flushed) so far."""
        self.dropped = 0
        """Records that could not be encoded (logged), or lost to a broken disk."""
        self.error: str | None = None
        """Why journaling stopped (a full disk...): shown to the trader, never raised."""
        self._times: list[int] = []
        self._items: list[object] = []
        self._time = self._times.append
        self._item = self._items.append
        self._fd: int | None = None
        self._size = 0
        self._stem: str | None = None
        self._last_ns = 0
        """The engine clock's latest moment written: the close record's time.

        Keep this class under 30 attributes: at 30 CPython 3.12 stops keeping them inline
        and every ``self._time`` on the hot path gets slower (measured: the journal's
        overhead on the engine went from 3% to 5.5%)."""
        self._codes: dict[type, int] = {}
        self._getters: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
        self._flag_codes: list[tuple[FrameFlag, set[int]]] = []
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    # Recorder (the hot path) -----------------------------------------------------------

    def record_event(self, recv_ns: int, event: Event, inbound: bool) -> None:
        self._time(recv_ns if inbound else ~recv_ns)
        self._item(event)

    def record_command(self, ts: int, command: Command) -> None:
        self._time(ts)
        self._item(command)

    def record_tick(self, ts: int) -> None:
        """A clock tick given to the engine (replay gives the same tick at the same time)."""
        self._time(ts)
        self._item(codec.TICK)

    @property
    def pending(self) -> int:
        """Records buffered and not yet written."""
        return len(self._times)

    @property
    def path(self) -> Path | None:
        """The part file being written now (``None`` before the first flush)."""
        return self.paths[-1] if self.paths else None

    # Flushing --------------------------------------------------------------------------

    def flush(self, most: int | None = None) -> int:
        """Encode and append everything buffered (with ``most``, the oldest ``most``
        records); returns the number of records written."""
        times, items = self._times, self._items
        if not times:
            return 0
        if most is not None and len(times) > most:
            times, self._times = times[:most], times[most:]
            items, self._items = items[:most], items[most:]
        else:
            self._times, self._items = [], []
        self._time, self._item = self._times.append, self._items.append
        if self.error is not None or self._closed:
            self.dropped += len(times)
            return 0
        try:
            if self._fd is not None and self._size >= self.max_bytes:
                self._close_fd()  # full: these records start the next part
            if self._fd is None:
                self._open(_plain(times[0]))
            step = self.frame_records
            data = b"".join(
                self._frames(times[a : a + step], items[a : a + step])
                for a in range(0, len(times), step)
            )
            self._write(data)
        except OSError as exc:
            self.error = f"journal stopped: {exc}"
            self.dropped += len(times)
            log.error("%s (%s)", self.error, self.path)
            self._close_fd()
            return 0
        self.records += len(times)
        self._last_ns = max(self._last_ns, _plain(times[-1]))
        return len(times)

    def _frames(self, times: list[int], items: list[object]) -> bytes:
        kinds = list(map(type, items))
        codes_of = self._codes
        prefix = b""
        if not all(kind in codes_of for kind in set(kinds)):
            prefix = self._register(set(kinds))
        codes = [codes_of[kind] for kind in kinds]
        getters = self._getters
        values = [getters[kind](item) for kind, item in zip(kinds, items, strict=True)]
        try:
            payload = codec.dumps((times, codes, values))
        except TypeError:
            times, codes, values = self._encodable(times, codes, values)
            if not times:
                return prefix
            payload = codec.dumps((times, codes, values))
        present = set(codes)
        flags = FrameFlag.NONE
        for flag, wanted in self._flag_codes:
            if not wanted.isdisjoint(present):
                flags |= flag
        if self.compress:
            payload = lz4.block.compress(payload)
            flags |= FrameFlag.LZ4
        frame = pack_frame(
            FrameKind.RECORDS, flags, payload, len(times), _plain(times[0]), _plain(times[-1])
        )
        return prefix + frame

    def _encodable(
        self, times: list[int], codes: list[int], values: list[Any]
    ) -> tuple[list[int], list[int], list[Any]]:
        """Drop (and log) the records orjson cannot write, keep the rest."""
        keep_t, keep_c, keep_v = [], [], []
        for t, c, v in zip(times, codes, values, strict=True):
            try:
                codec.dumps(v)
            except TypeError as exc:
                self.dropped += 1
                log.warning("journal: record of code %d not recorded: %s", c, exc)
                continue
            keep_t.append(t)
            keep_c.append(c)
            keep_v.append(v)
        return keep_t, keep_c, keep_v

    def _register(self, kinds: set[type]) -> bytes:
        """Give codes to types seen for the first time; a TYPES frame names them."""
        new = sorted((k for k in kinds if k not in self._codes), key=codec.type_name)
        self._add_types(new)
        names = [codec.type_name(k) for k in new]
        payload = codec.dumps(names)
        return pack_frame(FrameKind.TYPES, 0, payload, len(names), 0, 0)

    def _add_types(self, kinds: Iterable[type]) -> None:
        for kind in kinds:
            self._codes[kind] = len(self._codes)
            self._getters[kind] = codec.getter_for(kind)
        self._flag_codes = [
            (flag, {code for kind, code in self._codes.items() if issubclass(kind, wanted)})
            for flag, wanted in (
                (FrameFlag.FILLS, (FillReceived,)),
                (FrameFlag.DECISIONS, DECISION_TYPES),
                (FrameFlag.LOCKOUTS, LOCKOUT_TYPES),
                (FrameFlag.TICKS, (codec.Tick,)),
            )
        ]

    def _open(self, first_ns: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._stem is None:
            self._stem = fresh_stem(self.directory, first_ns, self.account, self.mode)
        part = len(self.paths) + 1
        path = part_path(self.directory, self._stem, part)
        known = codec.known_types()
        self._codes.clear()
        self._getters.clear()
        self._add_types(known)
        header = JournalHeader(
            run_id=self.run_id,
            started_ns=first_ns,
            account=self.account,
            mode=self.mode,
            watchlist=self.watchlist,
            instruments=self.instruments,
            part=part,
            tag_prefix=self.tag_prefix,
            settings=self.settings,
            types=tuple(codec.type_name(k) for k in known),
        )
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        self.paths.append(path)
        self._size = 0
        self._write(
            MAGIC + pack_frame(FrameKind.HEADER, 0, header.to_json(), 0, first_ns, first_ns)
        )

    def _write(self, data: bytes) -> None:
        assert self._fd is not None
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._size += len(data)

    def _close_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    # Lifecycle -------------------------------------------------------------------------

    async def run(self) -> None:
        """Flush on a timer until cancelled; the final flush happens on the way out."""
        try:
            wrote = 0
            while True:
                # more than a turn's worth waiting: the rest next turn, a key between
                await asyncio.sleep(0 if wrote == FLUSH_TURN else self.flush_interval)
                wrote = self.flush(FLUSH_TURN)
        finally:
            self.flush()

    def start(self) -> asyncio.Task[None]:
        """Start the flush timer on the running loop (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name="journal")
        return self._task

    async def aclose(self) -> None:
        """Stop the timer, write what is left and the close record, close the file."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.close()

    def close(self) -> None:
        """Write what is left and the close record, and close the file (safe to call
        twice). A journal that stopped on an error gets no close record: it did not
        record to the end."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        if self._fd is not None:
            close = CloseRecord(self._last_ns, self.records, self.dropped, len(self.paths))
            frame = pack_frame(FrameKind.CLOSE, 0, close.to_json(), 0, self._last_ns, self._last_ns)
            try:
                self._write(frame)
                os.fsync(self._fd)
            except OSError as exc:
                self.error = f"journal not closed cleanly: {exc}"
                log.error("%s (%s)", self.error, self.path)
        self._close_fd()


def _plain(t: int) -> int:
    """A stored time without its "engine conclusion" marker."""
    return t if t >= 0 else ~t


def writer_for(
    settings: Any,
    state: State,
    directory: Path | None = None,
    *,
    account: str,
    tag_prefix: str = "ck",
) -> JournalWriter:
    """The journal of a session built from ``settings`` (see ``[journal]``), trading
    ``account`` (the broker's name for it; the session renames it once the broker has
    resolved it, before the header is written)."""
    options = settings.journal
    folder = directory or options.dir or journal_dir()
    return JournalWriter(
        folder,
        account=account,
        mode=state.mode,
        instruments=state.instruments,
        watchlist=state.watchlist,
        settings=replay_settings(settings),
        flush_interval=options.flush_ms / 1000,
        max_bytes=options.max_mb * 1024 * 1024,
        tag_prefix=tag_prefix,
    )
