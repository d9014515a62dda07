"""The live path end to end: the real project-x-py SDK, the ProjectX adapter and the real
Engine against the loopback emulator. Orders, fills, positions and history as a trader
sees them, checked against what the emulator's matching engine holds."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from cockpit.brokers.projectx import ProjectXBroker
from cockpit.brokers.projectx_config import ProjectXSetupError, resolve_login
from cockpit.core.clock import WallClock
from cockpit.core.commands import CancelAll, CancelOrder, FlattenAll, ModifyOrder, PlaceOrder
from cockpit.core.events import (
    BrokerFailed,
    FlattenCompleted,
    Link,
    LinkStatus,
    Reconciled,
)
from cockpit.core.models import OrderStatus, OrderType, Side
from cockpit.gateway.server import GatewayServer
from tests.gateway.conftest import FAST, Live, login_env, options, start_live

pytestmark = pytest.mark.slow


def place_bodies(live: Live) -> list[dict]:
    return [orjson.loads(r.body) for r in live.server.rest.requests if r.path == "/api/Order/place"]


async def test_start_reconciles_and_streams_quotes_prints_and_history(live: Live) -> None:
    """A start signs in, reconciles, loads gateway history exactly, then streams the market."""
    state = live.state
    assert state.reconciled
    assert state.links[Link.ACCOUNT] is LinkStatus.CONNECTED
    assert live.broker.account is not None
    assert live.broker.account.name == "PRACTICE-50K"
    await live.until(lambda: {"MNQ", "ES"} <= set(state.quotes), "quotes for both contracts")
    await live.until(lambda: state.volume.get("ES", 0) > 0, "ES prints")
    await live.until(lambda: state.links[Link.MARKET] is LinkStatus.CONNECTED, "market link up")
    quote = state.quotes["ES"]
    assert quote.bid < quote.ask
    started = live.of(Reconciled)[0].ts
    emulated = live.server.venue.books["ES"].bars("1m", 5000)
    shown = state.bars["ES"].bars("1m", 5000)
    low, high = started - 25 * 3600 * 10**9, started - 120 * 10**9
    window = [b for b in shown if low <= b.start < high]
    assert window == [b for b in emulated if low <= b.start < high]
    assert len(window) > 1000
    assert "ES" in state.settle


async def test_round_turn_fills_carry_the_gateways_pnl(live: Live) -> None:
    """A market buy then sell fills at the touch; the closing fill has the gateway's P&L."""
    state = live.state
    await live.until(lambda: "ES" in state.quotes, "an ES quote")
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=2))
    await live.until(lambda: state.positions.get("ES") is not None, "the long position")
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.SELL, size=2))
    await live.until(lambda: "ES" not in state.positions and len(state.fills) == 2, "flat")
    ledger = live.account()
    assert [f.pnl for f in state.fills] == [f.pnl for f in ledger.fills]
    assert state.fills[0].pnl is None
    assert state.fills[1].pnl is not None
    assert [f.fee for f in state.fills] == [Decimal("2.8"), Decimal("2.8")]
    await live.until(
        lambda: state.account is not None and state.account.balance == ledger.paper.account.balance,
        "the balance from the account event",
    )


async def test_position_cost_is_exact_from_the_gateways_average(live: Live) -> None:
    """Three buys at different prices give an average the cockpit holds as exact ticks."""
    state = live.state
    await live.until(lambda: "MNQ" in state.quotes, "an MNQ quote")
    for _ in range(3):
        await live.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
        await live.until(lambda: len(state.fills) >= 1, "a fill")
    await live.until(lambda: state.positions.get("MNQ", None) is not None, "MNQ position")
    await live.until(lambda: state.positions["MNQ"].size == 3, "three contracts long")
    paper = live.account().paper.position("MNQ", 0)
    assert state.positions["MNQ"].cost == paper.cost


