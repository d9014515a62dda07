"""``/ws`` against a real guard: the token, every error code, snapshot then changes, commands
through the gates, and the connection limit."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from websockets.exceptions import ConnectionClosed

from cockpit.config import GuardSettings, Settings
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.models import OrderRequest, Side
from tests.guard.api_support import receive, receive_until, request, running_api


async def test_connected_then_ping_pong_with_the_request_id_and_seq_counting_per_connection() -> (
    None
):
    """The first message is connected (accounts, version); each reply echoes request_id."""
    async with running_api() as api:
        socket = await api.connect()
        hello = await receive(socket)
        assert hello["type"] == "connected"
        assert hello["seq"] == 1
        assert hello["data"]["accounts"] == api.guard.account_ids()
        assert set(hello) == {"type", "account_id", "seq", "ts", "data"}
        assert hello["ts"].endswith("Z")
        pong = await request(socket, "ping", request_id="p-1")
        assert (pong["type"], pong["seq"], pong["request_id"]) == ("pong", 2, "p-1")
        other = await api.connect()
        assert (await receive(other))["seq"] == 1


@pytest.mark.parametrize("token", [None, "wrong"])
async def test_without_the_token_the_socket_gets_unauthorized_and_close_4401(
    token: str | None,
) -> None:
    """A missing or wrong token: one UNAUTHORIZED error, then the close code 4401."""
    async with running_api() as api:
        socket = await api.connect(token)
        error = await receive(socket)
        assert error["type"] == "error"
        assert error["data"]["code"] == "UNAUTHORIZED"
        with pytest.raises(ConnectionClosed) as closed:
            await receive(socket)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401
        assert len(api.guard.clients) == 0


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ("{not json", "INVALID_MESSAGE"),
        ({"type": "dance"}, "INVALID_MESSAGE"),
        ([1, 2], "INVALID_MESSAGE"),
        ({"type": "subscribe", "data": {"topics": ["gossip"]}}, "INVALID_TOPIC"),
        (
            {"type": "subscribe", "data": {"topics": ["quotes"], "symbols": ["ZZZ"]}},
            "INVALID_SYMBOL",
        ),
        (
            {"type": "subscribe", "data": {"topics": ["orders"], "accounts": [424242]}},
            "INVALID_ACCOUNT",
        ),
        ({"type": "command", "data": {"command": "dance"}}, "INVALID_MESSAGE"),
        ({"type": "command", "data": {"command": "place", "symbol": "MNQ"}}, "INVALID_MESSAGE"),
        (
            {
                "type": "command",
                "data": {"command": "place", "symbol": "MNQ", "side": "buy", "size": 1},
            },
            "COMMAND_REFUSED",
        ),
    ],
)
async def test_each_error_has_its_code_and_the_connection_stays(sent: Any, code: str) -> None:
    """Bad input gets an error event with its code and request_id; a ping still works after."""
    async with running_api() as api:
        socket = await api.connect()
        await receive(socket)
        if isinstance(sent, dict):
            sent["request_id"] = "bad-1"
        await socket.send(sent if isinstance(sent, str) else orjson.dumps(sent).decode())
        error = await receive(socket)
        assert error["type"] == "error", error
        assert error["data"]["code"] == code, error
        assert error["data"]["message"]
        if isinstance(sent, dict):
            assert error["request_id"] == error["data"]["request_id"] == "bad-1"
        assert (await request(socket, "ping"))["type"] == "pong"


async def test_past_max_clients_a_connection_gets_max_connections_exceeded_and_is_closed() -> None:
    """Past [guard] max_clients the limit's error is the connection's last message; those
    already in stay served."""
    settings = Settings(guard=GuardSettings(max_clients=1))
    async with running_api(settings) as api:
        first = await api.connect()
        await receive(first)
        second = await api.connect()
        error = await receive(second)
        assert error["data"]["code"] == "MAX_CONNECTIONS_EXCEEDED"
        with pytest.raises(ConnectionClosed):
            await receive(second)
        assert (await request(first, "ping"))["type"] == "pong"


async def test_positions_subscription_gets_the_snapshot_then_every_change() -> None:
    """An open MNQ long arrives as a snapshot before 'subscribed', then each change live."""
    async with running_api() as api:
        guard = api.guard
        guard.submit(SetArmed(armed=True))
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
        await guard.session.advance(1)
        socket = await api.connect()
        await receive(socket)
        await socket.send(
            orjson.dumps({"type": "subscribe", "data": {"topics": ["positions"]}}).decode()
        )
        before = await receive_until(socket, "subscribed")
        assert [m["type"] for m in before] == ["GatewayUserPosition", "subscribed"]
        snapshot = before[0]["data"]
        assert (snapshot["symbol"], snapshot["size"], snapshot["side"]) == ("MNQ", 1, "LONG")
        assert before[1]["data"]["snapshot"] == 1
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
        await guard.session.advance(1)
        change = await receive(socket)
        assert change["type"] == "GatewayUserPosition"
        assert change["data"]["size"] == 2
        assert change["seq"] == before[-1]["seq"] + 1
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.SELL, size=2)).done()
        await guard.session.advance(1)
        closed = await receive(socket)
        assert (closed["data"]["size"], closed["data"]["side"]) == (0, "FLAT")


async def test_a_symbol_filter_keeps_other_symbols_out() -> None:
    """Subscribed to MES orders only, an MNQ order is never sent; an MES one is."""
    async with running_api() as api:
        guard = api.guard
        guard.submit(SetArmed(armed=True))
        socket = await api.connect()
        await receive(socket)
        answer = await request(socket, "subscribe", {"topics": ["orders"], "symbols": ["MES"]})
        assert answer["data"]["symbols"] == ["MES"]
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
        await guard.submit(PlaceOrder(symbol="MES", side=Side.BUY, size=1)).done()
        await guard.session.advance(1)
        order = await receive(socket)
        assert (order["type"], order["data"]["symbol"]) == ("GatewayUserOrder", "MES")
        assert (await request(socket, "ping"))["seq"] > order["seq"]
        subscriptions = await request(socket, "get_subscriptions")
        assert subscriptions["data"]["topics"] == ["orders"]


async def test_a_refused_place_never_reaches_the_paper_broker() -> None:
    """Locked out, a place command is COMMAND_REFUSED with the risk engine's reason and the
    broker's place_order is never called."""
    async with running_api() as api:
        guard = api.guard
        sent: list[OrderRequest] = []
        broker = guard.session.broker
        original = broker.place_order

        async def spy(order: OrderRequest) -> int:
            sent.append(order)
            return await original(order)

        broker.place_order = spy  # type: ignore[method-assign]
        socket = await api.connect()
        await receive(socket)
        armed = await request(socket, "command", {"command": "arm", "armed": True}, "arm")
        assert armed["type"] == "command_result"
        assert armed["data"]["accepted"] is True
        locked = await request(
            socket, "command", {"command": "lockout", "minutes": 30, "reason": "tilt"}, "lock"
        )
        assert locked["type"] == "command_result"
        place = {"command": "place", "symbol": "MNQ", "side": "buy", "size": 1}
        refused = await request(socket, "command", place, "buy")
        assert refused["data"]["code"] == "COMMAND_REFUSED"
        assert "lock" in refused["data"]["message"].lower()
        await guard.session.advance(1)
        assert sent == []
        assert guard.state.position_size("MNQ") == 0


