"""The REST routes against a real guard: the token, reads in the view's words, orders through
the gates (422 for a bad body, 409 for a denial), flatten, cancel all, lockout, OpenAPI."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.config import Settings
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.models import OrderRequest, Side
from cockpit.guard.schema import GatewayUserAccount, GatewayUserPosition, RiskData
from cockpit.risk.config import MaxOrderSize, RiskSettings
from tests.guard.api_support import running_api
from tests.guard.streaming import earlier_run_made


@pytest.mark.parametrize(
    "path", ["/positions", "/orders", "/fills", "/risk", "/account/summary", "/openapi.json"]
)
async def test_without_the_token_every_route_is_401_in_the_envelope(path: str) -> None:
    """No token: 401 with {"status": "error", "data": null, "message"}."""
    async with running_api() as api:
        async with api.http.get(path) as answer:
            assert answer.status == 401
            body = await answer.json()
        assert body["status"] == "error"
        assert body["data"] is None
        assert "token" in body["message"]
        async with api.http.post("/flatten") as answer:
            assert answer.status == 401


async def test_reads_show_the_position_order_fill_account_and_risk() -> None:
    """After a buy and a resting limit, each read answers in the one envelope and the view's
    words (validated against the schema models)."""
    async with running_api() as api:
        guard = api.guard
        guard.submit(SetArmed(armed=True))
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=2)).done()
        await guard.session.advance(1)
        status, body = await api.get("/positions")
        assert (status, body["status"]) == (200, "ok")
        (position,) = body["data"]
        GatewayUserPosition.model_validate(position)
        assert (position["symbol"], position["size"], position["side"]) == ("MNQ", 2, "LONG")
        _, fills = await api.get("/fills")
        assert [f["size"] for f in fills["data"]] == [2]
        _, account = await api.get("/account/summary")
        GatewayUserAccount.model_validate(account["data"])
        assert account["data"]["fees"] != "0.00"
        _, risk = await api.get("/risk")
        RiskData.model_validate(risk["data"])
        assert risk["data"]["state"] == "ACTIVE"
        assert risk["data"]["rules"][0]["rule"] == "lockout"
        _, orders = await api.get("/orders")
        assert orders["data"] == []
        _, every = await api.get("/orders?status=all")
        assert [o["status"] for o in every["data"]] == ["FILLED"]


async def test_post_orders_validates_the_body_naming_the_field() -> None:
    """A bad body is 422 naming the field; nothing is sent."""
    async with running_api() as api:
        for body, field in [
            ({"symbol": "MNQ", "side": "buy", "size": 0}, "size"),
            ({"symbol": "MNQ", "size": 1}, "side"),
            ({"symbol": "MNQ", "side": "buy", "size": 1, "qty": 2}, "qty"),
            ({"symbol": "MNQ", "side": "buy", "size": 1, "type": "limit"}, "limit_price"),
            ({"symbol": "ZZZ", "side": "buy", "size": 1}, "symbol"),
            ([1], "body"),
        ]:
            status, answer = await api.post("/orders", body)
            assert status == 422, (body, answer)
            assert answer["status"] == "error"
            assert answer["data"]["field"] == field, answer
            assert answer["message"]
        assert api.guard.state.orders == {}


async def test_an_order_off_the_tick_grid_is_refused_with_the_grid_s_words() -> None:
    """21000.10 is not an MNQ price: 422 naming limit_price and the nearest prices."""
    async with running_api() as api:
        api.guard.submit(SetArmed(armed=True))
        body = {
            "symbol": "MNQ",
            "side": "buy",
            "size": 1,
            "type": "limit",
            "limit_price": "21000.10",
        }
        status, answer = await api.post("/orders", body)
        assert status == 422
        assert answer["data"]["field"] == "limit_price"
        assert "off the tick grid" in answer["message"]
        assert "21000.00" in answer["message"]
        assert api.guard.state.orders == {}


async def test_a_denied_order_is_409_with_the_reason_and_never_reaches_the_broker() -> None:
    """Disarmed, then (armed with POST /arm) past the max order size: 409 with the gate's
    reason; the broker's place_order is never called."""
    settings = Settings(risk=RiskSettings(max_order_size=MaxOrderSize(contracts=2)))
    async with running_api(settings) as api:
        guard = api.guard
        sent: list[OrderRequest] = []
        broker = guard.session.broker
        original = broker.place_order

        async def spy(order: OrderRequest) -> int:
            sent.append(order)
            return await original(order)

        broker.place_order = spy  # type: ignore[method-assign]
        status, answer = await api.post("/orders", {"symbol": "MNQ", "side": "buy", "size": 1})
        assert (status, answer["status"]) == (409, "error")
        assert "disarmed" in answer["message"]
        status, armed = await api.post("/arm", {"armed": True})
        assert (status, guard.state.armed) == (200, True), armed
        status, answer = await api.post("/orders", {"symbol": "MNQ", "side": "buy", "size": 3})
        assert status == 409
        assert "2" in answer["message"]
        assert sent == []
        status, answer = await api.post("/orders", {"symbol": "MNQ", "side": "buy", "size": 2})
        assert status == 200, answer
        assert answer["data"]["tag"]
        order = guard.state.orders[answer["data"]["order_id"]]
        assert order.tag == answer["data"]["tag"] == sent[0].tag
        assert [request.size for request in sent] == [2]