async def test_limit_order_is_placed_modified_and_cancelled(live: Live) -> None:
    """A resting limit shows with its exact price, moves when modified, and cancels."""
    state, spec = live.state, live.state.instruments["ES"]
    await live.until(lambda: "ES" in state.quotes, "an ES quote")
    price = spec.to_price(state.quotes["ES"].bid - 40)
    await live.engine.execute(
        PlaceOrder(symbol="ES", side=Side.BUY, type=OrderType.LIMIT, size=1, limit_price=price)
    )
    await live.until(lambda: len(state.working_orders("ES")) == 1, "the working limit")
    order = state.working_orders("ES")[0]
    assert order.limit == spec.to_ticks(price)
    body = place_bodies(live)[-1]
    assert body == {
        "accountId": 4001,
        "contractId": "CON.F.US.EP.Z26",
        "type": 1,
        "side": 0,
        "size": 1,
        "limitPrice": float(price),
        "stopPrice": None,
        "trailPrice": None,
        "customTag": order.tag,
    }
    lower = spec.to_price(state.quotes["ES"].bid - 50)
    await live.engine.execute(ModifyOrder(order_id=order.id, size=2, limit_price=lower))
    await live.until(lambda: state.orders[order.id].size == 2, "the modified size")
    assert state.orders[order.id].limit == spec.to_ticks(lower)
    await live.engine.execute(CancelOrder(order_id=order.id))
    await live.until(
        lambda: state.orders[order.id].status is OrderStatus.CANCELLED, "the cancellation"
    )
    assert live.account().paper.orders[order.id].status is OrderStatus.CANCELLED


async def test_stop_stop_limit_and_join_orders_use_the_gateway_codes(live: Live) -> None:
    """Stop, stop-limit, join bid and join ask go out with codes 4, 3, 6 and 7 and rest."""
    state, spec = live.state, live.state.instruments["ES"]
    await live.until(lambda: "ES" in state.quotes, "an ES quote")
    bid, ask = state.quotes["ES"].bid, state.quotes["ES"].ask
    orders = [
        PlaceOrder(
            symbol="ES",
            side=Side.SELL,
            type=OrderType.STOP,
            size=1,
            stop_price=spec.to_price(bid - 60),
        ),
        PlaceOrder(
            symbol="ES",
            side=Side.BUY,
            type=OrderType.STOP_LIMIT,
            size=1,
            stop_price=spec.to_price(ask + 60),
            limit_price=spec.to_price(ask + 62),
        ),
        PlaceOrder(symbol="ES", side=Side.BUY, type=OrderType.JOIN_BID, size=1),
        PlaceOrder(symbol="ES", side=Side.SELL, type=OrderType.JOIN_ASK, size=1),
    ]
    for command in orders:
        await live.engine.execute(command)
    assert [b["type"] for b in place_bodies(live)] == [4, 3, 6, 7]
    stop_body, stop_limit_body = place_bodies(live)[:2]
    assert stop_body["stopPrice"] == float(spec.to_price(bid - 60))
    assert stop_body["limitPrice"] is None
    assert stop_limit_body["limitPrice"] == float(spec.to_price(ask + 62))
    await live.until(lambda: len(state.orders) == 4, "four orders reported")
    kinds = sorted(o.type for o in state.orders.values())
    assert kinds == [OrderType.STOP_LIMIT, OrderType.STOP, OrderType.JOIN_BID, OrderType.JOIN_ASK]
    await live.engine.execute(CancelAll())
    await live.until(lambda: not state.working_orders(), "every order cancelled or filled")


async def test_close_and_partial_close_size_from_the_gateways_position(live: Live) -> None:
    """A partial close takes off part of the position; a close takes the rest."""
    state = live.state
    await live.until(lambda: "ES" in state.quotes, "an ES quote")
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.SELL, size=3))
    await live.until(lambda: state.positions.get("ES") is not None, "the short")
    await live.broker.partial_close("ES", 1)
    await live.until(lambda: state.positions["ES"].size == -2, "short two")
    bodies = [r.body for r in live.server.rest.requests if "partialClose" in r.path]
    assert orjson.loads(bodies[-1]) == {
        "accountId": 4001,
        "contractId": "CON.F.US.EP.Z26",
        "size": 1,
    }
    await live.broker.close_position("ES")
    await live.until(lambda: "ES" not in state.positions, "flat")
    assert live.account().paper.position("ES", 0).size == 0


async def test_flatten_all_cancels_closes_and_verifies_flat(live: Live) -> None:
    """Flatten through the real Engine leaves the emulator's account flat, verified."""
    state, spec = live.state, live.state.instruments["ES"]
    await live.until(lambda: {"ES", "MNQ"} <= set(state.quotes), "quotes")
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=2))
    await live.engine.execute(PlaceOrder(symbol="MNQ", side=Side.SELL, size=1))
    limit = spec.to_price(state.quotes["ES"].bid - 40)
    await live.engine.execute(
        PlaceOrder(symbol="ES", side=Side.BUY, type=OrderType.LIMIT, size=1, limit_price=limit)
    )
    await live.until(
        lambda: len(state.positions) == 2 and len(state.working_orders()) == 1, "exposure"
    )
    await live.engine.execute(FlattenAll())
    done = live.of(FlattenCompleted)
    assert done
    assert done[-1].flat, done[-1].detail
    paper = live.account().paper
    assert all(paper.position(s, 0).size == 0 for s in ("ES", "MNQ"))
    assert not [o for o in paper.orders.values() if o.status.is_working]
    assert state.is_flat()