async def test_an_accepted_place_is_answered_with_its_tag_and_the_order_follows() -> None:
    """Armed, place is accepted with the engine's tag; the order message carries that tag."""
    async with running_api() as api:
        socket = await api.connect()
        await receive(socket)
        await request(socket, "subscribe", {"topics": ["orders", "trades"]})
        await request(socket, "command", {"command": "arm", "armed": True}, "arm")
        place = {"command": "place", "symbol": "MNQ", "side": "sell", "size": 1}
        await socket.send(orjson.dumps({"type": "command", "data": place}).decode())
        seen = await receive_until(socket, "command_result")  # a paper fill may come first
        await api.guard.session.advance(1)
        if not any(m["type"] == "GatewayUserTrade" for m in seen):
            seen += await receive_until(socket, "GatewayUserTrade")
        (result,) = [m for m in seen if m["type"] == "command_result"]
        tag = result["data"]["tag"]
        assert tag
        orders = [m["data"] for m in seen if m["type"] == "GatewayUserOrder"]
        assert orders
        assert {o["tag"] for o in orders} == {tag}
        assert [m["seq"] for m in seen] == sorted(m["seq"] for m in seen)
        assert api.guard.state.position_size("MNQ") == -1


async def test_get_status_says_armed_links_and_clients() -> None:
    """get_status answers daemon_status with the guard's own figures."""
    async with running_api() as api:
        socket = await api.connect()
        await receive(socket)
        status = await request(socket, "get_status")
        assert status["type"] == "daemon_status"
        data = status["data"]
        assert data["clients"] == 1
        assert data["armed"] is False
        assert data["dry_run"] is False
        assert data["guard_seq"] == api.guard.seq
        assert set(data["links"]) == {"market", "account"}


async def test_after_unsubscribe_a_topic_sends_nothing_more() -> None:
    """Unsubscribed from positions, a new position is not sent; a ping still is."""
    async with running_api() as api:
        guard = api.guard
        guard.submit(SetArmed(armed=True))
        socket = await api.connect()
        await receive(socket)
        await request(socket, "subscribe", {"topics": ["positions"]})
        left = await request(socket, "unsubscribe", {"topics": ["positions"]}, "u")
        assert left["data"]["topics"] == []
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
        await guard.session.advance(1)
        pong = await request(socket, "ping", request_id=7)
        assert (pong["type"], pong["request_id"], pong["seq"]) == ("pong", 7, left["seq"] + 1)


async def test_a_stopping_guard_closes_each_socket_saying_why() -> None:
    """guard.stop() tells every /ws client: close 1001 with the reason."""
    async with running_api() as api:
        socket = await api.connect()
        await receive(socket)
        assert api.guard.clients.counts() == {"ws": 1}
        await api.guard.stop("guard stopping (cockpit guard stop)")
        with pytest.raises(ConnectionClosed) as closed:
            await receive(socket)
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
            1001,
            "guard stopping (cockpit guard stop)",
        )
