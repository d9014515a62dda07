"""Moving a working order: by ticks, or to the touch, but never through the market.

A sell stop at or above the bid (a buy stop at or below the ask) would trigger the moment
it lands, and a buy limit above the ask (a sell limit under the bid) would cross the
spread: a move that does either is not a move but an accident, so it is denied with the
prices that say why. A limit *at* the touch is the way to fill now, and is allowed.
"""

from __future__ import annotations

from cockpit.core.events import QuoteUpdated
from cockpit.core.instruments import Instrument
from cockpit.core.models import Order, OrderType, Side

STOPS = frozenset({OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP})
"""Orders that wait for a trigger: to the market they go as a market order."""
LIMITS = frozenset({OrderType.LIMIT, OrderType.JOIN_BID, OrderType.JOIN_ASK})
"""Orders that rest at a price: to the market they move to the touch."""


def moved(order: Order, ticks: int) -> tuple[int | None, int | None] | None:
    """The order's (limit, stop) moved by ``ticks`` (a stop-limit keeps its offset), or
    ``None`` for an order with no price to move (a market order)."""
    if order.type in LIMITS and order.limit is not None:
        return order.limit + ticks, None
    if order.type in STOPS and order.stop is not None:
        limit = order.limit + ticks if order.limit is not None else None
        return limit, order.stop + ticks
    return None


def touch(side: Side, quote: QuoteUpdated) -> int:
    """Where an order on ``side`` fills now: a buy at the ask, a sell at the bid."""
    return quote.ask if side is Side.BUY else quote.bid


def crossing(
    order: Order,
    limit: int | None,
    stop: int | None,
    quote: QuoteUpdated | None,
    spec: Instrument,
) -> str | None:
    """Why ``order`` at these prices would cross the market, or ``None`` (also when there
    is no quote to judge by)."""
    if quote is None:
        return None
    buy = order.side is Side.BUY
    what = f"a {order.side.label.lower()} {order.type.label}"
    if order.type in STOPS and stop is not None:
        if buy and stop <= quote.ask:
            return (
                f"{what} at {spec.format(stop)} would be at or below the ask "
                f"{spec.format(quote.ask)}: it would trigger at once"
            )
        if not buy and stop >= quote.bid:
            return (
                f"{what} at {spec.format(stop)} would be at or above the bid "
                f"{spec.format(quote.bid)}: it would trigger at once"
            )
        return None
    if order.type in LIMITS and limit is not None:
        if buy and limit > quote.ask:
            return (
                f"{what} at {spec.format(limit)} would be above the ask "
                f"{spec.format(quote.ask)}: it would cross the market"
            )
        if not buy and limit < quote.bid:
            return (
                f"{what} at {spec.format(limit)} would be below the bid "
                f"{spec.format(quote.bid)}: it would cross the market"
            )
    return None


def fills_at_once(order: Order, limit: int | None, quote: QuoteUpdated | None) -> bool:
    """A limit moved to the other side's touch (a buy at the ask) trades the moment it
    lands: the way to fill now is ``M``, never a nudge of one tick."""
    if quote is None or limit is None or order.type not in LIMITS:
        return False
    return limit >= quote.ask if order.side is Side.BUY else limit <= quote.bid
