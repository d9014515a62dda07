"""A bad day on the live path: dropped hubs, a silent feed, unanswered orders, malformed,
duplicated and reordered events, a logout and a dead token, each injected into the
emulator while the real SDK and the adapter run, and each recovered from."""

from __future__ import annotations

import asyncio
import logging

import pytest

from cockpit.core.commands import PlaceOrder
from cockpit.core.events import (
    BrokerFailed,
    ConnectionChanged,
    Link,
    LinkStatus,
    Notice,
    OrderDenied,
    Reconciled,
)
from cockpit.core.models import OrderStatus, Side
from cockpit.gateway.server import GatewayServer
from tests.gateway.conftest import FAST, Live, options, start_live

pytestmark = pytest.mark.slow


def logins(live: Live) -> int:
    return sum(1 for r in live.server.rest.requests if r.path == "/api/Auth/loginKey")


def tagged(live: Live, tag: str) -> list:
    return [o for o in live.account().paper.orders.values() if o.tag == tag]


def changes(live: Live, link: Link) -> list[ConnectionChanged]:
    return [e for e in live.of(ConnectionChanged) if e.link is link]


async def ready(live: Live) -> None:
    await live.until(lambda: {"ES", "MNQ"} <= set(live.state.quotes), "quotes")


async def test_a_dropped_user_hub_is_shown_then_reconnected_and_reconciled(live: Live) -> None:
    """Dropping the user hub turns order keys off, and they come back after a reconcile."""
    await ready(live)
    reconciles = len(live.of(Reconciled))
    before = len(changes(live, Link.ACCOUNT))
    await live.fault(fault="drop_hub", hub="user")
    await live.until(lambda: len(live.of(Reconciled)) == reconciles + 1, "a reconcile")
    after = changes(live, Link.ACCOUNT)[before:]
    assert [c.status for c in after] == [
        LinkStatus.DISCONNECTED,
        LinkStatus.RECONCILING,
        LinkStatus.CONNECTED,
    ]
    assert "user hub" in after[0].detail
    assert live.state.reconciled
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    await live.until(lambda: "ES" in live.state.positions, "trading works again")


async def test_fills_missed_while_the_user_hub_was_deaf_arrive_by_reconcile(live: Live) -> None:
    """A fill whose hub events were lost shows up, with its position, after the reconnect."""
    await ready(live)
    await live.fault(fault="silent", hub="user", seconds=0.5)
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=2))
    assert not live.state.fills
    await live.fault(fault="drop_hub", hub="user")
    await live.until(lambda: len(live.state.fills) == 1, "the missed fill")
    await live.until(lambda: "ES" in live.state.positions, "the missed position")
    assert live.state.positions["ES"].size == 2
    order_id = live.state.fills[0].order_id
    assert live.state.orders[order_id].status is OrderStatus.FILLED
    await live.until(lambda: live.state.reconciled, "keys back")


async def test_a_dropped_market_hub_recovers_without_touching_the_account(live: Live) -> None:
    """A market hub drop shows the market link down, then data flows again."""
    await ready(live)
    await live.fault(fault="drop_hub", hub="market")
    await live.until(
        lambda: any(c.status is LinkStatus.DISCONNECTED for c in changes(live, Link.MARKET)),
        "the market link shown down",
    )
    volume = live.state.volume["ES"]
    await live.until(lambda: live.state.volume["ES"] > volume, "prints again")
    await live.until(lambda: live.state.links[Link.MARKET] is LinkStatus.CONNECTED, "market up")
    assert live.state.reconciled


async def test_a_silent_feed_is_shown_stale_and_clears_by_itself(live: Live) -> None:
    """A feed silent past the threshold is STALE with the reason; then it flows again."""
    await ready(live)
    await live.until(lambda: live.state.links[Link.MARKET] is LinkStatus.CONNECTED, "market up")
    await live.fault(fault="silent", hub="market", seconds=1.5)
    await live.until(lambda: live.state.links[Link.MARKET] is LinkStatus.STALE, "stale")
    assert "no market data" in live.state.link_detail[Link.MARKET]
    await live.until(lambda: live.state.links[Link.MARKET] is LinkStatus.CONNECTED, "fresh")
    assert logins(live) == 1  # short silence: no rebuild


