"""``/ws``: the guard's events as JSON topics for scripts, bots and dashboards.

A :class:`Hub` (one per guard) listens to every event the guard folds, translates it once
through the :class:`~cockpit.guard.view.View` and offers it to each :class:`Connection`,
which keeps what its subscription wants in its own :class:`~cockpit.guard.outbox.Outbox`.
The fold never waits for a socket: each connection's writer sends when its client can
take more. A subscription's snapshot is queued in the same synchronous step that turns the
subscription on, so no event can fall between the snapshot and the stream.

Commands go through ``guard.submit``: the same gates as a key, so a command the risk
engine refuses is answered ``COMMAND_REFUSED`` with its reason and never reaches a broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from aiohttp import WSCloseCode, WSMsgType, web
from pydantic import ValidationError

from cockpit.core.commands import Command
from cockpit.core.engine import Verdict
from cockpit.core.events import Event, OrderSubmitted
from cockpit.guard.daemon import Guard
from cockpit.guard.outbox import DEFAULT_LIMIT, Item, Outbox, Quote, Reply
from cockpit.guard.schema import (
    API_VERSION,
    COMMAND_BODIES,
    ArmBody,
    ClientMessage,
    CommandBody,
    Subscription,
    first_error,
)
from cockpit.guard.view import Message, Topic, View, iso

log = logging.getLogger(__name__)

DEFAULT_MAX_CLIENTS = 110
HEARTBEAT_SECONDS = 15.0
"""aiohttp pings a client silent this long and closes it when no pong comes within half
of it."""

QUOTE_INTERVAL_S = 0.010
"""Quotes are handed to clients at most this often (the latest of each symbol that moved):
a 20,000 quotes/s storm costs the guard a hundred hand-outs a second, not 20,000 sends
per client, and no screen shows faster than that."""

MAX_CLIENT_MESSAGE = 64 * 1024
"""A client message past this closes the connection (1009): requests are a few hundred bytes."""

ARM_NEEDS_REASON = "a reason is needed to arm"
"""How an ``arm`` without the reason the risk engine asks for is denied (then why)."""

CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_MANY = 4429
CLOSE_TOO_SLOW = 4008


class ApiError(Exception):
    """A request the guard answers with an error code (the connection stays)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Subscriptions:
    """What one connection asked for; no symbols or accounts named means all of them."""

    topics: set[Topic] = field(default_factory=set)
    symbols: set[str] = field(default_factory=set)
    accounts: set[int] = field(default_factory=set)

    def wants(self, message: Message) -> bool:
        if message.topic not in self.topics:
            return False
        symbol = message.symbol
        if self.symbols and symbol is not None and symbol not in self.symbols:
            return False
        account = message.account_id
        return not (self.accounts and account is not None and account not in self.accounts)

    def wants_quote(self, symbol: str) -> bool:
        return Topic.QUOTES in self.topics and (not self.symbols or symbol in self.symbols)

    def as_data(self) -> dict[str, Any]:
        return {
            "topics": sorted(self.topics),
            "symbols": sorted(self.symbols),
            "accounts": sorted(self.accounts),
        }


class Socket(Protocol):
    """The part of aiohttp's ``WebSocketResponse`` a connection writes to."""

    async def send_frame(self, message: bytes, opcode: WSMsgType) -> None: ...

    async def close(self, *, code: int = ..., message: bytes = ...) -> bool: ...


