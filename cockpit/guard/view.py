"""The outside API is a view: core events translated at the edge into the JSON messages
traders' tools already know (``GatewayUserOrder``, ``lockout_set``, ``enforcement_action``...).

One event gives at most a few :class:`Message` s, each with its topic and symbol so a
connection can filter without looking inside. Prices and money are decimal *strings*
(``"21000.25"``, ``"-12.50"``): exact, as the core keeps them, and never a float a script
would have to round. Times are UTC ISO 8601 (``iso``). The ``data`` dicts are plain JSON
values; ``schema.py`` describes each one and a test checks they agree.

Quotes are read from the state, not from the event: a quote message says where the
symbol stands now (bid, ask, last), so a slow client that gets only the latest loses
nothing it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import orjson

from cockpit.core.events import (
    AccountUpdated,
    ArmChanged,
    ConnectionChanged,
    EnforcementTaken,
    Event,
    FillReceived,
    FlattenCompleted,
    FlattenStarted,
    LockoutEnded,
    LockoutStarted,
    OrderDenied,
    OrderUpdated,
    PositionUpdated,
    Printed,
    QuoteUpdated,
    Reconciled,
    RiskStateChanged,
    TradingDayEnded,
)
from cockpit.core.isotime import iso_from_ns
from cockpit.core.models import Fill, Order, Position
from cockpit.core.state import State

JSON = dict[str, Any]


class Topic(StrEnum):
    """What a client subscribes to."""

    QUOTES = "quotes"
    TRADES = "trades"
    POSITIONS = "positions"
    ORDERS = "orders"
    ACCOUNT = "account"
    RISK = "risk"
    LOCKOUTS = "lockouts"
    ENFORCEMENT = "enforcement"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class Message:
    """One server event before its envelope: what it is, where it belongs, its data."""

    type: str
    topic: Topic
    account_id: int | None
    symbol: str | None
    ts: int
    """Epoch ns of the fact (the envelope writes it as ISO 8601)."""
    data: JSON


def iso(ns: int) -> str:
    """UTC ISO 8601 to the microsecond: ``2026-11-20T15:45:00.000000Z``."""
    return iso_from_ns(ns, 6)


def money(amount: Decimal) -> str:
    """Money as an exact string with cents: ``"-12.50"`` (never ``"-0.00"``)."""
    text = f"{amount.quantize(Decimal('0.01')):f}"
    return "0.00" if text == "-0.00" else text


class View:
    """Translates events and the state into messages; one per guard, shared by every
    connection (an event is translated once, whoever receives it)."""

    def __init__(
        self,
        state: State,
        status_extras: Callable[[], JSON] | None = None,
        day_pnl: Callable[[int], Decimal] | None = None,
    ) -> None:
        self.state = state
        self.day_pnl = day_pnl
        """The day's P&L at a time, earlier runs' included (the guard's); else the state's."""
        self._quotes: dict[str, tuple[object, Message, orjson.Fragment]] = {}
        """The latest quote message of each symbol, with its data already JSON: a storm
        builds and encodes it once per change, however many clients read it."""
        self.status_extras = status_extras
        """What the host adds to ``daemon_status`` (the guard: dry run, clients, seq)."""
        self._translators: dict[type, Callable[[Any], tuple[Message, ...]]] = {
            QuoteUpdated: self._quote_event,
            Printed: self._quote_event,
            OrderUpdated: lambda e: (self.order(e.order, e.ts),),
            FillReceived: self._fill,
            PositionUpdated: lambda e: (self.position(e.position, e.ts),),
            AccountUpdated: lambda e: self._account_now(e.ts),
            RiskStateChanged: self._risk_state,
            OrderDenied: self._denied,
            LockoutStarted: self._lockout_set,
            LockoutEnded: self._lockout_cleared,
            EnforcementTaken: self._enforcement,
            ConnectionChanged: self._status_event,
            Reconciled: self._status_event,
            ArmChanged: self._status_event,
            FlattenStarted: self._status_event,
            FlattenCompleted: self._status_event,
            TradingDayEnded: self._daily_reset,
        }

    @property
    def account_id(self) -> int | None:
        account = self.state.account
        return account.id if account is not None else None

    def translate(self, event: Event) -> tuple[Message, ...]:
        """The messages an event becomes (none for what the API does not show)."""
        translator = self._translators.get(type(event))
        return translator(event) if translator is not None else ()

    def quote_symbol(self, event: Event) -> str | None:
        """The symbol of a market data event (quotes coalesce by it), else ``None``."""
        if type(event) is QuoteUpdated or type(event) is Printed:  # the storm's path: no isinstance
            return event.symbol
        return None

    # Messages ---------------------------------------------------------------------------

    def price(self, symbol: str, ticks: int | None) -> str | None:
        if ticks is None:
            return None
        spec = self.state.instruments.get(symbol)
        return spec.format(ticks) if spec is not None else str(ticks)

    def quote(self, symbol: str) -> Message | None:
        """``MarketQuote``: where ``symbol`` stands now; ``None`` before any market data."""
        state = self.state
        quote = state.quotes.get(symbol)
        last = state.last.get(symbol)
        if quote is None and last is None:
            return None
        ts = state.market_ns
        data = {
            "symbol": symbol,
            "bid": self.price(symbol, quote.bid) if quote is not None else None,
            "ask": self.price(symbol, quote.ask) if quote is not None else None,
            "bid_size": quote.bid_size if quote is not None else None,
            "ask_size": quote.ask_size if quote is not None else None,
            "last": self.price(symbol, last),
            "volume": state.volume.get(symbol, 0),
            "timestamp": iso(ts),
        }
        return Message("MarketQuote", Topic.QUOTES, None, symbol, ts, data)

    def encoded_quote(self, symbol: str) -> tuple[Message, orjson.Fragment] | None:
        """:meth:`quote` with its data as JSON, built once per change of the symbol."""
        state = self.state
        key = (state.quotes.get(symbol), state.last.get(symbol), state.volume.get(symbol))
        cached = self._quotes.get(symbol)
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        message = self.quote(symbol)
        if message is None:
            return None
        data = orjson.Fragment(orjson.dumps(message.data))
        self._quotes[symbol] = (key, message, data)
        return message, data

    def order(self, order: Order, ts: int) -> Message:
        """``GatewayUserOrder``: the broker's latest word on one order."""
        symbol = order.symbol
        data = {
            "id": order.id,
            "account_id": order.account_id,
            "symbol": symbol,
            "side": order.side.label,
            "type": order.type.name,
            "size": order.size,
            "status": order.status.name,
            "limit_price": self.price(symbol, order.limit),
            "stop_price": self.price(symbol, order.stop),
            "filled": order.filled,
            "fill_price": f"{order.fill_price:f}" if order.fill_price is not None else None,
            "tag": order.tag,
            "working": order.status.is_working,
            "created": iso(order.created_ns) if order.created_ns else None,
            "updated": iso(order.updated_ns) if order.updated_ns else None,
        }
        return Message("GatewayUserOrder", Topic.ORDERS, order.account_id, symbol, ts, data)

    def position(self, position: Position, ts: int) -> Message:
        """``GatewayUserPosition``: the confirmed net position; ``size`` 0 means closed."""
        symbol = position.symbol
        spec = self.state.instruments.get(symbol)
        average = None
        if position.size and spec is not None:
            average = spec.format_fraction(position.average)
        side = "LONG" if position.size > 0 else "SHORT" if position.size < 0 else "FLAT"
        data = {
            "account_id": position.account_id,
            "symbol": symbol,
            "side": side,
            "size": position.size,
            "average_price": average,
            "open_pnl": money(self.state.open_pnl(symbol)) if position.size else "0.00",
        }
        return Message(
            "GatewayUserPosition", Topic.POSITIONS, position.account_id, symbol, ts, data
        )

    def fill(self, fill: Fill) -> Message:
        """``GatewayUserTrade``: one fill; a fill with ``pnl`` closes (part of) a round trip."""
        symbol = fill.symbol
        data = {
            "id": fill.id,
            "order_id": fill.order_id,
            "account_id": fill.account_id,
            "symbol": symbol,
            "side": fill.side.label,
            "size": fill.size,
            "price": self.price(symbol, fill.price),
            "fee": money(fill.fee),
            "pnl": money(fill.pnl) if fill.pnl is not None else None,
            "timestamp": iso(fill.ts),
        }
        return Message("GatewayUserTrade", Topic.TRADES, fill.account_id, symbol, fill.ts, data)

    def account(self, ts: int) -> Message | None:
        """``GatewayUserAccount``: balance and the day's figures; ``None`` before the broker
        has named the account."""
        state = self.state
        account = state.account
        if account is None:
            return None
        data = {
            "id": account.id,
            "name": account.name,
            "balance": money(account.balance),
            "can_trade": account.can_trade,
            "simulated": account.simulated,
            "mode": state.mode.value,
            "realized_pnl": money(state.realized),
            "fees": money(state.fees),
            "open_pnl": money(state.open_pnl_total()),
            "day_pnl": money(self.day_pnl(ts) if self.day_pnl is not None else state.day_pnl()),
            "trading_day": state.day.isoformat() if state.day is not None else None,
        }
        return Message("GatewayUserAccount", Topic.ACCOUNT, account.id, None, ts, data)

    def risk_state(self, ts: int, previous: str | None = None, rule: str = "") -> Message:
        """``risk_state``: the trading state (ACTIVE, WARNING, REDUCE-ONLY, LOCKED) and why."""
        state = self.state
        data = {
            "state": state.risk_state.value,
            "previous": previous,
            "reason": state.risk_reason,
            "rule": rule,
        }
        return Message("risk_state", Topic.RISK, self.account_id, None, ts, data)

    def lockout(self, ts: int) -> Message | None:
        """``lockout_set`` for the lockout running at ``ts``; ``None`` when there is none."""
        until = self.state.lockout_until
        if until is None or until <= ts:
            return None
        data = {"until": iso(until), "reason": self.state.risk_reason, "source": "state"}
        return Message("lockout_set", Topic.LOCKOUTS, self.account_id, None, ts, data)

    def status(self, ts: int) -> Message:
        """``daemon_status``: links, arming, reconciliation and flatten, as the header says."""
        state = self.state
        data = {
            "mode": state.mode.value,
            "armed": state.armed,
            "reconciled": state.reconciled,
            "flattening": state.flattening,
            "flatten_problem": state.flatten_problem,
            "links": {link.value: status.value for link, status in state.links.items()},
            "risk_state": state.risk_state.value,
        }
        if self.status_extras is not None:
            data.update(self.status_extras())
        return Message("daemon_status", Topic.STATUS, self.account_id, None, ts, data)

    def snapshot(self, topics: frozenset[Topic], symbols: frozenset[str], ts: int) -> list[Message]:
        """The current state of what a subscription asked for, before its live events:
        last quotes, open positions, working orders, account, trading state, lockout, status.
        Trades and enforcement are history (``GET /fills``), not state: no snapshot."""
        state = self.state
        out: list[Message] = []

        def wanted(symbol: str) -> bool:
            return not symbols or symbol in symbols

        if Topic.QUOTES in topics:
            names = sorted(symbols) if symbols else list(state.watchlist)
            out.extend(m for name in names if (m := self.quote(name)) is not None)
        if Topic.POSITIONS in topics:
            for position in state.open_positions():
                if wanted(position.symbol):
                    out.append(self.position(position, ts))
        if Topic.ORDERS in topics:
            for order in state.working_orders():
                if wanted(order.symbol):
                    out.append(self.order(order, ts))
        if Topic.ACCOUNT in topics and (account := self.account(ts)) is not None:
            out.append(account)
        if Topic.RISK in topics:
            out.append(self.risk_state(ts))
        if Topic.LOCKOUTS in topics and (lockout := self.lockout(ts)) is not None:
            out.append(lockout)
        if Topic.STATUS in topics:
            out.append(self.status(ts))
        return out

    # Event translators ------------------------------------------------------------------

    def _quote_event(self, event: QuoteUpdated | Printed) -> tuple[Message, ...]:
        message = self.quote(event.symbol)
        return (message,) if message is not None else ()

    def _fill(self, event: FillReceived) -> tuple[Message, ...]:
        account = self.account(event.ts)  # the day's realized P&L and fees moved
        trade = self.fill(event.fill)
        return (trade, account) if account is not None else (trade,)

    def _account_now(self, ts: int) -> tuple[Message, ...]:
        message = self.account(ts)
        return (message,) if message is not None else ()

    def _risk_state(self, event: RiskStateChanged) -> tuple[Message, ...]:
        message = self.risk_state(event.ts, event.previous.value, event.rule)
        data = dict(message.data, state=event.state.value, reason=event.reason)
        return (Message(message.type, Topic.RISK, message.account_id, None, event.ts, data),)

    def _denied(self, event: OrderDenied) -> tuple[Message, ...]:
        data = {
            "command": event.command,
            "reason": event.reason,
            "rule": event.rule,
            "symbol": event.symbol,
        }
        return (Message("order_denied", Topic.RISK, self.account_id, event.symbol, event.ts, data),)

    def _lockout_set(self, event: LockoutStarted) -> tuple[Message, ...]:
        data = {"until": iso(event.until_ns), "reason": event.reason, "source": event.source}
        return (Message("lockout_set", Topic.LOCKOUTS, self.account_id, None, event.ts, data),)

    def _lockout_cleared(self, event: LockoutEnded) -> tuple[Message, ...]:
        data = {"reason": event.reason}
        return (Message("lockout_cleared", Topic.LOCKOUTS, self.account_id, None, event.ts, data),)

    def _enforcement(self, event: EnforcementTaken) -> tuple[Message, ...]:
        data = {"rule": event.rule, "action": event.action, "detail": event.detail}
        message = Message(
            "enforcement_action", Topic.ENFORCEMENT, self.account_id, None, event.ts, data
        )
        return (message,)

    def _daily_reset(self, event: TradingDayEnded) -> tuple[Message, ...]:
        """``daily_reset``: the trading day ended at its boundary, with its net P&L (after
        fees) and the round trips it closed; the next day's figures start at zero."""
        data = {"day": event.day.isoformat(), "pnl": money(event.pnl), "trades": event.trades}
        return (Message("daily_reset", Topic.ACCOUNT, self.account_id, None, event.ts, data),)

    def _status_event(self, event: Event) -> tuple[Message, ...]:
        return (self.status(event.ts),)
