"""Plain project-x-py code against the emulator, as a trader's own script runs it against
the Gateway: no cockpit adapter, the SDK's defaults with only the three URLs on loopback.

The emulator lists the contracts of 20 November 2026: MNQ's front month is then Z26 and
the next one H27, the pair whose alphabetical order (H before Z) is not the calendar's.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from project_x_py import EventType, ProjectX, TradingSuite
from project_x_py.models import ProjectXConfig

from cockpit.gateway.server import GatewayServer
from tests.gateway.conftest import API_KEY, USERNAME, options

pytestmark = pytest.mark.slow

LISTING_DAY = date(2026, 11, 20)
FRONT = "CON.F.US.MNQ.Z26"
BUY = 0
LONG = 1
FILLED = 2


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayServer]:
    """The emulator on a free loopback port, listing the contracts of LISTING_DAY."""
    server = GatewayServer(options(contracts_on=LISTING_DAY))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def sdk(gateway: GatewayServer, monkeypatch: pytest.MonkeyPatch) -> GatewayServer:
    """The SDK's default configuration points at the emulator; credentials come from the
    environment, as the SDK's README has it. (``TradingSuite.create`` and
    ``ProjectX.from_env`` ignore every URL setting, so the defaults are what can move.)"""
    init = ProjectXConfig.__init__
    named = [
        p.name
        for p in inspect.signature(init).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is not p.empty
    ]
    defaults = dict(zip(named, init.__defaults__ or (), strict=True))
    defaults["api_url"] = f"{gateway.url}/api"
    defaults["user_hub_url"] = f"{gateway.url}/hubs/user"
    defaults["market_hub_url"] = f"{gateway.url}/hubs/market"
    monkeypatch.setattr(init, "__defaults__", tuple(defaults.values()))
    monkeypatch.setenv("PROJECT_X_USERNAME", USERNAME)
    monkeypatch.setenv("PROJECT_X_API_KEY", API_KEY)
    return gateway


@pytest.fixture
async def suite(sdk: GatewayServer) -> AsyncIterator[TradingSuite]:
    """``TradingSuite.create("MNQ")`` with every default."""
    created = await TradingSuite.create("MNQ")
    yield created
    await created.disconnect()


async def until(check: Callable[[], Awaitable[Any]], what: str, within: float = 15.0) -> Any:
    """Wait until ``await check()`` is truthy and return it (the limit only stops a hang)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not (result := await check()):
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
    return result


async def buy_one(suite: TradingSuite) -> tuple[int, Any]:
    """A market buy of one contract through the suite's order manager: its id and the
    position it opened."""
    answer = await suite.orders.place_market_order(
        contract_id=suite.instrument_id, side=BUY, size=1
    )
    assert answer.success, answer.errorMessage
    position = await until(
        lambda: suite.positions.get_position(suite.instrument_id), "the position to appear"
    )
    return answer.orderId, position


async def test_get_instrument_picks_the_served_front_month(sdk: GatewayServer) -> None:
    """``client.get_instrument("MNQ")`` is the active front month the emulator trades."""
    async with ProjectX.from_env() as client:
        await client.authenticate()
        instrument = await client.get_instrument("MNQ")
    assert instrument.id == FRONT == sdk.venue.contract_ids["MNQ"]
    assert instrument.activeContract


async def test_get_bars_returns_a_day_of_bars(sdk: GatewayServer) -> None:
    """``client.get_bars("MNQ", days=1)`` returns the last day of 5-minute bars."""
    async with ProjectX.from_env() as client:
        await client.authenticate()
        bars = await client.get_bars("MNQ", days=1)
    assert bars.height >= 24 * 12 - 1  # a bar every 5 minutes, the newest possibly partial
    assert (bars["close"] > 0).all()


async def test_trading_suite_connects_and_receives_quotes(suite: TradingSuite) -> None:
    """``TradingSuite.create("MNQ")`` connects on the front month and quotes reach it."""
    quotes: list[Any] = []

    async def on_quote(event: Any) -> None:
        quotes.append(event)

    await suite.on(EventType.QUOTE_UPDATE, on_quote)
    assert suite.is_connected
    assert suite.instrument_id == FRONT

    async def quoted() -> bool:
        return bool(quotes)

    await until(quoted, "a quote")
    assert await suite.data.get_current_price() is not None


async def test_a_market_order_fills_and_opens_a_position(suite: TradingSuite) -> None:
    """A market buy through ``suite.orders`` fills and a long position of one appears."""
    order_id, position = await buy_one(suite)
    assert (position.size, position.type) == (1, LONG)
    order = await suite.orders.get_order_by_id(order_id)
    assert (order.status, order.fillVolume) == (FILLED, 1)
    assert await suite.orders.search_open_orders() == []


async def test_close_position_direct_leaves_the_account_flat(
    sdk: GatewayServer, suite: TradingSuite
) -> None:
    """``close_position_direct`` on an open long succeeds and leaves no position anywhere."""
    await buy_one(suite)
    answer = await suite.positions.close_position_direct(suite.instrument_id)
    assert answer["success"], answer
    assert await suite.positions.get_all_positions() == []
    assert sdk.venue.open_positions(next(iter(sdk.venue.ledgers))) == []
