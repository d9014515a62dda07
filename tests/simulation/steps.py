"""What can happen in a run: a trader's keys and the world's moves, one step each.

A step holds only plain values (prices as ticks away from the touch, orders picked by
their place among the working ones), so a step list reads as Python, survives being
shortened (a price is worked out when the step runs, from the market then) and pastes
into a regression test as it is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.commands import (
    CancelAll,
    CancelOrder,
    CloseContracts,
    ClosePosition,
    FlattenAll,
    ModifyOrder,
    MoveToMarket,
    PlaceOrder,
    ReversePosition,
    SetArmed,
    StartLockout,
)
from cockpit.core.models import Order, OrderType, Side
from cockpit.core.moves import fills_at_once, moved
from tests.simulation.world import World

SIDES = {"buy": Side.BUY, "sell": Side.SELL}
KINDS = {
    "market": OrderType.MARKET,
    "limit": OrderType.LIMIT,
    "stop": OrderType.STOP,
    "stop-limit": OrderType.STOP_LIMIT,
    "join-bid": OrderType.JOIN_BID,
    "join-ask": OrderType.JOIN_ASK,
}
JOINS = (OrderType.JOIN_BID, OrderType.JOIN_ASK)
"""Limit orders the venue prices at the touch when they arrive."""
STOP_LIMIT_GAP = 2
"""Ticks between a stop-limit's stop and its limit."""


class Step:
    """One thing that happens; ``run`` does it to a world."""

    async def run(self, world: World) -> None:
        raise NotImplementedError


def _touch(world: World, symbol: str) -> tuple[int, int] | None:
    quote = world.state.quotes.get(symbol)
    return (quote.bid, quote.ask) if quote is not None else None


def _price(world: World, symbol: str, ticks: int | None, off_grid: bool) -> Decimal | None:
    if ticks is None:
        return None
    spec = world.state.instruments[symbol]
    price = spec.to_price(ticks)
    return price + spec.tick_size / 2 if off_grid else price


def _prices(
    side: Side, kind: OrderType, touch: tuple[int, int], ticks: int
) -> tuple[int | None, int | None]:
    """(limit, stop) in ticks for an order ``ticks`` away from the touch.

    A limit rests ``ticks`` behind the touch (negative: marketable); a stop waits
    ``ticks`` beyond the far side of it (zero or less: the venue denies it).
    """
    bid, ask = touch
    buy = side is Side.BUY
    if kind is OrderType.LIMIT:
        return (bid - ticks if buy else ask + ticks), None
    if kind in (OrderType.STOP, OrderType.STOP_LIMIT):
        stop = ask + ticks if buy else bid - ticks
        if kind is OrderType.STOP:
            return None, stop
        return (stop + STOP_LIMIT_GAP if buy else stop - STOP_LIMIT_GAP), stop
    return None, None


def _pick(world: World, pick: int) -> Order | None:
    working = sorted(world.state.working_orders(), key=lambda o: o.id)
    return working[pick % len(working)] if working else None


@dataclass(frozen=True)
class Arm(Step):
    on: bool

    async def run(self, world: World) -> None:
        world.press(SetArmed(armed=self.on))


@dataclass(frozen=True)
class Place(Step):
    """An order of any type, ``ticks`` from the touch; ``off_grid`` misprices it."""

    symbol: str
    side: str
    kind: str
    size: int
    ticks: int = 0
    off_grid: bool = False

    async def run(self, world: World) -> None:
        touch = _touch(world, self.symbol)
        if touch is None:
            return
        side, kind = SIDES[self.side], KINDS[self.kind]
        limit, stop = _prices(side, kind, touch, self.ticks)
        world.press(
            PlaceOrder(
                symbol=self.symbol,
                side=side,
                type=kind,
                size=self.size,
                limit_price=_price(world, self.symbol, limit, self.off_grid),
                stop_price=_price(world, self.symbol, stop, self.off_grid),
            )
        )


@dataclass(frozen=True)
class Exit(Step):
    """An order against the open position (at most its size): a reducing order."""

    symbol: str
    size: int
    kind: str = "market"
    ticks: int = 0

    async def run(self, world: World) -> None:
        position = world.state.positions.get(self.symbol)
        touch = _touch(world, self.symbol)
        if position is None or touch is None:
            return
        side = Side.SELL if position.size > 0 else Side.BUY
        kind = KINDS[self.kind]
        limit, stop = _prices(side, kind, touch, self.ticks)
        world.press(
            PlaceOrder(
                symbol=self.symbol,
                side=side,
                type=kind,
                size=min(self.size, abs(position.size)),
                limit_price=_price(world, self.symbol, limit, False),
                stop_price=_price(world, self.symbol, stop, False),
            )
        )


@dataclass(frozen=True)
class Cancel(Step):
    """Cancel one working order (the ``pick``-th by id)."""

    pick: int

    async def run(self, world: World) -> None:
        order = _pick(world, self.pick)
        if order is not None:
            world.press(CancelOrder(order_id=order.id))


