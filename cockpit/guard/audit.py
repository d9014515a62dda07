"""The audit log: every decision, enforcement, lockout, order and fill as one JSON line.

``audit.ndjson`` in the state dir, rotated by size (the stdlib's handler), made for
``jq``: each line has ``ts`` (UTC ISO 8601), ``seq`` (the guard's event number),
``account_id``, ``kind`` and the event's own fields, prices as the trader reads them,
money as decimal strings. The journal stays the full record; this is what a person or a
script greps. Quotes, prints and bars never come here. Nothing secret does either: the
guard's token and the broker's key are masked in any line that would carry them.

Lines are gathered while the guard decides and written on the loop's next turn, all of
that turn's lines in one ``write`` (:class:`AuditFile`: tens of microseconds, the size
kept in memory, no check of the disk per line). A thread of their own (the standard
library's rotating handler behind a ``QueueListener``) was tried first: it woke for each
batch and took the GIL from the loop for 0.25-0.6 ms at a time, and a flatten's requests
waited behind it (2.5 ms from the guard's gates to the last request, seen with
``perf sched``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from cockpit.core.events import (
    ArmChanged,
    BrokerFailed,
    ConnectionChanged,
    EnforcementTaken,
    Event,
    FillReceived,
    FlattenCompleted,
    FlattenStarted,
    LockoutEnded,
    LockoutStarted,
    Notice,
    OrderDenied,
    OrderSubmitted,
    OrderUpdated,
    PositionUpdated,
    Reconciled,
    RiskDecision,
    RiskStateChanged,
)
from cockpit.core.isotime import iso_from_ns
from cockpit.core.models import Position
from cockpit.core.state import State
from cockpit.core.turnbatch import TurnBatch

if TYPE_CHECKING:
    from cockpit.guard.daemon import Guard

log = logging.getLogger(__name__)

AUDIT_FILE = "audit.ndjson"
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
MASK = "***"

KINDS: dict[type[Event], str] = {
    RiskDecision: "decision",
    EnforcementTaken: "enforcement",
    FlattenStarted: "flatten_started",
    FlattenCompleted: "flatten_completed",
    LockoutStarted: "lockout_set",
    LockoutEnded: "lockout_cleared",
    RiskStateChanged: "risk_state",
    OrderSubmitted: "order_submitted",
    OrderUpdated: "order",
    OrderDenied: "order_denied",
    BrokerFailed: "broker_failed",
    FillReceived: "fill",
    PositionUpdated: "position",
    ArmChanged: "armed",
    ConnectionChanged: "link",
    Reconciled: "reconciled",
    Notice: "notice",
}
"""What the audit keeps, and the ``kind`` each is written as."""

_PRICE_FIELDS = frozenset({"limit", "stop", "price", "limit_price", "stop_price"})


def audit_path(folder: Path) -> Path:
    return folder / AUDIT_FILE


class AuditFile:
    """``audit.ndjson`` appended one batch of lines at a time, rolled to ``audit.ndjson.1``
    (and on, :data:`BACKUPS` kept) once it would pass ``max_bytes``, as the standard
    library's rotating handler names them."""

    def __init__(self, path: Path, max_bytes: int, backups: int = BACKUPS) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115 - kept open for the run
        self.size = self._file.tell()
        self.failures = 0

    def write(self, text: str) -> None:
        """Append ``text`` (whole lines), rolling the file first if it would pass the size.
        A disk that refuses is logged and counted (:attr:`failures`); the guard goes on."""
        data = text.encode("utf-8")
        try:
            if self.size and self.size + len(data) > self.max_bytes:
                self._roll()
            view = memoryview(data)
            while view:
                written = self._file.write(view)
                view = view[written or 0 :]
        except OSError as exc:
            self.failures += 1
            log.error("audit: %d bytes not written to %s: %s", len(data), self.path, exc)
            return
        self.size += len(data)

    def _roll(self) -> None:
        self._file.close()
        for n in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{n + 1}"))
        self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - kept open for the run
        self.size = 0

    def close(self) -> None:
        self._file.close()


