"""The trader's nouns: sides, order types, orders, fills, positions, accounts.

Enum values are the ProjectX Gateway's codes, so a broker speaking the Gateway needs no
translation table and a journal line reads the same as the wire. Prices are ``int``
ticks; money is ``Decimal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum, StrEnum
from fractions import Fraction


class Mode(StrEnum):
    """Where orders go: the paper broker, a real account, or nowhere (a replayed journal)."""

    SIM = "SIM"
    LIVE = "LIVE"
    REPLAY = "REPLAY"


class Side(IntEnum):
    """Order side, Gateway ``OrderSide``: 0 buy (bid), 1 sell (ask)."""

    BUY = 0
    SELL = 1

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell: a fill's effect on the signed position."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY

    @property
    def label(self) -> str:
        return "BUY" if self is Side.BUY else "SELL"


class OrderType(IntEnum):
    """Gateway ``OrderType`` codes."""

    LIMIT = 1
    MARKET = 2
    STOP_LIMIT = 3
    STOP = 4
    TRAILING_STOP = 5
    JOIN_BID = 6
    JOIN_ASK = 7

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower()

    @property
    def needs_limit(self) -> bool:
        return self in (OrderType.LIMIT, OrderType.STOP_LIMIT)

    @property
    def needs_stop(self) -> bool:
        return self in (OrderType.STOP, OrderType.STOP_LIMIT)


class OrderStatus(IntEnum):
    """Gateway ``OrderStatus`` codes."""

    NONE = 0
    OPEN = 1
    FILLED = 2
    CANCELLED = 3
    EXPIRED = 4
    REJECTED = 5
    PENDING = 6
    PENDING_CANCEL = 7
    SUSPENDED = 8

    @property
    def is_working(self) -> bool:
        """Still able to fill: open, pending, cancel pending, or a suspended bracket child."""
        return self in _WORKING

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_WORKING = frozenset(
    {OrderStatus.OPEN, OrderStatus.PENDING, OrderStatus.PENDING_CANCEL, OrderStatus.SUSPENDED}
)
_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REJECTED}
)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A validated order, prices in ticks: what a broker is asked to place."""

    symbol: str
    side: Side
    type: OrderType
    size: int
    limit: int | None = None
    stop: int | None = None
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the broker last reported it."""

    id: int
    account_id: int
    symbol: str
    side: Side
    type: OrderType
    size: int
    status: OrderStatus
    limit: int | None = None
    stop: int | None = None
    filled: int = 0
    fill_price: Decimal | None = None
    """Average fill price as the broker reports it (may sit between ticks)."""
    created_ns: int = 0
    updated_ns: int = 0
    tag: str | None = None

    @property
    def remaining(self) -> int:
        return self.size - self.filled

    @property
    def price(self) -> int | None:
        """The price that places this order on a chart: the limit, else the stop."""
        return self.limit if self.limit is not None else self.stop


@dataclass(frozen=True, slots=True)
class Fill:
    """One fill, as the broker reports it (``GatewayUserTrade``)."""

    id: int
    order_id: int
    account_id: int
    symbol: str
    side: Side
    size: int
    price: int
    fee: Decimal
    pnl: Decimal | None
    """Realized P&L of this fill before fees; ``None`` for an opening fill (Gateway style)."""
    ts: int


@dataclass(frozen=True, slots=True)
class Position:
    """A net position in one instrument.

    ``size`` is signed (+long, -short). ``cost`` is the sum of entry prices in ticks over
    the open contracts, so the average price is the exact fraction ``cost / |size|``.
    """

    account_id: int
    symbol: str
    size: int
    cost: int
    ts: int = 0

    @property
    def is_flat(self) -> bool:
        return self.size == 0

    @property
    def average(self) -> Fraction:
        """Average entry price in ticks, exact."""
        return Fraction(self.cost, abs(self.size)) if self.size else Fraction(0)

    def open_ticks(self, mark: int) -> int:
        """Open P&L in ticks over the whole position at ``mark``: exact, integer."""
        if self.size > 0:
            return mark * self.size - self.cost
        return self.cost - mark * -self.size


@dataclass(frozen=True, slots=True)
class Account:
    """A trading account as the broker reports it."""

    id: int
    name: str
    balance: Decimal
    can_trade: bool = True
    simulated: bool = True