async def test_a_long_silence_rebuilds_the_session_once_not_in_a_loop(gateway) -> None:  # type: ignore[no-untyped-def]
    """Silence past the rebuild threshold signs in again and re-subscribes, with back-off."""
    live = await start_live(gateway, FAST.model_copy(update={"reconnect_after_seconds": 1.0}))
    try:
        await ready(live)
        await live.fault(fault="silent", hub="market", seconds=2.5)
        await live.until(lambda: logins(live) >= 2, "a new login")
        await live.until(
            lambda: live.state.links[Link.MARKET] is LinkStatus.CONNECTED, "data flowing again"
        )
        await live.until(lambda: live.state.reconciled, "reconciled after the rebuild")
        assert 2 <= logins(live) <= 3
        subs = live.server.hubs.invocations["SubscribeContractQuotes"]
        assert subs <= 2 * 3 * 2  # each contract, each (re)connect, at most twice
    finally:
        await live.broker.stop()


async def test_an_order_answered_500_after_it_was_placed_exists_exactly_once(live: Live) -> None:
    """The place answer is lost (500 after placing): found by its tag, never sent twice."""
    await ready(live)
    await live.fault(fault="http_error", endpoint="/Order/place", status=500, after=True)
    verdict = await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    assert verdict.accepted
    tag = next(iter(o.tag for o in live.account().paper.orders.values()))
    assert len(tagged(live, tag)) == 1
    assert sum(1 for r in live.server.rest.requests if r.path == "/api/Order/place") == 1
    await live.until(lambda: live.state.reconciled, "keys back")
    assert [o.id for o in live.state.orders.values() if o.tag == tag] == [tagged(live, tag)[0].id]
    assert any("placed once" in n.text for n in live.of(Notice))
    assert not [f for f in live.of(BrokerFailed) if f.uncertain]


async def test_an_order_refused_500_before_placing_is_not_resent(live: Live) -> None:
    """A 500 before placing: uncertain, keys off until the tag is proven absent, no order."""
    await ready(live)
    await live.fault(fault="http_error", endpoint="/Order/place", status=500, after=False)
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    failed = [f for f in live.of(BrokerFailed) if f.uncertain]
    assert len(failed) == 1
    assert "nothing was re-sent" in failed[0].reason
    second = await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    assert not second.accepted
    assert live.of(OrderDenied)[-1].rule == "reconcile"
    await live.until(lambda: live.state.reconciled, "keys back after the grace period")
    assert any("was not placed" in n.text for n in live.of(Notice))
    assert not live.account().paper.orders
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    assert len(live.account().paper.orders) == 1


@pytest.mark.parametrize("status", [401, 429, 502])
async def test_uncertain_statuses_leave_exactly_one_order(live: Live, status: int) -> None:
    """401, 429 and 502 after placing: the order exists once and the cockpit shows it."""
    await ready(live)
    await live.fault(fault="http_error", endpoint="/Order/place", status=status, after=True)
    await live.engine.execute(PlaceOrder(symbol="MNQ", side=Side.SELL, size=1))
    orders = list(live.account().paper.orders.values())
    assert len(orders) == 1
    await live.until(lambda: orders[0].id in live.state.orders, "the order shown")
    await live.until(lambda: live.state.reconciled, "keys back")


async def test_an_answer_slower_than_the_timeout_is_found_by_its_tag(live: Live) -> None:
    """The order is placed but its answer is held past the client timeout: one order."""
    await ready(live)
    await live.fault(fault="delay", endpoint="/Order/place", seconds=3.0, after=True)
    verdict = await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    assert verdict.accepted
    assert len(live.account().paper.orders) == 1
    await live.until(lambda: live.state.reconciled, "keys back")


