"""Exposure the way prop platforms count it: position plus working orders, per side.

For a symbol, the *long exposure* is where the position would stand if every working
and in-flight buy filled, and the *short exposure* likewise for sells. A contract limit
holds when both stay within it, so two quick presses or a resting order cannot slip
past it. While a modify that grows an order is on its way, the order counts at its new
size. While a close is on its way (``State.pending.closing``) the broker may hold the
position or nothing: a gate judges an order against each (:func:`holdings`), since the
two cannot both be so and neither may lend the other room; readings and enforcement go
by the position as reported. An order that only reduces the open position
(``State.reduces``) is never counted against anyone.

A bracket's stop and targets protecting one position are one-cancels-other: one side
filling cancels the other, so together they can take out no more than the larger of the
two. They count once, as that larger side, never as their sum (which would show a
bracketed position twice as exposed on the exit side).
"""

from __future__ import annotations

from cockpit.core.bracket_legs import STOP, leg_of
from cockpit.core.models import Order, OrderRequest, OrderType, Side
from cockpit.core.state import State
from cockpit.risk.tally import Tally


def holdings(state: State, symbol: str) -> tuple[int, ...]:
    """The positions the broker may hold in ``symbol`` now: the one it last reported, and
    flat while a close of it is on its way."""
    held = state.position_size(symbol)
    if held and symbol in state.pending.closing:
        return (held, 0)
    return (held,)


def side_exposure(
    state: State,
    tally: Tally,
    symbol: str,
    *,
    add: OrderRequest | None = None,
    without: int | None = None,
    held: int | None = None,
) -> tuple[int, int]:
    """(long, short) exposure of ``symbol`` in contracts, both zero or more.

    ``add`` counts one more order (the one being judged); ``without`` leaves out a
    working order (the one a modify replaces); ``held`` is the position to count from
    (one of :func:`holdings`; by default the one reported).
    """
    if held is None:
        held = state.position_size(symbol)
    sides = Sides()
    book = tally.working.get(symbol)
    pending = state.pending
    if book:
        for order in book.values():
            if order.id != without:
                sides.count(order.side, pending.remaining(order), order.tag)
    if pending:
        for request in pending.values():
            if request.symbol == symbol:
                sides.count(request.side, request.size, request.tag)
    if add is not None:
        sides.count(add.side, add.size, add.tag)
    buys, sells = sides.totals()
    return max(0, held + buys), max(0, sells - held)


class Sides:
    """Contracts that could fill on each side, a bracket's OCO legs counted once."""

    __slots__ = ("_oco", "buys", "sells")

    def __init__(self) -> None:
        self.buys = 0
        self.sells = 0
        self._oco: dict[tuple[Side, str], list[int]] | None = None
        """(side, entry tag) -> [stop contracts, target contracts] of bracket legs."""

    def count(self, side: Side, size: int, tag: str | None) -> None:
        leg = leg_of(tag)
        if leg is None:
            if side is Side.BUY:
                self.buys += size
            else:
                self.sells += size
            return
        if self._oco is None:
            self._oco = {}
        legs = self._oco.setdefault((side, leg[0]), [0, 0])
        legs[0 if leg[1] == STOP else 1] += size

    def totals(self) -> tuple[int, int]:
        """(buys, sells), each OCO pair as its larger side."""
        buys, sells = self.buys, self.sells
        for (side, _entry), (stop, targets) in (self._oco or {}).items():
            if side is Side.BUY:
                buys += max(stop, targets)
            else:
                sells += max(stop, targets)
        return buys, sells


def exposure(
    state: State,
    tally: Tally,
    symbol: str,
    *,
    add: OrderRequest | None = None,
    without: int | None = None,
    held: int | None = None,
) -> int:
    """The larger side's exposure in contracts."""
    long, short = side_exposure(state, tally, symbol, add=add, without=without, held=held)
    return max(long, short)


def order_increases(state: State, order: Order) -> bool:
    """Whether a working order is an entry rather than protection: enforcement cancels
    entries. An order against the open position (a stop, a target) is protection even when
    it is larger than the position: cancelling a stop would leave the position naked."""
    held = state.position_size(order.symbol)
    return held == 0 or order.side.sign * held > 0


def cancellable(order: Order) -> bool:
    """A working order enforcement can still catch: a market order fills before a cancel
    could reach it, so its fill is dealt with instead."""
    return order.type is not OrderType.MARKET


def position_words(state: State, symbol: str, held: int) -> str:
    """The position a denial counted from: ``position +2``, or ``position 0 once the
    close on its way fills`` when it judged the broker's flat."""
    if held == 0 and state.position_size(symbol) != 0:
        return "position 0 once the close on its way fills"
    return f"position {held:+d}"
