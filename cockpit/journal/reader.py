"""Reading journals: open, index, seek, iterate, and stop cleanly at a torn tail.

Opening scans the frame heads of every part file (never decoding a payload) and checks
each frame's checksum: the result is an index of ``(time range, record count, flags)``
per frame, so seeking to a time is a binary search plus the decoding of one frame. A
frame that is cut short or fails its checksum ends the journal there: everything before
it is read and :attr:`Journal.truncated` says where and why it stopped.
:attr:`Journal.ending` says how the session ended: closed cleanly (its last frame is the
writer's close record) or abruptly, and where its record stops.
"""

from __future__ import annotations

import mmap
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

import lz4.block
import orjson

from cockpit.journal import codec
from cockpit.journal.ending import CloseRecord, Ending, Truncation
from cockpit.journal.files import parts_of
from cockpit.journal.format import (
    CLOSE_SINCE,
    HEAD_SIZE,
    MAGIC,
    MAX_PAYLOAD,
    FrameFlag,
    FrameKind,
    RecordKind,
    frame_ok,
    unpack_head,
)
from cockpit.journal.header import HeaderError, JournalHeader

CACHED_FRAMES = 16


class JournalError(Exception):
    """A file that cannot be read as a journal; the message says which and why."""


class Record(NamedTuple):
    """One journal record: what it is, when the engine saw it, and the object itself."""

    kind: RecordKind
    ns: int
    """The engine clock's time: receive time of an event, submit time of a command."""
    item: Any
    """The event, command or :class:`~cockpit.journal.codec.Tick`."""


@dataclass(frozen=True, slots=True)
class Frame:
    """Where a batch of records lives, and what it holds."""

    part: int
    offset: int
    length: int
    count: int
    first_ns: int
    last_ns: int
    flags: int
    start: int
    """Position (over the whole journal) of the frame's first record."""


class Block(NamedTuple):
    """The decoded records of one frame, as columns (what replay walks)."""

    kinds: list[int]
    times: list[int]
    items: list[Any]

    def record(self, offset: int) -> Record:
        return Record(RecordKind(self.kinds[offset]), self.times[offset], self.items[offset])

    def records(self, lo: int = 0, hi: int | None = None) -> list[Record]:
        kinds, times, items = self.kinds, self.times, self.items
        hi = len(kinds) if hi is None else hi
        return [Record(_KINDS[kinds[i]], times[i], items[i]) for i in range(lo, hi)]


_KINDS = tuple(RecordKind)
_BODY_KINDS = (FrameKind.TYPES, FrameKind.RECORDS, FrameKind.CLOSE)
"""The frames that follow a header."""
_EVENT = -1
"""Kind-table marker: an event, inbound or outbound by the sign of its stored time."""


