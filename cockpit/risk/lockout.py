"""Lockouts that survive quitting, a crash, a restart, an edited config, a clock set back,
and an edited, damaged or deleted file.

A lockout never lives in the config. The cockpit keeps it in two records,
``lockout.json`` in the state dir and in the journals folder of the data dir (see
:func:`cockpit.journal.risk.trader_lockouts`); when a record is missing or damaged, the
newest journal is asked as a third witness. Each record is written atomically (a
temporary file, fsync, rename) and carries a checksum of its content, so a crash leaves
the old record or the new one, and a hand edit that does not redo the checksum reads as
damaged. On loading:

* the latest end and the latest clock floor among every witness that reads back whole
  win: an end only ever moves later, so one record edited into the past changes nothing;
* a record that cannot be read or fails its checksum, or a record that is missing while
  the other record or the journal holds a lockout, is a :attr:`LockoutStore.problem`:
  the risk engine then locks until the trading day ends (never shorter than a lockout
  on record);
* loading only reads. The next save rewrites every record (a damaged one is first kept
  beside it as ``lockout.json.damaged``), so a deleted record comes back and records that
  disagree agree again; ``cockpit rules lockout`` never saves, so it never undoes anything.

The records also keep the latest time the engine saw while locked: after a restart the
engine counts from the later of that and the clock, so setting the system clock back
never shortens a lockout.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cockpit.risk.records import DAMAGED_SUFFIX as DAMAGED_SUFFIX
from cockpit.risk.records import checksum, read_copies, write_copies
from cockpit.risk.records import write_atomic as write_atomic

FILE_NAME = "lockout.json"
VERSION = 2
"""Version 2 adds the checksum and the number of copies; version 1 files still read."""
TOUCH_NS = 5_000_000_000


@dataclass(frozen=True, slots=True)
class Lockout:
    """One lockout: trading stays locked until ``until_ns`` (epoch ns)."""

    until_ns: int
    reason: str
    source: str
    """``manual`` (the lockout panel) or the rule that locked."""
    started_ns: int


@dataclass(frozen=True, slots=True)
class Witness:
    """What one place says about the lockout."""

    where: str
    lockout: Lockout | None
    """The lockout on record, ``None`` once one has ended and been cleared."""
    seen_ns: int = 0
    """The latest engine time seen there while locked (a floor for the clock)."""
    copies: int = 2
    """How many records were written together: a record written alone (a one-folder
    store, or a version 1 file) vouches for no sibling."""


class RecordError(ValueError):
    """A lockout record that cannot be trusted (unparsable, or its checksum is off)."""


def later(first: Lockout | None, second: Lockout | None) -> Lockout | None:
    """The lockout that ends later (the first on a tie): a merge never shortens."""
    if first is None:
        return second
    if second is None or second.until_ns <= first.until_ns:
        return first
    return second


def lockout_from(raw: Any) -> Lockout | None:
    """A :class:`Lockout` from its saved form (``None`` stays ``None``)."""
    if raw is None:
        return None
    return Lockout(
        until_ns=int(raw["until_ns"]),
        reason=str(raw["reason"]),
        source=str(raw["source"]),
        started_ns=int(raw["started_ns"]),
    )


def encode_record(lockout: Lockout | None, seen_ns: int, copies: int) -> str:
    """The text of one record, its checksum included."""
    body: dict[str, Any] = {
        "version": VERSION,
        "lockout": asdict(lockout) if lockout is not None else None,
        "last_seen_ns": seen_ns,
        "copies": copies,
    }
    return json.dumps({**body, "checksum": checksum(body)}, indent=1)


def decode_record(data: bytes, where: str) -> Witness:
    """What a record says, or :class:`RecordError` if it cannot be trusted."""
    try:
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict):
            raise RecordError("not a lockout record")
        version = raw.get("version")
        if version == VERSION:
            body = {key: value for key, value in raw.items() if key != "checksum"}
            if raw.get("checksum") != checksum(body):
                raise RecordError("its checksum does not match: edited or corrupted")
            copies = int(raw["copies"])
        elif version == 1:
            copies = 1
        else:
            raise RecordError(f"unknown version {version!r}")
        return Witness(where, lockout_from(raw["lockout"]), int(raw["last_seen_ns"]), copies)
    except RecordError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RecordError(f"unreadable: {type(exc).__name__}") from None


class LockoutStore:
    """The persisted lockout, kept in one record per folder.

    ``LockoutStore()`` keeps it in memory (replay, tests). ``witnesses`` gives what other
    places saw (the newest journal); it is asked only when a record is missing or
    damaged, since opening a journal after a busy day costs a good part of a second.
    Witnesses count like records but are never written. A ``read_only`` store never
    writes (``cockpit rules lockout``).
    """

    def __init__(
        self,
        *directories: Path,
        witnesses: Callable[[], Iterable[Witness]] | None = None,
        read_only: bool = False,
    ) -> None:
        self.paths = list(dict.fromkeys(directory / FILE_NAME for directory in directories))
        self.read_only = read_only
        self.lockout: Lockout | None = None
        self.last_seen_ns = 0
        """The latest engine time saved while locked (a floor for the clock)."""
        self.problem: str | None = None
        """Why a record was damaged or missing, when one was: lock until the day ends."""
        self._damaged: dict[Path, bytes | None] = {}
        """Damaged records and their bytes, kept aside before they are replaced."""
        self._dirty = False
        """Some record is missing, damaged or behind: the next save rewrites them all."""
        self._saved_seen = 0
        self._load(witnesses)

    @classmethod
    def memory(cls) -> LockoutStore:
        return cls()

    def _load(self, witnesses: Callable[[], Iterable[Witness]] | None) -> None:
        records: list[Witness] = []
        missing: list[Path] = []
        problems: list[str] = []
        for copy in read_copies(self.paths):
            path, data = copy.path, copy.data
            if copy.missing:
                missing.append(path)
                continue
            if data is None:
                self._damaged[path] = None
                problems.append(f"lockout record {path} cannot be read ({copy.error})")
                continue
            try:
                records.append(decode_record(data, str(path)))
            except RecordError as exc:
                self._damaged[path] = data
                problems.append(f"lockout record {path} is damaged ({exc})")
        others = list(witnesses()) if witnesses is not None and (missing or problems) else []
        for witness in [*records, *others]:
            self.lockout = later(self.lockout, witness.lockout)
            self.last_seen_ns = max(self.last_seen_ns, witness.seen_ns)
        # Who says a missing record should be there: a record written with it, or a
        # journal that saw a lockout (a record written alone vouches for no sibling).
        vouching = [r for r in records if r.copies > 1] + others
        holder = next((w for w in vouching if w.lockout is not None), None)
        if missing and holder is not None:
            problems += [
                f"lockout record {path} is missing while {holder.where} holds a lockout"
                for path in missing
            ]
        self.problem = "; ".join(problems) or None
        merged = (self.lockout, self.last_seen_ns, len(self.paths))
        self._dirty = bool(problems or missing) or any(
            (r.lockout, r.seen_ns, r.copies) != merged for r in records
        )

    def active(self, now_ns: int) -> Lockout | None:
        """The lockout in force at ``now_ns``, if any."""
        lockout = self.lockout
        if lockout is not None and now_ns < lockout.until_ns:
            return lockout
        return None

    def extend(self, lockout: Lockout, now_ns: int) -> tuple[Lockout, str | None]:
        """Lock until ``lockout.until_ns`` unless already locked longer; never shortens.

        Returns the lockout now in force and the save error, if the disk failed. A
        longer lockout already in force stays, but records that need it are rewritten.
        """
        current = self.active(now_ns)
        if current is not None and current.until_ns >= lockout.until_ns:
            return current, self._save() if self._dirty else None
        self.lockout = lockout
        self.last_seen_ns = max(self.last_seen_ns, now_ns)
        return lockout, self._save()

    def clear(self, now_ns: int) -> str | None:
        """Forget a lockout that has run out (only ever called once it has)."""
        if self.lockout is not None and now_ns < self.lockout.until_ns:
            raise ValueError("a lockout cannot be cleared before it ends")
        self.lockout = None
        return self._save()

    def touch(self, now_ns: int, every_ns: int = TOUCH_NS) -> str | None:
        """Save the engine's time while locked, at most once per ``every_ns`` (a write
        with fsync on the UI's loop is not free; a clock set back after a crash can win
        back at most this much). Records that are missing or behind are rewritten at once."""
        if self.lockout is None:
            return None
        if not self._dirty and now_ns - self._saved_seen < every_ns:
            return None
        self.last_seen_ns = max(self.last_seen_ns, now_ns)
        return self._save()

    def _save(self) -> str | None:
        """Write every record; the first error, if any record could not be written."""
        if not self.paths:
            return None
        if self.read_only:
            raise RuntimeError("this lockout store only reads")
        text = encode_record(self.lockout, self.last_seen_ns, len(self.paths)).encode("utf-8")
        errors = write_copies(self.paths, text, self._damaged, "the lockout")
        # A failed record is tried again on the next save (within TOUCH_NS while locked),
        # not on every tick, so the trader is not told the same thing each second.
        self._dirty = False
        self._saved_seen = self.last_seen_ns
        return "; ".join(errors) or None
