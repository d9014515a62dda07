"""Entries wait while the market feed is stale or its link is down, with no config at all:
the risk gate denies them with the rule and a reason, and every exit still passes."""

from __future__ import annotations

import pytest

from cockpit.core.commands import CancelAll, CancelOrder, ClosePosition, FlattenAll
from cockpit.core.events import ConnectionChanged, Link, LinkStatus, OrderDenied, Printed
from cockpit.core.models import OrderType, Side
from cockpit.risk.config import RiskSettings
from cockpit.risk.rules.base import Level
from cockpit.ui.widgets.banner import banner_text
from tests.risk.conftest import Desk, DeskFactory


def _link(d: Desk, status: LinkStatus, detail: str) -> None:
    d.engine.on_event(ConnectionChanged(d.clock.now_ns(), Link.MARKET, status, detail))


async def _exits_all_pass(d: Desk) -> None:
    """Long MNQ with a resting entry and a stop: every kind of exit is accepted."""
    assert d.size("MNQ") >= 2
    entry = next(o for o in d.state.working_orders() if o.side is Side.BUY)
    assert (await d.sell("MNQ", 1)).accepted, "a sell that only reduces the long"
    assert (await d.submit(CancelOrder(order_id=entry.id))).accepted
    assert (await d.submit(ClosePosition(symbol="MNQ"))).accepted
    assert (await d.submit(CancelAll())).accepted
    assert (await d.submit(FlattenAll())).accepted
    assert d.size("MNQ") == 0


async def _long_two_with_orders(d: Desk) -> None:
    assert (await d.buy("MNQ", 2)).accepted
    assert (await d.limit("MNQ", Side.BUY, 1, d.bid("MNQ") - 40)).accepted
    stop = await d.order(
        "MNQ", Side.SELL, 2, type=OrderType.STOP, stop_price=_price(d.bid("MNQ") - 60)
    )
    assert stop.accepted


def _price(ticks: int):  # type: ignore[no-untyped-def]
    from cockpit.core.instruments import INSTRUMENTS

    return INSTRUMENTS["MNQ"].to_price(ticks)


async def test_a_silent_feed_refuses_entries_by_default(desk: DeskFactory) -> None:
    """No config: 6 s without any market data denies `b` (rule stale, the age in the
    reason); exits pass; the next quote lets entries through again."""
    d = await desk()
    await _long_two_with_orders(d)
    d.clock.advance(5)
    assert (await d.buy("MNQ", 1)).accepted, "5 s of silence is within the default"
    d.clock.advance(1)
    denied = await d.buy("MNQ", 1)
    assert not denied.accepted
    denial = d.denials()[-1]
    assert denial.rule == "stale"
    assert denial.reason == (
        "market data stale: none for 6.0 s (limit 5 s): entries wait; exits pass"
    )
    assert d.size("MNQ") == 3, "nothing was sent"
    await _exits_all_pass(d)
    d.quote("MNQ", d.bid("MNQ"))
    assert (await d.buy("MNQ", 1)).accepted


async def test_a_print_of_any_symbol_keeps_the_feed_fresh(desk: DeskFactory) -> None:
    """Freshness is the feed's: a print in MES keeps an MNQ entry allowed (a quiet
    instrument alone never holds entries back)."""
    d = await desk()
    d.clock.advance(4)
    d.send(Printed(d.clock.now_ns(), "MES", d.bid("MES"), 1))
    d.clock.advance(4)
    assert (await d.buy("MNQ", 1)).accepted


