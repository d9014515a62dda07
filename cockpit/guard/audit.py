"""The audit log: every decision, enforcement, lockout, order and fill as one JSON line.

``audit.ndjson`` in the state dir, rotated by size (the stdlib's handler), made for
``jq``: each line has ``ts`` (UTC ISO 8601), ``seq`` (the guard's event number),
``account_id``, ``kind`` and the event's own fields, prices as the trader reads them,
money as decimal strings. The journal stays the full record; this is what a person or a
script greps. Quotes, prints and bars never come here. Nothing secret does either: the
guard's token and the broker's key are masked in any line that would carry them.

Lines are formatted on the guard's loop once per turn and written by a thread of their
own (the standard library's ``QueueListener``): the rotating file handler's size check,
write and flush took 0.3 to 1.3 ms a turn on the loop, long enough to hold a flatten's
next request behind them.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Iterable
from decimal import Decimal
from enum import Enum
from logging.handlers import QueueHandler, QueueListener, RotatingFileHandler
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


class Audit:
    """Writes the audit lines of one guard; ``attach`` it, ``close`` it at the end."""

    def __init__(
        self, folder: Path, secrets: Iterable[str] = (), *, max_bytes: int = MAX_BYTES
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = audit_path(folder)
        self._secrets = [s for s in secrets if s]
        self._log = logging.getLogger(f"cockpit.guard.audit.{id(self)}")
        self._log.propagate = False  # the audit never goes to cockpit.log or a terminal
        self._log.setLevel(logging.INFO)
        handler = RotatingFileHandler(
            self.path, maxBytes=max_bytes, backupCount=BACKUPS, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(message)s"))
        self._handler: RotatingFileHandler | None = handler
        self._lines: queue.Queue[logging.LogRecord] = queue.Queue()
        """Formatted lines on their way to the writer thread."""
        self._writer = QueueListener(self._lines, handler)
        self._writer.start()
        self._log.addHandler(QueueHandler(self._lines))
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
        """Write every queued line now and wait until the file has them (tests, tools)."""
        self._batch.now()
        if self._handler is not None:
            self._lines.join()

    def _write_queued(self) -> None:
        taken, self._queue = self._queue, []
        lines = [
            self._line(recv_ns, kind, _fields(event, self._state), seq)
            for seq, recv_ns, kind, event in taken
        ]
        if lines and self._handler is not None:
            self._log.info("\n".join(lines))

    def write(
        self, ts_ns: int, kind: str, fields: dict[str, Any], *, seq: int | None = None
    ) -> None:
        """One line (after any queued): ``ts``, ``seq``, ``account_id``, ``kind``, then
        ``fields``."""
        self._batch.now()
        if self._handler is not None:
            self._log.info(self._line(ts_ns, kind, fields, seq))

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
        handler, self._handler = self._handler, None
        if handler is not None:
            self._writer.stop()  # writes what is queued, then ends the thread
            for queued in list(self._log.handlers):
                self._log.removeHandler(queued)
            handler.close()


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
