"""The REST endpoints project-x-py 4.4.1 calls, with the Gateway's envelopes and codes.

Every endpoint is a POST with a JSON body (``GET /Status/ping`` aside) and answers HTTP
200 with ``success``/``errorCode``/``errorMessage`` plus its payload; a business failure
is still HTTP 200 with ``success: false``. A missing or dead token is HTTP 401. Each call
is logged with its exact body (the login's user name and key masked) and kept in
:attr:`Rest.requests` for the admin endpoint and the tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from aiohttp import web

from cockpit.core.instruments import Instrument, OffTickGrid
from cockpit.core.isotime import ns_from_iso
from cockpit.core.models import OrderRequest, OrderStatus, OrderType, Side
from cockpit.gateway import render
from cockpit.gateway.faults import FaultBook, endpoint_key
from cockpit.gateway.hubs import bearer
from cockpit.gateway.tokens import TokenBook
from cockpit.gateway.venue import Rejection, Venue

log = logging.getLogger("cockpit.gateway.rest")

PUBLIC = frozenset({"/auth/loginkey", "/status/ping"})
REJECT_TEXT = {
    1: "Account not found",
    2: "Order rejected",
    3: "Insufficient funds",
    4: "Account violation",
    5: "Outside trading hours",
    6: "Order pending",
    7: "Unknown error",
    8: "Contract not found",
    9: "Contract not active",
    10: "Account rejected",
}
UNIT_SECONDS = {1: 1, 2: 60, 3: 3600, 4: 86_400}
MAX_BARS = 20_000


@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    path: str
    status: int
    body: str
    """The request body exactly as sent (login secrets masked)."""


class BadRequest(Exception):
    """A body the endpoint cannot read (HTTP 400, like ASP.NET model binding)."""


Handler = Callable[[dict[str, Any]], dict[str, Any] | str]


class Rest:
    """Routes ``/api/*`` to the venue, with auth, fault injection and the request log."""

    def __init__(
        self, venue: Venue, tokens: TokenBook, faults: FaultBook, api_key: str | None = None
    ) -> None:
        self.venue = venue
        self.tokens = tokens
        self.faults = faults
        self.api_key = api_key
        self.requests: deque[RequestRecord] = deque(maxlen=2000)
        self.routes: dict[str, Handler] = {
            "/auth/loginkey": self.login,
            "/auth/validate": self.validate,
            "/auth/logout": self.logout,
            "/status/ping": lambda body: "pong",
            "/account/search": self.account_search,
            "/contract/search": self.contract_search,
            "/contract/searchbyid": self.contract_by_id,
            "/contract/available": self.contract_available,
            "/history/retrievebars": self.retrieve_bars,
            "/order/place": self.place,
            "/order/cancel": self.cancel,
            "/order/modify": self.modify,
            "/order/search": self.order_search,
            "/order/searchopen": self.order_search_open,
            "/order/searchbyid": self.order_by_id,
            "/order/v2/query": self.order_query,
            "/position/searchopen": self.position_search_open,
            "/position/closecontract": self.close_contract,
            "/position/partialclosecontract": self.partial_close,
            "/trade/search": self.trade_search,
        }
        self._token: str | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        key = endpoint_key(request.match_info["tail"])
        handler = self.routes.get(key)
        raw = await request.text()
        shown = self._shown(key, raw)
        if handler is None:
            return self._record(request, 404, shown, web.Response(status=404))
        if key not in PUBLIC and self.tokens.user(bearer(request)) is None:
            return self._record(request, 401, shown, web.Response(status=401))
        error = self.faults.http_error(key)
        delay = self.faults.delay(key)
        if error is not None and not error.after:
            return self._record(request, error.status, shown, _error(error.status))
        if delay is not None and not delay.after:
            await asyncio.sleep(delay.seconds)
        try:
            body = orjson.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise BadRequest("the body must be a JSON object")
            self._token = bearer(request)
            result: dict[str, Any] | str = handler(body)
        except (orjson.JSONDecodeError, BadRequest) as exc:
            response = web.json_response({"title": "Bad Request", "detail": str(exc)}, status=400)
            return self._record(request, 400, shown, response)
        except Rejection as rejection:
            result = render.failure(rejection.code, rejection.message)
        if delay is not None and delay.after:
            await asyncio.sleep(delay.seconds)
        if error is not None:
            return self._record(request, error.status, shown, _error(error.status))
        return self._record(request, 200, shown, web.json_response(result, dumps=_dumps))

    def _shown(self, key: str, raw: str) -> str:
        if key != "/auth/loginkey":
            return raw
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return "<unreadable login body>"
        if not isinstance(body, dict):
            return "<unreadable login body>"
        return orjson.dumps({k: "***" for k in body}).decode()

    def _record(
        self, request: web.Request, status: int, shown: str, response: web.StreamResponse
    ) -> web.StreamResponse:
        self.requests.append(RequestRecord(request.method, request.path, status, shown))
        log.info("%s %s %s %s", request.method, request.path, status, shown)
        return response

    # Auth ----------------------------------------------------------------------------

    def login(self, body: dict[str, Any]) -> dict[str, Any]:
        user, key = body.get("userName"), body.get("apiKey")
        if not isinstance(user, str) or not user or not isinstance(key, str) or not key:
            return render.failure(3, "userName and apiKey are required", token=None)
        if self.api_key is not None and key != self.api_key:
            return render.failure(3, "invalid credentials", token=None)
        return render.envelope(token=self.tokens.issue(user))

    def validate(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self.tokens.user(self._token)
        assert user is not None  # the dispatcher checked the token
        return render.envelope(newToken=self.tokens.issue(user))

    def logout(self, body: dict[str, Any]) -> dict[str, Any]:
        if self._token:
            self.tokens.revoke(self._token)
        return render.envelope()

    # Accounts and contracts ----------------------------------------------------------

    def account_search(self, body: dict[str, Any]) -> dict[str, Any]:
        return render.envelope(accounts=[render.account(a) for a in self.venue.accounts()])

    def contract_search(self, body: dict[str, Any]) -> dict[str, Any]:
        """The active month of each matching root only, as the Gateway answers."""
        text = body.get("searchText")
        if not isinstance(text, str):
            raise BadRequest("searchText is required")
        return render.envelope(contracts=self.venue.contracts.search(text))

    def contract_available(self, body: dict[str, Any]) -> dict[str, Any]:
        return render.envelope(contracts=self.venue.contracts.available())

    def contract_by_id(self, body: dict[str, Any]) -> dict[str, Any]:
        """Any known month, the inactive ones with ``activeContract: false``."""
        listing = self.venue.contracts.get(body.get("contractId"))
        if listing is None:
            return render.failure(1, "Contract not found", contract=None)
        return render.envelope(contract=listing.row)

    def retrieve_bars(self, body: dict[str, Any]) -> dict[str, Any]:
        listing = self.venue.contracts.get(body.get("contractId"))
        if listing is None:
            return render.failure(1, "Contract not found", bars=[])
        unit, number = body.get("unit"), body.get("unitNumber")
        if unit not in UNIT_SECONDS:
            return render.failure(2, f"unit {unit!r} is not served", bars=[])
        if not isinstance(number, int) or number <= 0:
            return render.failure(3, f"unitNumber {number!r} is invalid", bars=[])
        limit = body.get("limit", MAX_BARS)
        if not isinstance(limit, int) or not 0 < limit <= MAX_BARS:
            return render.failure(4, f"limit {limit!r} must be 1..{MAX_BARS}", bars=[])
        start = _time(body.get("startTime"), "startTime")
        end = _time(body.get("endTime"), "endTime")
        partial = bool(body.get("includePartialBar", False))
        seconds = UNIT_SECONDS[unit] * number
        bars = self.venue.bars(listing.symbol, seconds, start, end, limit, partial, listing.spread)
        return render.envelope(bars=bars)

    # Orders --------------------------------------------------------------------------

    def place(self, body: dict[str, Any]) -> dict[str, Any]:
        account_id = body.get("accountId")
        self.venue.ledger(account_id)
        symbol = self.venue.tradable(body.get("contractId"))
        spec = self.venue.specs[symbol]
        reject = self.faults.reject()
        if reject is not None:
            raise Rejection(reject.code, reject.message or REJECT_TEXT[reject.code])
        kind = _code(OrderType, body.get("type"), "order type")
        side = _code(Side, body.get("side"), "side")
        size = body.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise Rejection(2, f"size {size!r} must be a positive whole number")
        if kind is OrderType.TRAILING_STOP:
            raise Rejection(2, "trailing stops are not supported by the emulator")
        if body.get("stopLossBracket") or body.get("takeProfitBracket"):
            raise Rejection(2, "brackets need the account in Auto OCO Brackets mode")
        limit = _ticks(spec, body.get("limitPrice"), "limitPrice") if kind.needs_limit else None
        stop = _ticks(spec, body.get("stopPrice"), "stopPrice") if kind.needs_stop else None
        tag = body.get("customTag")
        request = OrderRequest(symbol, side, kind, size, limit, stop, tag if tag else None)
        order = self.venue.place(account_id, request)
        return render.envelope(orderId=order.id)

    def cancel(self, body: dict[str, Any]) -> dict[str, Any]:
        self.venue.cancel(body.get("accountId"), body.get("orderId"))
        return render.envelope()

    def modify(self, body: dict[str, Any]) -> dict[str, Any]:
        account_id = body.get("accountId")
        ledger = self.venue.ledger(account_id)
        order_id = body.get("orderId")
        order = ledger.paper.orders.get(order_id) if isinstance(order_id, int) else None
        if order is None:
            raise Rejection(2, f"order {order_id!r} not found")
        spec = self.venue.specs[order.symbol]
        size = body.get("size")
        if size is not None and (not isinstance(size, int) or size <= 0):
            raise Rejection(3, f"size {size!r} must be a positive whole number")
        limit = _ticks(spec, body["limitPrice"], "limitPrice") if "limitPrice" in body else None
        stop = _ticks(spec, body["stopPrice"], "stopPrice") if "stopPrice" in body else None
        self.venue.modify(account_id, order.id, size, limit, stop)
        return render.envelope()

    def _orders(self, account_id: Any) -> list[Any]:
        return list(self.venue.ledger(account_id).paper.orders.values())

    def order_search(self, body: dict[str, Any]) -> dict[str, Any]:
        start = _time(body.get("startTimestamp"), "startTimestamp")
        end = _time(body.get("endTimestamp"), "endTimestamp", default=None)
        orders = [
            self.venue.order_json(o)
            for o in self._orders(body.get("accountId"))
            if o.created_ns >= start and (end is None or o.created_ns <= end)
        ]
        return render.envelope(orders=orders)

    def order_search_open(self, body: dict[str, Any]) -> dict[str, Any]:
        orders = [
            self.venue.order_json(o)
            for o in self._orders(body.get("accountId"))
            if o.status.is_working and o.status is not OrderStatus.SUSPENDED
        ]
        return render.envelope(orders=orders)

    def order_by_id(self, body: dict[str, Any]) -> dict[str, Any]:
        ledger = self.venue.ledger(body.get("accountId"))
        order_id = body.get("orderId")
        order = ledger.paper.orders.get(order_id) if order_id is not None else None
        if order is None:
            return render.failure(1, "Order not found", order=None)
        return render.envelope(order=self.venue.order_json(order))

    def order_query(self, body: dict[str, Any]) -> dict[str, Any]:
        where = body.get("filter")
        if not isinstance(where, dict):
            raise BadRequest("filter is required")
        statuses = where.get("statuses")
        contract = where.get("contractId")
        orders = [
            o
            for o in self._orders(where.get("accountId"))
            if (not statuses or int(o.status) in statuses)
            and (contract is None or self.venue.contract_ids.get(o.symbol) == contract)
        ]
        size = body.get("pageSize", 50)
        offset = body.get("pageOffset", 0)
        page = orders[offset : offset + size] if isinstance(size, int) else orders
        return render.envelope(orders=[self.venue.order_json(o) for o in page])

    # Positions and fills -------------------------------------------------------------

    def position_search_open(self, body: dict[str, Any]) -> dict[str, Any]:
        return render.envelope(positions=self.venue.open_positions(body.get("accountId")))

    def close_contract(self, body: dict[str, Any]) -> dict[str, Any]:
        self.venue.ledger(body.get("accountId"))
        symbol = self.venue.tradable(body.get("contractId"))
        self.venue.close(body["accountId"], symbol, None)
        return render.envelope()

    def partial_close(self, body: dict[str, Any]) -> dict[str, Any]:
        self.venue.ledger(body.get("accountId"))
        symbol = self.venue.tradable(body.get("contractId"))
        size = body.get("size")
        if not isinstance(size, int) or isinstance(size, bool):
            raise Rejection(5, f"close size {size!r} must be a whole number")
        self.venue.close(body["accountId"], symbol, size)
        return render.envelope()

    def trade_search(self, body: dict[str, Any]) -> dict[str, Any]:
        ledger = self.venue.ledger(body.get("accountId"))
        start = _time(body.get("startTimestamp"), "startTimestamp")
        end = _time(body.get("endTimestamp"), "endTimestamp", default=None)
        trades = [
            render.trade(f, self.venue.specs[f.symbol], self.venue.contract_ids[f.symbol])
            for f in ledger.fills
            if f.ts >= start and (end is None or f.ts <= end)
        ]
        return render.envelope(trades=trades)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _error(status: int) -> web.Response:
    if status == 401:
        return web.Response(status=401)
    if status == 429:
        return web.Response(status=429, text="Too Many Requests", headers={"Retry-After": "60"})
    return web.Response(status=status, text="Internal Server Error (fault injection)")


def _code[E: (OrderType, Side)](kind: type[E], value: Any, name: str) -> E:
    try:
        return kind(value)
    except (ValueError, TypeError):
        raise Rejection(2, f"unknown {name} {value!r}") from None


def _ticks(spec: Instrument, value: Any, name: str) -> int:
    if value is None or isinstance(value, bool):
        raise Rejection(2, f"{name} is required for this order type")
    try:
        return spec.to_ticks(Decimal(str(value)))
    except OffTickGrid as exc:
        raise Rejection(2, str(exc)) from None
    except InvalidOperation:
        raise Rejection(2, f"{name} {value!r} is not a price") from None


_MISSING: Any = object()


def _time(value: Any, name: str, default: Any = _MISSING) -> Any:
    if value is None and default is not _MISSING:
        return default
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be an ISO-8601 time")
    try:
        return ns_from_iso(value)
    except ValueError:
        raise BadRequest(f"{name} {value!r} is not an ISO-8601 time") from None
