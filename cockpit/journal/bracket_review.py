"""Each round trip's bracket in review: its first stop and target, which one closed the
trade, and the R multiple (the result over the risk the first stop set).

Everything comes from the journal's order reports: a bracket leg's tag names its entry
(``<entry tag>-SL``, ``-TP1``...), so the trip's first fill (the entry) finds its legs,
and the trip's last fill names what closed it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import polars as pl

from cockpit.core.bracket_plan import r_multiple
from cockpit.core.brackets import STOP, leg_of
from cockpit.core.events import OrderUpdated
from cockpit.core.instruments import Instrument
from cockpit.core.models import Fill, Order
from cockpit.journal.format import RecordKind
from cockpit.journal.reader import Journal

if TYPE_CHECKING:
    from cockpit.journal.trips import Trip

BRACKET_COLUMNS: dict[str, Any] = {
    "trade": pl.Int64,
    "stop": pl.Decimal(38, 6),
    "target": pl.Decimal(38, 6),
    "hit": pl.String,
    "ticks": pl.Decimal(38, 6),
    "r": pl.Float64,
}
"""``hit`` is ``stop``, ``target`` or ``other`` (a key, a flatten); ``ticks`` is the result
per contract and ``r`` that over the first stop's distance."""


def recorded_brackets(journal: Journal) -> bool:
    """Whether the session had bracket templates (else review skips reading orders)."""
    section = journal.header.settings.get("brackets") or {}
    return any(name != "active" for name in section)


def journal_orders(journal: Journal) -> dict[int, Order]:
    """Every order as the broker first reported it (its tag and first price)."""
    first: dict[int, Order] = {}
    for record in journal:
        item = record.item
        if record.kind is RecordKind.IN and isinstance(item, OrderUpdated):
            first.setdefault(item.order.id, item.order)
    return first


def bracket_frame(
    trips: list[Trip],
    fills: Iterable[Fill],
    orders: Mapping[int, Order],
    instruments: Mapping[str, Instrument],
) -> pl.DataFrame:
    """One row per round trip that had a bracket (trips without one are left out)."""
    rows: dict[str, list[object]] = {name: [] for name in BRACKET_COLUMNS}
    by_tag = {order.tag: order for order in orders.values() if order.tag is not None}
    entry_fill: dict[tuple[str, int], Fill] = {}
    last_fill: dict[tuple[str, int], Fill] = {}
    for fill in fills:
        entry_fill.setdefault((fill.symbol, fill.ts), fill)
        last_fill[(fill.symbol, fill.ts)] = fill
    for number, trip in enumerate(trips, start=1):
        entry = entry_fill.get((trip.symbol, trip.entry_ns))
        entry_order = orders.get(entry.order_id) if entry is not None else None
        root = entry_order.tag if entry_order is not None else None
        stop = by_tag.get(f"{root}-{STOP}")
        target = by_tag.get(f"{root}-TP1")
        if root is None or (stop is None and target is None):
            continue
        spec = instruments[trip.symbol]
        rows["trade"].append(number)
        rows["stop"].append(spec.to_price(stop.stop) if stop and stop.stop is not None else None)
        rows["target"].append(
            spec.to_price(target.limit) if target and target.limit is not None else None
        )
        rows["hit"].append(_hit(trip, last_fill, orders, root))
        ticks, r = _result(trip, stop)
        rows["ticks"].append(None if ticks is None else _decimal(ticks))
        rows["r"].append(None if r is None else round(float(r), 2))
    return pl.DataFrame(
        [pl.Series(name, values, dtype=BRACKET_COLUMNS[name]) for name, values in rows.items()]
    )


def _hit(
    trip: Trip, last_fill: Mapping[tuple[str, int], Fill], orders: Mapping[int, Order], root: str
) -> str | None:
    if trip.exit_ns is None:
        return None
    fill = last_fill.get((trip.symbol, trip.exit_ns))
    order = orders.get(fill.order_id) if fill is not None else None
    parts = leg_of(order.tag if order is not None else None)
    if parts is None or parts[0] != root:
        return "other"
    return "stop" if parts[1] == STOP else "target"


def _result(trip: Trip, stop: Order | None) -> tuple[Fraction | None, Fraction | None]:
    """Ticks won per contract, and that in R (over the first stop's distance)."""
    if not trip.entered or not trip.exited:
        return None, None
    entry = Fraction(trip.entry_ticks, trip.entered)
    ticks = (Fraction(trip.exit_ticks, trip.exited) - entry) * trip.direction
    if stop is None or stop.stop is None:
        return ticks, None
    return ticks, r_multiple(ticks, abs(entry - stop.stop))


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.000001"))
