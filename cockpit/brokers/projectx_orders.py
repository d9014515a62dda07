"""Order requests as Gateway bodies, and Gateway refusals in a trader's words.

The body of ``/Order/place`` is exactly what the SDK's own ``place_order`` sends: every
price key present (``null`` when unused), ``customTag`` only when set. The cockpit's
tag rides as ``customTag`` (unique per account at the Gateway), which is how an order
whose submission went unanswered is found again instead of being sent twice. Prices
are already exact ticks, so no tick alignment (and no extra lookups) is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cockpit.core.instruments import Instrument
from cockpit.core.models import OrderRequest

PLACE_ERRORS = {
    1: "account not found",
    2: "order rejected",
    3: "insufficient funds",
    4: "account violation",
    5: "outside trading hours",
    6: "order pending",
    7: "unknown error",
    8: "contract not found",
    9: "contract not active",
    10: "account rejected",
}
CANCEL_ERRORS = {
    1: "account not found",
    2: "order not found",
    3: "rejected",
    4: "pending",
    5: "unknown error",
    6: "account rejected (cancel works on simulated accounts only)",
}
MODIFY_ERRORS = {
    1: "account not found",
    2: "order not found",
    3: "rejected",
    4: "pending",
    5: "unknown error",
    6: "account rejected",
}
CLOSE_ERRORS = {
    1: "account not found",
    2: "position not found",
    3: "contract not found",
    4: "contract not active",
    5: "order rejected",
    6: "order pending",
    7: "unknown error",
    8: "account rejected",
}
PARTIAL_CLOSE_ERRORS = {
    1: "account not found",
    2: "position not found",
    3: "contract not found",
    4: "contract not active",
    5: "invalid close size",
    6: "order rejected",
    7: "order pending",
    8: "unknown error",
    9: "account rejected",
}
ERRORS = {
    "/Order/place": PLACE_ERRORS,
    "/Order/cancel": CANCEL_ERRORS,
    "/Order/modify": MODIFY_ERRORS,
    "/Position/closeContract": CLOSE_ERRORS,
    "/Position/partialCloseContract": PARTIAL_CLOSE_ERRORS,
}


def _price(spec: Instrument, ticks: int | None) -> float | None:
    return None if ticks is None else float(spec.to_price(ticks))


def place_body(
    account_id: int, contract_id: str, spec: Instrument, request: OrderRequest
) -> dict[str, Any]:
    """``/Order/place``: type and side are the Gateway codes the core already uses."""
    body: dict[str, Any] = {
        "accountId": account_id,
        "contractId": contract_id,
        "type": int(request.type),
        "side": int(request.side),
        "size": request.size,
        "limitPrice": _price(spec, request.limit) if request.type.needs_limit else None,
        "stopPrice": _price(spec, request.stop) if request.type.needs_stop else None,
        "trailPrice": None,
    }
    if request.tag:
        body["customTag"] = request.tag
    return body


def modify_body(
    account_id: int,
    order_id: int,
    spec: Instrument,
    *,
    size: int | None,
    limit: int | None,
    stop: int | None,
) -> dict[str, Any]:
    """``/Order/modify``: only the keys that change."""
    body: dict[str, Any] = {"accountId": account_id, "orderId": order_id}
    if size is not None:
        body["size"] = size
    if limit is not None:
        body["limitPrice"] = _price(spec, limit)
    if stop is not None:
        body["stopPrice"] = _price(spec, stop)
    return body


def accepted(answer: Any) -> bool:
    """The Gateway said yes (``success: true``)."""
    return isinstance(answer, Mapping) and answer.get("success") is True


def label(request: OrderRequest) -> str:
    """``BUY 2 ES limit``: how a trader names an order in a message."""
    return f"{request.side.label} {request.size} {request.symbol} {request.type.label}"


def refusal(endpoint: str, answer: Any) -> str:
    """A ``success: false`` answer as one line: the Gateway's message and its coded reason."""
    if not isinstance(answer, Mapping):
        return "the gateway's answer was not readable"
    code = answer.get("errorCode")
    meaning = ERRORS.get(endpoint, {}).get(code, "") if isinstance(code, int) else ""
    message = answer.get("errorMessage") or meaning or "refused"
    suffix = f" (gateway code {code}: {meaning})" if meaning and meaning != message else ""
    if not meaning and code is not None:
        suffix = f" (gateway code {code})"
    return f"{message}{suffix}"
