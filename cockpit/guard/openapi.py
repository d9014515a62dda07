"""``GET /openapi.json``: the REST surface described from the pydantic models it validates with.

pydantic's ``models_json_schema`` gives every body's and answer's JSON Schema; this module
only lays them out as OpenAPI 3.1 paths. That is the part FastAPI would have given; it is
not worth a second web framework beside the aiohttp server the guard (and the gateway
emulator) already run, whose middleware, ``/ws`` and ``/stream`` would all have to move.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from cockpit import __version__
from cockpit.guard.schema import (
    API_VERSION,
    Answer,
    ArmBody,
    CancelAllBody,
    FlattenBody,
    GatewayUserAccount,
    GatewayUserOrder,
    GatewayUserPosition,
    GatewayUserTrade,
    LockoutBody,
    OrderAccepted,
    OrderBody,
    RiskData,
)

REF = "#/components/schemas/{model}"

_READS: dict[str, tuple[str, type[BaseModel], bool]] = {
    "/account/summary": ("The account: balance and the day's P&L", GatewayUserAccount, False),
    "/positions": ("Open positions", GatewayUserPosition, True),
    "/orders": ("Working orders (?status=all for every order of the day)", GatewayUserOrder, True),
    "/fills": ("Every fill of the guard's run, oldest first", GatewayUserTrade, True),
    "/risk": ("The trading state, the banner and each rule's reading", RiskData, False),
}

_COMMANDS: dict[str, tuple[str, type[BaseModel]]] = {
    "/flatten": ("Cancel every working order and close every position", FlattenBody),
    "/cancel-all": ("Cancel every working order (or one symbol's)", CancelAllBody),
    "/lockout": ("Flatten, then lock trading for minutes or until a time", LockoutBody),
    "/arm": ("Arm or disarm order entry (orders need it, as keys do)", ArmBody),
}


def _answer(data: dict[str, Any] | None, description: str) -> dict[str, Any]:
    schema = {
        "allOf": [{"$ref": REF.format(model=Answer.__name__)}],
        "properties": {"data": data if data is not None else {}},
    }
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"$ref": REF.format(model=model.__name__)}


def _errors(*codes: int) -> dict[str, Any]:
    words = {
        401: "missing or wrong token",
        409: "denied by the engine's gates or a risk rule (message: the reason)",
        422: "bad body (message and data.field name the field)",
    }
    return {str(code): _answer(None, words[code]) for code in codes}


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the guard's REST routes."""
    models: list[type[BaseModel]] = [
        Answer,
        OrderBody,
        OrderAccepted,
        FlattenBody,
        CancelAllBody,
        LockoutBody,
        ArmBody,
        GatewayUserAccount,
        GatewayUserPosition,
        GatewayUserOrder,
        GatewayUserTrade,
        RiskData,
    ]
    _, schemas = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    paths: dict[str, Any] = {}
    for path, (summary, model, many) in _READS.items():
        data = {"type": "array", "items": _ref(model)} if many else _ref(model)
        paths[path] = {"get": {"summary": summary, "responses": {"200": _answer(data, "ok")}}}
    paths["/orders"]["post"] = {
        "summary": "Place an order through the same gates as a key",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref(OrderBody)}},
        },
        "responses": {"200": _answer(_ref(OrderAccepted), "sent"), **_errors(409, 422)},
    }
    for path, (summary, body) in _COMMANDS.items():
        paths[path] = {
            "post": {
                "summary": summary,
                "requestBody": {"content": {"application/json": {"schema": _ref(body)}}},
                "responses": {"200": _answer(None, "accepted"), **_errors(409, 422)},
            }
        }
    paths["/status"] = {
        "get": {"summary": "The guard's status", "responses": {"200": _answer(None, "ok")}}
    }
    for item in paths.values():
        for operation in item.values():
            operation["responses"].update(_errors(401))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cockpit guard",
            "version": f"{API_VERSION} (cockpit {__version__})",
            "description": "The guard's local API; the WebSocket /ws is described in docs/api.md.",
        },
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"token": []}],
        "paths": paths,
    }
