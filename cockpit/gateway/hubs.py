"""The user and market hubs: SignalR negotiate + WebSocket, subscriptions, and fan-out.

Subscriptions are sets (SignalR groups): the SDK subscribes twice at start and again
after every reconnect, and each event must still arrive once. Every client has its own
send queue and writer task, so a slow client never stalls the market pump. Fault
injection shapes what goes out: silence, duplicates, reordering, malformed messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from cockpit.gateway import signalr
from cockpit.gateway.faults import FaultBook
from cockpit.gateway.tokens import TokenBook
from cockpit.gateway.venue import Venue

log = logging.getLogger("cockpit.gateway.hubs")

PING_SECONDS = 15.0
HANDSHAKE_SECONDS = 10.0
REORDER_FLUSH_SECONDS = 1.0
MAX_FRAME_MESSAGES = 500


@dataclass(eq=False)
class HubClient:
    """One connected hub socket and what it subscribed to."""

    hub: str
    ws: web.WebSocketResponse
    username: str
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    accounts: bool = False
    orders: set[int] = field(default_factory=set)
    positions: set[int] = field(default_factory=set)
    trades: set[int] = field(default_factory=set)
    quotes: set[str] = field(default_factory=set)
    prints: set[str] = field(default_factory=set)
    depth: set[str] = field(default_factory=set)

    def wants_user(self, target: str, account_id: int) -> bool:
        if target == "GatewayUserAccount":
            return self.accounts
        group = {
            "GatewayUserOrder": self.orders,
            "GatewayUserPosition": self.positions,
            "GatewayUserTrade": self.trades,
        }.get(target)
        return group is not None and account_id in group

    def wants_market(self, target: str, contract_id: str) -> bool:
        group = {
            "GatewayQuote": self.quotes,
            "GatewayTrade": self.prints,
            "GatewayDepth": self.depth,
        }.get(target)
        return group is not None and contract_id in group


_USER_GROUPS = {"Orders": "orders", "Positions": "positions", "Trades": "trades"}
_MARKET_GROUPS = {
    "ContractQuotes": "quotes",
    "ContractTrades": "prints",
    "ContractMarketDepth": "depth",
}


def bearer(request: web.Request) -> str | None:
    """The token from the ``access_token`` query or the Authorization header."""
    token = request.query.get("access_token")
    if token:
        return token
    header = request.headers.get("Authorization", "")
    return header[7:] if header.lower().startswith("bearer ") else None


class Hubs:
    """Both hubs: connections, subscriptions, publishing with faults applied."""

    def __init__(self, venue: Venue, tokens: TokenBook, faults: FaultBook) -> None:
        self.venue = venue
        self.tokens = tokens
        self.faults = faults
        self.clients: dict[str, set[HubClient]] = {"user": set(), "market": set()}
        self.invocations: Counter[str] = Counter()
        """Client invocations received, by target (subscriptions, heartbeats...)."""
        self.quote_sent: dict[str, float] = {}
        self._held: dict[str, list[tuple[str, list[HubClient]]]] = {}
        self._hold_size: dict[str, int] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        venue.user_sinks.append(self.publish_user)

    # Connections ---------------------------------------------------------------------

    async def negotiate(self, request: web.Request) -> web.Response:
        self._hub(request)  # 404 for an unknown hub
        if self.tokens.user(bearer(request)) is None:
            raise web.HTTPUnauthorized()
        connection = uuid.uuid4().hex
        return web.json_response(
            {
                "negotiateVersion": 1,
                "connectionId": connection,
                "connectionToken": connection,
                "availableTransports": [
                    {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}
                ],
            }
        )

    async def connect(self, request: web.Request) -> web.StreamResponse:
        hub = self._hub(request)
        if self.faults.refusing(hub):
            raise web.HTTPServiceUnavailable(text="hub unavailable (fault injection)")
        username = self.tokens.user(bearer(request))
        if username is None:
            raise web.HTTPUnauthorized()
        ws = web.WebSocketResponse(max_msg_size=4 * 2**20)
        await ws.prepare(request)
        client = HubClient(hub, ws, username)
        writer: asyncio.Task[None] | None = None
        try:
            rest = await self._handshake(client)
            if rest is None:
                return ws
            self.clients[hub].add(client)
            log.info("%s hub connected (%d open)", hub, len(self.clients[hub]))
            writer = asyncio.get_running_loop().create_task(self._write(client))
            for message in rest:
                self._on_message(client, message)
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    for message in signalr.messages(msg.data):
                        self._on_message(client, message)
                except signalr.ProtocolError as exc:
                    log.warning("%s hub: ignoring a bad client frame: %s", hub, exc)
        finally:
            self.clients[hub].discard(client)
            if writer is not None:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
            log.info("%s hub disconnected (%d open)", hub, len(self.clients[hub]))
        return ws

    @staticmethod
    def _hub(request: web.Request) -> str:
        hub = request.match_info["hub"]
        if hub not in ("user", "market"):
            raise web.HTTPNotFound()
        return hub

    async def _handshake(self, client: HubClient) -> list[dict[str, Any]] | None:
        try:
            first = await client.ws.receive(timeout=HANDSHAKE_SECONDS)
        except TimeoutError:
            await client.ws.close()
            return None
        if first.type is not WSMsgType.TEXT:
            await client.ws.close()
            return None
        try:
            error, rest = signalr.check_handshake(first.data)
        except signalr.ProtocolError as exc:
            error, rest = str(exc), []
        if error is not None:
            await client.ws.send_str(f'{{"error": "{error}"}}' + signalr.RS)
            await client.ws.close()
            return None
        await client.ws.send_str(signalr.HANDSHAKE_OK)
        return rest

    async def _write(self, client: HubClient) -> None:
        """Drain the client's queue, several messages per frame; ping when idle."""
        queue = client.queue
        while not client.ws.closed:
            try:
                first = await asyncio.wait_for(queue.get(), PING_SECONDS)
            except TimeoutError:
                first = signalr.PING_FRAME
            parts = [first]
            while not queue.empty() and len(parts) < MAX_FRAME_MESSAGES:
                parts.append(queue.get_nowait())
            try:
                await client.ws.send_str("".join(parts))
            except (ConnectionResetError, RuntimeError):
                return

    # Client invocations --------------------------------------------------------------

    def _on_message(self, client: HubClient, message: dict[str, Any]) -> None:
        if message.get("type") != signalr.INVOCATION:
            return  # pings and anything else need no answer
        target = str(message.get("target", ""))
        arguments = message.get("arguments") or []
        self.invocations[target] += 1
        if target.startswith("Subscribe"):
            adding, group = True, target.removeprefix("Subscribe")
        elif target.startswith("Unsubscribe"):
            adding, group = False, target.removeprefix("Unsubscribe")
        else:
            log.debug("%s hub: ignoring %s", client.hub, target)  # Heartbeat and the like
            return
        if client.hub == "user" and group == "Accounts":
            client.accounts = adding
        elif client.hub == "user" and group in _USER_GROUPS and arguments:
            members: set[Any] = getattr(client, _USER_GROUPS[group])
            (members.add if adding else members.discard)(arguments[0])
        elif client.hub == "market" and group in _MARKET_GROUPS and arguments:
            members = getattr(client, _MARKET_GROUPS[group])
            contract_id = arguments[0]
            fresh = contract_id not in members
            (members.add if adding else members.discard)(contract_id)
            if adding and fresh and group == "ContractQuotes":
                self._first_quote(client, contract_id)
            if adding and fresh and group == "ContractMarketDepth":
                self._first_book(client, contract_id)
        else:
            log.debug("%s hub: ignoring %s%s", client.hub, target, arguments)

    def _first_quote(self, client: HubClient, contract_id: Any) -> None:
        listing = self.venue.contracts.get(contract_id)
        if listing is None or self.faults.silent("market"):
            return
        quote = self.venue.quote_json(listing.symbol, spread=listing.spread)
        client.queue.put_nowait(signalr.invocation("GatewayQuote", [contract_id, quote]))
        self.quote_sent[contract_id] = asyncio.get_running_loop().time()

    def _first_book(self, client: HubClient, contract_id: Any) -> None:
        """A new depth subscriber gets the whole book (a Reset, then every level)."""
        listing = self.venue.contracts.get(contract_id)
        if listing is None or self.faults.silent("market"):
            return
        now = self.venue.clock.now_ns()
        entries = self.venue.depth.snapshot(listing.symbol, now, listing.spread)
        client.queue.put_nowait(signalr.invocation("GatewayDepth", [contract_id, entries]))

    # Publishing ----------------------------------------------------------------------

    def publish_user(self, account_id: int, target: str, payload: dict[str, Any]) -> None:
        self._publish("user", target, [payload], lambda c: c.wants_user(target, account_id))

    def publish_market(self, contract_id: str, target: str, data: Any) -> None:
        if target == "GatewayQuote":
            self.quote_sent[contract_id] = asyncio.get_running_loop().time()
        self._publish(
            "market", target, [contract_id, data], lambda c: c.wants_market(target, contract_id)
        )

    def _publish(
        self, hub: str, target: str, arguments: list[Any], wants: Callable[[HubClient], bool]
    ) -> None:
        if self.faults.silent(hub):
            return
        clients = [c for c in self.clients[hub] if wants(c)]
        if not clients:
            return
        frames = [self._garble(hub, target, arguments) or signalr.invocation(target, arguments)]
        if self.faults.duplicate(hub):
            frames.append(frames[0])
        for frame in frames:
            self._send(hub, frame, clients)

    def _send(self, hub: str, frame: str, clients: list[HubClient]) -> None:
        reorder = self.faults.reorder(hub)
        if reorder is not None:
            self._held[hub] = []
            self._hold_size[hub] = reorder.count
            self._spawn(self._flush_later(hub))
        held = self._held.get(hub)
        if held is not None:
            held.append((frame, clients))
            if len(held) >= self._hold_size[hub]:
                self._release(hub)
            return
        for client in clients:
            client.queue.put_nowait(frame)

    def _release(self, hub: str) -> None:
        held = self._held.pop(hub, None) or []
        for frame, clients in reversed(held):
            for client in clients:
                client.queue.put_nowait(frame)

    async def _flush_later(self, hub: str) -> None:
        await asyncio.sleep(REORDER_FLUSH_SECONDS)
        self._release(hub)

    def _garble(self, hub: str, target: str, arguments: list[Any]) -> str | None:
        fault = self.faults.malformed(hub)
        if fault is None:
            return None
        log.info("%s hub: sending a malformed %s (%s)", hub, target, fault.kind)
        if fault.kind == "frame":
            return '{"type": 1, "target": "' + target + '", "arguments": [' + signalr.RS
        if hub == "market" and target == "GatewayTrade":
            return signalr.invocation(target, [arguments[0], [{"price": "n/a", "volume": None}]])
        if hub == "market" and target == "GatewayDepth":
            bad = [{"type": "bid", "price": None, "volume": -3}]
            return signalr.invocation(target, [arguments[0], bad])
        if hub == "market":
            return signalr.invocation(target, [arguments[0], {"bestBid": "n/a", "bestAsk": []}])
        return signalr.invocation(target, [{"id": "not-a-number", "contractId": None}])

    # Actions -------------------------------------------------------------------------

    async def drop(self, hub: str) -> int:
        """Close every socket of the hub; returns how many were open."""
        clients = list(self.clients[hub])
        for client in clients:
            await client.ws.close(code=WSCloseCode.GOING_AWAY, message=b"dropped (fault)")
        return len(clients)

    def logout(self, hub: str) -> int:
        """Send ``GatewayLogout`` to every socket of the hub."""
        clients = list(self.clients[hub])
        for client in clients:
            client.queue.put_nowait(signalr.invocation("GatewayLogout", []))
        return len(clients)

    def keepalive(self, every: float) -> None:
        """Re-send the quote of any subscribed contract quiet for ``every`` seconds."""
        now = asyncio.get_running_loop().time()
        wanted = {cid for client in self.clients["market"] for cid in client.quotes}
        for contract_id in wanted:
            listing = self.venue.contracts.get(contract_id)
            if listing is not None and now - self.quote_sent.get(contract_id, 0.0) >= every:
                ts = self.venue.clock.now_ns()
                quote = self.venue.quote_json(listing.symbol, ts, listing.spread)
                self.publish_market(contract_id, "GatewayQuote", quote)

    def watched(self, contract_id: str) -> bool:
        """Whether any market socket subscribed to the contract's quotes or prints."""
        return any(
            contract_id in client.quotes or contract_id in client.prints
            for client in self.clients["market"]
        )

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def subscriptions(self) -> dict[str, Any]:
        """What each open socket subscribed to (the admin state)."""
        out: dict[str, Any] = {"user": [], "market": []}
        for client in self.clients["user"]:
            out["user"].append(
                {
                    "accounts": client.accounts,
                    "orders": sorted(client.orders),
                    "positions": sorted(client.positions),
                    "trades": sorted(client.trades),
                }
            )
        for client in self.clients["market"]:
            out["market"].append(
                {
                    "quotes": sorted(client.quotes),
                    "trades": sorted(client.prints),
                    "depth": sorted(client.depth),
                }
            )
        return out
