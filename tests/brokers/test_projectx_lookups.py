"""Looking for an unanswered order by its tag, on a fake clock: the plan backs off, one
``/Order/search`` per look, and the verdict says what happened, measured."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest

from cockpit.brokers.projectx_feed import LiveFeed
from cockpit.brokers.projectx_lookups import LostOrder, look_plan, plan_words
from cockpit.brokers.projectx_payloads import ContractBook
from cockpit.brokers.projectx_reconcile import Reconciler
from cockpit.core.clock import NS_PER_SECOND, FakeClock
from cockpit.core.events import Event, LinkStatus, Notice, OrderUpdated, Reconciled
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Account, Order, OrderStatus, OrderType, Side
from cockpit.gateway import render
from tests.conftest import START_NS

ES = "CON.F.US.EP.Z26"
ACCOUNT = Account(4001, "PRACTICE-50K", Decimal(50_000), can_trade=True, simulated=True)


def seconds(ns: int) -> float:
    return ns / NS_PER_SECOND


def test_the_plan_backs_off_and_ends_on_the_grace() -> None:
    """Gaps double from half a second up to 4 s; the last look is at the grace's end."""
    assert look_plan(10) == (0.5, 1.5, 3.5, 7.5, 10)
    assert look_plan(1.5) == (0.5, 1.5)
    assert look_plan(0) == (0,)
    long = look_plan(30)
    gaps = [b - a for a, b in itertools.pairwise(long)]
    assert max(gaps) <= 4
    assert long[-1] == 30
    assert plan_words(look_plan(10)) == "0.5, 1.5, 3.5, 7.5 and 10 s"
    assert plan_words((0,)) == "0 s"


def test_a_look_before_the_end_never_settles_it_as_absent() -> None:
    """Only a look sent at or after the grace's end may conclude "not placed"."""
    lost = LostOrder.start("ck-1", START_NS, 10)
    for offset in (0.5, 1.5, 3.5, 7.5, 9.99):
        lost.looked(START_NS + round(offset * NS_PER_SECOND))
        assert not lost.absent_for_good()
    lost.looked(START_NS + 10 * NS_PER_SECOND)
    assert lost.absent_for_good()


def test_a_late_last_look_says_how_late() -> None:
    """Held by the rate limit, the verdict comes later and the text says so, measured."""
    lost = LostOrder.start("ck-7", START_NS, 10)
    lost.looked(START_NS)
    lost.looked(START_NS + round(18.6 * NS_PER_SECOND))
    assert lost.absent_text() == (
        "order ck-7 was not placed: 2 look-ups by its tag found nothing, the last sent "
        "18.6 s after its answer was lost, 8.6 s later than planned; nothing was re-sent"
    )


def test_one_look_serves_orders_lost_a_moment_apart() -> None:
    """Two orders lost 10 ms apart share their looks instead of doubling them."""
    first = LostOrder.start("ck-1", START_NS, 10)
    second = LostOrder.start("ck-2", START_NS + 10_000_000, 10)
    sent = first.due_ns
    first.looked(sent)
    second.looked(sent)
    assert first.due_ns == second.due_ns - 10_000_000


class Gateway:
    """A fake ``call``: records each request with the fake time it was made."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[tuple[float, str]] = []
        self.orders: list[dict[str, Any]] = []

    async def __call__(self, endpoint: str, body: dict[str, Any]) -> Any:
        self.calls.append((seconds(self.clock.now_ns() - START_NS), endpoint))
        payload = {
            "/Account/search": {"accounts": [render.account(ACCOUNT)]},
            "/Order/search": {"orders": self.orders},
            "/Order/searchOpen": {"orders": []},
            "/Position/searchOpen": {"positions": []},
            "/Trade/search": {"trades": []},
        }[endpoint]
        return render.envelope(**payload)

    def place(self, tag: str) -> None:
        spec = INSTRUMENTS["ES"]
        now = self.clock.now_ns()
        order = Order(
            77,
            ACCOUNT.id,
            "ES",
            Side.BUY,
            OrderType.MARKET,
            1,
            OrderStatus.FILLED,
            created_ns=now,
            updated_ns=now,
            tag=tag,
        )
        self.orders.append(render.order(order, spec, ES))


def setup() -> tuple[FakeClock, Gateway, Reconciler, list[Event]]:
    clock = FakeClock(START_NS)
    events: list[Event] = []
    book = ContractBook()
    book.add(INSTRUMENTS["ES"], ES, "ESZ6")
    feed = LiveFeed(clock, events.append, book)
    feed.use_account(ACCOUNT)
    gateway = Gateway(clock)
    shown: list[tuple[LinkStatus, str]] = []
    reconciler = Reconciler(gateway, feed, clock, lambda s, d: shown.append((s, d)), 8.0)
    return clock, gateway, reconciler, events


async def supervise(clock: FakeClock, reconciler: Reconciler, until_s: float) -> None:
    """The supervisor's loop: every 50 ms, settle what the hub showed and act if due."""
    while clock.now_ns() - START_NS < until_s * NS_PER_SECOND:
        reconciler.settle_seen()
        if reconciler.due(clock.now_ns(), hub_up=True):
            await reconciler.attempt()
        clock.advance(0.05)


async def test_lookups_follow_the_plan_then_one_full_reread() -> None:
    """Absent: one search per planned look, backing off, then one re-read and keys back."""
    clock, gateway, reconciler, events = setup()
    reconciler.look_for("ck-1")
    await reconciler.look_up()
    await supervise(clock, reconciler, 12)
    looks = [t for t, endpoint in gateway.calls if endpoint == "/Order/search"]
    assert looks[:6] == pytest.approx([0, 0.5, 1.5, 3.5, 7.5, 8.0], abs=0.06)
    assert [e for _, e in gateway.calls[6:]] == [
        "/Account/search",
        "/Order/searchOpen",
        "/Position/searchOpen",
        "/Trade/search",
        "/Order/search",
    ]
    verdicts = [e.text for e in events if isinstance(e, Notice)]
    assert verdicts == [
        "order ck-1 was not placed: 6 look-ups by its tag found nothing, the last sent "
        "8.0 s after its answer was lost; nothing was re-sent"
    ]
    assert [e for e in events if isinstance(e, Reconciled)]
    assert not reconciler.lost


async def test_an_order_found_on_a_later_look_is_shown_once() -> None:
    """The order appears at the gateway 2 s late: found at the next look, shown, no verdict."""
    clock, gateway, reconciler, events = setup()
    reconciler.look_for("ck-1")
    await reconciler.look_up()
    await supervise(clock, reconciler, 2)
    gateway.place("ck-1")
    await supervise(clock, reconciler, 5)
    found = [e for e in events if isinstance(e, OrderUpdated)]
    assert [e.order.tag for e in found] == ["ck-1"]
    texts = [e.text for e in events if isinstance(e, Notice)]
    assert len(texts) == 1
    assert "placed once" in texts[0]
    assert "3.5 s later" in texts[0]
    looks = [t for t, endpoint in gateway.calls if endpoint == "/Order/search"]
    assert looks[:4] == pytest.approx([0, 0.5, 1.5, 3.5], abs=0.06)


async def test_an_order_the_hub_shows_needs_no_further_lookup() -> None:
    """The user hub reports the tagged order: settled without another search."""
    _, gateway, reconciler, _ = setup()
    reconciler.look_for("ck-1")
    await reconciler.look_up()
    gateway.place("ck-1")
    reconciler.feed.order(gateway.orders[0])
    searches = len(gateway.calls)
    reconciler.settle_seen()
    assert not reconciler.lost
    assert reconciler.needed
    assert len(gateway.calls) == searches
