"""Exits on the live path never wait: not behind look-ups of unanswered orders, not behind
the rate budget, not behind a dead token. The real SDK, the adapter and the real
Engine against the emulator; the proof is the order and count of requests the emulator
saw (never a duration)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from cockpit.brokers.projectx_lookups import look_plan
from cockpit.core.commands import CancelOrder, FlattenAll, PlaceOrder
from cockpit.core.events import BrokerFailed, FlattenCompleted, Notice, Reconciled
from cockpit.core.models import OrderType, Side
from cockpit.gateway.server import GatewayServer
from tests.gateway.conftest import FAST, Live, options, start_live

pytestmark = pytest.mark.slow

CLOSE = "/Position/closeContract"
LOOKUPS = FAST.model_copy(update={"requests_per_minute": 50, "uncertain_grace_seconds": 8.0})
"""A tight budget (reads stop at 42 of 50 a minute; start-up takes 14, a flatten's read of
the account to verify flat 5) and look-ups that go on for 8 s."""
TIGHT = FAST.model_copy(update={"requests_per_minute": 20})
"""Reads may use 17 of 20 a minute; start-up takes 14."""


def seen(live: Live, since: int = 0) -> list[tuple[str, int]]:
    """(endpoint, status) of each REST request the emulator answered, from ``since`` on."""
    return [
        (r.path.removeprefix("/api"), r.status) for r in list(live.server.rest.requests)[since:]
    ]


def paths(live: Live, since: int = 0) -> list[str]:
    return [path for path, _ in seen(live, since)]


def logins(live: Live) -> int:
    return paths(live).count("/Auth/loginKey")


async def ready(live: Live) -> None:
    await live.until(lambda: {"ES", "MNQ"} <= set(live.state.quotes), "quotes")


async def long_es(live: Live) -> None:
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    await live.until(lambda: "ES" in live.state.positions, "the long")


async def let_run(check: Callable[[], bool], within: float = 10.0) -> None:
    """Give something time to happen; go on either way (the assertions after judge it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            return
        await asyncio.sleep(0.01)


async def test_flatten_closes_ahead_of_the_lookups_of_two_unanswered_orders(
    gateway: GatewayServer,
) -> None:
    """Two places answered 500, look-ups running: F's close reaches the gateway ahead of
    any further look-up, the look-ups back off, and each verdict says what happened."""
    live = await start_live(gateway, LOOKUPS)
    try:
        await ready(live)
        await long_es(live)
        await live.fault(fault="http_error", endpoint="/Order/place", status=500, count=2)
        start = len(seen(live))
        first = live.engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
        second = live.engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=2))
        await first.done()
        await second.done()
        lost = [f for f in live.of(BrokerFailed) if f.uncertain]
        assert len(lost) == 2
        assert "looked for by its tag at 0.5, 1.5, 3.5, 7.5 and 8 s" in lost[0].reason
        # Three planned looks (3.5 s in). Before the fix, full re-reads every half second
        # spent the whole budget well before that, and everything queued behind them.
        await let_run(lambda: paths(live, start).count("/Order/search") >= 5)

        mark = len(seen(live))
        live.engine.submit(FlattenAll())
        await live.until(lambda: CLOSE in paths(live, mark), "the close at the gateway")
        ahead = paths(live, mark)[: paths(live, mark).index(CLOSE)]
        assert len(ahead) <= 1  # at most the look-up already on the wire when F was pressed
        await live.until(lambda: not live.state.positions, "flat")

        def verdicts() -> list[str]:
            return [n.text for n in live.of(Notice) if "was not placed" in n.text]

        await live.until(lambda: len(verdicts()) == 2, "both verdicts", within=20)
        searches = paths(live, start).count("/Order/search")
        # Two first looks, one shared schedule, a final look for the later order, and the
        # full re-read once both are known: the looks back off instead of running 2 a second.
        assert searches <= 2 + len(look_plan(8.0)) + 2
        assert all("look-ups by its tag found nothing" in text for text in verdicts())
        assert not [s for _, s in seen(live) if s in (401, 429)]
        await live.until(lambda: live.state.reconciled, "keys back")
        assert not live.account().paper.orders or all(
            o.symbol != "MNQ" for o in live.account().paper.orders.values()
        )
    finally:
        await live.engine.drain()
        await live.broker.stop()


async def test_reads_held_by_the_budget_are_shown_and_a_close_still_goes_first(
    gateway: GatewayServer,
) -> None:
    """Re-reads exceed the reads' share of a tight budget: the screen says the rate limit
    pauses them, and F's close goes out at once, before any of them."""
    live = await start_live(gateway, TIGHT)
    rereads: asyncio.Task[None] | None = None
    try:
        await ready(live)
        await long_es(live)

        async def reread_twice() -> None:
            await live.broker.reconciler.run()
            await live.broker.reconciler.run()

        rereads = asyncio.get_running_loop().create_task(reread_twice())
        await live.until(
            lambda: any("gateway rate limit" in n.text for n in live.of(Notice)), "the hold shown"
        )
        shown = next(n.text for n in live.of(Notice) if "gateway rate limit" in n.text)
        assert "look-ups paused" in shown
        assert "exits go first" in shown
        mark = len(seen(live))
        live.engine.submit(FlattenAll())
        await live.until(lambda: CLOSE in paths(live, mark), "the close at the gateway")
        assert paths(live, mark)[0] == CLOSE
        await live.until(lambda: not live.state.positions, "flat")
        assert not rereads.done()  # the reads still wait for the window: exits went first
    finally:
        if rereads is not None:
            rereads.cancel()
        await live.engine.drain()
        await live.broker.stop()


