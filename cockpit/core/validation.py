"""Pre-trade validation: the checks every order passes before any risk rule.

Turns a trader's :class:`PlaceOrder` (Decimal prices) into an exact
:class:`OrderRequest` (ticks), or says in plain words why not. Words that depend on the
screen (which key arms) are not the core's to say: a denial carries a :class:`Why` code
and the UI names the key from the trader's live keymap.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from cockpit.core.commands import PlaceOrder
from cockpit.core.instruments import OffTickGrid
from cockpit.core.models import OrderRequest, OrderType
from cockpit.core.state import State


class Why(StrEnum):
    """Denials the UI words itself (naming the key that helps); the value is the rule."""

    DISARMED = "armed"
    FLATTENING = "flatten"
    NOT_RECONCILED = "reconcile"


@dataclass(frozen=True, slots=True)
class Denial:
    """Why a command was denied, and by which rule; ``why`` when the UI words it."""

    reason: str
    rule: str = "validation"
    why: Why | None = None


PROTECTIVE_ORIGINS = frozenset({"risk", "bracket"})
"""Who may place and move orders with the keys disarmed: the risk engine and the brackets
(disarming stops the trader's keys, never the protection of a position already open)."""


def trading_denial(origin: str, state: State) -> Denial | None:
    """Why order keys (place, modify) may not act right now, or ``None``."""
    if not state.armed and origin not in PROTECTIVE_ORIGINS:
        return _coded(Why.DISARMED, "trading keys are disarmed")
    if state.flattening:
        return _coded(Why.FLATTENING, "flatten all is running: new orders wait until it ends")
    if not state.reconciled:
        return _coded(
            Why.NOT_RECONCILED, "account not reconciled yet: order keys wait for the broker"
        )
    return None


def _coded(why: Why, reason: str) -> Denial:
    return Denial(reason, why.value, why)


def validate_order(command: PlaceOrder, state: State, tag: str) -> OrderRequest | Denial:
    """Check an order against the basics; the risk engine judges what passes."""
    spec = state.instruments.get(command.symbol)
    if spec is None:
        return Denial(f"unknown instrument {command.symbol!r}")
    denied = trading_denial(command.origin, state)
    if denied is not None:
        return denied
    if command.size <= 0:
        return Denial(f"size must be at least 1 (got {command.size})")
    limit = stop = None
    try:
        if command.type.needs_limit:
            if command.limit_price is None:
                return Denial(f"a {command.type.label} order needs a limit price")
            limit = spec.to_ticks(_decimal(command.limit_price))
        if command.type.needs_stop:
            if command.stop_price is None:
                return Denial(f"a {command.type.label} order needs a stop price")
            stop = spec.to_ticks(_decimal(command.stop_price))
    except OffTickGrid as exc:
        return Denial(str(exc), rule="tick grid")
    except InvalidOperation:
        return Denial("price is not a number")
    if command.type is OrderType.TRAILING_STOP:
        return Denial("trailing stops are not supported yet")
    return OrderRequest(
        symbol=command.symbol,
        side=command.side,
        type=command.type,
        size=command.size,
        limit=limit,
        stop=stop,
        tag=tag,
    )


def _decimal(value: Decimal | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)
