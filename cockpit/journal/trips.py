"""Round trips from fills, without polars: what the start of a session counts (the
week's trades, the day so far) and what review builds its frames on.

A trip runs from flat to flat in one instrument; lots close first in, first out; a flip
closes one trip and opens the next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from cockpit.core.events import FillReceived
from cockpit.core.models import Fill
from cockpit.journal.format import FrameFlag, RecordKind
from cockpit.journal.reader import Journal

CENT = Decimal("0.01")
ZERO = Decimal(0)

PathRow = tuple[int, str, int, int, int, int, int]
"""``ts, symbol, price, trip, position, signed_cost, realized_ticks`` after a fill."""


@dataclass
class Trip:
    """One round trip being built from fills."""

    symbol: str
    direction: int
    entry_ns: int
    exit_ns: int | None = None
    size: int = 0
    entered: int = 0
    entry_ticks: int = 0
    exited: int = 0
    exit_ticks: int = 0
    pnl: Decimal = ZERO
    fees: Decimal = ZERO
    fills: int = 0
    ticks: int = 0
    """What the prices made, in ticks over all contracts (``pnl`` is the broker's dollars)."""


@dataclass
class _Book:
    """Per-instrument FIFO lots and the trip they belong to."""

    lots: list[list[int]] = field(default_factory=list)
    trip: Trip | None = None

    @property
    def position(self) -> int:
        return sum(q for q, _ in self.lots)

    @property
    def signed_cost(self) -> int:
        return sum(q * p for q, p in self.lots)


def walk_trips(fills: Iterable[Fill]) -> tuple[list[Trip], list[PathRow]]:
    """Round trips from fills, and the position path after each fill (for MAE/MFE).

    The path has one row per fill (two for a flip): ``ts, symbol, price, trip, position,
    signed_cost, realized_ticks`` (the trip's realized ticks so far), enough to value the
    trip at any later print: ``realized_ticks + position * price - signed_cost``.
    """
    books: dict[str, _Book] = {}
    trips: list[Trip] = []
    path: list[PathRow] = []
    realized: dict[int, int] = {}
    for fill in fills:
        book = books.setdefault(fill.symbol, _Book())
        remaining = fill.size * fill.side.sign
        fee_left = fill.fee
        pnl_left = fill.pnl or ZERO
        while remaining:
            if book.trip is None:
                book.trip = Trip(fill.symbol, 1 if remaining > 0 else -1, fill.ts)
                trips.append(book.trip)
                realized[id(book.trip)] = 0
            trip = book.trip
            position = book.position
            if position == 0 or (position > 0) == (remaining > 0):
                qty = remaining
                book.lots.append([qty, fill.price])
                trip.entered += abs(qty)
                trip.entry_ticks += abs(qty) * fill.price
                trip.size = max(trip.size, abs(book.position))
                share = fee_left
                remaining = 0
            else:
                qty = -position if abs(remaining) >= abs(position) else remaining
                closed = _close_lots(book, qty, fill.price)
                realized[id(trip)] += closed
                trip.ticks += closed
                trip.exited += abs(qty)
                trip.exit_ticks += abs(qty) * fill.price
                share = fee_left
                if abs(qty) != abs(remaining):
                    share = (fill.fee * abs(qty) / fill.size).quantize(CENT)
                trip.pnl += pnl_left
                pnl_left = ZERO
                remaining -= qty
            trip.fees += share
            fee_left -= share
            trip.fills += 1
            path.append(
                (
                    fill.ts,
                    fill.symbol,
                    fill.price,
                    trips.index(trip),
                    book.position,
                    book.signed_cost,
                    realized[id(trip)],
                )
            )
            if book.position == 0:
                trip.exit_ns = fill.ts
                book.trip = None
    return trips, path


def _close_lots(book: _Book, qty: int, price: int) -> int:
    """Close ``qty`` (signed, against the position) FIFO; returns realized ticks."""
    realized = 0
    left = qty
    while left and book.lots:
        lot = book.lots[0]
        take = min(abs(left), abs(lot[0]))
        direction = 1 if lot[0] > 0 else -1
        realized += (price - lot[1]) * take * direction
        lot[0] -= take * direction
        left += take * direction
        if lot[0] == 0:
            book.lots.pop(0)
    return realized


def journal_fills(journal: Journal) -> list[Fill]:
    """Every fill the broker reported, in the order the engine received them."""
    return [
        r.item.fill
        for r in journal.items(FrameFlag.FILLS, (FillReceived,))
        if r.kind is RecordKind.IN
    ]