class Journal:
    """One run's journal (all its part files), indexed for seeking."""

    def __init__(self, path: Path, *, verify: bool = True) -> None:
        self.path = path
        self.verify = verify
        """Check every frame's checksum on opening (off: only each file's last frame,
        which is where a crash tears one; ``journal list`` opens many journals)."""
        self.parts: list[Path] = []
        self.frames: list[Frame] = []
        self.truncated: Truncation | None = None
        self.close_record: CloseRecord | None = None
        """The writer's close record, when it is the last frame of the run."""
        self._maps: list[mmap.mmap | bytes] = []
        self._decoders: list[list[Callable[[Any], Any]]] = []
        self._classes: list[list[type | None]] = []
        self._kinds: list[list[int]] = []
        self._cache: OrderedDict[int, Block] = OrderedDict()
        try:
            self.header = self._open_all(path)
        except BaseException:
            self.close()
            raise
        self._starts = [f.start for f in self.frames]
        self._ends = list(accumulate((f.last_ns for f in self.frames), max))
        last = self.frames[-1] if self.frames else None
        self.count = last.start + last.count if last else 0

    # Opening ---------------------------------------------------------------------------

    def _open_all(self, path: Path) -> JournalHeader:
        if not path.exists():
            raise JournalError(f"{path}: no such journal")
        if path.is_dir():
            raise JournalError(f"{path}: is a folder, not a journal")
        header: JournalHeader | None = None
        for number, part in enumerate(parts_of(path)):
            part_header = self._open_part(part, number, first=header is None)
            if part_header is None:
                break
            if header is None:
                header = part_header
            elif part_header.run_id != header.run_id:
                self._stop(part, 0, "belongs to another run")
                break
            if self.truncated is not None:
                break
        assert header is not None
        return header

    def _open_part(self, path: Path, number: int, *, first: bool) -> JournalHeader | None:
        size = path.stat().st_size
        if size == 0:
            if first:
                raise JournalError(f"{path}: empty file, not a journal")
            self._stop(path, 0, "empty part file")
            return None
        with path.open("rb") as fh:
            data: mmap.mmap | bytes = (
                mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size > 4096 else fh.read()
            )
        if data[: len(MAGIC)] != MAGIC:
            if first:
                raise JournalError(f"{path}: not a cockpit journal")
            self._stop(path, 0, "not a cockpit journal")
            return None
        offset = len(MAGIC)
        head = unpack_head(data, offset) if size >= offset + HEAD_SIZE else None
        if head is None or head.kind != FrameKind.HEADER or not self._whole(data, offset, head):
            if first:
                raise JournalError(f"{path}: the journal header is cut short or damaged")
            self._stop(path, offset, "damaged header")
            return None
        start = offset + HEAD_SIZE
        try:
            header = JournalHeader.from_json(bytes(data[start : start + head.length]))
        except HeaderError as exc:
            raise JournalError(f"{path}: {exc}") from None
        self.parts.append(path)
        self._maps.append(data)
        self._decoders.append([])
        self._kinds.append([])
        self._classes.append([])
        self._extend(number, header.types)
        self._scan(path, data, number, start + head.length, size)
        return header

    def _whole(self, data: mmap.mmap | bytes, offset: int, head: Any) -> bool:
        end = offset + HEAD_SIZE + head.length
        if head.length > MAX_PAYLOAD or end > len(data):
            return False
        if not self.verify and end < len(data) and head.kind == FrameKind.RECORDS:
            return True
        return frame_ok(data, offset, head)

    def _scan(
        self,
        path: Path,
        data: mmap.mmap | bytes,
        part: int,
        offset: int,
        size: int,
    ) -> None:
        frames = self.frames
        position = frames[-1].start + frames[-1].count if frames else 0
        self.close_record = None
        while offset < size:
            if offset + HEAD_SIZE > size:
                self._stop(path, offset, "torn frame head")
                return
            head = unpack_head(data, offset)
            if head.kind not in _BODY_KINDS or not self._whole(data, offset, head):
                claimed = head.records if head.kind == FrameKind.RECORDS else None
                self._stop(path, offset, "torn or damaged last frame", claimed)
                return
            body = offset + HEAD_SIZE
            self.close_record = None  # a close record counts only as the last frame
            if head.kind == FrameKind.CLOSE:
                try:
                    self.close_record = CloseRecord.from_json(data[body : body + head.length])
                except ValueError:
                    self._stop(path, offset, "damaged close record")
                    return
            elif head.kind == FrameKind.TYPES:
                try:
                    self._extend(part, orjson.loads(data[body : body + head.length]))
                except (orjson.JSONDecodeError, TypeError):
                    self._stop(path, offset, "damaged type table")
                    return
            else:
                frames.append(
                    Frame(
                        part,
                        body,
                        head.length,
                        head.records,
                        head.first_ns,
                        head.last_ns,
                        head.flags,
                        position,
                    )
                )
                position += head.records
            offset = body + head.length

    def _stop(self, path: Path, offset: int, reason: str, claimed: int | None = None) -> None:
        """Reading ends at ``offset``: note why, and what is skipped after it."""
        last = self.frames[-1].last_ns if self.frames else None
        try:
            skipped = max(0, path.stat().st_size - offset)
        except OSError:
            skipped = 0
        self.truncated = Truncation(path, offset, reason, last, skipped, claimed)

    def _extend(self, part: int, names: Any) -> None:
        decoders, kinds, classes = self._decoders[part], self._kinds[part], self._classes[part]
        for name in names:
            try:
                cls = codec.resolve(str(name))
            except codec.CodecError:
                decoders.append(_unknown(str(name)))
                kinds.append(_EVENT)
                classes.append(None)
                continue
            classes.append(cls)
            decoders.append(codec.decoder_for(cls))
            if cls is codec.Tick:
                kinds.append(RecordKind.TICK)
            elif codec.is_command(cls):
                kinds.append(RecordKind.COMMAND)
            else:
                kinds.append(_EVENT)

    # Reading ---------------------------------------------------------------------------

    @property
    def ending(self) -> Ending:
        """How the session ended: closed cleanly, or where its record stops."""
        return Ending(
            stops_ns=self.last_ns,
            records=self.count,
            close=self.close_record if self.truncated is None else None,
            older=self.header.version < CLOSE_SINCE,
            torn=self.truncated,
        )

    @property
    def first_ns(self) -> int:
        return self.frames[0].first_ns if self.frames else self.header.started_ns

    @property
    def last_ns(self) -> int:
        return self._ends[-1] if self._ends else self.header.started_ns

    def block(self, index: int) -> Block:
        """The decoded records of one frame (a few recent frames are cached)."""
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        block = self.decode(index)
        self._cache[index] = block
        if len(self._cache) > CACHED_FRAMES:
            self._cache.popitem(last=False)
        return block

    def _payload(self, index: int) -> tuple[list[int], list[int], list[Any]]:
        frame = self.frames[index]
        raw = self._maps[frame.part][frame.offset : frame.offset + frame.length]
        try:
            if frame.flags & FrameFlag.LZ4:
                raw = lz4.block.decompress(raw)
            stored, codes, values = orjson.loads(raw)
        except (lz4.block.LZ4BlockError, orjson.JSONDecodeError, ValueError) as exc:
            raise codec.CodecError(f"frame {index} is unreadable: {exc}") from None
        return stored, codes, values

    def raw_values(self, cls: type) -> Iterator[list[Any]]:
        """Per frame, the stored field arrays of every ``cls`` record, no objects built
        (review reads a day's prints this way)."""
        for index, frame in enumerate(self.frames):
            classes = self._classes[frame.part]
            if cls not in classes:
                continue
            code = classes.index(cls)
            _, codes, values = self._payload(index)
            yield [v for c, v in zip(codes, values, strict=True) if c == code]

    def decode(self, index: int) -> Block:
        """Decode one frame (uncached); :class:`codec.CodecError` if it is unreadable."""
        frame = self.frames[index]
        stored, codes, values = self._payload(index)
        try:
            decoders = self._decoders[frame.part]
            table = self._kinds[frame.part]
            items = [decoders[c](v) for c, v in zip(codes, values, strict=True)]
        except codec.CodecError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, ArithmeticError) as exc:
            raise codec.CodecError(f"frame {index} holds a bad record: {exc!r}") from None
        kinds = [
            k if k != _EVENT else (1 if t >= 0 else 0)
            for k, t in zip(map(table.__getitem__, codes), stored, strict=True)
        ]
        times = [t if t >= 0 else ~t for t in stored]
        return Block(kinds, times, items)

    def frame_of(self, position: int) -> int:
        """Index of the frame holding record ``position``."""
        return bisect_right(self._starts, position) - 1

    def record(self, position: int) -> Record:
        index = self.frame_of(position)
        if not 0 <= position < self.count or index < 0:
            raise IndexError(position)
        return self.block(index).record(position - self.frames[index].start)

    def records(self, start: int = 0, stop: int | None = None) -> Iterator[Record]:
        """Records from position ``start`` (inclusive) to ``stop`` (exclusive)."""
        stop = self.count if stop is None else min(stop, self.count)
        if start >= stop:
            return
        index = max(0, self.frame_of(start))
        while index < len(self.frames):
            frame = self.frames[index]
            if frame.start >= stop:
                return
            block = self.decode(index) if frame.count > 64 else self.block(index)
            lo = max(0, start - frame.start)
            hi = min(frame.count, stop - frame.start)
            yield from block.records(lo, hi)
            index += 1

    def __iter__(self) -> Iterator[Record]:
        return self.records()

    def position_at(self, ns: int) -> int:
        """Position of the first record at or after ``ns`` (``count`` when past the end)."""
        index = bisect_left(self._ends, ns)
        if index >= len(self.frames):
            return self.count
        frame = self.frames[index]
        for offset, t in enumerate(self.block(index).times):
            if t >= ns:
                return frame.start + offset
        return frame.start + frame.count

    def find(
        self,
        flag: FrameFlag,
        matches: Callable[[Record], bool],
        position: int,
        *,
        backward: bool = False,
    ) -> int | None:
        """The first record at or after ``position`` (or the last before it) that
        ``matches``, looking only inside frames flagged ``flag``."""
        if not self.frames:
            return None
        if backward:
            index = min(self.frame_of(position - 1), len(self.frames) - 1)
            while index >= 0:
                frame = self.frames[index]
                if frame.flags & flag:
                    block = self.block(index)
                    hi = min(frame.count, position - frame.start)
                    for offset in range(hi - 1, -1, -1):
                        if matches(block.record(offset)):
                            return frame.start + offset
                index -= 1
            return None
        index = max(0, self.frame_of(position))
        while index < len(self.frames):
            frame = self.frames[index]
            if frame.flags & flag:
                block = self.block(index)
                for offset in range(max(0, position - frame.start), frame.count):
                    if matches(block.record(offset)):
                        return frame.start + offset
            index += 1
        return None

    def items(self, flag: FrameFlag, wanted: tuple[type, ...]) -> Iterator[Record]:
        """Every record whose item is one of ``wanted``, decoding only flagged frames."""
        for index, frame in enumerate(self.frames):
            if frame.flags & flag:
                block = self.block(index)
                for offset, item in enumerate(block.items):
                    if isinstance(item, wanted):
                        yield block.record(offset)

    @property
    def size(self) -> int:
        return sum(p.stat().st_size for p in self.parts)

    def close(self) -> None:
        for data in self._maps:
            if isinstance(data, mmap.mmap):
                data.close()
        self._maps.clear()
        self._cache.clear()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_header(path: Path) -> JournalHeader:
    """Only the header of a journal file (``latest`` compares the start of every run)."""
    try:
        with path.open("rb") as fh:
            start = fh.read(len(MAGIC) + HEAD_SIZE)
            if len(start) < len(MAGIC) + HEAD_SIZE or start[: len(MAGIC)] != MAGIC:
                raise JournalError(f"{path}: not a cockpit journal")
            head = unpack_head(start, len(MAGIC))
            if head.kind != FrameKind.HEADER or head.length > MAX_PAYLOAD:
                raise JournalError(f"{path}: the journal header is damaged")
            frame = start[len(MAGIC) :] + fh.read(head.length)
    except OSError as exc:
        raise JournalError(f"{path}: {exc.strerror or exc}") from None
    if len(frame) < HEAD_SIZE + head.length or not frame_ok(frame, 0, head):
        raise JournalError(f"{path}: the journal header is cut short or damaged")
    try:
        return JournalHeader.from_json(frame[HEAD_SIZE:])
    except HeaderError as exc:
        raise JournalError(f"{path}: {exc}") from None


def _unknown(name: str) -> Callable[[Any], Any]:
    def fail(_values: Any) -> Any:
        raise codec.CodecError(f"record type {name} is unknown to this version of cockpit")

    return fail


def open_journal(path: Path | str, *, verify: bool = True) -> Journal:
    """Open a journal (any part of a run opens the whole run), or :class:`JournalError`."""
    path = Path(path)
    try:
        return Journal(path, verify=verify)
    except PermissionError:
        raise JournalError(f"{path}: permission denied") from None
    except OSError as exc:
        raise JournalError(f"{path}: {exc.strerror or exc}") from None
