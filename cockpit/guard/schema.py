"""The API's shapes as pydantic models: what clients send (validated, so a bad body is an
error that names the field) and what the guard answers (so ``/openapi.json`` is generated
from the same models the tests check real messages against).

Prices and money are decimal strings on the way out (exact); on the way in a price may be
a string or a number (``"21000.25"`` or ``21000.25``) and is read as an exact Decimal.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cockpit.core.clock import NS_PER_SECOND, ns_from_datetime
from cockpit.core.commands import (
    ArmAgain,
    CancelAll,
    CancelOrder,
    Command,
    FlattenAll,
    PlaceOrder,
    SetArmed,
    StartLockout,
)
from cockpit.core.models import OrderType, Side
from cockpit.guard.view import Topic
from cockpit.risk.views import arm_again_note

ORIGIN = "api"
"""The ``origin`` of every command a client of the API sends (the journal says who asked)."""

API_VERSION = "1"
"""The version of this schema, in ``connected`` and in ``/openapi.json``."""


class Body(BaseModel):
    """A client's body: unknown fields are refused (a typo is never silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CommandBody(Body):
    """A body that becomes one core command (judged by the same gates as a key)."""

    @abstractmethod
    def command(self, now_ns: int) -> Command:
        """The core command this body asks for, stamped ``now_ns`` where time matters."""


def first_error(error: ValidationError) -> tuple[str, str]:
    """The field and the words of a validation error's first problem: what a 422 names."""
    problem = error.errors()[0]
    field = ".".join(str(part) for part in problem["loc"]) or "body"
    return field, f"{field}: {problem['msg']}"


# Client -> guard ----------------------------------------------------------------------

ClientType = Literal[
    "subscribe", "unsubscribe", "ping", "get_status", "get_subscriptions", "command"
]


class ClientMessage(Body):
    """Every client message: ``{"type", "data", "request_id"?}``."""

    type: ClientType
    data: dict[str, Any] = Field(default_factory=dict)
    request_id: str | int | None = None


class Subscription(Body):
    """``subscribe`` / ``unsubscribe``: topics, and optionally symbols and accounts to
    narrow them (none named means all). ``since_seq`` asks to resume after a reconnect."""

    topics: list[Topic] = Field(default_factory=list)
    symbols: list[str] = Field(default_factory=list)
    accounts: list[int] = Field(default_factory=list)
    since_seq: int | None = None


class OrderBody(CommandBody):
    """``POST /orders`` and the ``place`` command: an order as a trader types it."""

    symbol: str = Field(min_length=1, examples=["MNQ"])
    side: Literal["buy", "sell"]
    size: PositiveInt
    type: Literal["market", "limit", "stop", "stop_limit", "join_bid", "join_ask"] = "market"
    limit_price: Decimal | None = Field(default=None, validate_default=True, examples=["21000.25"])
    stop_price: Decimal | None = Field(default=None, validate_default=True)

    @field_validator("limit_price", "stop_price")
    @classmethod
    def _price_for_type(cls, price: Decimal | None, info: ValidationInfo) -> Decimal | None:
        """A limit (stop) order names its limit (stop) price: the error names the field."""
        kind = info.data.get("type")
        needs = (
            ("limit", "stop_limit") if info.field_name == "limit_price" else ("stop", "stop_limit")
        )
        if price is None and kind in needs:
            raise ValueError(f"a {kind} order needs {info.field_name}")
        return price

    def command(self, now_ns: int) -> PlaceOrder:
        return PlaceOrder(
            symbol=self.symbol,
            side=Side.BUY if self.side == "buy" else Side.SELL,
            type=OrderType[self.type.upper()],
            size=self.size,
            limit_price=self.limit_price,
            stop_price=self.stop_price,
            origin=ORIGIN,
        )


class CancelBody(CommandBody):
    """The ``cancel`` command: one working order."""

    order_id: int

    def command(self, now_ns: int) -> CancelOrder:
        return CancelOrder(order_id=self.order_id, origin=ORIGIN)


class CancelAllBody(CommandBody):
    """``POST /cancel-all`` and ``cancel_all``: every working order, or one symbol's."""

    symbol: str | None = None

    def command(self, now_ns: int) -> CancelAll:
        return CancelAll(symbol=self.symbol, origin=ORIGIN)