async def test_malformed_payloads_are_counted_and_logged_not_fatal(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    """Garbled quotes, prints and user events are counted and logged; the feed goes on."""
    caplog.set_level(logging.WARNING, logger="cockpit.brokers")
    await ready(live)
    await live.fault(fault="malformed", hub="market", count=3)
    await live.fault(fault="malformed", hub="user", count=1)
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    await live.until(lambda: sum(live.broker.malformed.values()) == 4, "four counted")
    assert "malformed" in caplog.text
    volume = live.state.volume["ES"]
    await live.until(lambda: live.state.volume["ES"] > volume, "the feed still flowing")
    await live.until(lambda: "ES" in live.state.positions, "the fill still applied")
    assert any("malformed" in n.text for n in live.of(Notice))


async def test_a_frame_that_kills_the_hub_is_rebuilt(live: Live) -> None:
    """A frame that is not JSON ends the SDK's market hub; the adapter rebuilds it."""
    await ready(live)
    await live.fault(fault="malformed", hub="market", kind="frame")
    await live.until(lambda: logins(live) >= 2, "a rebuild with a new login")
    volume = live.state.volume["ES"]
    await live.until(lambda: live.state.volume["ES"] > volume, "prints again")
    await live.until(lambda: live.state.reconciled, "reconciled")


async def test_duplicated_and_reordered_user_events_count_once(live: Live) -> None:
    """Each event twice, then a burst reversed: one fill per fill, final statuses stay final."""
    await ready(live)
    await live.fault(fault="duplicate", hub="user", count=10)
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    await live.until(lambda: "ES" in live.state.positions, "the long")
    await live.fault(fault="reorder", hub="user", count=4)
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    await live.until(lambda: len(live.state.fills) == 2, "two fills")
    ledger = live.account()
    assert sorted(f.id for f in live.state.fills) == sorted(f.id for f in ledger.fills)
    await live.until(
        lambda: all(o.status is OrderStatus.FILLED for o in live.state.orders.values()),
        "every order filled",
    )
    await live.until(lambda: live.state.positions["ES"].size == 2, "long two")


async def test_gateway_logout_signs_in_again_and_reconciles(live: Live) -> None:
    """GatewayLogout ends the session: the adapter signs in, swaps tokens and trades on."""
    await ready(live)
    await live.fault(fault="logout")
    await live.until(
        lambda: any("GatewayLogout" in c.detail for c in changes(live, Link.ACCOUNT)),
        "the logout shown",
    )
    await live.until(lambda: logins(live) == 2, "a new login")
    await live.until(lambda: live.state.reconciled, "reconciled")
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    await live.until(lambda: "ES" in live.state.positions, "trading with the new token")


async def test_an_expired_token_is_replaced_for_rest_and_hubs(live: Live) -> None:
    """Every token dies and the hubs drop: reconnects fail 401, so the adapter signs in."""
    await ready(live)
    await live.fault(fault="expire_token", drop=True)
    await live.until(lambda: logins(live) >= 2, "a new login")
    await live.until(lambda: live.state.reconciled, "reconciled")
    volume = live.state.volume["ES"]
    await live.until(lambda: live.state.volume["ES"] > volume, "prints with the new token")
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    await live.until(lambda: "ES" in live.state.positions, "orders with the new token")


async def test_a_rest_read_refused_401_signs_in_again(live: Live) -> None:
    """A dead token on a read: one fresh login, the reconcile completes."""
    await ready(live)
    live.server.tokens.expire_all()
    await live.broker.reconcile()
    assert logins(live) == 2
    assert live.state.reconciled


async def test_a_short_lived_token_is_renewed_before_it_dies() -> None:
    """A token past its life is replaced before the next call: the gateway never says 401."""
    server = GatewayServer(options(token_ttl=2.0))
    await server.start()
    try:
        live = await start_live(server)
        try:
            await asyncio.sleep(2.5)  # the first token is dead by now
            await live.broker.reconcile()
            assert logins(live) >= 2
            assert not [r for r in server.rest.requests if r.status == 401]
            assert live.state.reconciled
            await live.fault(fault="drop_hub", hub="both")
            volume = live.state.volume["ES"]
            await live.until(lambda: live.state.volume["ES"] > volume, "hubs back")
        finally:
            await live.broker.stop()
    finally:
        await server.stop()
