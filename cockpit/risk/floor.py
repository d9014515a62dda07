"""The maximum loss floor on disk: it must outlive a restart, a crash and a damaged file.

A trailing floor only ever rises, and what raised it (a day's closing balance, an
intraday equity high) may be long gone from the broker by the next start, so the
floor, the high behind it and the day's latest balance are kept in ``max_loss.json``,
written like the lockout's records (:mod:`cockpit.risk.lockout`): one record in the
state dir and one beside the journals, each written atomically with a checksum. On
loading, every record that reads back counts and the tightest wins (the highest
floor, high and balance; breached if any says so), so a record edited down changes
nothing. A record that is damaged, or missing while its sibling says it was written
with it, is a :attr:`FloorStore.problem`: the risk engine then locks until the day ends,
and whatever the damaged record still says is taken where it is tighter, never looser.

Each account has its own record (``max_loss.<account>.json``): two accounts with the
same settings never share a floor. A record from before floors were kept per account
(``max_loss.json``, no account in it) is read by the first account that opens the store
and becomes that account's at its first save (the old file is then renamed
``max_loss.json.adopted``), so no second account takes it too.

Nothing here reads the clock: the time saved is the engine's.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cockpit.risk.records import checksum, read_copies, write_copies

FILE_NAME = "max_loss.json"
"""The record of before floors were kept per account (and of a store with no account)."""
ADOPTED_SUFFIX = ".adopted"
VERSION = 1
"""Still 1: a record gained ``account``, read as ``""`` (nobody's yet) where it is absent."""


def file_name(account: str) -> str:
    """``max_loss.<account>.json``, the account's name made safe for a file name (the
    record inside names the account exactly)."""
    if not account:
        return FILE_NAME
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", account)
    if safe != account:  # two names that make the same safe one still get two files
        safe += "-" + hashlib.sha256(account.encode("utf-8")).hexdigest()[:8]
    return f"max_loss.{safe}.json"


@dataclass(frozen=True, slots=True)
class FloorRecord:
    """Where the maximum loss floor stands."""

    mode: str
    start_balance: Decimal
    high: Decimal
    """The high the floor trails: end-of-day balances (eod) or open equity (intraday)."""
    floor: Decimal
    """The highest floor ever computed: it never falls."""
    breached: bool = False
    """Equity reached the floor (with ``lock_when_reached``: the account is done)."""
    day_end_ns: int = 0
    """The end of the trading day :attr:`day_balance` belongs to (eod trailing)."""
    day_balance: Decimal | None = None
    """The latest balance seen in that day: it becomes a day's close when the day ends."""
    seen_ns: int = 0
    """Engine time of the save."""
    account: str = ""
    """The account the floor is for (``""``: written before floors had an account)."""

    def tighter(self, other: FloorRecord) -> FloorRecord:
        """The merge of two records of one account: the higher of every figure."""
        if other.day_end_ns > self.day_end_ns:
            day = (other.day_end_ns, other.day_balance)
        elif other.day_end_ns < self.day_end_ns:
            day = (self.day_end_ns, self.day_balance)
        else:
            balances = [b for b in (self.day_balance, other.day_balance) if b is not None]
            day = (self.day_end_ns, max(balances) if balances else None)
        return replace(
            self,
            high=max(self.high, other.high),
            floor=max(self.floor, other.floor),
            breached=self.breached or other.breached,
            day_end_ns=day[0],
            day_balance=day[1],
            seen_ns=max(self.seen_ns, other.seen_ns),
        )


class RecordError(ValueError):
    """A floor record that cannot be trusted."""


def encode_record(record: FloorRecord, copies: int) -> str:
    """The text of one record, its checksum included (money as exact strings)."""
    body: dict[str, Any] = {
        "version": VERSION,
        "mode": record.mode,
        "start_balance": str(record.start_balance),
        "high": str(record.high),
        "floor": str(record.floor),
        "breached": record.breached,
        "day_end_ns": record.day_end_ns,
        "day_balance": None if record.day_balance is None else str(record.day_balance),
        "seen_ns": record.seen_ns,
        "copies": copies,
    }
    if record.account:
        body["account"] = record.account
    return json.dumps({**body, "checksum": checksum(body)}, indent=1)


def _fields(raw: dict[str, Any]) -> tuple[FloorRecord, int]:
    balance = raw["day_balance"]
    record = FloorRecord(
        mode=str(raw["mode"]),
        start_balance=Decimal(raw["start_balance"]),
        high=Decimal(raw["high"]),
        floor=Decimal(raw["floor"]),
        breached=bool(raw["breached"]),
        day_end_ns=int(raw["day_end_ns"]),
        day_balance=None if balance is None else Decimal(balance),
        seen_ns=int(raw["seen_ns"]),
        account=str(raw.get("account", "")),
    )
    if not all(v.is_finite() for v in (record.start_balance, record.high, record.floor)):
        raise ValueError("not a finite amount")
    return record, int(raw["copies"])


def decode_record(data: bytes) -> tuple[FloorRecord, int]:
    """The record and the number of copies written with it, or :class:`RecordError`."""
    raw = _json(data)
    if raw.get("version") != VERSION:
        raise RecordError(f"unknown version {raw.get('version')!r}")
    body = {key: value for key, value in raw.items() if key != "checksum"}
    if raw.get("checksum") != checksum(body):
        raise RecordError("its checksum does not match: edited or corrupted")
    try:
        return _fields(raw)
    except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise RecordError(f"unreadable: {type(exc).__name__}") from None


def salvage(data: bytes) -> FloorRecord | None:
    """What a damaged record still says, if its fields read at all (used only where it
    is tighter than the rest)."""
    try:
        return _fields(_json(data))[0]
    except (RecordError, ValueError, KeyError, TypeError, InvalidOperation):
        return None


def _json(data: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise RecordError("unreadable: not JSON") from None
    if not isinstance(raw, dict):
        raise RecordError("not a floor record")
    return raw


@dataclass(frozen=True, slots=True)
class Opened:
    """What a store read for an account: its record, what a damaged copy still said,
    and the problem its copies had."""

    account: str
    found: tuple[FloorRecord | None, FloorRecord | None, str | None]


class FloorStore:
    """The persisted floor of one account, a record per folder; ``FloorStore()`` keeps it
    in memory. ``account`` may be unknown at first (``""``): :meth:`open` names it once
    the broker has said which account it is."""

    def __init__(self, *directories: Path, account: str = "", read_only: bool = False) -> None:
        self.directories = list(dict.fromkeys(directories))
        self.read_only = read_only
        self.reopened: Opened | None = None
        """What the store read when the broker's first balance named another account
        than the one it was opened for (noted in the journal header for replay)."""
        self.opened_for = account
        """The account the store was opened for before the broker's first balance."""
        self.open(account)

    @classmethod
    def memory(cls, record: FloorRecord | None = None, problem: str | None = None) -> FloorStore:
        """A store that writes nothing (tests, replay), holding ``record``."""
        store = cls()
        store.record = record
        store.problem = problem
        return store

    def open(self, account: str) -> None:
        """Read ``account``'s records (its own, else one from before floors had an
        account); a memory store only takes the name."""
        self.opened_for = account
        self.account = account
        self.paths = [directory / file_name(account) for directory in self.directories]
        self.record: FloorRecord | None = None
        self.problem: str | None = None
        """Why a record was damaged or missing: the engine locks until the day ends."""
        self.salvaged: FloorRecord | None = None
        """What damaged records still said (only ever used to tighten)."""
        self._damaged: dict[Path, bytes | None] = {}
        self.old: list[Path] = []
        """Records from before floors had an account, read as this account's."""
        if not self.directories:
            return
        if not self._load(self.paths) and account:
            old = [directory / FILE_NAME for directory in self.directories]
            if self._load(old):
                self.old = [path for path in old if path.exists()]

    def reopen(self, account: str) -> None:
        """The broker's first balance is ``account``'s, not the account the store was
        opened for: read its records (a replay's store takes what the live one read)."""
        if not self.directories:
            if self.reopened is not None and self.reopened.account == account:
                self.account = account
                self.record, self.salvaged, self.problem = self.reopened.found
            return
        told = self.opened_for
        self.open(account)
        self.opened_for = told
        self.reopened = Opened(account, (self.record, self.salvaged, self.problem))

    def can_reopen(self, account: str) -> bool:
        """Whether :meth:`reopen` can read ``account``'s records (disk, or a replay's note)."""
        if self.account == account:
            return False
        return bool(self.directories) or (
            self.reopened is not None and self.reopened.account == account
        )

    def _load(self, paths: list[Path]) -> bool:
        """Read ``paths``; whether any of them was there."""
        found: list[tuple[FloorRecord, int]] = []
        missing: list[Path] = []
        problems: list[str] = []
        for copy in read_copies(paths):
            path, data = copy.path, copy.data
            if copy.missing:
                missing.append(path)
                continue
            if data is None:
                problems.append(f"max loss record {path} cannot be read ({copy.error})")
                continue
            try:
                found.append(decode_record(data))
            except RecordError as exc:
                self._damaged[path] = data
                problems.append(f"max loss record {path} is damaged ({exc})")
                kept = salvage(data)
                if kept is not None:
                    self.salvaged = kept if self.salvaged is None else self.salvaged.tighter(kept)
        for record, _ in found:
            self.record = record if self.record is None else self.record.tighter(record)
        if missing and (any(copies > 1 for _, copies in found) or self._damaged):
            problems += [f"max loss record {path} is missing" for path in missing]
        self.problem = "; ".join(problems) or None
        return len(missing) < len(paths)

    def save(self, record: FloorRecord) -> str | None:
        """Write every record; the first error, if any could not be written. The first
        save of an account that read an old record renames the old one aside."""
        self.record = record
        if not self.paths:
            return None
        if self.read_only:
            raise RuntimeError("this floor store only reads")
        text = encode_record(record, len(self.paths)).encode("utf-8")
        errors = write_copies(self.paths, text, self._damaged, "the max loss floor")
        if not errors and self.paths[0].name != FILE_NAME:
            for path in self.old:
                try:
                    path.replace(path.with_name(path.name + ADOPTED_SUFFIX))
                except OSError as exc:
                    errors.append(f"could not set aside the old max loss record {path}: {exc}")
            self.old = []
        return "; ".join(errors) or None