class FlattenBody(CommandBody):
    """``POST /flatten`` and ``flatten``: cancel everything, close everything."""

    reason: str = "flatten from the API"

    def command(self, now_ns: int) -> FlattenAll:
        return FlattenAll(reason=self.reason, origin=ORIGIN)


class LockoutBody(CommandBody):
    """``POST /lockout`` and ``lockout``: flatten, then lock for ``minutes`` or until a
    time. Irreversible until it ends."""

    minutes: PositiveInt | None = None
    until: datetime | None = Field(default=None, description="an aware ISO 8601 time")
    reason: str = "lockout from the API"

    @model_validator(mode="after")
    def _one_end(self) -> LockoutBody:
        if (self.minutes is None) == (self.until is None):
            raise ValueError("give exactly one of minutes or until")
        if self.until is not None and self.until.tzinfo is None:
            raise ValueError("until needs a time zone (2026-11-20T22:00:00Z)")
        return self

    def command(self, now_ns: int) -> StartLockout:
        if self.until is not None:
            until_ns = ns_from_datetime(self.until)
        else:
            assert self.minutes is not None  # the validator wants exactly one
            until_ns = now_ns + self.minutes * 60 * NS_PER_SECOND
        return StartLockout(until_ns=until_ns, reason=self.reason, origin=ORIGIN)


class ArmBody(CommandBody):
    """The ``arm`` command: order commands from any client need the guard armed, as keys do.

    After the daily profit target under ``[risk] lock``, arming needs a ``reason`` (``a``
    asks for one); the guard journals it as the key's notice. A reason given when none is
    needed is journalled too, as a notice that the API armed or disarmed.
    """

    armed: bool
    reason: str | None = Field(
        default=None,
        max_length=500,
        description="why (needed to arm again after the daily profit target under [risk] lock)",
    )

    @field_validator("reason")
    @classmethod
    def _words(cls, reason: str | None) -> str | None:
        """A blank reason is no reason (as in the cockpit's reason box)."""
        return (reason or "").strip() or None

    def command(self, now_ns: int) -> SetArmed:
        if self.reason is None:
            return SetArmed(armed=self.armed, origin=ORIGIN)
        said = "armed" if self.armed else "disarmed"
        return ArmAgain(armed=self.armed, note=f"{said} from the API: {self.reason}", origin=ORIGIN)

    def arm_again(self) -> ArmAgain | None:
        """Arming with the reason the risk engine asks for, worded as the key words it
        (``None``: no reason was given)."""
        if self.reason is None:
            return None
        return ArmAgain(armed=True, note=arm_again_note(self.reason), origin=ORIGIN)


CommandName = Literal["flatten", "cancel_all", "cancel", "place", "lockout", "arm"]

COMMAND_BODIES: dict[str, type[CommandBody]] = {
    "flatten": FlattenBody,
    "cancel_all": CancelAllBody,
    "cancel": CancelBody,
    "place": OrderBody,
    "lockout": LockoutBody,
    "arm": ArmBody,
}


# Guard -> client ----------------------------------------------------------------------


class Envelope(BaseModel):
    """Every server message: ``seq`` counts per connection from 1, ``ts`` is UTC ISO 8601;
    a reply to a request adds its ``request_id``."""

    model_config = ConfigDict(extra="forbid")

    type: str
    account_id: int | None
    seq: int
    ts: str
    data: dict[str, Any]
    request_id: str | int | None = None


class MarketQuote(BaseModel):
    symbol: str
    bid: str | None
    ask: str | None
    bid_size: int | None
    ask_size: int | None
    last: str | None
    volume: int
    timestamp: str


class GatewayUserOrder(BaseModel):
    id: int
    account_id: int
    symbol: str
    side: Literal["BUY", "SELL"]
    type: str
    size: int
    status: str
    limit_price: str | None
    stop_price: str | None
    filled: int
    fill_price: str | None
    tag: str | None
    working: bool
    created: str | None
    updated: str | None


class GatewayUserPosition(BaseModel):
    account_id: int
    symbol: str
    side: Literal["LONG", "SHORT", "FLAT"]
    size: int
    average_price: str | None
    open_pnl: str


