"""How a journal's session ended: closed cleanly, or where its record stops.

A session that closes (``JournalWriter.aclose()``, on quit) writes a close record as its
last frame: the time and what was written. A journal without one ended abruptly: a
``kill -9``, a power cut, a crash. Its record stops at its last whole frame, and a frame
the crash tore is skipped and counted, never read as data. Journals of format version 1
were written before close records existed, so their ending is unknown unless torn.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from cockpit.core.clock import exchange_time

CUT_NOTICE = "the record stops here: the session ended without a clean close"
"""What a replay says when it reaches the end of a journal that was not closed."""


@dataclass(frozen=True, slots=True)
class CloseRecord:
    """The writer's last frame: when the session closed and what its journal holds."""

    closed_ns: int
    """The engine clock's last moment the journal saw (it ticks every second)."""
    records: int
    """Records written over all the run's part files."""
    dropped: int = 0
    """Records that could not be written (logged when it happened)."""
    parts: int = 1

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "closed_ns": self.closed_ns,
                "records": self.records,
                "dropped": self.dropped,
                "parts": self.parts,
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> CloseRecord:
        """The close record in ``data``; ``ValueError`` if it is not one."""
        try:
            raw = orjson.loads(data)
            return cls(
                closed_ns=int(raw["closed_ns"]),
                records=int(raw["records"]),
                dropped=int(raw.get("dropped", 0)),
                parts=int(raw.get("parts", 1)),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"damaged close record ({exc})") from None


@dataclass(frozen=True, slots=True)
class Truncation:
    """Where reading stopped before the end of the files, why, and what was skipped."""

    path: Path
    offset: int
    reason: str
    last_ns: int | None
    skipped_bytes: int = 0
    """Bytes from ``offset`` to the end of that file, never read as records."""
    skipped_records: int | None = None
    """Records the torn frame's head claims, when its head was whole."""

    def skipped(self) -> str:
        """What was left out: ``a torn frame of 312 records (8,123 bytes) skipped``."""
        size = f"{self.skipped_bytes:,} byte{'s' if self.skipped_bytes != 1 else ''}"
        if self.skipped_records:
            return f"a torn frame of {self.skipped_records:,} records ({size}) skipped"
        return f"{size} that cannot be read skipped"

    def describe(self) -> str:
        at = ""
        if self.last_ns is not None:
            at = f"; usable up to {exchange_time(self.last_ns):%Y-%m-%d %H:%M:%S} CT"
        return (
            f"{self.path.name}: stopped at byte {self.offset:,} ({self.reason}){at}; "
            f"{self.skipped()}"
        )


@dataclass(frozen=True, slots=True)
class Ending:
    """How a journal ends, in the words ``journal list``, ``show``, ``review`` and
    ``replay`` use."""

    stops_ns: int
    """The time of the last whole record."""
    records: int
    """Whole records, every one readable and replayed."""
    close: CloseRecord | None = None
    older: bool = False
    """Written before close records existed (format version 1)."""
    torn: Truncation | None = None

    @property
    def clean(self) -> bool:
        """The session closed its journal: nothing after the last record was lost."""
        return self.close is not None

    @property
    def known_abrupt(self) -> bool:
        """Surely cut short: no close record where one is written, or a torn tail."""
        return not self.clean and (not self.older or self.torn is not None)

    def describe(self) -> str:
        """``ended abruptly: record stops at 10:42:07 CT, 46,194 records``."""
        close = self.close
        count = f"{self.records:,} record{'s' if self.records != 1 else ''}"
        if close is not None:
            text = f"closed cleanly at {_clock(close.closed_ns)} CT, {count}"
            if close.records != self.records:
                text += f" (the close record counts {close.records:,})"
            if close.dropped:
                text += f"; {close.dropped:,} records could not be written"
        else:
            why = "ended abruptly" if self.known_abrupt else "no close record (older format)"
            text = f"{why}: record stops at {_clock(self.stops_ns)} CT, {count}"
        if self.torn is not None:
            text += f"; {self.torn.skipped()}"
        return text

    @property
    def notice(self) -> str:
        """What a replay says when it reaches the end of the record."""
        if self.clean:
            return "the session closed cleanly here"
        if self.known_abrupt:
            return CUT_NOTICE
        return "the record stops here: no close record (older format)"


def _clock(ns: int) -> str:
    return f"{exchange_time(ns):%H:%M:%S}"