class Hub:
    """Every ``/ws`` connection of one guard, fed from one listener."""

    def __init__(
        self,
        guard: Guard,
        *,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        outbox_limit: int = DEFAULT_LIMIT,
        quote_interval: float = QUOTE_INTERVAL_S,
    ) -> None:
        self.guard = guard
        self.quote_interval = quote_interval
        self.view = View(guard.state, self._status_extras, guard.day_pnl)
        self.max_clients = max_clients
        self.outbox_limit = outbox_limit
        self.connections: set[Connection] = set()
        self._ids = itertools.count(1)
        self._moved: dict[str, None] = {}
        """Symbols the market moved in since quotes were last handed out (in order)."""
        self._unlisten = guard.listen(self._on_event)

    def close(self) -> None:
        self._unlisten()

    def _on_event(self, seq: int, recv_ns: int, event: Event) -> None:
        """Called by the guard after each fold: offer the event to every connection."""
        connections = self.connections
        if not connections:
            return
        symbol = self.view.quote_symbol(event)
        if symbol is not None:
            moved = self._moved
            if not moved:
                loop = asyncio.get_running_loop()
                loop.call_later(self.quote_interval, self._hand_out_quotes)
            moved[symbol] = None
            return
        for message in self.view.translate(event):
            for connection in connections:
                connection.offer(message)

    def _hand_out_quotes(self) -> None:
        """At most once per ``quote_interval``, however many quotes came: a storm costs
        each event a set insertion, and each client one place per symbol that moved (the
        latest quote is read when it is sent)."""
        moved = list(self._moved)
        self._moved.clear()
        for connection in self.connections:
            for symbol in moved:
                connection.offer_quote(symbol)

    def _status_extras(self) -> dict[str, Any]:
        guard = self.guard
        return {"dry_run": guard.dry_run, "clients": len(self.connections), "guard_seq": guard.seq}

    def now(self) -> int:
        """The guard's time (the engine's moment): replies and snapshots carry it."""
        return self.guard.session.engine.now()

    def open(self, socket: Socket) -> Connection:
        connection = Connection(self, socket, f"ws-{next(self._ids)}")
        self.connections.add(connection)
        return connection

    def full(self) -> bool:
        return len(self.connections) >= self.max_clients


