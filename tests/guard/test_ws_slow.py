"""Slow clients never slow the guard: quotes coalesce per symbol, account events are never
dropped, and a client that cannot keep up is closed with a reason.

The client is a socket whose every send waits until the test lets it through, so "slow"
is a state the test sets, not a speed it hopes for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType

from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.events import Event, QuoteUpdated
from cockpit.core.models import Side
from cockpit.guard.daemon import Guard
from cockpit.guard.outbox import Outbox, Quote
from cockpit.guard.view import Message, Topic
from cockpit.guard.ws import CLOSE_TOO_SLOW, Connection, Hub
from tests.frozen import frozen_session


class GatedSocket:
    """A client socket that takes a frame only while its gate is open."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.frames: list[dict[str, Any]] = []
        self.closed: tuple[int, bytes] | None = None

    async def send_frame(self, message: bytes, opcode: WSMsgType) -> None:
        await self.gate.wait()
        self.frames.append(orjson.loads(message))

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        self.closed = (code, message)
        return True


def order_message(n: int) -> Message:
    return Message("GatewayUserOrder", Topic.ORDERS, 1, "MNQ", n, {"id": n})


def test_quotes_coalesce_per_symbol_in_the_place_of_the_first() -> None:
    """Many quotes of one symbol while behind hold one place; account events keep order."""
    outbox = Outbox(limit=10)
    outbox.put_quote("MNQ")
    outbox.put(order_message(1))
    for _ in range(500):
        outbox.put_quote("MNQ")
        outbox.put_quote("MES")
    outbox.put(order_message(2))
    items = outbox.take()
    assert items == [Quote("MNQ"), order_message(1), Quote("MES"), order_message(2)]
    assert outbox.coalesced == 999
    outbox.put_quote("MNQ")
    assert outbox.take() == [Quote("MNQ")]


def test_account_events_are_never_dropped_past_the_limit_the_outbox_overflows() -> None:
    """Up to the limit every event is kept; one more and the outbox says it cannot keep up."""
    outbox = Outbox(limit=3)
    assert all(outbox.put(order_message(n)) for n in range(3))
    assert not outbox.overflow
    assert not outbox.put(order_message(3))
    assert "cannot keep up" in outbox.overflow
    assert outbox.take() == [order_message(n) for n in range(3)]


async def until(condition: Callable[[], bool]) -> None:
    """Let the loop run until ``condition`` holds (fails only past a generous deadline)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not condition():
        if loop.time() > deadline:
            pytest.fail("the stalled client's frames never all arrived")
        await asyncio.sleep(0.001)


async def started_guard() -> Guard:
    guard = Guard(frozen_session())
    await guard.start()
    guard.submit(SetArmed(armed=True))
    return guard


async def test_a_stalled_client_gets_the_latest_quote_and_every_order_event() -> None:
    """While the socket is stalled the market moves for many seconds; released, the client
    gets one quote per symbol (the latest) and every order and position event in order."""
    guard = await started_guard()
    hub = Hub(guard, quote_interval=0)  # quotes handed out every loop turn
    socket = GatedSocket()
    connection = hub.open(socket)
    subscribe = {"topics": ["quotes", "orders"], "symbols": ["MNQ"]}
    connection.receive(orjson.dumps({"type": "subscribe", "data": subscribe}))
    writer = asyncio.ensure_future(connection.write())
    moves: list[QuoteUpdated] = []

    def note(seq: int, recv_ns: int, event: Event) -> None:
        if isinstance(event, QuoteUpdated):
            moves.append(event)

    guard.listen(note)
    for _ in range(5):
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
        await guard.session.advance(2)
        await asyncio.sleep(0)  # a loop turn: the hub hands out the quotes that moved
    assert len([m for m in moves if m.symbol == "MNQ"]) > 100
    assert not connection.outbox.overflow
    socket.gate.set()
    await until(lambda: bool(socket.frames) and socket.frames[-1]["seq"] == connection.seq)
    types = [frame["type"] for frame in socket.frames]
    quotes = [frame for frame in socket.frames if frame["type"] == "MarketQuote"]
    latest = hub.view.quote("MNQ")
    assert latest is not None
    assert quotes[-1]["data"] == latest.data
    assert len(quotes) <= 6  # the snapshot's, one per hand-out while stalled, the latest
    orders = [frame for frame in socket.frames if frame["type"] == "GatewayUserOrder"]
    assert len({o["data"]["id"] for o in orders}) == 5
    assert [f["seq"] for f in socket.frames] == list(range(1, len(socket.frames) + 1))
    assert "subscribed" in types
    writer.cancel()
    hub.close()
    await guard.stop()


async def test_a_client_that_cannot_keep_up_is_closed_with_the_reason() -> None:
    """Past its limit of account events the client is closed (4008) saying why; the guard
    folds on undisturbed."""
    guard = await started_guard()
    hub = Hub(guard, outbox_limit=5, quote_interval=0)
    socket = GatedSocket()
    connection: Connection = hub.open(socket)
    connection.receive(orjson.dumps({"type": "subscribe", "data": {"topics": ["orders"]}}))
    writer = asyncio.ensure_future(connection.write())
    for _ in range(4):
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
    assert connection.outbox.overflow
    assert guard.state.position_size("MNQ") == 4
    socket.gate.set()
    await asyncio.wait_for(writer, 10)
    assert socket.closed is not None
    code, reason = socket.closed
    assert code == CLOSE_TOO_SLOW
    assert b"cannot keep up" in reason
    hub.close()
    await guard.stop()
