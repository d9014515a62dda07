"""Gateway JSON to the cockpit's nouns: orders, fills, positions, accounts, quotes, prints.

The same functions read REST answers and hub events (their shapes match). Prices
arrive as floats and become exact ticks here, rounded to the nearest tick (a gateway
float is always within a hair of one); money becomes ``Decimal`` through its decimal
text. Anything that cannot be read raises :class:`MalformedPayload`, which the adapter
counts and logs; a bad message never reaches the core and never stops the feed.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from cockpit.core.bars import Bar
from cockpit.core.broker import BrokerError
from cockpit.core.events import Printed, QuoteUpdated
from cockpit.core.instruments import Instrument, by_gateway_code
from cockpit.core.isotime import ns_from_iso
from cockpit.core.models import Account, Fill, Order, OrderStatus, OrderType, Position, Side

Call = Callable[[str, dict[str, Any]], Awaitable[Any]]
"""One Gateway REST call (endpoint, body) -> the decoded answer: the adapter's SDK seam."""


class MalformedPayload(ValueError):
    """A gateway message the cockpit cannot read; counted, logged and skipped."""


class UnknownContract(MalformedPayload):
    """A well-formed message about a product the cockpit does not trade."""


@dataclass(slots=True)
class ContractBook:
    """The contracts this cockpit trades: contract id <-> the trader's root symbol."""

    specs: dict[str, Instrument] = field(default_factory=dict)
    """By contract id (``CON.F.US.EP.Z26``)."""
    ids: dict[str, str] = field(default_factory=dict)
    """Contract id by symbol (``ES``)."""
    names: dict[str, str] = field(default_factory=dict)
    """Contract display name by symbol (``ESZ6``)."""

    def add(self, spec: Instrument, contract_id: str, name: str) -> None:
        self.specs[contract_id] = spec
        self.ids[spec.symbol] = contract_id
        self.names[spec.symbol] = name

    def spec(self, contract_id: Any) -> Instrument:
        """The instrument of a contract id; one outside the watchlist is learned from its id
        (a position in it must still show, and flatten)."""
        if not isinstance(contract_id, str):
            raise MalformedPayload(f"contract id is not text: {contract_id!r}")
        spec = self.specs.get(contract_id)
        if spec is None:
            spec = symbol_of_contract(contract_id)
            if spec is None:
                raise UnknownContract(f"contract {contract_id!r} is not one the cockpit knows")
            self.specs[contract_id] = spec
        return spec

    def contract_id(self, symbol: str) -> str | None:
        return self.ids.get(symbol)


def unwrap(data: Any) -> Mapping[str, Any]:
    """The event object, whether flat, ``{"action": n, "data": {...}}`` or a one-item list."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if isinstance(data, Mapping) and "data" in data and isinstance(data["data"], Mapping):
        data = data["data"]
    if not isinstance(data, Mapping):
        raise MalformedPayload(f"expected an object, got {type(data).__name__}")
    return data


def field_of(data: Mapping[str, Any], key: str) -> Any:
    try:
        return data[key]
    except KeyError:
        raise MalformedPayload(f"missing {key!r}") from None


def integer(data: Mapping[str, Any], key: str) -> int:
    value = field_of(data, key)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MalformedPayload(f"{key!r} is not a number: {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise MalformedPayload(f"{key!r} is not a number: {value!r}") from None
    if number != number.to_integral_value():
        raise MalformedPayload(f"{key!r} is not a whole number: {value!r}")
    return int(number)


def money(value: Any, key: str) -> Decimal:
    """Exact dollars from the gateway's number (its decimal text, not its binary value)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise MalformedPayload(f"{key!r} is not an amount: {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise MalformedPayload(f"{key!r} is not an amount: {value!r}") from None
    if not amount.is_finite():
        raise MalformedPayload(f"{key!r} is not an amount: {value!r}")
    return amount