class Connection:
    """One client: its subscription, its outbox, its numbering and its writer."""

    def __init__(self, hub: Hub, socket: Socket, connection_id: str) -> None:
        self.hub = hub
        self.socket = socket
        self.connection_id = connection_id
        self.subscriptions = Subscriptions()
        self.outbox = Outbox(hub.outbox_limit)
        self.seq = 0

    # The fold's side (synchronous, cheap) -----------------------------------------------

    def offer_quote(self, symbol: str) -> None:
        if self.subscriptions.wants_quote(symbol):
            self.outbox.put_quote(symbol)

    def offer(self, message: Message) -> None:
        if self.subscriptions.wants(message):
            self.outbox.put(message)

    # The client's side -------------------------------------------------------------------

    def reply(self, kind: str, data: dict[str, Any], request_id: str | int | None = None) -> None:
        hub = self.hub
        self.outbox.put(Reply(kind, data, hub.now(), request_id, hub.view.account_id))

    def error(self, code: str, message: str, request_id: str | int | None = None) -> None:
        data: dict[str, Any] = {"code": code, "message": message}
        if request_id is not None:
            data["request_id"] = request_id
        self.reply("error", data, request_id)

    def hello(self) -> None:
        accounts = sorted(self.hub.guard.account_ids())
        data = {"connection_id": self.connection_id, "version": API_VERSION, "accounts": accounts}
        self.reply("connected", data)

    def receive(self, text: str | bytes) -> None:
        """One client message: answered (or an error queued); never raises."""
        request_id: str | int | None = None
        try:
            raw = orjson.loads(text)
            if isinstance(raw, dict):
                rid = raw.get("request_id")
                request_id = rid if isinstance(rid, str | int) else None
            try:
                message = ClientMessage.model_validate(raw)
            except ValidationError as exc:
                raise ApiError("INVALID_MESSAGE", _message_problem(raw, exc)) from None
            self._handle(message)
        except orjson.JSONDecodeError:
            self.error("INVALID_MESSAGE", 'not JSON: send {"type", "data"}', request_id)
        except ApiError as exc:
            self.error(exc.code, exc.message, request_id)

    def _handle(self, message: ClientMessage) -> None:
        kind, request_id = message.type, message.request_id
        if kind == "ping":
            self.reply("pong", {}, request_id)
        elif kind == "get_subscriptions":
            self.reply("subscriptions", self.subscriptions.as_data(), request_id)
        elif kind == "get_status":
            self.reply("daemon_status", self.hub.view.status(self.hub.now()).data, request_id)
        elif kind == "subscribe":
            self._subscribe(self._subscription(message.data), request_id)
        elif kind == "unsubscribe":
            self._unsubscribe(self._subscription(message.data), request_id)
        else:
            self._command(message.data, request_id)

    def _subscription(self, data: dict[str, Any]) -> Subscription:
        try:
            asked = Subscription.model_validate(data)
        except ValidationError as exc:
            field_name, words = first_error(exc)
            code = "INVALID_TOPIC" if field_name.startswith("topics") else "INVALID_MESSAGE"
            if code == "INVALID_TOPIC":
                words = f"unknown topic; topics are {', '.join(Topic)}"
            raise ApiError(code, words) from None
        instruments = self.hub.guard.state.instruments
        for symbol in asked.symbols:
            if symbol not in instruments:
                raise ApiError("INVALID_SYMBOL", f"unknown symbol {symbol!r}")
        accounts = set(self.hub.guard.account_ids())
        for account in asked.accounts:
            if account not in accounts:
                raise ApiError("INVALID_ACCOUNT", f"no account {account} in this guard")
        return asked

    def _subscribe(self, asked: Subscription, request_id: str | int | None) -> None:
        """Turn the subscription on and queue its snapshot in one step: no gap, no overlap.

        ``since_seq`` is answered with a fresh snapshot (``resumed: false``): the guard
        keeps no per-client history, and a snapshot is never a silent gap.
        """
        subs = self.subscriptions
        new_topics = frozenset(asked.topics) - subs.topics
        subs.topics.update(asked.topics)
        subs.symbols.update(asked.symbols)
        subs.accounts.update(asked.accounts)
        view = self.hub.view
        topics = frozenset(subs.topics) if asked.since_seq is not None else new_topics
        snapshot = view.snapshot(topics, frozenset(subs.symbols), self.hub.now())
        sent = 0
        for message in snapshot:
            if message.topic is Topic.QUOTES and message.symbol is not None:
                self.outbox.put_quote(message.symbol)
                sent += 1
            elif subs.wants(message):
                self.outbox.put(message)
                sent += 1
        data = dict(subs.as_data(), resumed=False, snapshot=sent)
        self.reply("subscribed", data, request_id)

    def _unsubscribe(self, asked: Subscription, request_id: str | int | None) -> None:
        subs = self.subscriptions
        subs.topics.difference_update(asked.topics)
        subs.symbols.difference_update(asked.symbols)
        subs.accounts.difference_update(asked.accounts)
        self.reply("unsubscribed", subs.as_data(), request_id)

    def _command(self, data: dict[str, Any], request_id: str | int | None) -> None:
        fields = dict(data)
        name = fields.pop("command", None)
        body_type = COMMAND_BODIES.get(name) if isinstance(name, str) else None
        if body_type is None:
            raise ApiError(
                "INVALID_MESSAGE", f"data.command must be one of {', '.join(COMMAND_BODIES)}"
            )
        try:
            body = body_type.model_validate(fields)
        except ValidationError as exc:
            raise ApiError("INVALID_MESSAGE", f"data.{first_error(exc)[1]}") from None
        symbol = getattr(body, "symbol", None)
        if symbol is not None and symbol not in self.hub.guard.state.instruments:
            raise ApiError("INVALID_SYMBOL", f"unknown symbol {symbol!r}")
        verdict, tag = submit_body(self.hub.guard, body, self.hub.now())
        if not verdict.accepted:
            raise ApiError("COMMAND_REFUSED", verdict.reason)
        result = {"command": name, "accepted": True, "message": verdict.reason, "tag": tag}
        self.reply("command_result", result, request_id)

    # Writing -----------------------------------------------------------------------------

    def encode(self, item: Item) -> bytes | None:
        """The envelope of one queued item, numbered for this connection."""
        if isinstance(item, Quote):
            quote = self.hub.view.encoded_quote(item.symbol)
            if quote is None:
                return None
            message, data = quote
            return self._envelope(message, data)
        return self._envelope(item, item.data)

    def _envelope(self, item: Message | Reply, data: dict[str, Any] | orjson.Fragment) -> bytes:
        self.seq += 1
        envelope: dict[str, Any] = {
            "type": item.type,
            "account_id": item.account_id,
            "seq": self.seq,
            "ts": iso(item.ts),
            "data": data,
        }
        if type(item) is Reply and item.request_id is not None:
            envelope["request_id"] = item.request_id
        return orjson.dumps(envelope)

    async def write(self) -> None:
        """Send what the outbox holds while the client takes it; close one that cannot."""
        outbox = self.outbox
        while True:
            await outbox.wait()
            for item in outbox.take():
                frame = self.encode(item)
                if frame is not None:
                    await self.socket.send_frame(frame, WSMsgType.TEXT)
            if outbox.overflow:
                log.warning("closing %s: %s", self.connection_id, outbox.overflow)
                reason = outbox.overflow.encode()[:120]
                await self.socket.close(code=CLOSE_TOO_SLOW, message=reason)
                return


