"""Exposure the way prop platforms count it: position plus working orders, per side.

For a symbol, the *long exposure* is where the position would stand if every working
and in-flight buy filled, and the *short exposure* likewise for sells. A contract limit
holds when both stay within it, so two quick presses or a resting order cannot slip
past it. An order that only reduces the open position (``State.reduces``) is never counted against
anyone.
"""

from __future__ import annotations

from cockpit.core.models import Order, OrderRequest, OrderType, Side
from cockpit.core.state import State
from cockpit.risk.tally import Tally


def side_exposure(
    state: State,
    tally: Tally,
    symbol: str,
    *,
    add: OrderRequest | None = None,
    without: int | None = None,
) -> tuple[int, int]:
    """(long, short) exposure of ``symbol`` in contracts, both zero or more.

    ``add`` counts one more order (the one being judged); ``without`` leaves out a
    working order (the one a modify replaces).
    """
    held = state.position_size(symbol)
    buys = sells = 0
    book = tally.working.get(symbol)
    if book:
        for order in book.values():
            if order.id == without:
                continue
            if order.side is Side.BUY:
                buys += order.remaining
            else:
                sells += order.remaining
    if state.pending:
        for request in state.pending.values():
            if request.symbol == symbol:
                if request.side is Side.BUY:
                    buys += request.size
                else:
                    sells += request.size
    if add is not None:
        if add.side is Side.BUY:
            buys += add.size
        else:
            sells += add.size
    return max(0, held + buys), max(0, sells - held)


def exposure(
    state: State,
    tally: Tally,
    symbol: str,
    *,
    add: OrderRequest | None = None,
    without: int | None = None,
) -> int:
    """The larger side's exposure in contracts."""
    long, short = side_exposure(state, tally, symbol, add=add, without=without)
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
