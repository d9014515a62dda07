"""The emulated venue: the synthetic market, one paper account per login account, and the
contracts (:mod:`cockpit.gateway.contracts`), speaking Gateway JSON to whoever listens.

The paper matching engine reports in the cockpit's events; this module turns each into
the hub event the real Gateway would send (``GatewayUserOrder`` ...). The market is
pumped in wall time; every print also feeds a bar book per contract, so
``/History/retrieveBars`` includes the bars built since the emulator started.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from cockpit.brokers.paper import PaperAccount
from cockpit.core.bars import TIMEFRAMES, Bar, BarBook, timeframe
from cockpit.core.broker import OrderRejected
from cockpit.core.clock import Clock, exchange_time
from cockpit.core.events import (
    AccountUpdated,
    BarsLoaded,
    DayStatsUpdated,
    DepthUpdated,
    Event,
    FillReceived,
    OrderUpdated,
    PositionUpdated,
    Printed,
    QuoteUpdated,
)
from cockpit.core.instruments import INSTRUMENTS, Instrument
from cockpit.core.models import Account, Fill, Order, OrderRequest, OrderType, Side
from cockpit.core.tradingday import trading_day_start
from cockpit.gateway import render
from cockpit.gateway.contracts import ContractList
from cockpit.gateway.depth import DepthFeed
from cockpit.market.synthetic import SyntheticMarket

UserSink = Callable[[int, str, dict[str, Any]], None]
"""(account id, hub target, payload): one user-hub event."""

FIRST_ACCOUNT_ID = 4001
ORDER_ID_STRIDE = 10_000_000


class Rejection(Exception):
    """A business failure with the endpoint's Gateway error code (HTTP 200, success false)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class Ledger:
    """One login account: its paper matching engine and what the Gateway remembers."""

    paper: PaperAccount
    fills: list[Fill] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Open position id and creation time by symbol."""


@dataclass(slots=True)
class DayStats:
    """The day so far for one contract, for the full first quote."""

    settle: int | None = None
    open: int | None = None
    high: int | None = None
    low: int | None = None
    volume: int = 0
    last: int | None = None

    def on_bar(self, bar: Bar) -> None:
        if self.open is None:
            self.open = bar.open
        self.high = bar.high if self.high is None else max(self.high, bar.high)
        self.low = bar.low if self.low is None else min(self.low, bar.low)
        self.volume += bar.volume
        self.last = bar.close

    def on_print(self, price: int, size: int) -> None:
        if self.open is None:
            self.open = price
        self.high = price if self.high is None else max(self.high, price)
        self.low = price if self.low is None else min(self.low, price)
        self.volume += size
        self.last = price


class Venue:
    """Market, accounts and contracts; events go out through :attr:`user_sinks`."""

    def __init__(
        self,
        clock: Clock,
        symbols: Iterable[str],
        accounts: Iterable[tuple[str, Decimal]],
        *,
        seed: int = 7,
        months_listed: int = 2,
        contracts_on: date | None = None,
    ) -> None:
        self.clock = clock
        self.symbols = list(symbols)
        self.specs: dict[str, Instrument] = {s: INSTRUMENTS[s] for s in self.symbols}
        now = clock.now_ns()
        self.market = SyntheticMarket(self.symbols, seed=seed, start_ns=now)
        self.user_sinks: list[UserSink] = []
        mids = {s: sum(self.market.touch(s)) // 2 for s in self.symbols}
        today = contracts_on or exchange_time(now).date()
        self.contracts = ContractList(self.specs, today, months_listed, mids)
        self.contract_ids: dict[str, str] = self.contracts.front
        """The traded (front-month) contract id of each symbol."""
        self.books: dict[str, BarBook] = {s: BarBook() for s in self.symbols}
        self.day_stats: dict[str, DayStats] = {s: DayStats() for s in self.symbols}
        self.quotes: dict[str, QuoteUpdated] = {}
        self._load_history(self.market.history_events(), now)
        self.ledgers: dict[int, Ledger] = {}
        self._position_ids = itertools.count(55_001)
        for index, (name, balance) in enumerate(accounts):
            acct = Account(FIRST_ACCOUNT_ID + index, name, balance)
            paper = PaperAccount(
                acct,
                functools.partial(self._account_event, acct.id),
                first_order_id=7_310_001 + index * ORDER_ID_STRIDE,
            )
            self.ledgers[acct.id] = Ledger(paper)
        self.depth = DepthFeed(self.specs)
        for quote in self.market.opening_quotes():
            self._on_market(quote)
        for book in self.market.opening_books():
            self._on_market(book)

    # Contracts ---------------------------------------------------------------------------

    @property
    def listed(self) -> list[dict[str, Any]]:
        """Every contract known, front months active, later months not."""
        return self.contracts.rows()

    def tradable(self, contract_id: Any) -> str:
        """The symbol of the active contract, or the Gateway's rejection (9: not active)."""
        listing = self.contracts.get(contract_id)
        if listing is None:
            raise Rejection(8, f"contract {contract_id!r} not found")
        if not listing.active:
            front = self.contract_ids[listing.symbol]
            raise Rejection(9, f"contract {contract_id} is not active (trade {front})")
        return listing.symbol

    # Market ------------------------------------------------------------------------------

    def _load_history(self, events: list[Event], now: int) -> None:
        day_start = trading_day_start(now)
        for event in events:
            if isinstance(event, BarsLoaded):
                self.books[event.symbol].load_history({timeframe(event.timeframe): event.bars})
                if event.timeframe == "1m":
                    day = self.day_stats[event.symbol]
                    for bar in event.bars:
                        if bar.start >= day_start:
                            day.on_bar(bar)
            elif isinstance(event, DayStatsUpdated):
                self.day_stats[event.symbol].settle = event.settle

    def pump(self, until_ns: int) -> tuple[dict[str, list[Printed]], set[str]]:
        """Play the market to ``until_ns``: prints by symbol and the symbols re-quoted."""
        prints: dict[str, list[Printed]] = {}
        quoted: set[str] = set()
        for event in self.market.advance(until_ns):
            self._on_market(event)
            if isinstance(event, Printed):
                prints.setdefault(event.symbol, []).append(event)
            else:
                quoted.add(event.symbol)
        return prints, quoted

    def _on_market(self, event: Event) -> None:
        if isinstance(event, QuoteUpdated):
            self.quotes[event.symbol] = event
        elif isinstance(event, Printed):
            self.books[event.symbol].on_print(event.ts, event.price, event.size)
            self.day_stats[event.symbol].on_print(event.price, event.size)
            self.depth.on_print(event)
        elif isinstance(event, DepthUpdated):
            self.depth.on_depth(event)
        for ledger in self.ledgers.values():
            ledger.paper.on_market(event)

    def quote_json(self, symbol: str, ts: int | None = None, spread: int = 0) -> dict[str, Any]:
        """A full ``GatewayQuote`` (no sizes: the Gateway sends none), ``spread`` ticks up."""
        spec = self.specs[symbol]
        quote = self.quotes[symbol]
        day = self.day_stats[symbol]
        last = (day.last if day.last is not None else quote.bid) + spread
        settle = day.settle + spread if day.settle is not None else last
        change = spec.to_price(last) - spec.to_price(settle)
        base = spec.to_price(settle)

        def shifted(ticks: int | None) -> float | None:
            return render.price(spec, None if ticks is None else ticks + spread)

        return {
            "symbol": spec.symbol_id,
            "symbolName": f"/{symbol}",
            "lastPrice": float(spec.to_price(last)),
            "bestBid": float(spec.to_price(quote.bid + spread)),
            "bestAsk": float(spec.to_price(quote.ask + spread)),
            "change": float(change),
            "changePercent": float(round(change / base * 100, 4)) if base else 0.0,
            "open": shifted(day.open),
            "high": shifted(day.high),
            "low": shifted(day.low),
            "volume": day.volume,
            "lastUpdated": render.iso(quote.ts),
            "timestamp": render.iso(ts if ts is not None else quote.ts),
        }

    def prints_json(
        self, symbol: str, prints: list[Printed], spread: int = 0
    ) -> list[dict[str, Any]]:
        spec = self.specs[symbol]
        return [
            {
                "symbolId": spec.symbol_id,
                "price": float(spec.to_price(p.price + spread)),
                "timestamp": render.iso(p.ts),
                "type": int(p.aggressor) if p.aggressor is not None else 0,
                "volume": p.size,
            }
            for p in prints
        ]

    def bars(
        self,
        symbol: str,
        seconds: int,
        start_ns: int,
        end_ns: int,
        limit: int,
        partial: bool,
        spread: int = 0,
    ) -> list[dict[str, Any]]:
        """Bars overlapping [start, end), newest first, at most ``limit``, ``spread`` ticks up."""
        label = next((tf.label for tf in TIMEFRAMES.values() if tf.seconds == seconds), None)
        if label is None:
            raise Rejection(3, f"bar length of {seconds} seconds is not served")
        now = self.clock.now_ns()
        spec = self.specs[symbol]
        book = self.books[symbol]
        bars = book.bars(label, 100_000)
        tf = timeframe(label)
        out = [
            b for b in bars if start_ns <= b.start < end_ns and (partial or b.start + tf.ns <= now)
        ]
        return [render.bar(b, spec, spread) for b in reversed(out[-limit:])]

    # Accounts ----------------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        return [ledger.paper.account for ledger in self.ledgers.values()]

    def ledger(self, account_id: Any) -> Ledger:
        ledger = self.ledgers.get(account_id) if isinstance(account_id, int) else None
        if ledger is None:
            raise Rejection(1, f"account {account_id!r} not found")
        return ledger

    def _account_event(self, account_id: int, event: Event) -> None:
        ledger = self.ledgers[account_id]
        if isinstance(event, OrderUpdated):
            self._emit(account_id, "GatewayUserOrder", self.order_json(event.order))
        elif isinstance(event, FillReceived):
            ledger.fills.append(event.fill)
            spec = self.specs[event.fill.symbol]
            cid = self.contract_ids[event.fill.symbol]
            self._emit(account_id, "GatewayUserTrade", render.trade(event.fill, spec, cid))
        elif isinstance(event, PositionUpdated):
            self._emit(account_id, "GatewayUserPosition", self._position_json(ledger, event))
        elif isinstance(event, AccountUpdated):
            self._emit(account_id, "GatewayUserAccount", render.account(event.account))

    def _emit(self, account_id: int, target: str, payload: dict[str, Any]) -> None:
        for sink in list(self.user_sinks):
            sink(account_id, target, payload)

    def order_json(self, order: Order) -> dict[str, Any]:
        spec = self.specs[order.symbol]
        return render.order(order, spec, self.contract_ids[order.symbol])

    def _position_json(self, ledger: Ledger, event: PositionUpdated) -> dict[str, Any]:
        position = event.position
        symbol = position.symbol
        if position.size == 0:
            pid, created = ledger.positions.pop(symbol, (0, event.ts))
        else:
            if symbol not in ledger.positions:
                pid = next(self._position_ids)
                ledger.positions[symbol] = (pid, event.ts)
            pid, created = ledger.positions[symbol]
        spec = self.specs[symbol]
        return render.position(position, spec, self.contract_ids[symbol], pid, created)

    def open_positions(self, account_id: object) -> list[dict[str, Any]]:
        ledger = self.ledger(account_id)
        out = []
        now = self.clock.now_ns()
        for symbol in list(ledger.positions):
            position = ledger.paper.position(symbol, now)
            if position.size:
                pid, created = ledger.positions[symbol]
                spec = self.specs[symbol]
                cid = self.contract_ids[symbol]
                out.append(render.position(position, spec, cid, pid, created))
        return out

    # Orders ------------------------------------------------------------------------------

    def place(self, account_id: object, request: OrderRequest) -> Order:
        ledger = self.ledger(account_id)
        if request.tag is not None:
            if request.tag in ledger.tags:
                raise Rejection(2, f"customTag {request.tag!r} is already used on this account")
            ledger.tags.add(request.tag)
        try:
            return ledger.paper.place(request, self.clock.now_ns())
        except OrderRejected as exc:
            raise Rejection(2, str(exc)) from None

    def cancel(self, account_id: object, order_id: Any) -> None:
        paper = self.ledger(account_id).paper
        order = paper.orders.get(order_id) if isinstance(order_id, int) else None
        if order is None:
            raise Rejection(2, f"order {order_id!r} not found")
        try:
            paper.cancel(order.id, self.clock.now_ns())
        except OrderRejected as exc:
            raise Rejection(3, str(exc)) from None

    def modify(
        self,
        account_id: object,
        order_id: Any,
        size: int | None,
        limit: int | None,
        stop: int | None,
    ) -> None:
        paper = self.ledger(account_id).paper
        order = paper.orders.get(order_id) if isinstance(order_id, int) else None
        if order is None:
            raise Rejection(2, f"order {order_id!r} not found")
        try:
            paper.modify(order.id, self.clock.now_ns(), size=size, limit=limit, stop=stop)
        except OrderRejected as exc:
            raise Rejection(3, str(exc)) from None

    def close(self, account_id: int, symbol: str, size: int | None) -> Order:
        """Close all (``size`` None) or part of a position at market."""
        paper = self.ledger(account_id).paper
        held = paper.position(symbol, 0).size
        if held == 0:
            raise Rejection(2, f"no open {symbol} position")
        if size is None:
            size = abs(held)
        elif not 0 < size <= abs(held):
            raise Rejection(5, f"close size {size} must be between 1 and {abs(held)}")
        side = Side.SELL if held > 0 else Side.BUY
        request = OrderRequest(symbol, side, OrderType.MARKET, size)
        try:
            return paper.place(request, self.clock.now_ns())
        except OrderRejected as exc:
            raise Rejection(6, str(exc)) from None
