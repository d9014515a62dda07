"""The guard's local API for scripts, bots and dashboards: REST, ``/ws`` and ``/openapi.json``.

``add_api_routes(app, guard)`` adds them to the app ``web.build_web_app`` makes (whose
middleware checks the token on every HTTP route). Every answer is
``{"status", "data", "message"}``. Bodies are validated by the pydantic models in
``schema.py``: a bad body is 422 naming the field; an order off the tick grid is 422
with the grid's words; a command the engine's gates deny is 409 with the reason, and
never reaches a broker. Reads come from the same :class:`~cockpit.guard.view.View` the
WebSocket speaks, so a position reads the same on both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web
from pydantic import ValidationError

from cockpit.core.instruments import OffTickGrid
from cockpit.core.models import Order
from cockpit.guard.auth import token_ok
from cockpit.guard.daemon import Guard
from cockpit.guard.openapi import openapi_document
from cockpit.guard.schema import (
    ArmBody,
    Body,
    CancelAllBody,
    CommandBody,
    FlattenBody,
    LockoutBody,
    OrderBody,
    first_error,
)
from cockpit.guard.view import iso
from cockpit.guard.web import GUARD, error_reply, reply
from cockpit.guard.ws import (
    QUOTE_INTERVAL_S,
    Hub,
    serve_ws,
    submit_body,
    submit_with_tag,
)

HUB: web.AppKey[Hub] = web.AppKey("hub")
"""The ``/ws`` connections of the app's guard (made by :func:`add_api_routes`)."""

ORDER_ANSWER_SECONDS = 5.0
"""How long ``POST /orders`` waits for the broker's order id before answering without it."""


def add_api_routes(
    app: web.Application,
    guard: Guard,
    *,
    max_clients: int | None = None,
    quote_interval: float = QUOTE_INTERVAL_S,
) -> None:
    """REST, ``/ws`` and ``/openapi.json`` for ``guard``; at most ``max_clients`` on
    ``/ws`` (default: the config's ``[guard] max_clients``)."""
    if max_clients is None:
        max_clients = guard.session.settings.guard.max_clients
    hub = Hub(guard, max_clients=max_clients, quote_interval=quote_interval)
    app[HUB] = hub

    async def close_hub(app: web.Application) -> None:
        hub.close()

    app.on_cleanup.append(close_hub)
    router = app.router
    router.add_get("/ws", _ws)
    router.add_get("/account/summary", _account_summary)
    router.add_get("/positions", _positions)
    router.add_get("/orders", _orders)
    router.add_get("/fills", _fills)
    router.add_get("/risk", _risk)
    router.add_get("/openapi.json", _openapi)
    router.add_post("/orders", _place)
    router.add_post("/flatten", _command_route(FlattenBody))
    router.add_post("/cancel-all", _command_route(CancelAllBody))
    router.add_post("/lockout", _lockout)
    router.add_post("/arm", _command_route(ArmBody))


async def _ws(request: web.Request) -> web.StreamResponse:
    guard = request.app[GUARD]
    return await serve_ws(request, request.app[HUB], lambda r: token_ok(r, guard.token))


# Reads -----------------------------------------------------------------------------------


