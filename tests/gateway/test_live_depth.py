"""Depth on the live path: the emulator's GatewayDepth through the SDK's hub client and
the ProjectX adapter into the engine's book, exact, with ES's EP root and after a drop."""

from __future__ import annotations

import asyncio

import pytest

from cockpit.brokers.projectx import BOOK_RESEND_SECONDS
from cockpit.core.events import DepthUpdated
from tests.gateway.conftest import Live

pytestmark = pytest.mark.slow


def same_book(live: Live, symbol: str) -> bool:
    ours = live.state.books[symbol]
    venue = live.server.venue.depth.books[symbol]
    return bool(ours.bids) and (ours.bids, ours.asks) == (venue.bids, venue.asks)


async def test_the_engines_book_equals_the_emulators(live: Live) -> None:
    """For MNQ and ES the book the engine folds comes to equal the venue's level for level,
    ten a side: Reset, DomTypes, ``volume`` (not ``currentVolume``) and removals read right."""
    for symbol in ("MNQ", "ES"):
        await live.until(lambda s=symbol: same_book(live, s), f"{symbol}'s book", within=20)
        book = live.state.books[symbol]
        assert len(book.bids) == len(book.asks) == 10
        assert book.best_bid is not None
        assert book.best_ask is not None
        assert book.best_bid < book.best_ask
    assert not live.broker.malformed


async def test_a_dropped_market_hub_voids_the_book_then_it_comes_back(live: Live) -> None:
    """When the market hub drops and reopens the adapter resets the book (levels held over
    the gap may be stale), and the resent book equals the venue's again."""
    await live.until(lambda: same_book(live, "MNQ"), "MNQ's book", within=20)
    before = len(live.events)
    await live.server.hubs.drop("market")
    await live.until(
        lambda: any(
            isinstance(e, DepthUpdated) and e.reset and e.symbol == "MNQ"
            for e in live.events[before:]
        ),
        "a reset of MNQ's book",
        within=20,
    )
    await live.until(lambda: same_book(live, "MNQ"), "MNQ's book again", within=20)


async def test_malformed_depth_is_counted_and_the_book_is_asked_for_anew(live: Live) -> None:
    """Garbled GatewayDepth messages are counted, never a crash; the adapter asks for the
    books anew (depth only, at most once a second) and the book equals the venue's again."""
    await live.until(lambda: same_book(live, "MNQ"), "MNQ's book", within=20)
    asked = live.server.hubs.invocations
    loop = asyncio.get_running_loop()
    started = loop.time()
    await live.fault(fault="malformed", hub="market", count=30)
    await live.until(lambda: live.broker.malformed["GatewayDepth"] > 0, "a bad depth message")
    await live.until(
        lambda: asked["SubscribeContractMarketDepth"] > asked["SubscribeContractQuotes"],
        "a depth subscription anew",
    )
    assert asked["UnsubscribeContractQuotes"] == asked["UnsubscribeContractTrades"] == 0
    await live.until(lambda: same_book(live, "MNQ"), "MNQ's book after the faults", within=20)
    await live.until(lambda: not live.broker.book_gaps, "every gap answered", within=20)
    books = len(live.broker.book.ids)
    spells = (loop.time() - started) / BOOK_RESEND_SECONDS + 1
    anew = asked["SubscribeContractMarketDepth"] - asked["SubscribeContractQuotes"]
    assert anew <= books * spells