def submit_body(guard: Guard, body: CommandBody, now_ns: int) -> tuple[Verdict, str | None]:
    """Submit a client's command as a key would: an ``arm`` that the risk engine wants a
    reason for (``a`` would ask for one, after the daily profit target under ``[risk]
    lock``) is denied without one, in the same words, and never reaches the engine."""
    command = body.command(now_ns)
    risk = guard.session.risk
    if isinstance(body, ArmBody) and risk is not None:
        why = risk.arm_needs_reason(guard.state.armed or not body.armed)
        if why is not None:
            arm_again = body.arm_again()
            if arm_again is None:
                return Verdict(False, f"{ARM_NEEDS_REASON}: {why}"), None
            command = arm_again
    return submit_with_tag(guard, command)


def submit_with_tag(guard: Guard, command: Command) -> tuple[Verdict, str | None]:
    """Submit ``command`` and catch the tag the engine gives an order it sends, so a
    client can find its order in ``GatewayUserOrder`` messages."""
    tags: list[str] = []

    def note(seq: int, recv_ns: int, event: Event) -> None:
        if type(event) is OrderSubmitted and event.request.tag is not None:
            tags.append(event.request.tag)

    unlisten = guard.listen(note)
    try:
        verdict = guard.submit(command)
    finally:
        unlisten()
    return verdict, (tags[0] if tags else None)


def _message_problem(raw: object, exc: ValidationError) -> str:
    if not isinstance(raw, dict):
        return 'a message is a JSON object {"type", "data", "request_id"?}'
    field_name, words = first_error(exc)
    if field_name == "type":
        return f"unknown message type {raw.get('type')!r}"
    return words


async def serve_ws(
    request: web.Request, hub: Hub, authorized: Callable[[web.Request], bool]
) -> web.WebSocketResponse:
    """The ``/ws`` handler: token, room, ``connected``, then messages until the client goes."""
    socket = web.WebSocketResponse(
        heartbeat=HEARTBEAT_SECONDS, compress=False, max_msg_size=MAX_CLIENT_MESSAGE
    )
    await socket.prepare(request)
    if not authorized(request):
        words = "missing or wrong token (Authorization: Bearer <guard.token> or ?token=)"
        await _refuse(socket, hub, "UNAUTHORIZED", words, CLOSE_UNAUTHORIZED)
        return socket
    if hub.full():
        words = f"the guard serves at most {hub.max_clients} WebSocket clients"
        await _refuse(socket, hub, "MAX_CONNECTIONS_EXCEEDED", words, CLOSE_TOO_MANY)
        return socket
    connection = hub.open(socket)

    async def goodbye(reason: str) -> None:
        await socket.close(code=WSCloseCode.GOING_AWAY, message=reason.encode()[:120])

    client = hub.guard.clients.register("ws", request.remote or "", hub.now(), goodbye)
    connection.hello()
    writer = asyncio.ensure_future(connection.write())
    try:
        async for frame in socket:
            if frame.type is WSMsgType.TEXT or frame.type is WSMsgType.BINARY:
                connection.receive(frame.data)  # JSON in a binary frame is read alike
            if writer.done():
                break
    finally:
        hub.connections.discard(connection)
        hub.guard.clients.unregister(client)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await writer
    return socket


async def _refuse(
    socket: web.WebSocketResponse, hub: Hub, code: str, words: str, close: int
) -> None:
    """The last error a connection gets: say why, then close."""
    envelope = {
        "type": "error",
        "account_id": None,
        "seq": 1,
        "ts": iso(hub.now()),
        "data": {"code": code, "message": words},
    }
    with contextlib.suppress(ConnectionError):
        await socket.send_frame(orjson.dumps(envelope), WSMsgType.TEXT)
        await socket.close(code=close, message=words.encode()[:120])
