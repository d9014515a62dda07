"""A scripted broker for engine tests: it records every call and answers when told to.

The engine's promises (each cancel sent once, flatten never sends a second set of
closes, errors end in a clear outcome) are about *calls*, so the fake keeps the call
log and lets a test hold any call open with an :class:`asyncio.Event` to press keys
while the broker has not answered yet.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from cockpit.core.broker import EventSink, OrderRejected
from cockpit.core.clock import FakeClock
from cockpit.core.commands import SetArmed
from cockpit.core.engine import Engine
from cockpit.core.events import (
    AccountUpdated,
    ConnectionChanged,
    Event,
    FillReceived,
    Link,
    LinkStatus,
    OrderUpdated,
    PositionUpdated,
    QuoteUpdated,
    Reconciled,
)
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import (
    Account,
    Fill,
    Mode,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from cockpit.core.state import State

ACCOUNT = Account(id=1, name="TEST", balance=Decimal("50000"))
PRICE = 100_000
"""Where the scripted market sits: MNQ 25000.00 in ticks."""


class ScriptedBroker:
    """A broker whose answers a test controls; every call lands in :attr:`calls`."""

    mode = Mode.SIM
    account_name = "SCRIPTED"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sink: EventSink | None = None
        self.calls: list[tuple[str, object]] = []
        self.orders: dict[int, Order] = {}
        self.positions: dict[str, tuple[int, int]] = {}
        """Signed size and cost in ticks, by symbol."""
        self.hold: dict[str, asyncio.Event] = {}
        """Calls by name (``place``, ``cancel``, ``close``...) that wait for the event."""
        self.fail: dict[str, Exception] = {}
        """Calls by name that raise instead of acting."""
        self.on_cancel: Callable[[int], None] | None = None
        """Replaces the normal cancel (e.g. the order fills first and the cancel fails)."""
        self._ids = itertools.count(500)
        self._called = asyncio.Event()

    def named(self, name: str) -> list[object]:
        """The arguments of every call of one kind, in order."""
        return [arg for call, arg in self.calls if call == name]

    def send(self, event: Event) -> None:
        assert self.sink is not None
        self.sink(event)

    async def wait_for_calls(self, name: str, count: int) -> None:
        """Return once ``count`` calls of one kind have arrived (answered or not)."""
        while len(self.named(name)) < count:
            self._called.clear()
            await self._called.wait()

    async def _enter(self, name: str, arg: object) -> None:
        self.calls.append((name, arg))
        self._called.set()
        gate = self.hold.get(name)
        if gate is not None:
            await gate.wait()
        error = self.fail.get(name)
        if error is not None:
            raise error

    # Test set-up -----------------------------------------------------------------------

    def add_order(self, symbol: str = "MNQ", side: Side = Side.BUY, limit: int = PRICE - 8) -> int:
        """A working limit order the broker reports."""
        order = Order(
            id=next(self._ids),
            account_id=ACCOUNT.id,
            symbol=symbol,
            side=side,
            type=OrderType.LIMIT,
            size=1,
            status=OrderStatus.OPEN,
            limit=limit,
        )
        self.orders[order.id] = order
        self.send(OrderUpdated(self.clock.now_ns(), order))
        return order.id

    def fill_position(self, symbol: str, size: int, price: int = PRICE) -> None:
        """The broker reports a fill that moves the position by ``size`` (signed)."""
        old, cost = self.positions.get(symbol, (0, 0))
        new = old + size
        cost = 0 if new == 0 else cost + abs(size) * price
        self.positions[symbol] = (new, cost)
        now = self.clock.now_ns()
        side = Side.BUY if size > 0 else Side.SELL
        fill = Fill(
            next(self._ids), 0, ACCOUNT.id, symbol, side, abs(size), price, Decimal(0), None, now
        )
        self.send(FillReceived(now, fill))
        self.send(PositionUpdated(now, Position(ACCOUNT.id, symbol, new, cost, now)))

    def fill_order(self, order_id: int) -> None:
        """A working order fills: the order, then the position, as a broker reports them."""
        order = self.orders[order_id]
        filled = replace(order, status=OrderStatus.FILLED, filled=order.size)
        self.orders[order_id] = filled
        self.send(OrderUpdated(self.clock.now_ns(), filled))
        self.fill_position(order.symbol, order.size * order.side.sign, order.limit or PRICE)

    # The Broker protocol ---------------------------------------------------------------

    async def start(self, sink: EventSink) -> None:
        self.sink = sink
        now = self.clock.now_ns()
        sink(ConnectionChanged(now, Link.MARKET, LinkStatus.CONNECTED))
        sink(ConnectionChanged(now, Link.ACCOUNT, LinkStatus.CONNECTED))
        sink(QuoteUpdated(now, "MNQ", PRICE, PRICE + 1, 10, 10))
        sink(QuoteUpdated(now, "MES", PRICE, PRICE + 1, 10, 10))
        await self.reconcile()
        self.calls.clear()

    async def stop(self) -> None:
        self.sink = None

    async def place_order(self, request: OrderRequest) -> int:
        await self._enter("place", request)
        order = Order(
            id=next(self._ids),
            account_id=ACCOUNT.id,
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            size=request.size,
            status=OrderStatus.OPEN,
            limit=request.limit,
            stop=request.stop,
            tag=request.tag,
        )
        self.orders[order.id] = order
        self.send(OrderUpdated(self.clock.now_ns(), order))
        return order.id

    async def cancel_order(self, order_id: int) -> None:
        await self._enter("cancel", order_id)
        if self.on_cancel is not None:
            self.on_cancel(order_id)
            return
        order = self.orders.get(order_id)
        if order is None or not order.status.is_working:
            raise OrderRejected(f"order {order_id} is not working")
        cancelled = replace(order, status=OrderStatus.CANCELLED)
        self.orders[order_id] = cancelled
        self.send(OrderUpdated(self.clock.now_ns(), cancelled))

    async def modify_order(
        self,
        order_id: int,
        *,
        size: int | None = None,
        limit: int | None = None,
        stop: int | None = None,
    ) -> None:
        await self._enter("modify", (order_id, size, limit, stop))

    async def close_position(self, symbol: str) -> None:
        await self._enter("close", symbol)
        size, _ = self.positions.get(symbol, (0, 0))
        if size:
            self.fill_position(symbol, -size)

    async def reconcile(self) -> None:
        await self._enter("reconcile", None)
        now = self.clock.now_ns()
        self.send(AccountUpdated(now, ACCOUNT))
        for order in self.orders.values():
            if order.status.is_working:
                self.send(OrderUpdated(now, order))
        for symbol, (size, cost) in self.positions.items():
            self.send(PositionUpdated(now, Position(ACCOUNT.id, symbol, size, cost, now)))
        self.send(Reconciled(now))


class Rig:
    """An engine on a scripted broker, with every folded event kept."""

    def __init__(self, clock: FakeClock, *, confirm_timeout: float = 2.0) -> None:
        self.clock = clock
        self.state = State(INSTRUMENTS, ["MNQ", "MES"])
        self.broker = ScriptedBroker(clock)
        self.engine = Engine(self.state, clock, broker=self.broker, confirm_timeout=confirm_timeout)
        self.events: list[Event] = []
        self.engine.listeners.append(self.events.append)

    async def start(self, *, armed: bool = True) -> Rig:
        await self.broker.start(self.engine.on_event)
        if armed:
            self.engine.submit(SetArmed(armed=True))
        self.events.clear()
        return self

    def of_type[E: Event](self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]