@pytest.mark.parametrize(
    ("status", "detail", "words"),
    [
        (LinkStatus.DISCONNECTED, "market hub down: reconnecting", "disconnected"),
        (LinkStatus.STALE, "no market data for 5 s", "stale"),
    ],
)
async def test_market_link_down_refuses_entries_by_default(
    desk: DeskFactory, status: LinkStatus, detail: str, words: str
) -> None:
    """ConnectionChanged(MARKET, DISCONNECTED or STALE) with fresh data: `b` is denied at
    once, with the link's words; exits pass; the link back and data flowing: allowed."""
    d = await desk()
    await _long_two_with_orders(d)
    _link(d, status, detail)
    denied = await d.buy("MNQ", 1)
    assert not denied.accepted
    denial = d.denials()[-1]
    assert denial.rule == "stale"
    assert denial.reason == f"market feed {words} ({detail}): entries wait; exits pass"
    await _exits_all_pass(d)
    _link(d, LinkStatus.CONNECTED, "market data flowing")
    assert (await d.buy("MNQ", 1)).accepted


@pytest.mark.parametrize("status", [LinkStatus.DISCONNECTED, LinkStatus.STALE])
async def test_the_banner_never_says_keys_wait_while_an_entry_passes(
    desk: DeskFactory, status: LinkStatus
) -> None:
    """Whenever the banner tells the trader the order keys wait for the feed, the risk gate
    denies the entry too (the gate decides, the banner only says so)."""
    d = await desk()
    _link(d, status, "trouble")
    shown = banner_text(d.state, d.clock.now_ns(), d.risk.banner(d.state))
    assert shown is not None
    assert "order keys wait" in shown[1]
    assert not (await d.buy("MNQ", 1)).accepted
    assert [e.rule for e in d.of(OrderDenied)] == ["stale"]


async def test_a_modify_that_adds_exposure_waits_a_protective_one_passes(
    desk: DeskFactory,
) -> None:
    """Feed down: growing a resting entry is denied; moving the protective stop passes."""
    d = await desk()
    await _long_two_with_orders(d)
    entry = next(o for o in d.state.working_orders() if o.side is Side.BUY)
    stop = next(o for o in d.state.working_orders() if o.side is Side.SELL)
    _link(d, LinkStatus.DISCONNECTED, "market hub down: reconnecting")
    assert not (await d.modify(entry.id, size=2)).accepted
    assert (await d.modify(stop.id, stop_price=_price(d.bid("MNQ") - 50))).accepted


async def test_the_feed_guard_can_be_turned_off(desk: DeskFactory) -> None:
    """`feed_seconds = 0` turns the guard off: silence and a dropped link deny nothing."""
    d = await desk({"stale": {"feed_seconds": 0}})
    d.clock.advance(60)
    _link(d, LinkStatus.DISCONNECTED, "market hub down: reconnecting")
    assert (await d.buy("MNQ", 1)).accepted


async def test_a_longer_threshold_is_honoured(desk: DeskFactory) -> None:
    """`feed_seconds = 30`: 29 s of silence passes, 31 s is denied."""
    d = await desk({"stale": {"feed_seconds": 30}})
    d.clock.advance(29)
    assert (await d.buy("MNQ", 1)).accepted
    d.clock.advance(2)
    assert not (await d.buy("MNQ", 1)).accepted


def test_the_guard_is_on_by_default_and_old_journals_keep_theirs() -> None:
    """A fresh config guards at 5 s; settings recorded before the default (feed_seconds
    None) replay as they ran, unguarded."""
    assert RiskSettings().stale.feed_seconds == 5
    recorded = RiskSettings.model_validate({"stale": {"feed_seconds": None, "account": False}})
    assert recorded.stale.feed_seconds is None


async def test_the_risk_panel_shows_a_silent_feed(desk: DeskFactory) -> None:
    """The R panel's feed row turns BREACH with the same words as the denial."""
    d = await desk()
    row = next(r for r in d.risk.status(d.state) if r.rule == "stale")
    assert row.level is Level.OK
    d.clock.advance(7)
    row = next(r for r in d.risk.status(d.state) if r.rule == "stale")
    assert (row.current, row.level) == ("last data 7.0 s ago", Level.BREACH)
    assert row.detail == "market data stale: none for 7.0 s (limit 5 s): entries wait; exits pass"