class Audit:
    """Writes the audit lines of one guard; ``attach`` it, ``close`` it at the end."""

    def __init__(
        self, folder: Path, secrets: Iterable[str] = (), *, max_bytes: int = MAX_BYTES
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = audit_path(folder)
        self._secrets = [s for s in secrets if s]
        self._file: AuditFile | None = AuditFile(self.path, max_bytes)
        self._queue: list[tuple[int, int, str, Event]] = []
        self._batch = TurnBatch(self._write_queued)
        self._state: State | None = None
        self._unlisten: Callable[[], None] | None = None

    def attach(self, guard: Guard) -> None:
        """Write a line for every event of ``guard`` the audit keeps."""
        self._state = guard.state
        self._unlisten = guard.listen(self.on_event)

    def on_event(self, seq: int, recv_ns: int, event: Event) -> None:
        """Queue the event's line; it is written once the current moment is decided.

        Formatting and the file write wait for the loop's next turn (``call_soon``), so a
        flatten's cancels and closes never queue behind the audit's disk writes; the
        events are frozen, so the line reads the same later. Without a running loop the
        line is written at once.
        """
        kind = KINDS.get(type(event))
        if kind is None:
            return
        if isinstance(event, Notice) and event.level == "info":
            return  # warnings and errors only: "DRY RUN: would ..." lines are warnings
        self._queue.append((seq, recv_ns, kind, event))
        self._batch.soon()

    def flush(self) -> None:
        """Write every queued line now (tests, tools)."""
        self._batch.now()

    def _write_queued(self) -> None:
        taken, self._queue = self._queue, []
        lines = [
            self._line(recv_ns, kind, _fields(event, self._state), seq)
            for seq, recv_ns, kind, event in taken
        ]
        if lines and self._file is not None:
            self._file.write("".join(line + "\n" for line in lines))

    def write(
        self, ts_ns: int, kind: str, fields: dict[str, Any], *, seq: int | None = None
    ) -> None:
        """One line (after any queued): ``ts``, ``seq``, ``account_id``, ``kind``, then
        ``fields``."""
        self._batch.now()
        if self._file is not None:
            self._file.write(self._line(ts_ns, kind, fields, seq) + "\n")

    def _line(self, ts_ns: int, kind: str, fields: dict[str, Any], seq: int | None) -> str:
        account = self._state.account if self._state is not None else None
        record: dict[str, Any] = {
            "ts": iso_from_ns(ts_ns, 6),
            "seq": seq,
            "account_id": fields.pop("account_id", account.id if account is not None else None),
            "kind": kind,
            **fields,
        }
        line = orjson.dumps(record, default=_plain).decode()
        for secret in self._secrets:
            line = line.replace(secret, MASK)
        return line

    def close(self) -> None:
        """Write what is queued, stop listening and close the file (twice is harmless)."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        self._batch.now()
        file, self._file = self._file, None
        if file is not None:
            file.close()


def _word(value: object) -> object:
    """An enum as its name (``BUY``, ``FILLED``, ``LOCKED``), anything else as it is."""
    if isinstance(value, Enum):
        return value.name if isinstance(value.value, int) else value.value
    return value


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not audited")


def _fields(event: Event, state: State | None) -> dict[str, Any]:
    """The event's fields, flat: an order, fill or position's own fields at the top."""
    out: dict[str, Any] = {}
    for name in event.__dataclass_fields__:
        if name == "ts":
            continue
        value = getattr(event, name)
        if hasattr(value, "__dataclass_fields__"):
            out.update(_fields_of(value, state))
        else:
            out[name] = _word(value)
    if isinstance(event, LockoutStarted):
        out["until"] = iso_from_ns(event.until_ns, 0)
    return out


def _fields_of(item: Any, state: State | None) -> dict[str, Any]:
    symbol = getattr(item, "symbol", None)
    spec = state.instruments.get(symbol) if state is not None and symbol else None
    out: dict[str, Any] = {}
    for name in item.__dataclass_fields__:
        value = getattr(item, name)
        if name in ("ts", "created_ns", "updated_ns", "cost"):
            continue
        if name in _PRICE_FIELDS and isinstance(value, int) and spec is not None:
            value = spec.format(value)
        out[name] = _word(value)
    if spec is not None and isinstance(item, Position) and item.size:
        out["average"] = spec.format_fraction(item.average)
    return out