@dataclass(frozen=True)
class CancelEvery(Step):
    """Cancel all (one symbol's orders, or every order)."""

    symbol: str | None = None

    async def run(self, world: World) -> None:
        world.press(CancelAll(symbol=self.symbol))


@dataclass(frozen=True)
class Modify(Step):
    """Change one working order's size and/or move its price to ``ticks`` from the touch."""

    pick: int
    size: int | None = None
    ticks: int | None = None

    async def run(self, world: World) -> None:
        order = _pick(world, self.pick)
        if order is None:
            return
        touch = _touch(world, order.symbol)
        limit = stop = None
        if self.ticks is not None and touch is not None:
            kind = OrderType.LIMIT if order.type in JOINS else order.type
            limit, stop = _prices(order.side, kind, touch, self.ticks)
            if order.stop is None:
                stop = None  # a triggered stop-limit is a plain limit now
        world.press(
            ModifyOrder(
                order_id=order.id,
                size=self.size,
                limit_price=_price(world, order.symbol, limit, False),
                stop_price=_price(world, order.symbol, stop, False),
            )
        )


@dataclass(frozen=True)
class Close(Step):
    symbol: str

    async def run(self, world: World) -> None:
        world.press(ClosePosition(symbol=self.symbol))


@dataclass(frozen=True)
class Flatten(Step):
    """Flatten all, pressed ``presses`` times with ``gap`` loop yields between presses."""

    presses: int = 1
    gap: int = 0

    async def run(self, world: World) -> None:
        for press in range(self.presses):
            if press:
                await world.yields(self.gap)
            world.press(FlattenAll())


@dataclass(frozen=True)
class Lockout(Step):
    seconds: float

    async def run(self, world: World) -> None:
        until = world.now_ns() + int(self.seconds * NS_PER_SECOND)
        world.press(StartLockout(until_ns=until, reason="simulated lockout"))


@dataclass(frozen=True)
class Wait(Step):
    seconds: float

    async def run(self, world: World) -> None:
        await world.pause(self.seconds)


@dataclass(frozen=True)
class Yield(Step):
    times: int

    async def run(self, world: World) -> None:
        await world.yields(self.times)


@dataclass(frozen=True)
class Reconcile(Step):
    """The broker's truth is re-read in the background (as after a reconnect)."""

    async def run(self, world: World) -> None:
        world.reconcile()


@dataclass(frozen=True)
class Outage(Step):
    """The venue stops answering for a while (in process)."""

    seconds: float

    async def run(self, world: World) -> None:
        world.outage(self.seconds)


@dataclass(frozen=True)
class Restart(Step):
    """The cockpit stops and starts again against the same broker (its lockout kept on
    disk, its picture re-read from the broker)."""

    async def run(self, world: World) -> None:
        await world.restart()


@dataclass(frozen=True)
class Fault(Step):
    """A fault the gateway emulator injects (``/admin/faults`` body)."""

    body: dict[str, Any]

    async def run(self, world: World) -> None:
        await world.fault(self.body)


STEP_TYPES: tuple[type[Step], ...] = (
    Arm,
    Place,
    Exit,
    Cancel,
    CancelEvery,
    Modify,
    Close,
    Flatten,
    Lockout,
    Wait,
    Yield,
    Reconcile,
    Outage,
    Restart,
    Fault,
)
"""Every kind of step (a printed reproduction imports these names)."""


# The order keys (issue 13): what the trader's keys for orders and positions send.


@dataclass(frozen=True)
class Nudge(Step):
    """Move one working order ``ticks`` up or down, as the move keys do (a size preset
    multiplies the step); like the key, a move that would fill at once is not sent."""

    pick: int
    ticks: int

    async def run(self, world: World) -> None:
        order = _pick(world, self.pick)
        if order is None:
            return
        prices = moved(order, self.ticks)
        if prices is None:
            return
        limit, stop = prices
        if fills_at_once(order, limit, world.state.quotes.get(order.symbol)):
            return
        spec = world.state.instruments[order.symbol]
        world.press(
            ModifyOrder(
                order_id=order.id,
                limit_price=spec.to_price(limit) if limit is not None else None,
                stop_price=spec.to_price(stop) if stop is not None else None,
            )
        )


@dataclass(frozen=True)
class ToMarket(Step):
    """Move one working order to the market (a limit to the touch, a stop at market)."""

    pick: int

    async def run(self, world: World) -> None:
        order = _pick(world, self.pick)
        if order is not None:
            world.press(MoveToMarket(order_id=order.id))


@dataclass(frozen=True)
class Reverse(Step):
    symbol: str

    async def run(self, world: World) -> None:
        world.press(ReversePosition(symbol=self.symbol))


@dataclass(frozen=True)
class CloseSome(Step):
    """Close part of a position at market: ``half``, ``one`` or ``all`` of it, as the keys."""

    symbol: str
    part: str

    async def run(self, world: World) -> None:
        held = abs(world.state.position_size(self.symbol))
        size = {"half": max(1, held // 2), "one": 1, "all": max(1, held)}[self.part]
        world.press(CloseContracts(symbol=self.symbol, size=size))
