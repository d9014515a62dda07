"""Positions and working orders as one side sees them, and the exposure they add up to.

The invariants compare the engine's picture with the venue's (the paper account behind
the line, or the emulator's ledger) and count exposure the way the limits are written:
position plus working and in-flight orders, per side. They count from the venue's truth,
never from the risk engine's own tally, so a tally that drifts cannot hide itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from cockpit.brokers.paper import PaperAccount
from cockpit.core.bracket_legs import leg_of
from cockpit.core.models import Order, OrderRequest, Side
from cockpit.core.state import State


@dataclass(frozen=True, slots=True)
class Working:
    """A working order, as much of it as both sides must agree on."""

    symbol: str
    side: Side
    remaining: int
    limit: int | None
    stop: int | None
    tag: str | None

    @classmethod
    def of(cls, order: Order) -> Working:
        return cls(order.symbol, order.side, order.remaining, order.limit, order.stop, order.tag)


@dataclass(frozen=True, slots=True)
class Book:
    """Open positions (signed size, cost in ticks) and working orders by id."""

    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    orders: dict[int, Working] = field(default_factory=dict)

    @property
    def flat(self) -> bool:
        return not self.positions and not self.orders

    def size(self, symbol: str) -> int:
        held = self.positions.get(symbol)
        return held[0] if held is not None else 0

    def describe(self) -> str:
        held = [f"{s} {size:+d}" for s, (size, _) in sorted(self.positions.items())]
        orders = [
            f"#{i} {o.side.label} {o.remaining} {o.symbol}" for i, o in sorted(self.orders.items())
        ]
        return ", ".join(held + orders) or "flat"


def engine_book(state: State) -> Book:
    """What the cockpit believes."""
    return Book(
        {s: (p.size, p.cost) for s, p in state.positions.items() if p.size},
        {o.id: Working.of(o) for o in state.working_orders()},
    )


def venue_book(account: PaperAccount) -> Book:
    """What the venue holds."""
    positions = {}
    for symbol, lots in account.lots.items():
        if lots.size:
            positions[symbol] = (lots.size, lots.cost)
    orders = {o.id: Working.of(o) for o in account.orders.values() if o.status.is_working}
    return Book(positions, orders)


def differences(engine: Book, venue: Book) -> list[str]:
    """Where the engine's picture differs from the venue's, in a trader's words."""
    out = []
    for symbol in sorted(set(engine.positions) | set(venue.positions)):
        mine, theirs = engine.positions.get(symbol), venue.positions.get(symbol)
        if mine != theirs:
            out.append(f"{symbol} position: engine {_held(mine)}, broker {_held(theirs)}")
    for order_id in sorted(set(engine.orders) | set(venue.orders)):
        mine_order, their_order = engine.orders.get(order_id), venue.orders.get(order_id)
        if mine_order != their_order:
            out.append(f"order {order_id}: engine {mine_order}, broker {their_order}")
    return out


def _held(position: tuple[int, int] | None) -> str:
    return "flat" if position is None else f"{position[0]:+d} (cost {position[1]})"


def side_exposure(
    book: Book,
    in_flight: Iterable[OrderRequest],
    symbol: str,
    *,
    add: OrderRequest | None = None,
    without: int | None = None,
) -> tuple[int, int]:
    """(long, short) contracts ``symbol`` would reach if every buy, or every sell, filled."""
    held = book.size(symbol)
    orders: list[tuple[Side, int, str | None]] = [
        (o.side, o.remaining, o.tag)
        for i, o in book.orders.items()
        if o.symbol == symbol and i != without
    ]
    orders += [(r.side, r.size, r.tag) for r in in_flight if r.symbol == symbol]
    if add is not None and add.symbol == symbol:
        orders.append((add.side, add.size, add.tag))
    # A bracket's stop and targets (one entry's legs) are one-cancels-other: at most the
    # larger of the two can fill, so the pair counts as that, not as their sum.
    plain: Counter[Side] = Counter()
    legs: dict[tuple[Side, str, bool], int] = {}
    for side, size, tag in orders:
        leg = leg_of(tag)
        if leg is None:
            plain[side] += size
        else:
            key = (side, leg[0], leg[1] == "SL")
            legs[key] = legs.get(key, 0) + size
    for (side, entry, is_stop), size in legs.items():
        if is_stop or (side, entry, True) not in legs:
            plain[side] += max(size, legs.get((side, entry, False), 0))
    return max(0, held + plain[Side.BUY]), max(0, plain[Side.SELL] - held)


def exposure(
    book: Book,
    in_flight: Iterable[OrderRequest],
    symbol: str,
    *,
    add: OrderRequest | None = None,
    without: int | None = None,
) -> int:
    """The larger side's exposure in contracts."""
    return max(side_exposure(book, in_flight, symbol, add=add, without=without))


def symbols_of(book: Book, in_flight: Iterable[OrderRequest]) -> set[str]:
    return (
        set(book.positions)
        | {o.symbol for o in book.orders.values()}
        | {r.symbol for r in in_flight}
    )
