"""Events: facts, past tense, immutable. Everything the engine folds into state.

Every event carries ``ts``, the time the fact happened as its source tells it (exchange
time for market data, broker time for orders and fills, the engine clock for local
facts) in epoch nanoseconds. The journal adds the receive time beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from cockpit.core.bars import Bar
from cockpit.core.models import Account, Fill, Order, OrderRequest, Position, Side
from cockpit.core.tradingstate import TradingState


class Link(StrEnum):
    """A connection the cockpit depends on."""

    MARKET = "market"
    """Quotes and prints (the market hub)."""
    ACCOUNT = "account"
    """Orders, fills, positions and balance (the user hub and REST)."""


class LinkStatus(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONCILING = "reconciling"
    STALE = "stale"
    DISCONNECTED = "disconnected"

    @property
    def healthy(self) -> bool:
        return self is LinkStatus.CONNECTED


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event."""

    ts: int


# Market data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuoteUpdated(Event):
    """Top of book changed."""

    symbol: str
    bid: int
    ask: int
    bid_size: int
    ask_size: int


@dataclass(frozen=True, slots=True)
class Printed(Event):
    """A print on the tape. ``aggressor`` is the side that crossed the spread."""

    symbol: str
    price: int
    size: int
    aggressor: Side | None = None


@dataclass(frozen=True, slots=True)
class DepthUpdated(Event):
    """Levels of the order book changed: each ``(price, size)`` sets that level's size,
    size 0 removes it. ``reset`` empties the book first (the feed resends it whole)."""

    symbol: str
    bids: tuple[tuple[int, int], ...] = ()
    asks: tuple[tuple[int, int], ...] = ()
    reset: bool = False


@dataclass(frozen=True, slots=True)
class BarsLoaded(Event):
    """History for the chart: closed bars of one timeframe, oldest first."""

    symbol: str
    timeframe: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True, slots=True)
class DayStatsUpdated(Event):
    """Reference prices for the day: the prior settle gives the watchlist's change."""

    symbol: str
    settle: int
    """The prior trading day's settlement (or the day's open), in ticks."""


# Account -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountUpdated(Event):
    account: Account


@dataclass(frozen=True, slots=True)
class OrderUpdated(Event):
    """The broker's latest word on an order (new, working, filled, cancelled...)."""

    order: Order


@dataclass(frozen=True, slots=True)
class FillReceived(Event):
    fill: Fill


@dataclass(frozen=True, slots=True)
class PositionUpdated(Event):
    """The broker's confirmed position; ``size == 0`` means closed."""

    position: Position


@dataclass(frozen=True, slots=True)
class ConnectionChanged(Event):
    link: Link
    status: LinkStatus
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Reconciled(Event):
    """Orders, positions and account were re-read from the broker: order keys may work."""

    detail: str = ""


# Engine and session --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArmChanged(Event):
    """Trading keys were armed or disarmed."""

    armed: bool


@dataclass(frozen=True, slots=True)
class OrderDenied(Event):
    """A command denied before it reached a broker, with the reason a trader reads."""

    command: str
    reason: str
    rule: str = "validation"
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class BrokerFailed(Event):
    """A broker call failed or its outcome is uncertain; shown and recorded."""

    command: str
    reason: str
    uncertain: bool = False


@dataclass(frozen=True, slots=True)
class FlattenStarted(Event):
    reason: str
    working_orders: int
    open_positions: int


@dataclass(frozen=True, slots=True)
class FlattenCompleted(Event):
    """The end of a flatten: ``flat`` is true only when verified against broker state."""

    flat: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Notice(Event):
    """A line for the events blotter that is not a fact of the market or the account."""

    level: str
    text: str


# Risk ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskStateChanged(Event):
    """The trading state moved (ACTIVE, WARNING, REDUCE-ONLY, LOCKED)."""

    state: TradingState
    previous: TradingState
    reason: str
    rule: str = ""


@dataclass(frozen=True, slots=True)
class LockoutStarted(Event):
    until_ns: int
    reason: str
    source: str = "manual"


@dataclass(frozen=True, slots=True)
class LockoutEnded(Event):
    reason: str


@dataclass(frozen=True, slots=True)
class EnforcementTaken(Event):
    """The risk engine acted on its own: cancelled, closed, flattened or locked."""

    rule: str
    action: str
    detail: str


@dataclass(frozen=True, slots=True)
class RiskDecision(Event):
    """One decision of the risk engine, for the journal and review: which rule, on what
    inputs, what it chose to do and what came of it.

    ``outcome`` is ``denied``, ``would deny`` (dry run), ``enforced``, ``dry run`` (an
    action decided but not taken) or ``alerted``. ``inputs`` is ``key=value`` pairs.
    """

    rule: str
    action: str
    outcome: str
    inputs: str = ""
    command: str = ""
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class TradingDayEnded(Event):
    """The trading day ``day`` ended at its boundary (17:00 CT unless ``[risk]
    day_boundary`` says otherwise): its net P&L and how many trades it closed.

    ``pnl`` is realized after fees; ``trades`` counts round trips (flat to flat in one
    instrument, as review counts them) closed that day. Emitted once per trading day the
    risk engine saw end, on the tick that passes the boundary; the guard's API calls it
    ``daily_reset``.
    """

    day: date
    pnl: Decimal
    trades: int


@dataclass(frozen=True, slots=True)
class OrderSubmitted(Event):
    """A validated order handed to the broker, not yet acknowledged.

    Counted as in flight by limits until the broker's answer settles it, so two quick
    presses cannot slip past a contract limit. ``request.tag`` identifies it.
    """

    request: OrderRequest


@dataclass(frozen=True, slots=True)
class SubmissionSettled(Event):
    """The broker call for ``tag`` returned (with an order id) or failed."""

    tag: str
    order_id: int | None = None


@dataclass(frozen=True, slots=True)
class CloseSubmitted(Event):
    """A close of ``symbol``'s whole position handed to the broker.

    Until the broker's position shows what it did, the position may already be flat:
    limits count it both ways, and no other order against it only reduces it.
    """

    symbol: str


@dataclass(frozen=True, slots=True)
class CloseSettled(Event):
    """The broker call closing ``symbol`` returned (``ok``) or failed."""

    symbol: str
    ok: bool


@dataclass(frozen=True, slots=True)
class ModifySubmitted(Event):
    """A modify of order ``order_id`` to ``size`` contracts handed to the broker.

    Until the broker's report of the order shows it, the order may already be that size:
    limits count it at the larger of the two.
    """

    order_id: int
    size: int


@dataclass(frozen=True, slots=True)
class ModifySettled(Event):
    """The broker call modifying ``order_id``'s size returned (``ok``) or failed."""

    order_id: int
    ok: bool