def ticks(spec: Instrument, value: Any, key: str) -> int:
    """Nearest tick of a gateway price."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise MalformedPayload(f"{key!r} is not a price: {value!r}")
    try:
        return spec.nearest_ticks(Decimal(str(value)))
    except (InvalidOperation, ValueError, ArithmeticError):
        raise MalformedPayload(f"{key!r} is not a price: {value!r}") from None


def optional_ticks(spec: Instrument, data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return None if value is None else ticks(spec, value, key)


def timestamp(value: Any, key: str = "timestamp") -> int:
    """Epoch ns of an ISO-8601 time; a time without a zone is UTC (the gateway's)."""
    if not isinstance(value, str):
        raise MalformedPayload(f"{key!r} is not a time: {value!r}")
    try:
        return ns_from_iso(value)
    except ValueError:
        raise MalformedPayload(f"{key!r} is not a time: {value!r}") from None


def _enum[E: (Side, OrderType, OrderStatus)](kind: type[E], data: Mapping[str, Any], key: str) -> E:
    code = integer(data, key)
    try:
        return kind(code)
    except ValueError:
        raise MalformedPayload(f"{key!r} has an unknown code {code}") from None


# Account side ----------------------------------------------------------------------------


def parse_account(data: Any) -> Account:
    """``GatewayUserAccount`` or one ``/Account/search`` row."""
    row = unwrap(data)
    name = field_of(row, "name")
    if not isinstance(name, str):
        raise MalformedPayload(f"'name' is not text: {name!r}")
    return Account(
        id=integer(row, "id"),
        name=name,
        balance=money(field_of(row, "balance"), "balance"),
        can_trade=bool(row.get("canTrade", True)),
        simulated=bool(row.get("simulated", True)),
    )


def parse_order(data: Any, book: ContractBook) -> Order:
    """``GatewayUserOrder`` or one ``/Order/search*`` row."""
    row = unwrap(data)
    spec = book.spec(field_of(row, "contractId"))
    filled_price = row.get("filledPrice")
    updated = row.get("updateTimestamp") or field_of(row, "creationTimestamp")
    tag = row.get("customTag")
    return Order(
        id=integer(row, "id"),
        account_id=integer(row, "accountId"),
        symbol=spec.symbol,
        side=_enum(Side, row, "side"),
        type=_enum(OrderType, row, "type"),
        size=integer(row, "size"),
        status=_enum(OrderStatus, row, "status"),
        limit=optional_ticks(spec, row, "limitPrice"),
        stop=optional_ticks(spec, row, "stopPrice"),
        filled=integer(row, "fillVolume") if row.get("fillVolume") is not None else 0,
        fill_price=None if filled_price is None else money(filled_price, "filledPrice"),
        created_ns=timestamp(field_of(row, "creationTimestamp"), "creationTimestamp"),
        updated_ns=timestamp(updated, "updateTimestamp"),
        tag=tag if isinstance(tag, str) and tag else None,
    )


def parse_fill(data: Any, book: ContractBook) -> Fill | None:
    """``GatewayUserTrade`` or one ``/Trade/search`` row; ``None`` for a voided fill.

    ``profitAndLoss`` is the gateway's own realized P&L; null marks an opening fill.
    """
    row = unwrap(data)
    if row.get("voided"):
        return None
    spec = book.spec(field_of(row, "contractId"))
    pnl = row.get("profitAndLoss")
    fees = row.get("fees", row.get("commissions", 0))
    return Fill(
        id=integer(row, "id"),
        order_id=integer(row, "orderId"),
        account_id=integer(row, "accountId"),
        symbol=spec.symbol,
        side=_enum(Side, row, "side"),
        size=abs(integer(row, "size")),
        price=ticks(spec, field_of(row, "price"), "price"),
        fee=money(fees if fees is not None else 0, "fees"),
        pnl=None if pnl is None else money(pnl, "profitAndLoss"),
        ts=timestamp(field_of(row, "creationTimestamp"), "creationTimestamp"),
    )


POSITION_LONG = 1
POSITION_SHORT = 2


def parse_position(data: Any, book: ContractBook, ts: int) -> Position:
    """``GatewayUserPosition`` or one ``/Position/searchOpen`` row.

    The gateway sends an unsigned size with a direction (1 long, 2 short) and an average
    price; the cockpit keeps a signed size and the sum of entry ticks, so the cost is
    ``averagePrice * size`` in ticks, rounded to the nearest whole tick (exact).
    """
    row = unwrap(data)
    spec = book.spec(field_of(row, "contractId"))
    size = abs(integer(row, "size"))
    kind = integer(row, "type") if size else 0
    if size and kind not in (POSITION_LONG, POSITION_SHORT):
        raise MalformedPayload(f"position type {kind} is neither long (1) nor short (2)")
    average = money(field_of(row, "averagePrice") if size else 0, "averagePrice")
    cost = round(average * size / spec.tick_size)
    signed = size if kind == POSITION_LONG else -size
    return Position(integer(row, "accountId"), spec.symbol, signed, int(cost), ts)


# Market side -----------------------------------------------------------------------------


def parse_quote(
    contract_id: Any, data: Any, book: ContractBook, ts_default: int, last: QuoteUpdated | None
) -> QuoteUpdated:
    """``GatewayQuote``: may be partial (only what changed), so it merges onto the last one.

    The Gateway sends no sizes with a quote; they are reported as 0.
    """
    spec = book.spec(contract_id)
    row = unwrap(data)
    bid = row.get("bestBid")
    ask = row.get("bestAsk")
    if bid is None and ask is None:
        raise MalformedPayload("quote has neither bestBid nor bestAsk")
    bid_ticks = ticks(spec, bid, "bestBid") if bid is not None else None
    ask_ticks = ticks(spec, ask, "bestAsk") if ask is not None else None
    if bid_ticks is None or ask_ticks is None:
        if last is None:
            raise MalformedPayload("first quote of a contract lacks a side")
        bid_ticks = last.bid if bid_ticks is None else bid_ticks
        ask_ticks = last.ask if ask_ticks is None else ask_ticks
    stamp = row.get("timestamp") or row.get("lastUpdated")
    ts = timestamp(stamp) if stamp is not None else ts_default
    return QuoteUpdated(ts, spec.symbol, bid_ticks, ask_ticks, 0, 0)


def parse_prints(contract_id: Any, data: Any, book: ContractBook) -> list[Printed]:
    """``GatewayTrade``: a list of prints (or one object); every one counts toward volume.

    The hot path of a fast tape: a float price times the exact ticks-per-point, rounded,
    is the same tick as the Decimal route for any price a gateway sends.
    """
    spec = book.spec(contract_id)
    per_point = _per_point(spec)
    rows: Iterable[Any] = data if isinstance(data, list) else [data]
    out: list[Printed] = []
    for item in rows:
        if not isinstance(item, dict):
            raise MalformedPayload(f"print is not an object: {item!r}")
        size = item.get("volume")
        if type(size) is not int:
            size = integer(item, "volume")
        if size <= 0:
            raise MalformedPayload(f"print volume {size} is not positive")
        price = item.get("price")
        if type(price) is float and math.isfinite(price):
            price_ticks = round(price * per_point)
        else:
            price_ticks = ticks(spec, field_of(item, "price"), "price")
        kind = item.get("type")
        aggressor = _AGGRESSOR.get(kind) if type(kind) is int else None
        out.append(
            Printed(
                timestamp(field_of(item, "timestamp")),
                spec.symbol,
                price_ticks,
                size,
                aggressor,
            )
        )
    return out


_AGGRESSOR = {0: Side.BUY, 1: Side.SELL}
_PER_POINT: dict[str, float] = {}


def _per_point(spec: Instrument) -> float:
    """Ticks per point as a float (exact for every listed tick size: 4, 10, 100, 1)."""
    per_point = _PER_POINT.get(spec.symbol)
    if per_point is None:
        per_point = _PER_POINT[spec.symbol] = float(1 / spec.tick_size)
    return per_point


def parse_bars(rows: Any, spec: Instrument) -> tuple[Bar, ...]:
    """``/History/retrieveBars`` ``bars``: any order in, oldest first out."""
    if not isinstance(rows, list):
        raise MalformedPayload("bars is not a list")
    bars = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise MalformedPayload(f"bar is not an object: {row!r}")
        bars.append(
            Bar(
                timestamp(field_of(row, "t"), "t"),
                ticks(spec, field_of(row, "o"), "o"),
                ticks(spec, field_of(row, "h"), "h"),
                ticks(spec, field_of(row, "l"), "l"),
                ticks(spec, field_of(row, "c"), "c"),
                integer(row, "v"),
            )
        )
    bars.sort(key=lambda bar: bar.start)
    return tuple(bars)


def rows(answer: Any, key: str) -> list[Any]:
    """The payload list of an answer (``{"success": true, key: [...]}`` or a bare list).

    A failed answer raises :class:`~cockpit.core.broker.BrokerError` with its message.
    """
    if isinstance(answer, list):
        return answer
    if not isinstance(answer, dict) or not answer.get("success", False):
        message = answer.get("errorMessage") if isinstance(answer, dict) else None
        raise BrokerError(f"the gateway could not list {key}: {message or 'no success'}")
    found = answer.get(key) or []
    return found if isinstance(found, list) else []


def symbol_of_contract(contract_id: str) -> Instrument | None:
    """The instrument a ``CON.F.US.<root>.<month><yy>`` id belongs to, if the cockpit knows it."""
    parts = contract_id.split(".")
    if len(parts) != 5 or parts[0] != "CON":
        return None
    return by_gateway_code(parts[3])
