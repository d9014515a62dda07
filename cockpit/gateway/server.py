"""The emulator as one object: venue, tokens, faults, REST, hubs, admin, market pump.

``GatewayServer(GatewayOptions(...)).start()`` binds 127.0.0.1 (port 0 picks a free
one) and pumps the market in wall time. Faults arrive through :meth:`apply` (the admin
endpoint calls it; so do scenario steps and tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from aiohttp import web

from cockpit.core.clock import Clock, WallClock
from cockpit.core.events import Printed
from cockpit.gateway.faults import (
    DropHub,
    ExpireToken,
    Fault,
    FaultBook,
    Logout,
    ScenarioError,
    Step,
    parse_fault,
)
from cockpit.gateway.hubs import Hubs
from cockpit.gateway.rest import Rest
from cockpit.gateway.tokens import TokenBook
from cockpit.gateway.venue import Venue

log = logging.getLogger("cockpit.gateway")

HOST = "127.0.0.1"
DEFAULT_SYMBOLS = ("MNQ", "MES", "M2K", "MYM", "MGC", "MCL", "NQ", "ES")


@dataclass
class GatewayOptions:
    """How the emulator runs. The defaults suit a trader trying the live path by hand."""

    port: int = 8765
    accounts: Sequence[tuple[str, Decimal]] = (("PRACTICE-50K", Decimal("50000")),)
    symbols: Sequence[str] = DEFAULT_SYMBOLS
    seed: int = 7
    api_key: str | None = None
    """Only this API key logs in; ``None`` accepts any user name and key."""
    token_ttl: float = 86_400.0
    months_listed: int = 2
    """Months known per root. The front month is active and the only one searches list
    (as on the Gateway); later ones are found by id, served at a calendar spread, and
    refused for orders (errorCode 9)."""
    contracts_on: date | None = None
    """List the contracts of this day instead of today's (rehearse a roll week)."""
    pump_interval: float = 0.05
    keepalive_seconds: float = 5.0
    """A subscribed contract gets its quote re-sent after this much quiet (never 30 s)."""
    scenario: Sequence[Step] = field(default_factory=tuple)


