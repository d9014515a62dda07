"""The emulator's GatewayDepth through project-x-py's own OrderBook (``features=["orderbook"]``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from project_x_py import TradingSuite

from cockpit.core.models import Side
from cockpit.gateway.server import GatewayServer
from tests.gateway.test_plain_sdk import gateway, sdk, until  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


@pytest.fixture
async def book_suite(sdk: GatewayServer) -> AsyncIterator[TradingSuite]:  # noqa: F811
    """``TradingSuite.create("MNQ", features=["orderbook"])`` against the emulator."""
    created = await TradingSuite.create("MNQ", features=["orderbook"])
    yield created
    await created.disconnect()


async def test_the_sdk_order_book_shows_the_emulators_ten_levels(
    sdk: GatewayServer,  # noqa: F811
    book_suite: TradingSuite,
) -> None:
    """The SDK's book, fed only by the emulator's GatewayDepth, comes to equal the venue's
    book level for level (ten a side, uncrossed): Reset, types and ``volume`` read right."""
    spec = sdk.venue.specs["MNQ"]
    orderbook = book_suite["MNQ"].orderbook
    assert orderbook is not None

    async def same_book() -> bool:
        bids = await orderbook.get_orderbook_bids(levels=20)
        asks = await orderbook.get_orderbook_asks(levels=20)
        venue = sdk.venue.depth.books["MNQ"]
        ours_bids = [(float(spec.to_price(p)), s) for p, s in venue.levels(Side.BUY)]
        return bool(
            list(zip(bids["price"], bids["volume"], strict=True)) == ours_bids
            and list(zip(asks["price"], asks["volume"], strict=True))
            == [(float(spec.to_price(p)), s) for p, s in venue.levels(Side.SELL)]
        )

    await until(same_book, "the SDK's book to equal the venue's", within=30)
    best = await orderbook.get_best_bid_ask()
    assert best["bid"] < best["ask"]
    assert len(await orderbook.get_orderbook_bids(levels=20)) == 10
