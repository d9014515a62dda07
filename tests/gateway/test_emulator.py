"""The emulator on the wire, without the SDK: SignalR framing exactly as pysignalr reads it,
REST envelopes and codes, idempotent subscriptions, loopback only, never silent, and
fault injection through the admin endpoint and scenario files."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from cockpit.gateway.faults import ScenarioError, load_scenario, parse_fault
from cockpit.gateway.server import GatewayServer
from cockpit.gateway.signalr import RS
from tests.gateway.conftest import API_KEY, options


@pytest.fixture
async def http(gateway: GatewayServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=gateway.url) as session:
        yield session


async def login(http: aiohttp.ClientSession, key: str = API_KEY) -> dict[str, Any]:
    async with http.post("/api/Auth/loginKey", json={"userName": "u", "apiKey": key}) as reply:
        return await reply.json()


async def call(
    http: aiohttp.ClientSession, token: str, path: str, body: dict[str, Any]
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post(f"/api{path}", json=body, headers=headers) as reply:
        text = await reply.text()
        readable = reply.content_type == "application/json" and text
        return reply.status, (orjson.loads(text) if readable else text)


async def hub(
    http: aiohttp.ClientSession, name: str, token: str
) -> aiohttp.ClientWebSocketResponse:
    """Negotiate and open a hub the way pysignalr does, handshake included."""
    async with http.post(f"/hubs/{name}/negotiate?access_token={token}") as reply:
        assert reply.status == 200
        negotiated = await reply.json()
    ws = await http.ws_connect(f"/hubs/{name}?access_token={token}&id={negotiated['connectionId']}")
    await ws.send_str('{"protocol": "json", "version": 1}' + RS)
    assert (await ws.receive_str(timeout=5)) == "{}" + RS
    return ws


def market_order(gateway: GatewayServer, **extra: Any) -> dict[str, Any]:
    contract = gateway.venue.contract_ids["ES"]
    body = {"accountId": 4001, "contractId": contract, "type": 2, "side": 0, "size": 1}
    return body | {"limitPrice": None, "stopPrice": None, "trailPrice": None} | extra


async def invoke(ws: aiohttp.ClientWebSocketResponse, target: str, *args: Any) -> None:
    message = {"target": target, "arguments": list(args), "type": 1, "headers": {}}
    await ws.send_str(orjson.dumps(message).decode() + RS)


async def messages(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> list[dict[str, Any]]:
    """Everything the hub sends for a while, split on the record separator."""
    out: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (left := end - loop.time()) > 0:
        try:
            frame = await ws.receive_str(timeout=left)
        except TimeoutError:
            break
        assert frame.endswith(RS)
        out += [orjson.loads(part) for part in frame.split(RS) if part]
    return out


async def test_it_listens_on_loopback_only(gateway: GatewayServer) -> None:
    """The bound socket is 127.0.0.1, whatever the port."""
    assert gateway.url.startswith("http://127.0.0.1:")
    assert gateway._runner is not None
    hosts = {s.getsockname()[0] for site in gateway._runner.sites for s in site._server.sockets}  # type: ignore[union-attr]
    assert hosts == {"127.0.0.1"}


async def test_a_wrong_key_fails_login_with_the_gateways_envelope(
    http: aiohttp.ClientSession,
) -> None:
    """HTTP 200, success false, code 3, null token; the right key gets a JWT-shaped token."""
    refused = await login(http, "nope-nope-nope")
    assert refused == {
        "success": False,
        "errorCode": 3,
        "errorMessage": "invalid credentials",
        "token": None,
    }
    granted = await login(http)
    assert granted["success"]
    assert granted["token"].count(".") == 2


async def test_calls_without_a_live_token_are_401(
    gateway: GatewayServer, http: aiohttp.ClientSession
) -> None:
    """REST, negotiate and the WebSocket upgrade all refuse a missing or dead token."""
    status, _ = await call(http, "bogus", "/Account/search", {"onlyActiveAccounts": True})
    assert status == 401
    token = (await login(http))["token"]
    gateway.tokens.expire_all()
    status, _ = await call(http, token, "/Account/search", {"onlyActiveAccounts": True})
    assert status == 401
    async with http.post(f"/hubs/user/negotiate?access_token={token}") as reply:
        assert reply.status == 401
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await http.ws_connect(f"/hubs/user?access_token={token}&id=x")


async def test_hub_messages_are_exactly_what_pysignalr_accepts(
    gateway: GatewayServer, http: aiohttp.ClientSession
) -> None:
    """Invocations carry only type, target and arguments; quotes and print lists per contract."""
    token = (await login(http))["token"]
    ws = await hub(http, "market", token)
    contract = gateway.venue.contract_ids["ES"]
    for target in ("SubscribeContractQuotes", "SubscribeContractTrades", "Heartbeat"):
        await invoke(ws, target, contract)
    got = [m for m in await messages(ws, 1.0) if m.get("type") == 1]
    assert {m["target"] for m in got} == {"GatewayQuote", "GatewayTrade"}
    assert all(set(m) == {"type", "target", "arguments"} for m in got)
    quote = next(m for m in got if m["target"] == "GatewayQuote")["arguments"]
    assert quote[0] == contract
    assert quote[1]["symbol"] == "F.US.EP"
    assert "bestBid" in quote[1]
    assert "bidSize" not in quote[1]
    prints = next(m for m in got if m["target"] == "GatewayTrade")["arguments"]
    assert isinstance(prints[1], list)
    assert prints[1][0]["symbolId"] == "F.US.EP"
    await ws.close()


async def test_subscriptions_are_sets_so_events_arrive_once(
    gateway: GatewayServer, http: aiohttp.ClientSession
) -> None:
    """The SDK subscribes twice; an order still produces one event per status."""
    token = (await login(http))["token"]
    ws = await hub(http, "user", token)
    for _ in range(2):
        for target in ("SubscribeOrders", "SubscribeTrades", "SubscribePositions"):
            await invoke(ws, target, 4001)
        await invoke(ws, "SubscribeAccounts")
    await asyncio.sleep(0.1)
    body = market_order(gateway)
    status, answer = await call(http, token, "/Order/place", body)
    assert status == 200
    assert answer["success"]
    got = await messages(ws, 0.5)
    targets = [m["target"] for m in got if m.get("type") == 1]
    assert targets.count("GatewayUserOrder") == 2  # open, then filled
    assert targets.count("GatewayUserTrade") == 1
    assert targets.count("GatewayUserPosition") == 1
    assert targets.count("GatewayUserAccount") == 1
    await ws.close()


async def test_a_frozen_market_still_sends_a_quote_every_few_seconds(
    gateway: GatewayServer, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no market activity at all, subscribed contracts keep getting quotes."""
    monkeypatch.setattr(gateway.venue, "pump", lambda until: ({}, set()))
    token = (await login(http))["token"]
    ws = await hub(http, "market", token)
    await invoke(ws, "SubscribeContractQuotes", gateway.venue.contract_ids["MNQ"])
    quotes = [m for m in await messages(ws, 1.0) if m.get("target") == "GatewayQuote"]
    assert len(quotes) >= 3  # the first snapshot, then one per 0.25 s of quiet
    await ws.close()