class GatewayUserTrade(BaseModel):
    id: int
    order_id: int
    account_id: int
    symbol: str
    side: Literal["BUY", "SELL"]
    size: int
    price: str | None
    fee: str
    pnl: str | None
    timestamp: str


class GatewayUserAccount(BaseModel):
    id: int
    name: str
    balance: str
    can_trade: bool
    simulated: bool
    mode: str
    realized_pnl: str
    fees: str
    open_pnl: str
    day_pnl: str
    trading_day: str | None


class RiskStateData(BaseModel):
    state: Literal["ACTIVE", "WARNING", "REDUCE-ONLY", "LOCKED"]
    previous: str | None
    reason: str
    rule: str


class OrderDeniedData(BaseModel):
    command: str
    reason: str
    rule: str
    symbol: str | None


class LockoutSetData(BaseModel):
    until: str
    reason: str
    source: str


class LockoutClearedData(BaseModel):
    reason: str


class EnforcementActionData(BaseModel):
    rule: str
    action: str
    detail: str


class DailyResetData(BaseModel):
    day: str
    """The trading day that ended (``YYYY-MM-DD``, the exchange's date)."""
    pnl: str
    """Its net P&L: realized, after fees."""
    trades: int
    """Round trips it closed."""


class DaemonStatusData(BaseModel):
    mode: str
    armed: bool
    reconciled: bool
    flattening: bool
    flatten_problem: str
    links: dict[str, str]
    risk_state: str
    dry_run: bool
    clients: int
    """WebSocket clients connected to ``/ws``."""
    guard_seq: int
    """The guard's sequence number: the last event it folded."""


class ConnectedData(BaseModel):
    connection_id: str
    version: str
    accounts: list[int]


class ErrorData(BaseModel):
    code: Literal[
        "INVALID_MESSAGE",
        "INVALID_TOPIC",
        "INVALID_SYMBOL",
        "INVALID_ACCOUNT",
        "UNAUTHORIZED",
        "COMMAND_REFUSED",
        "MAX_CONNECTIONS_EXCEEDED",
    ]
    message: str
    request_id: str | int | None = None


class PongData(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubscriptionsData(BaseModel):
    topics: list[str]
    symbols: list[str]
    accounts: list[int]


class SubscribedData(SubscriptionsData):
    resumed: bool
    snapshot: int
    """How many snapshot messages came before this reply."""


class CommandResultData(BaseModel):
    command: str
    accepted: bool
    message: str
    tag: str | None = None


MESSAGE_DATA: dict[str, type[BaseModel]] = {
    "connected": ConnectedData,
    "error": ErrorData,
    "pong": PongData,
    "subscribed": SubscribedData,
    "unsubscribed": SubscriptionsData,
    "subscriptions": SubscriptionsData,
    "command_result": CommandResultData,
    "MarketQuote": MarketQuote,
    "GatewayUserOrder": GatewayUserOrder,
    "GatewayUserPosition": GatewayUserPosition,
    "GatewayUserTrade": GatewayUserTrade,
    "GatewayUserAccount": GatewayUserAccount,
    "risk_state": RiskStateData,
    "order_denied": OrderDeniedData,
    "lockout_set": LockoutSetData,
    "lockout_cleared": LockoutClearedData,
    "enforcement_action": EnforcementActionData,
    "daily_reset": DailyResetData,
    "daemon_status": DaemonStatusData,
}
"""Every message type the guard sends, and the model of its ``data``."""


# REST answers -------------------------------------------------------------------------


class Answer(BaseModel):
    """Every REST answer: ``status`` is ``ok`` or ``error``; ``message`` says why."""

    status: Literal["ok", "error"]
    data: Any
    message: str


class RiskReading(BaseModel):
    rule: str
    title: str
    limit: str
    current: str
    headroom: str
    level: Literal["OK", "WARN", "BREACH"]
    detail: str


class RiskData(BaseModel):
    state: str
    reason: str
    lockout_until: str | None
    banner: str | None
    dry_run: bool
    rules: list[RiskReading]


class OrderAccepted(BaseModel):
    accepted: bool
    tag: str | None
    order_id: int | None