class GatewayServer:
    """A running emulator on 127.0.0.1."""

    def __init__(self, options: GatewayOptions | None = None, clock: Clock | None = None):
        self.options = options or GatewayOptions()
        self.clock = clock or WallClock()
        self.faults = FaultBook()
        self.tokens = TokenBook(self.options.token_ttl)
        self.venue = Venue(
            self.clock,
            self.options.symbols,
            self.options.accounts,
            seed=self.options.seed,
            months_listed=self.options.months_listed,
            contracts_on=self.options.contracts_on,
        )
        self.hubs = Hubs(self.venue, self.tokens, self.faults)
        self.rest = Rest(self.venue, self.tokens, self.faults, self.options.api_key)
        self.port = self.options.port
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{tail:.*}", self.rest.handle)
        app.router.add_post("/hubs/{hub}/negotiate", self.hubs.negotiate)
        app.router.add_get("/hubs/{hub}", self.hubs.connect)
        app.router.add_post("/admin/faults", self._post_fault)
        app.router.add_delete("/admin/faults", self._clear_faults)
        app.router.add_get("/admin/state", self._state)
        app.router.add_get("/admin/requests", self._requests)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self.options.port)
        await site.start()
        addresses = self._runner.addresses  # the bound socket tells the real port when 0 was asked
        if addresses:
            self.port = addresses[0][1]
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._pump()))
        if self.options.scenario:
            self._tasks.append(loop.create_task(self._play(self.options.scenario)))
        log.info("ProjectX Gateway emulator listening on %s", self.url)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for hub in ("user", "market"):
            await self.hubs.drop(hub)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # Market --------------------------------------------------------------------------

    async def _pump(self) -> None:
        """Play the market in wall time; publish prints and the latest quotes."""
        venue = self.venue
        while True:
            await asyncio.sleep(self.options.pump_interval)
            try:
                prints, quoted = venue.pump(self.clock.now_ns())
                for symbol in venue.symbols:
                    if symbol in prints or symbol in quoted:
                        self._publish(symbol, prints.get(symbol, []), symbol in quoted)
                self.hubs.keepalive(self.options.keepalive_seconds)
            except Exception:  # the market must keep running whatever one tick did
                log.exception("market pump tick failed")

    def _publish(self, symbol: str, prints: list[Printed], quoted: bool) -> None:
        """The symbol's prints, book changes and latest quote, to every watched month of
        it (later months at their calendar spread)."""
        venue = self.venue
        depth = venue.depth.take(symbol)
        now = self.clock.now_ns()
        for listing in venue.contracts.of(symbol):
            if not self.hubs.watched(listing.id):
                continue
            if prints:
                batch = venue.prints_json(symbol, prints, listing.spread)
                self.hubs.publish_market(listing.id, "GatewayTrade", batch)
            if depth is not None:
                entries = venue.depth.changes(symbol, depth, now, listing.spread)
                self.hubs.publish_market(listing.id, "GatewayDepth", entries)
            if quoted:
                quote = venue.quote_json(symbol, spread=listing.spread)
                self.hubs.publish_market(listing.id, "GatewayQuote", quote)

    async def _play(self, steps: Sequence[Step]) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for step in steps:
            await asyncio.sleep(max(0.0, started + step.at - loop.time()))
            log.info("scenario step at %ss: %s", step.at, step.fault.model_dump_json())
            await self.apply(step.fault)

    # Faults --------------------------------------------------------------------------

    async def apply(self, fault: Fault) -> str:
        """Put a fault in force (or perform it now); returns what was done."""
        self.faults.add(fault)
        if isinstance(fault, DropHub):
            hubs = ("user", "market") if fault.hub == "both" else (fault.hub,)
            counts = [await self.hubs.drop(hub) for hub in hubs]
            done = f"dropped {sum(counts)} {fault.hub} hub socket(s)"
        elif isinstance(fault, Logout):
            hubs = ("user", "market") if fault.hub == "both" else (fault.hub,)
            counts = [self.hubs.logout(hub) for hub in hubs]
            expired = self.tokens.expire_all()
            done = f"sent GatewayLogout to {sum(counts)} socket(s); expired {expired} sign-in(s)"
        elif isinstance(fault, ExpireToken):
            expired = self.tokens.expire_all()
            done = f"expired {expired} token(s)"
            if fault.drop:
                counts = [await self.hubs.drop(hub) for hub in ("user", "market")]
                done += f"; dropped {sum(counts)} hub socket(s)"
        else:
            done = f"armed {fault.fault}"
        log.warning("fault: %s", done)
        return done

    async def _post_fault(self, request: web.Request) -> web.Response:
        try:
            body: Any = await request.json()
            fault = parse_fault(body)
        except ValueError as exc:  # JSON errors and ScenarioError alike
            message = str(exc) if isinstance(exc, ScenarioError) else f"not JSON: {exc}"
            return web.json_response({"ok": False, "error": message}, status=400)
        done = await self.apply(fault)
        return web.json_response({"ok": True, "done": done, "active": self.faults.describe()})

    async def _clear_faults(self, request: web.Request) -> web.Response:
        self.faults.clear()
        return web.json_response({"ok": True, "active": []})

    async def _state(self, request: web.Request) -> web.Response:
        accounts = []
        for account_id, ledger in self.venue.ledgers.items():
            paper = ledger.paper
            accounts.append(
                {
                    "id": account_id,
                    "name": paper.account.name,
                    "balance": str(paper.account.balance),
                    "orders": len(paper.orders),
                    "working": sum(o.status.is_working for o in paper.orders.values()),
                    "positions": self.venue.open_positions(account_id),
                    "fills": len(ledger.fills),
                }
            )
        return web.json_response(
            {
                "accounts": accounts,
                "hubs": {hub: len(c) for hub, c in self.hubs.clients.items()},
                "subscriptions": self.hubs.subscriptions(),
                "invocations": dict(self.hubs.invocations),
                "faults": self.faults.describe(),
            }
        )

    async def _requests(self, request: web.Request) -> web.Response:
        path = request.query.get("path", "").lower()
        rows = [
            {"method": r.method, "path": r.path, "status": r.status, "body": r.body}
            for r in self.rest.requests
            if path in r.path.lower()
        ]
        return web.json_response(rows[-200:])