async def _account_summary(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    message = hub.view.account(hub.now())
    if message is None:
        return error_reply(503, "the broker has not reported the account yet")
    return reply(message.data)


async def _positions(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    now = hub.now()
    positions = hub.guard.state.open_positions()
    return reply([hub.view.position(p, now).data for p in positions])


async def _orders(request: web.Request) -> web.Response:
    """Working orders; ``?status=all`` for every order the guard knows of today."""
    hub = request.app[HUB]
    state = hub.guard.state
    wanted = request.query.get("status", "working")
    if wanted not in ("working", "all"):
        return error_reply(422, "status: working or all")
    orders = list(state.orders.values()) if wanted == "all" else state.working_orders()
    now = hub.now()
    return reply([hub.view.order(order, now).data for order in orders])


async def _fills(request: web.Request) -> web.Response:
    """Every fill of this guard's run, oldest first (each a ``GatewayUserTrade``)."""
    hub = request.app[HUB]
    return reply([hub.view.fill(fill).data for fill in hub.guard.state.fills])


async def _risk(request: web.Request) -> web.Response:
    """The trading state, the banner, and each rule's reading (the R panel)."""
    hub = request.app[HUB]
    guard = hub.guard
    state = guard.state
    risk = guard.session.risk
    now = hub.now()
    rules: list[dict[str, Any]] = []
    banner = None
    if risk is not None:
        for reading in risk.status(state, now):
            rules.append(
                {
                    "rule": reading.rule,
                    "title": reading.title,
                    "limit": reading.limit,
                    "current": reading.current,
                    "headroom": reading.headroom,
                    "level": reading.level.name,
                    "detail": reading.detail,
                }
            )
        shown = risk.banner(state, now)
        banner = shown.text if shown is not None else None
    lockout = state.lockout_until
    data = {
        "state": state.risk_state.value,
        "reason": state.risk_reason,
        "lockout_until": iso(lockout) if lockout is not None and lockout > now else None,
        "banner": banner,
        "dry_run": guard.dry_run,
        "rules": rules,
    }
    return reply(data)


async def _openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


# Commands --------------------------------------------------------------------------------


async def _read_body[B: Body](request: web.Request, model: type[B]) -> B | web.Response:
    """The body as ``model``, or the 422 that names what is wrong (an empty body is ``{}``)."""
    raw = await request.read()
    try:
        data = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        return error_reply(422, "body: not JSON", {"field": "body"})
    if not isinstance(data, dict):
        return error_reply(422, "body: a JSON object is needed", {"field": "body"})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, words = first_error(exc)
        return error_reply(422, words, {"field": field})


def _refused_or_accepted(guard: Guard, body: CommandBody, hub: Hub) -> web.Response:
    verdict, _ = submit_body(guard, body, hub.now())
    if not verdict.accepted:
        return error_reply(409, verdict.reason)
    return reply({"accepted": True}, message=verdict.reason)


async def _place(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    guard = hub.guard
    body = await _read_body(request, OrderBody)
    if isinstance(body, web.Response):
        return body
    spec = guard.state.instruments.get(body.symbol)
    if spec is None:
        return error_reply(422, f"symbol: unknown symbol {body.symbol!r}", {"field": "symbol"})
    for field, price in (("limit_price", body.limit_price), ("stop_price", body.stop_price)):
        problem = _off_grid(spec.to_ticks, price)
        if problem:
            return error_reply(422, f"{field}: {problem}", {"field": field})
    verdict, tag = submit_with_tag(guard, body.command(hub.now()))
    if not verdict.accepted:
        return error_reply(409, verdict.reason)
    try:
        async with asyncio.timeout(ORDER_ANSWER_SECONDS):
            await verdict.done()
    except TimeoutError:
        words = "sent; the broker has not answered yet (follow GatewayUserOrder by tag)"
        return reply({"accepted": True, "tag": tag, "order_id": None}, message=words)
    order = _order_tagged(guard, tag)
    data = {"accepted": True, "tag": tag, "order_id": order.id if order is not None else None}
    return reply(data, message=verdict.reason or "sent")


def _off_grid(to_ticks: Callable[[Decimal], int], price: Decimal | None) -> str:
    if price is None:
        return ""
    try:
        to_ticks(price)
    except OffTickGrid as exc:
        return str(exc)
    return ""


def _order_tagged(guard: Guard, tag: str | None) -> Order | None:
    if tag is None:
        return None
    return next((o for o in guard.state.orders.values() if o.tag == tag), None)


Handler = Callable[[web.Request], Awaitable[web.Response]]


def _command_route(model: type[CommandBody]) -> Handler:
    """A route that reads ``model`` and hands its command to the gates: 200 accepted, 409
    with the risk engine's reason. ``POST /flatten`` starts a flatten (or joins the running
    one) and answers at once, the outcome arriving as events; ``POST /arm`` arms order
    entry for every client, as ``a`` does (without it ``POST /orders`` is 409), and is
    409 without the ``reason`` ``a`` would ask for."""

    async def route(request: web.Request) -> web.Response:
        hub = request.app[HUB]
        body = await _read_body(request, model)
        if isinstance(body, web.Response):
            return body
        return _refused_or_accepted(hub.guard, body, hub)

    return route


async def _lockout(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    body = await _read_body(request, LockoutBody)
    if isinstance(body, web.Response):
        return body
    command = body.command(hub.now())
    verdict, _ = submit_with_tag(hub.guard, command)
    if not verdict.accepted:
        return error_reply(409, verdict.reason)
    return reply({"accepted": True, "until": iso(command.until_ns)}, message=verdict.reason)