async def test_a_refused_order_says_why_with_the_gateway_code(live: Live) -> None:
    """A Gateway refusal (code 3) becomes a BrokerFailed naming it; no order exists."""
    await live.until(lambda: "ES" in live.state.quotes, "an ES quote")
    await live.fault(fault="reject", code=3)
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    failed = live.of(BrokerFailed)
    assert len(failed) == 1
    assert "Insufficient funds" in failed[0].reason
    assert not failed[0].uncertain
    assert not live.account().paper.orders


async def test_several_accounts_without_a_name_stop_and_list_them() -> None:
    """With two accounts and none named, start refuses and lists both; nothing is traded."""
    accounts = (("PRACTICE-50K", Decimal(50_000)), ("COMBINE-150K", Decimal(150_000)))
    server = GatewayServer(options(accounts=accounts))
    await server.start()
    try:
        with pytest.raises(ProjectXSetupError) as caught:
            await start_live(server)
        message = str(caught.value)
        assert "PRACTICE-50K" in message
        assert "COMBINE-150K" in message
        assert "PROJECT_X_ACCOUNT_NAME" in message
        paths = {r.path for r in server.rest.requests}
        assert not [p for p in paths if p.startswith("/api/Order")]
        assert not server.hubs.clients["user"]
    finally:
        await server.stop()


async def test_the_named_account_is_the_one_traded() -> None:
    """Naming the second account (any case) trades it, not the first."""
    accounts = (("PRACTICE-50K", Decimal(50_000)), ("COMBINE-150K", Decimal(150_000)))
    server = GatewayServer(options(accounts=accounts))
    await server.start()
    try:
        live = await start_live(server, env=login_env(PROJECT_X_ACCOUNT_NAME="combine-150k"))
        try:
            assert live.broker.account is not None
            assert live.broker.account.id == 4002
            assert live.broker.account_name == "COMBINE-150K"  # as the gateway spells it
            await live.until(lambda: "ES" in live.state.quotes, "an ES quote")
            await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
            assert place_bodies(live)[-1]["accountId"] == 4002
            assert not server.venue.ledgers[4001].paper.orders
        finally:
            await live.broker.stop()
    finally:
        await server.stop()


def test_before_login_the_broker_names_the_account_it_was_told_to_trade() -> None:
    """Until it has signed in, the live broker's account is the one named in the
    environment (or ``projectx`` when none was named), never a guess from elsewhere."""
    settings = FAST.model_copy(update={"gateway": "http://127.0.0.1:1"})
    named = resolve_login(settings, login_env(PROJECT_X_ACCOUNT_NAME="combine-150k"))
    assert ProjectXBroker(WallClock(), ["ES"], settings, login=named).account_name == (
        "combine-150k"
    )
    unnamed = resolve_login(settings, login_env())
    assert ProjectXBroker(WallClock(), ["ES"], settings, login=unnamed).account_name == "projectx"


async def test_a_wrong_api_key_is_refused_without_echoing_it(gateway: GatewayServer) -> None:
    """A refused login names the variables to check and never the key itself."""
    wrong = "WRONG-KEY-0123456789"
    with pytest.raises(ProjectXSetupError) as caught:
        await start_live(gateway, env=login_env(PROJECT_X_API_KEY=wrong))
    assert "PROJECT_X_API_KEY" in str(caught.value)
    assert wrong not in str(caught.value)


async def test_the_front_month_is_picked_by_calendar_not_alphabet(live: Live) -> None:
    """ES resolves to EP's front month although the SDK's alphabetical pick is the next one."""
    venue = live.server.venue
    listed = sorted(r["name"] for r in venue.listed if r["id"].startswith("CON.F.US.EP"))
    assert len(listed) == 2
    front = live.server.venue.contract_ids["ES"]
    assert live.broker.book.contract_id("ES") == front
    sdk_pick = listed[0]  # project-x-py sorts names and takes the first
    assert live.broker.book.names["ES"] != sdk_pick