async def test_post_flatten_closes_everything_and_cancel_all_cancels_working_orders() -> None:
    """POST /flatten starts the engine's flatten; the guard ends flat. POST /cancel-all
    cancels a resting limit."""
    async with running_api() as api:
        guard = api.guard
        guard.submit(SetArmed(armed=True))
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
        await guard.session.advance(1)
        far = {"symbol": "MES", "side": "buy", "size": 1, "type": "limit", "limit_price": "1000"}
        status, placed = await api.post("/orders", far)
        assert status == 200, placed
        assert len(guard.state.working_orders()) == 1
        status, answer = await api.post("/cancel-all")
        assert (status, answer["status"]) == (200, "ok")
        await guard.session.advance(1)
        assert guard.state.working_orders() == []
        status, answer = await api.post("/flatten", {"reason": "done for the day"})
        assert status == 200
        await guard.session.advance(2)
        assert guard.state.is_flat()


async def test_post_lockout_locks_and_later_orders_are_409() -> None:
    """POST /lockout for 30 minutes: /risk says LOCKED, and an order is denied with the lock."""
    async with running_api() as api:
        guard = api.guard
        guard.submit(SetArmed(armed=True))
        status, answer = await api.post("/lockout", {"minutes": 30, "reason": "tilt"})
        assert status == 200, answer
        assert answer["data"]["until"].endswith("Z")
        await guard.session.advance(1)
        _, risk = await api.get("/risk")
        assert risk["data"]["state"] == "LOCKED"
        assert risk["data"]["lockout_until"] == answer["data"]["until"]
        status, denied = await api.post("/orders", {"symbol": "MNQ", "side": "buy", "size": 1})
        assert status == 409
        assert "lock" in denied["message"].lower()
        status, bad = await api.post("/lockout", {"minutes": 5, "until": "2026-11-20T22:00:00Z"})
        assert (status, bad["data"]["field"]) == (422, "body")


async def test_openapi_is_generated_from_the_models() -> None:
    """/openapi.json is OpenAPI 3.1 with every REST path and the order body's fields."""
    async with running_api() as api:
        status, document = await api.get("/openapi.json")
        assert status == 200
        assert document["openapi"].startswith("3.1")
        assert {"/orders", "/positions", "/flatten", "/lockout", "/arm", "/fills"} <= set(
            document["paths"]
        )
        order = document["components"]["schemas"]["OrderBody"]
        assert {"symbol", "side", "size", "limit_price"} <= set(order["properties"])
        assert "post" in document["paths"]["/orders"]


async def test_status_and_account_summary_add_earlier_runs_day_pnl_as_the_header() -> None:
    """A guard whose earlier run today realized +16.76 the broker does not report again (a
    paper restart): `/status` and `/account/summary` give the day the header shows."""
    async with running_api() as api:
        earlier_run_made(api.guard, Decimal("16.76"))
        _, status = await api.get("/status")
        assert status["data"]["day_pnl"] == "16.76"
        _, account = await api.get("/account/summary")
        assert account["data"]["day_pnl"] == "16.76"