async def test_a_429_on_a_lookup_pauses_reads_and_the_close_goes_at_once(
    gateway: GatewayServer,
) -> None:
    """The gateway answers 429 to a look-up: reads pause (no 60 s sleep in the SDK), the
    screen says why, F's close goes out at once, and the look-ups resume to a verdict."""
    live = await start_live(gateway, LOOKUPS)
    try:
        await ready(live)
        await long_es(live)
        await live.fault(fault="http_error", endpoint="/Order/place", status=500)
        await live.fault(fault="http_error", endpoint="/Order/search", status=429)
        live.engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
        await live.until(
            lambda: [f for f in live.of(BrokerFailed) if f.uncertain], "the uncertain order"
        )
        shown = [n.text for n in live.of(Notice) if "gateway rate limit" in n.text]
        assert shown == [
            "gateway rate limit (the gateway answered 429): look-ups paused 2 s; exits go first"
        ]
        mark = len(seen(live))
        live.engine.submit(FlattenAll())
        await live.until(lambda: CLOSE in paths(live, mark), "the close at the gateway")
        assert paths(live, mark)[0] == CLOSE
        await live.until(
            lambda: any("was not placed" in n.text for n in live.of(Notice)),
            "the verdict after the pause",
            within=20,
        )
        assert ("/Order/search", 429) in seen(live)
        assert seen(live).count(("/Order/search", 200)) >= 2
    finally:
        await live.engine.drain()
        await live.broker.stop()


async def test_a_close_refused_401_signs_in_and_goes_again_at_once(live: Live) -> None:
    """A token killed without a hub drop: the close meets 401, the adapter signs in and
    sends the close again straight away (a 401 means it was not executed)."""
    await ready(live)
    await long_es(live)
    live.server.tokens.expire_all()
    mark = len(seen(live))
    await live.engine.execute(FlattenAll())
    assert seen(live, mark)[:4] == [
        (CLOSE, 401),
        ("/Auth/loginKey", 200),
        ("/Account/search", 200),
        (CLOSE, 200),
    ]
    assert live.of(FlattenCompleted)[-1].flat
    assert logins(live) == 2
    assert not [f for f in live.of(BrokerFailed) if f.label.startswith("close")]


async def test_a_cancel_refused_401_signs_in_and_goes_again_at_once(live: Live) -> None:
    """A resting order and a dead token: the cancel meets 401, one new login, the cancel
    again at once; the close that follows uses the new token."""
    await ready(live)
    bid = live.state.quotes["ES"].bid
    spec = live.state.instruments["ES"]
    resting = PlaceOrder(
        symbol="ES",
        side=Side.BUY,
        type=OrderType.LIMIT,
        size=1,
        limit_price=spec.to_price(bid - 40),
    )
    await live.engine.execute(resting)
    await live.until(lambda: live.state.working_orders(), "the resting order")
    order_id = live.state.working_orders()[0].id
    live.server.tokens.expire_all()
    mark = len(seen(live))
    await live.engine.execute(CancelOrder(order_id=order_id))
    assert seen(live, mark)[:4] == [
        ("/Order/cancel", 401),
        ("/Auth/loginKey", 200),
        ("/Account/search", 200),
        ("/Order/cancel", 200),
    ]
    await live.until(lambda: not live.state.working_orders(), "cancelled")
    assert logins(live) == 2


async def test_an_order_refused_401_is_not_sent_again(live: Live) -> None:
    """A placement that meets 401 is never re-sent: it is looked for by its tag instead."""
    await ready(live)
    live.server.tokens.expire_all()
    await live.engine.execute(PlaceOrder(symbol="ES", side=Side.BUY, size=1))
    assert [s for p, s in seen(live) if p == "/Order/place"] == [401]
    assert [f for f in live.of(BrokerFailed) if f.uncertain]
    await live.until(lambda: live.state.reconciled, "keys back after the look-ups")
    assert [s for p, s in seen(live) if p == "/Order/place"] == [401]
    assert not live.account().paper.orders


async def test_the_session_token_is_renewed_before_it_expires_without_a_401() -> None:
    """A short-lived token is renewed on the supervisor's timer while nothing calls the
    gateway, the hubs get the new one, and nothing meets a 401 after the old one dies."""
    server = GatewayServer(options(token_ttl=6.0))
    await server.start()
    try:
        live = await start_live(server)
        first_dies = time.time() + 6.0  # it was issued before now
        server.tokens.ttl = 3600.0  # the renewed token lives long: one renewal only
        try:
            await ready(live)
            rereads = len(live.of(Reconciled))
            await live.until(lambda: logins(live) == 2, "a renewal while idle", within=30)
            await live.until(
                lambda: len(live.of(Reconciled)) > rereads, "hubs on the new token, re-read"
            )
            await live.until(lambda: time.time() > first_dies, "the first token dead")
            await long_es(live)
            await live.engine.execute(FlattenAll())
            assert live.of(FlattenCompleted)[-1].flat
            await live.fault(fault="drop_hub", hub="both")
            volume = live.state.volume["ES"]
            await live.until(lambda: live.state.volume["ES"] > volume, "hubs back, new token")
            assert logins(live) == 2
            assert not [s for _, s in seen(live) if s == 401]
        finally:
            await live.engine.drain()
            await live.broker.stop()
    finally:
        await server.stop()
