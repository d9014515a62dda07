"""docs/api.md shows every message the guard sends, with the fields it really sends: each
example is parsed and compared with a real message of its type from a running guard."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from cockpit.core.clock import NS_PER_SECOND, FakeClock
from cockpit.core.commands import PlaceOrder
from cockpit.core.models import Side
from cockpit.core.tradingday import trading_day_end
from cockpit.guard.schema import MESSAGE_DATA, ClientMessage, Envelope
from tests.guard.api_support import receive, running_api

DOC = Path(__file__).parents[2] / "docs" / "api.md"
EXAMPLE = re.compile(r"^### `(\w+)`\n.*?```json\n(.*?)```", re.DOTALL | re.MULTILINE)


def documented() -> dict[str, dict[str, Any]]:
    return {kind: orjson.loads(body) for kind, body in EXAMPLE.findall(DOC.read_text())}


async def real_messages() -> dict[str, dict[str, Any]]:
    """One real message of every type, from a guard taken through a trading day: a
    subscription, commands, a refusal, a bad topic, a lockout and its end, the day's end."""
    seen: dict[str, dict[str, Any]] = {}
    async with running_api() as api:
        guard = api.guard
        socket = await api.connect()

        async def send(kind: str, data: dict[str, Any], request_id: str) -> None:
            ClientMessage.model_validate({"type": kind, "data": data, "request_id": request_id})
            await socket.send(orjson.dumps({"type": kind, "data": data, "request_id": request_id}))

        async def take(until: str) -> None:
            while True:
                message = await receive(socket)
                seen.setdefault(message["type"], message)
                if message["type"] == until:
                    return

        await take("connected")
        await send("ping", {}, "p1")
        await take("pong")
        everything = ["quotes", "positions", "orders", "trades", "account", "risk"]
        everything += ["lockouts", "enforcement", "status"]
        await send("subscribe", {"topics": everything}, "s1")
        await take("subscribed")
        await send("command", {"command": "arm", "armed": True}, "c1")
        await take("command_result")
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
        await guard.session.advance(1)
        await take("GatewayUserPosition")
        await send("get_subscriptions", {}, "g1")
        await take("subscriptions")
        await send("subscribe", {"topics": ["bogus"]}, "e1")
        await take("error")
        await send("command", {"command": "lockout", "minutes": 1, "reason": "tilt"}, "l1")
        await take("lockout_set")
        await send("command", {"command": "place", "symbol": "MNQ", "side": "buy", "size": 1}, "x")
        await take("order_denied")
        await guard.session.advance(61)
        await take("lockout_cleared")
        await send("unsubscribe", {"topics": ["quotes"]}, "u1")
        await take("unsubscribed")
        clock = guard.session.clock
        assert isinstance(clock, FakeClock)
        # The day ends: the clock passes 17:00 CT and the guard ticks, as it does live. The
        # market is not played up to it (seven hours of quotes take minutes).
        clock.set(trading_day_end(clock.now_ns()) + NS_PER_SECOND)
        guard.tick()
        await take("daily_reset")
    return seen


async def test_every_message_type_is_documented_with_the_fields_it_really_has() -> None:
    """Each docs/api.md example has the envelope and data keys of a real message of its
    type, both validate against the schema model, and no type goes undocumented."""
    examples = documented()
    real = await real_messages()
    assert set(examples) == set(MESSAGE_DATA), "docs/api.md and schema.MESSAGE_DATA differ"
    assert set(MESSAGE_DATA) <= set(real), f"never seen: {set(MESSAGE_DATA) - set(real)}"
    for kind, example in examples.items():
        message = real[kind]
        assert set(example) == set(message), kind
        assert set(example["data"]) == set(message["data"]), kind
        Envelope.model_validate(example)
        Envelope.model_validate(message)
        model = MESSAGE_DATA[kind]
        model.model_validate(example["data"])
        model.model_validate(message["data"])
        assert example["type"] == kind
