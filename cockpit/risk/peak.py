"""The day's best P&L on disk: profit protection must not end with a restart.

The personal daily loss limit trails the day's best P&L (``trailing = true``, or profit
protection with ``trail_after``). Held in memory only, a restart during the day would
forget the best and drop the floor back to ``-limit``: restarting would loosen the rule.
So the best is kept in ``day-peak.json`` in the state dir with the trading day it
belongs to, written atomically with a checksum; on start a record of today is taken,
one of an earlier day is ignored.

A damaged record never loosens. Whatever it still says of today's best is taken, and
the rule reports a :attr:`PeakStore.problem`: the risk engine then locks until the
trading day ends, to be safe (the day's best cannot be known, so the tightest floor is
no trading at all). A damaged record of an earlier trading day is ignored.

Saves happen when the best rises, at most once a second of the engine's clock (a busy
tape must not write a file per quote), and at once when it matters (a breach). Tests,
replay and frozen sessions keep the record in memory (:meth:`PeakStore.memory`). Nothing
here reads the clock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cockpit.core.clock import NS_PER_SECOND
from cockpit.risk.lockout import DAMAGED_SUFFIX, write_atomic

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


def _checksum(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode_peak(record: DayPeak) -> str:
    """The text of a record, its checksum included (money as an exact string)."""
    body: dict[str, Any] = {
        "version": VERSION,
        "day": record.day.isoformat(),
        "peak": str(record.peak),
        "seen_ns": record.seen_ns,
    }
    return json.dumps({**body, "checksum": _checksum(body)}, indent=1)


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
    raw = _json(data)
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        raise PeakError("not a peak record of this version")
    body = {key: value for key, value in raw.items() if key != "checksum"}
    if raw.get("checksum") != _checksum(body):
        raise PeakError("its checksum does not match: edited or corrupted")
    return _fields(raw)


def salvage(data: bytes) -> DayPeak | None:
    """What a damaged record still says, if its day and best read at all."""
    try:
        return _fields(_json(data))
    except PeakError:
        return None


class PeakStore:
    """The day's best, kept in ``folder`` (``PeakStore()`` / :meth:`memory`: in memory)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = folder / FILE_NAME if folder is not None else None
        self.record: DayPeak | None = None
        self.problem: str | None = None
        """Why the record could not be trusted: the engine locks until the day ends."""
        self.error: str | None = None
        """Why the last save failed (said once by the engine, then cleared)."""
        self._pending: DayPeak | None = None
        self._saved_ns: int | None = None
        self._damaged: bytes | None = None
        self._problem_day: date | None = None
        """The day a damaged record names (``None``: unknown, so it may be today's)."""
        self._load()

    @classmethod
    def memory(cls, record: DayPeak | None = None, problem: str | None = None) -> PeakStore:
        """A store that writes nothing (tests, replay, frozen sessions), holding ``record``."""
        store = cls()
        store.record = record
        store.problem = problem
        return store

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            self.problem = f"day peak record {self.path} cannot be read ({exc.strerror})"
            return
        try:
            self.record = decode_peak(data)
        except PeakError as exc:
            self._damaged = data
            self.problem = f"day peak record {self.path} is damaged ({exc})"
            self.record = salvage(data)
            self._problem_day = self.record.day if self.record is not None else None

    def begin(self, today: date) -> None:
        """Forget a record (and its damage) of an earlier trading day than ``today``."""
        if self._problem_day is not None and self._problem_day != today:
            self.problem = None
        if self.record is not None and self.record.day != today:
            self.record = None

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
        if self.path is None:
            return
        try:
            if self._damaged is not None:
                damaged = self.path.with_name(self.path.name + DAMAGED_SUFFIX)
                write_atomic(damaged, self._damaged)
                self._damaged = None
            write_atomic(self.path, encode_peak(record))
        except OSError as exc:
            self.error = f"could not save the day's best P&L to {self.path}: {exc}"

    @property
    def pending(self) -> bool:
        """A rise is waiting for its second to pass."""
        return self._pending is not None
