"""The day's best P&L on disk: profit protection must not end with a restart.

The personal daily loss limit trails the day's best P&L (``trailing = true``, or profit
protection with ``trail_after``). Held in memory only, a restart during the day would
forget the best and drop the floor back to ``-limit``: restarting would loosen the rule.
So the best is kept in ``day-peak.json`` with the trading day it belongs to, like the
lockout's records (:mod:`cockpit.risk.lockout`): one copy in the state dir and one
beside the journals (:func:`cockpit.journal.risk.trader_peaks`), each written atomically
with a checksum. On start the copies of today are taken, the highest best of those that
read back wins (a copy edited down changes nothing); one of an earlier day is ignored.

A damaged or deleted copy never loosens. A copy that cannot be read, fails its
checksum, or is missing while its sibling says they were written together, is a
:attr:`PeakStore.problem`: the risk engine then locks until the trading day ends, to be
safe (the day's best cannot be known, so the tightest floor is no trading at all).
Whatever a damaged copy still says of today's best is taken where it is higher. A
problem that concerns only an earlier trading day is ignored. With both copies gone the
journal is the witness (:func:`cockpit.journal.risk.peak_witness`): each save is recorded
there by the risk engine (:meth:`PeakStore.take_saved`), and a best it saw saved today is
kept (:meth:`PeakStore.witness`); with no journal either, the day starts fresh, as a
lockout does with no record and no journal.

Saves happen when the best rises, at most once a second of the engine's clock (a busy
tape must not write a file per quote), and at once when it matters (a breach); each save
rewrites every copy, so a deleted copy comes back. Tests, replay and frozen sessions keep
the record in memory (:meth:`PeakStore.memory`). Nothing here reads the clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cockpit.core.clock import NS_PER_SECOND
from cockpit.risk.records import checksum, read_copies, write_copies

FILE_NAME = "day-peak.json"
VERSION = 1


@dataclass(frozen=True, slots=True)
class DayPeak:
    """The best P&L a trading day has reached so far."""

    day: date
    """The trading day (the date it started, as the risk calendar names it)."""
    peak: Decimal
    seen_ns: int = 0
    """Engine time of the save."""


class PeakError(ValueError):
    """A peak record that cannot be trusted."""


def encode_peak(record: DayPeak, copies: int = 1) -> str:
    """The text of a record, its checksum included (money as an exact string).
    ``copies``: how many were written together (a copy written alone vouches for none)."""
    body: dict[str, Any] = {
        "version": VERSION,
        "day": record.day.isoformat(),
        "peak": str(record.peak),
        "seen_ns": record.seen_ns,
    }
    if copies > 1:
        body["copies"] = copies
    return json.dumps({**body, "checksum": checksum(body)}, indent=1)


def _fields(raw: Any) -> DayPeak:
    if not isinstance(raw, dict):
        raise PeakError("not a peak record")
    try:
        record = DayPeak(date.fromisoformat(raw["day"]), Decimal(raw["peak"]), int(raw["seen_ns"]))
    except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise PeakError(f"unreadable: {type(exc).__name__}") from None
    if not record.peak.is_finite():
        raise PeakError("unreadable: not a finite amount")
    return record


def _json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise PeakError("unreadable: not JSON") from None


def decode_peak(data: bytes) -> DayPeak:
    """The record, or :class:`PeakError` (damaged, edited or from another version)."""
    return decode_copy(data)[0]


def decode_copy(data: bytes) -> tuple[DayPeak, int]:
    """The record and how many copies were written with it, or :class:`PeakError`."""
    raw = _json(data)
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        raise PeakError("not a peak record of this version")
    body = {key: value for key, value in raw.items() if key != "checksum"}
    if raw.get("checksum") != checksum(body):
        raise PeakError("its checksum does not match: edited or corrupted")
    try:
        copies = int(raw.get("copies", 1))
    except (ValueError, TypeError):
        raise PeakError("unreadable: copies") from None
    return _fields(raw), copies


def higher(first: DayPeak | None, second: DayPeak | None) -> DayPeak | None:
    """The record of the later day, or on the same day the higher best: never looser."""
    if first is None:
        return second
    if second is None:
        return first
    if (second.day, second.peak) > (first.day, first.peak):
        return second
    return first


def salvage(data: bytes) -> DayPeak | None:
    """What a damaged record still says, if its day and best read at all."""
    try:
        return _fields(_json(data))
    except PeakError:
        return None


class PeakStore:
    """The day's best, a copy in each of ``directories`` (``PeakStore()`` /
    :meth:`memory`: in memory)."""

    def __init__(self, *directories: Path) -> None:
        self.paths = list(dict.fromkeys(directory / FILE_NAME for directory in directories))
        self.record: DayPeak | None = None
        self.problem: str | None = None
        """Why a copy could not be trusted: the engine locks until the day ends."""
        self.error: str | None = None
        """Why the last save failed (said once by the engine, then cleared)."""
        self._pending: DayPeak | None = None
        self._saved_ns: int | None = None
        self._damaged: dict[Path, bytes | None] = {}
        self.problems: list[tuple[str, date | None]] = []
        """Each problem and the day it concerns (``None``: unknown, so it may be today);
        noted in the journal header, so a replay forgets the same ones."""
        self._vouchers: list[tuple[DayPeak, int]] = []
        self.loaded: list[DayPeak] = []
        """Every record the copies held (salvaged ones too): today's highest wins (noted
        in the journal header, so a replay picks the same)."""
        self.gone = False
        """Every copy is missing (a first run, or someone deleted them all): only a
        witness (:meth:`witness`, the journal) can say the day was up."""
        self.witnessed: str | None = None
        """What a witness said when every copy was gone (said once at start)."""
        self._saved: DayPeak | None = None
        self._load()

    @property
    def path(self) -> Path | None:
        """The state dir's copy (the first), if the store is on disk."""
        return self.paths[0] if self.paths else None

    @classmethod
    def memory(cls, record: DayPeak | None = None, problem: str | None = None) -> PeakStore:
        """A store that writes nothing (tests, replay, frozen sessions), holding ``record``."""
        store = cls()
        store.record = record
        store.problem = problem
        return store

    def _load(self) -> None:
        missing: list[Path] = []
        vouching: DayPeak | None = None
        """The record of a copy written with a sibling: a missing sibling is a trace."""
        found = read_copies(self.paths)
        self.gone = bool(found) and all(copy.missing for copy in found)
        for copy in found:
            path, data = copy.path, copy.data
            if copy.missing:
                missing.append(path)
            elif data is None:
                self.problems.append(
                    (f"day peak record {path} cannot be read ({copy.error})", None)
                )
            else:
                self._read(path, data)
        for record, copies in self._vouchers:
            if copies > 1:
                vouching = higher(vouching, record)
        if missing and vouching is not None:
            self.problems += [
                (
                    f"day peak record {path} is missing while its copy names {vouching.day}",
                    vouching.day,
                )
                for path in missing
            ]
        self.problem = "; ".join(text for text, _ in self.problems) or None

    def _read(self, path: Path, data: bytes) -> None:
        try:
            record, copies = decode_copy(data)
        except PeakError as exc:
            self._damaged[path] = data
            kept = salvage(data)
            day = kept.day if kept is not None else None
            self.problems.append((f"day peak record {path} is damaged ({exc})", day))
            if kept is not None:
                self.loaded.append(kept)
                self.record = higher(self.record, kept)
            return
        self._vouchers.append((record, copies))
        self.loaded.append(record)
        self.record = higher(self.record, record)

    def witness(self, record: DayPeak, source: str) -> None:
        """Every copy is gone but ``source`` (a journal) saw ``record`` saved: keep it,
        say so, and write the copies again at the next save."""
        if not self.gone or higher(self.record, record) is self.record:
            return
        self.record = record
        self.loaded.append(record)
        self.restored(
            f"both day peak records are gone; {source} saw the best of {record.day} "
            f"saved at {record.peak}: kept, and the records written again"
        )

    def restored(self, why: str) -> None:
        """The record came from a witness (``why``): write it to every copy at the next
        save (a replay is told the same by the journal header)."""
        self.witnessed = why
        self._pending = self.record

    def begin(self, today: date) -> None:
        """Forget a record (and its damage) of an earlier trading day than ``today``."""
        if self.paths or self.problems:  # a header of before problems had days: it stays
            self.problems = [(text, day) for text, day in self.problems if day in (None, today)]
            self.problem = "; ".join(text for text, _ in self.problems) or None
        todays = [r for r in (*self.loaded, self.record) if r is not None and r.day == today]
        self.record = max(todays, key=lambda r: r.peak, default=None)
        if self._pending is not None and self._pending.day != today:
            self._pending = None
            self.witnessed = None

    def starting(self, day: date) -> Decimal | None:
        """The best on record for ``day``, if any."""
        record = self.record
        return record.peak if record is not None and record.day == day else None

    def rose(self, day: date, peak: Decimal, now: int) -> None:
        """The day's best is now ``peak``: saved if the last save is a second old."""
        self._pending = DayPeak(day, peak, now)
        self.record = self._pending
        if self._second_passed(now):
            self.flush()

    def due(self, now: int) -> None:
        """Save a rise whose second has passed."""
        if self._pending is not None and self._second_passed(now):
            self.flush()

    def _second_passed(self, now: int) -> bool:
        return self._saved_ns is None or now - self._saved_ns >= NS_PER_SECOND

    def flush(self) -> None:
        """Save a best not yet written (a breach, a quiet second after a rise)."""
        record, self._pending = self._pending, None
        if record is None:
            return
        self._saved_ns = record.seen_ns
        self._saved = record
        text = encode_peak(record, len(self.paths))
        errors = write_copies(self.paths, text, self._damaged, "the day's best P&L")
        if errors:
            self.error = "; ".join(errors)

    def take_saved(self) -> DayPeak | None:
        """The best saved since the last call (the risk engine records it in the journal,
        the trace a later start asks when every copy is gone)."""
        saved, self._saved = self._saved, None
        return saved

    @property
    def pending(self) -> bool:
        """A rise is waiting for its second to pass."""
        return self._pending is not None
