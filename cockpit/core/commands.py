"""Commands: intents, imperative, keyword-only. Every one passes validation and the risk engine
before anything reaches a broker; a denial becomes an ``OrderDenied`` event.

Prices in commands are the Decimals a trader typed or saw; the engine checks them
against the tick grid and hands brokers exact ticks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cockpit.core.models import OrderType, Side


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of every command. ``origin`` says who asked: a key, the risk engine, a test."""

    origin: str = "key"

    @property
    def label(self) -> str:
        return type(self).__name__

    @property
    def is_exit(self) -> bool:
        """Exits (cancel, close, flatten) are never blocked by a lockout."""
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrder(Command):
    symbol: str
    side: Side
    type: OrderType = OrderType.MARKET
    size: int
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    tag: str | None = None

    @property
    def label(self) -> str:
        return f"{self.side.label} {self.size} {self.symbol} {self.type.label}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ModifyOrder(Command):
    order_id: int
    size: int | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder(Command):
    order_id: int

    @property
    def is_exit(self) -> bool:
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelAll(Command):
    symbol: str | None = None
    """Only this instrument's orders; ``None`` for every working order."""

    @property
    def is_exit(self) -> bool:
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class ClosePosition(Command):
    symbol: str

    @property
    def is_exit(self) -> bool:
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class FlattenAll(Command):
    reason: str = "flatten key"

    @property
    def is_exit(self) -> bool:
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class SetArmed(Command):
    armed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ArmAgain(SetArmed):
    """Arming with the trader's typed reason (after the daily profit target under
    ``[risk] lock``): the engine keeps ``note`` as a notice beside the arming, wherever it
    runs (in the cockpit or in a guard), and a replay derives the notice again."""

    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StartLockout(Command):
    """Lock trading until ``until_ns``; flattens first. Irreversible."""

    until_ns: int
    reason: str = "manual lockout"


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseContracts(Command):
    """Close ``size`` contracts of the position at market (a partial close): an exit, so
    no state blocks it, and never more than the position (all of it is a ``ClosePosition``)."""

    symbol: str
    size: int

    @property
    def label(self) -> str:
        return f"close {self.size} {self.symbol}"

    @property
    def is_exit(self) -> bool:
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class ReversePosition(Command):
    """Close the position, then enter the other way at market for the same size."""

    symbol: str

    @property
    def label(self) -> str:
        return f"reverse {self.symbol}"


@dataclass(frozen=True, slots=True, kw_only=True)
class MoveToMarket(Command):
    """Move a working order to the market: a limit to the touch; a stop is cancelled and
    what it had left goes at market once the broker confirms the cancel."""

    order_id: int

    @property
    def label(self) -> str:
        return f"order {self.order_id} to the market"


TYPED_BEFORE = "typed before the flatten: not sent"
"""Why an order from a key read before the flatten key was not sent (cockpit and guard)."""


def reopens(command: Command) -> bool:
    """Whether ``command`` places or moves an order that is not an exit: what a key typed
    before a flatten may not send (cancels, closes, arming and lockouts still go)."""
    return isinstance(command, PlaceOrder | ModifyOrder | ReversePosition | MoveToMarket) and (
        not command.is_exit
    )