async def test_the_exact_order_body_is_logged_and_kept(
    gateway: GatewayServer, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """Each REST call is logged with its body as sent; the login's secrets are masked."""
    caplog.set_level("INFO", logger="cockpit.gateway")
    token = (await login(http))["token"]
    raw = (
        '{"accountId":4001,"contractId":"CON.F.US.MNQ.Z26","type":2,"side":1,"size":1,'
        '"limitPrice":null,"stopPrice":null,"trailPrice":null}'
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with http.post("/api/Order/place", data=raw, headers=headers) as reply:
        assert (await reply.json())["success"]
    assert f"POST /api/Order/place 200 {raw}" in caplog.text
    login_line = next(r for r in gateway.rest.requests if r.path == "/api/Auth/loginKey")
    assert login_line.body == '{"userName":"***","apiKey":"***"}'
    assert API_KEY not in caplog.text
    assert token not in caplog.text


async def test_history_is_newest_first_with_the_gateways_codes(
    gateway: GatewayServer, http: aiohttp.ClientSession
) -> None:
    """retrieveBars answers newest first within the limit; bad units have their codes."""
    token = (await login(http))["token"]
    contract = gateway.venue.contract_ids["ES"]
    body = {"contractId": contract, "live": False, "startTime": "2000-01-01T00:00:00Z",
            "endTime": "2100-01-01T00:00:00Z", "unit": 2, "unitNumber": 5, "limit": 10,
            "includePartialBar": False}  # fmt: skip
    _, answer = await call(http, token, "/History/retrieveBars", body)
    times = [bar["t"] for bar in answer["bars"]]
    assert len(times) == 10
    assert times == sorted(times, reverse=True)
    _, bad = await call(http, token, "/History/retrieveBars", dict(body, unit=6))
    assert (bad["success"], bad["errorCode"]) == (False, 2)
    _, bad = await call(http, token, "/History/retrieveBars", dict(body, contractId="CON.X"))
    assert (bad["success"], bad["errorCode"]) == (False, 1)


def months(gateway: GatewayServer, symbol: str) -> tuple[str, str]:
    """The symbol's front month and the next one, as the venue knows them."""
    front = gateway.venue.contract_ids[symbol]
    root = front.rsplit(".", 1)[0] + "."
    later = [row["id"] for row in gateway.venue.listed if row["id"].startswith(root)]
    later.remove(front)
    assert len(later) == 1
    return front, later[0]


async def test_searches_list_only_the_active_month_of_each_root(
    gateway: GatewayServer, http: aiohttp.ClientSession
) -> None:
    """Search and available answer one active contract per root; by id, later months too,
    marked inactive (the Gateway's documented answers)."""
    token = (await login(http))["token"]
    front, later = months(gateway, "MNQ")
    _, found = await call(http, token, "/Contract/search", {"searchText": "MNQ", "live": False})
    assert [(c["id"], c["activeContract"]) for c in found["contracts"]] == [(front, True)]
    _, available = await call(http, token, "/Contract/available", {"live": False})
    rows = available["contracts"]
    assert sorted(c["id"] for c in rows) == sorted(gateway.venue.contract_ids.values())
    assert all(c["activeContract"] for c in rows)
    _, by_id = await call(http, token, "/Contract/searchById", {"contractId": later})
    assert (by_id["contract"]["id"], by_id["contract"]["activeContract"]) == (later, False)
    _, missing = await call(http, token, "/Contract/searchById", {"contractId": "CON.F.US.X.Z26"})
    assert (missing["success"], missing["errorCode"], missing["contract"]) == (False, 1, None)


async def test_a_later_month_is_served_at_a_calendar_spread(
    gateway: GatewayServer, http: aiohttp.ClientSession
) -> None:
    """The next month's bars are the front month's plus its spread, and its quotes and
    prints arrive on the market hub for whoever subscribes."""
    token = (await login(http))["token"]
    front, later = months(gateway, "MNQ")
    body = {"live": False, "startTime": "2000-01-01T00:00:00Z", "unit": 2, "unitNumber": 1,
            "endTime": "2100-01-01T00:00:00Z", "limit": 5, "includePartialBar": False}  # fmt: skip
    _, near = await call(http, token, "/History/retrieveBars", dict(body, contractId=front))
    _, far = await call(http, token, "/History/retrieveBars", dict(body, contractId=later))
    assert far["success"]
    assert [b["t"] for b in far["bars"]] == [b["t"] for b in near["bars"]]
    pairs = zip(far["bars"], near["bars"], strict=True)
    spreads = {f[key] - n[key] for f, n in pairs for key in "ohlc"}
    assert len(spreads) == 1
    assert spreads.pop() > 0  # a later month trades at a premium (carry)
    ws = await hub(http, "market", token)
    await invoke(ws, "SubscribeContractQuotes", later)
    await invoke(ws, "SubscribeContractTrades", later)
    got = [m for m in await messages(ws, 1.0) if m.get("type") == 1]
    assert {m["target"] for m in got} == {"GatewayQuote", "GatewayTrade"}
    assert {m["arguments"][0] for m in got} == {later}
    await ws.close()


async def test_a_later_month_is_refused_with_contract_not_active(
    gateway: GatewayServer, http: aiohttp.ClientSession
) -> None:
    """An order or a close on an inactive month is errorCode 9 naming the active one."""
    token = (await login(http))["token"]
    front, later = months(gateway, "ES")
    _, placed = await call(http, token, "/Order/place", market_order(gateway, contractId=later))
    assert (placed["success"], placed["errorCode"]) == (False, 9)
    assert front in placed["errorMessage"]
    close = {"accountId": 4001, "contractId": later}
    _, closed = await call(http, token, "/Position/closeContract", close)
    assert (closed["success"], closed["errorCode"]) == (False, 9)
    assert gateway.venue.ledgers[4001].paper.orders == {}


async def test_a_500_after_processing_still_places_the_order(
    gateway: GatewayServer, http: aiohttp.ClientSession
) -> None:
    """The dangerous case for a client: the order exists although the answer was an error."""
    token = (await login(http))["token"]
    await gateway.apply(
        parse_fault({"fault": "http_error", "endpoint": "Order/place", "after": True})
    )
    body = market_order(gateway, customTag="t-1")
    status, _ = await call(http, token, "/Order/place", body)
    assert status == 500
    assert [o.tag for o in gateway.venue.ledgers[4001].paper.orders.values()] == ["t-1"]
    _, again = await call(http, token, "/Order/place", body)
    assert (again["success"], again["errorCode"]) == (False, 2)  # customTag is unique


async def test_the_admin_endpoint_takes_faults_and_explains_bad_ones(
    http: aiohttp.ClientSession,
) -> None:
    """A bad fault is a 400 listing the kinds; a good one is reported in force."""
    async with http.post("/admin/faults", json={"fault": "meteor"}) as reply:
        assert reply.status == 400
        assert "drop_hub" in (await reply.json())["error"]
    async with http.post("/admin/faults", json={"fault": "reject", "code": 4}) as reply:
        assert (await reply.json())["ok"]
    async with http.get("/admin/state") as reply:
        state = await reply.json()
    assert any("reject" in fault for fault in state["faults"])
    assert state["accounts"][0]["name"] == "PRACTICE-50K"
    async with http.delete("/admin/faults") as reply:
        assert (await reply.json())["active"] == []


def test_a_scenario_file_is_validated_with_clear_errors(tmp_path: Path) -> None:
    """Steps are sorted by time; a bad step names its number and the problem."""
    good = tmp_path / "good.toml"
    good.write_text(
        '[[steps]]\nat = 5\nfault = "silent"\nseconds = 2\n'
        '[[steps]]\nat = 1\nfault = "drop_hub"\nhub = "user"\n'
    )
    assert [s.fault.fault for s in load_scenario(good)] == ["drop_hub", "silent"]
    for text, problem in (
        ('[[steps]]\nfault = "silent"\n', "step 1: 'at'"),
        ('[[steps]]\nat = 1\nfault = "meteor"\n', "step 1: bad fault"),
        ('[[steps]]\nat = 1\nfault = "silent"\nloud = true\n', "loud"),
        ("not toml [", "not valid TOML"),
        ("x = 1\n", re.escape("[[steps]]")),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(ScenarioError, match=problem):
            load_scenario(bad)


async def test_a_scenario_step_runs_on_time(tmp_path: Path) -> None:
    """A step at 0.2 s drops the user hub of a connected client."""
    path = tmp_path / "s.toml"
    path.write_text('[[steps]]\nat = 0.2\nfault = "drop_hub"\nhub = "user"\n')
    server = GatewayServer(options(scenario=load_scenario(path)))
    await server.start()
    try:
        async with aiohttp.ClientSession(base_url=server.url) as http:
            token = (await login(http))["token"]
            ws = await hub(http, "user", token)
            message = await ws.receive(timeout=5)
            assert message.type is aiohttp.WSMsgType.CLOSE
    finally:
        await server.stop()


def test_the_shipped_bad_day_scenario_loads() -> None:
    """docs/scenarios/bad-day.toml is a valid scenario, in time order."""
    path = Path(__file__).parents[2] / "docs" / "scenarios" / "bad-day.toml"
    steps = load_scenario(path)
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert {s.fault.fault for s in steps} >= {"drop_hub", "silent", "http_error", "logout"}
