"""The native stream (``/stream``): the guard's engine events to attached cockpits, their
keys back to the guard's engine.

Snapshot, then stream: a cockpit that connects (or asks again after a gap) gets the state
at the guard's sequence number, then every event folded after it, numbered, in order,
and the risk engine's views whenever they change. A command from a cockpit goes to the
guard's gates at once, in the read loop, before anything is answered: the cancels of
``F`` are on their way before the verdict is even written.

Slow cockpits never slow the guard: each has its own outbox, filled in the fold's
listener (a list append) and emptied by its own writer task. A cockpit that falls
further behind than :data:`MAX_BEHIND` events loses its outbox and gets a fresh snapshot
instead: the stream's numbering makes that safe, where a silent drop would not be.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

import orjson
from aiohttp import WSMsgType, web

from cockpit.core.commands import Command
from cockpit.core.engine import Verdict
from cockpit.core.events import (
    AccountUpdated,
    ArmChanged,
    DayStatsUpdated,
    DepthUpdated,
    EnforcementTaken,
    Event,
    FillReceived,
    LockoutEnded,
    LockoutStarted,
    PositionUpdated,
    Printed,
    QuoteUpdated,
    RiskStateChanged,
)
from cockpit.guard.auth import token_ok
from cockpit.guard.clients import Clients
from cockpit.guard.line import LineFlattens, LinkFlattens, serve_line
from cockpit.guard.line_wire import LINE_PATH, LINK_HEADER
from cockpit.guard.snapshot import BookCopy, bar_copies, encode_state, encode_state_but_bars
from cockpit.guard.web import UNAUTHORIZED_CLOSE
from cockpit.guard.wire import (
    VERSION,
    RiskReadout,
    event_row,
    pack,
    read_command,
    read_risk,
    readout_fields,
    unpack,
    verdict_message,
)
from cockpit.journal.codec import CodecError, dumps
from cockpit.session import Session

log = logging.getLogger(__name__)

STREAM_PATH = "/stream"
MAX_BEHIND = 20_000
"""Events a cockpit may have waiting before it is sent a fresh snapshot instead."""
BATCH_ROWS = 128
"""Event rows per message at most. A cockpit's events go in batches, one message each,
written one per turn of the guard's loop: a market burst packed as one batch held the
loop for up to 2.8 ms (measured in a guard), in the way of a flatten key."""
PACE = 0.01
"""Seconds a cockpit's market rows may wait after its last message: a burst of quotes goes
as one message every 10 ms, not one every turn of the guard's loop. Each message wakes
the cockpit, which spent 0.2-0.4 ms on it; one a turn (every 0.25 ms in a burst) kept a
core busy, and the terminal's input waited behind it for a core (3.3 ms before the key
reader saw an ``F``, seen with ``perf sched``). Every other row (orders, fills,
positions, lockouts) and every verdict goes at once, and the market rows before it with it."""
MARKET = frozenset({QuoteUpdated, Printed, DepthUpdated, DayStatsUpdated})
"""The events whose rows may wait for :data:`PACE`."""
RISK_EVERY = 0.25
"""Seconds between two looks at the risk views (the header's room moves with the market)."""
RISK_SOON = 0.02
"""Seconds after a fill, a lockout or a state change before the views are read: soon
enough for the eye, and never between the steps of a flatten running on the same loop."""

_RISK_NOW = frozenset(
    {
        RiskStateChanged,
        LockoutStarted,
        LockoutEnded,
        EnforcementTaken,
        FillReceived,
        PositionUpdated,
        AccountUpdated,
        ArmChanged,
    }
)
"""Events after which the risk views are read soon rather than at the next look."""

Listener = Callable[[int, int, Event], None]


class StreamHost(Protocol):
    """What the stream needs of the guard (:class:`cockpit.guard.daemon.Guard`)."""

    @property
    def session(self) -> Session: ...

    @property
    def seq(self) -> int: ...

    @property
    def token(self) -> str: ...

    @property
    def clients(self) -> Clients: ...

    def listen(self, listener: Listener) -> Callable[[], None]: ...

    def submit(self, command: Command) -> Verdict: ...


class Outbox:
    """One cockpit's messages on their way, in order; event rows gathered into batches."""

    def __init__(self) -> None:
        self.messages: list[list[Any]] = []
        self.behind = 0
        self.wants_snapshot = True
        """The next thing to send is a snapshot (the first, or after falling behind)."""
        self.wake = asyncio.Event()
        self.wake.set()  # the first snapshot goes out at once
        self.urgent = asyncio.Event()
        """Something waits that goes at once, whatever :data:`PACE` says."""

    def event(self, row: list[Any], *, market: bool = False) -> None:
        """An event's row; ``market`` rows (quotes, prints, depth) may wait for the pace."""
        if self.wants_snapshot:
            return  # the snapshot will hold it
        if not market:
            self.urgent.set()
        if self.behind >= MAX_BEHIND:
            self.messages = [m for m in self.messages if m[0] == "verdict"]
            self.behind = 0
            self.wants_snapshot = True
        else:
            messages = self.messages
            if messages and messages[-1][0] == "events" and len(messages[-1][1]) < BATCH_ROWS:
                messages[-1][1].append(row)
            else:
                messages.append(["events", [row]])
            self.behind += 1
        self.wake.set()

    def send(self, message: list[Any]) -> None:
        self.messages.append(message)
        self.urgent.set()
        self.wake.set()

    def snapshot(self) -> None:
        self.wants_snapshot = True
        self.messages = [m for m in self.messages if m[0] == "verdict"]
        self.behind = 0
        self.urgent.set()
        self.wake.set()

    def take(self) -> list[list[Any]]:
        taken, self.messages = self.messages, []
        self.behind = 0
        self.wake.clear()
        self.urgent.clear()
        return taken

    async def paced(self, rest: float) -> None:
        """Wait ``rest`` seconds, or less if something that goes at once arrives."""
        if rest <= 0 or self.urgent.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(rest):
                await self.urgent.wait()


class StreamHub:
    """Every attached cockpit of one guard: fans out events, reads the risk views, judges
    nothing itself (commands go to the guard's gates)."""

    def __init__(self, host: StreamHost) -> None:
        self.host = host
        self.outboxes: set[Outbox] = set()
        self._readout: RiskReadout | None = None
        self._risk_soon = False
        self._unlisten = host.listen(self._folded)
        self.lines = LineFlattens(self.submit)
        """Each cockpit's flatten keys by number, by the line and by the stream."""

    def close(self) -> None:
        self._unlisten()

    # The guard's side ------------------------------------------------------------------

    def _folded(self, seq: int, recv_ns: int, event: Event) -> None:
        """The guard folded an event (called synchronously, after the fold)."""
        if not self.outboxes:
            return
        row = event_row(seq, recv_ns, event)
        market = type(event) in MARKET
        for outbox in self.outboxes:
            outbox.event(row, market=market)
        if type(event) in _RISK_NOW and not self._risk_soon:
            self._risk_soon = True
            asyncio.get_running_loop().call_later(RISK_SOON, self._risk_now)

    def _risk_now(self) -> None:
        self._risk_soon = False
        self.publish_risk()

    def readout(self) -> RiskReadout | None:
        session = self.host.session
        risk = session.risk
        if risk is None:
            return None
        return read_risk(risk, session.state, session.clock.now_ns(), session.brackets)

    def publish_risk(self) -> None:
        """Send the risk views to every cockpit if they changed since the last send."""
        if not self.outboxes:
            return
        readout = self.readout()
        if readout is None or readout.same_view(self._readout):
            return
        self._readout = readout
        message = ["risk", readout_fields(readout)]
        for outbox in self.outboxes:
            outbox.send(message)

    def snapshot_message(self, *, bars: bool = True) -> list[Any]:
        """The state now, at the guard's sequence number, with what the screen needs to
        show it as the guard's own cockpit would (``bars=False``: all but the bars)."""
        session = self.host.session
        readout = self.readout()
        risk = session.risk
        state = encode_state(session.state) if bars else encode_state_but_bars(session.state)
        return [
            "snapshot",
            {
                "version": VERSION,
                "seq": self.host.seq,
                "state": state,
                "risk_settings": risk.settings.model_dump(mode="json") if risk else None,
                "risk": readout_fields(readout) if readout is not None else None,
                "account": session.broker.account_name,
            },
        ]

    def snapshot_now(self) -> tuple[list[Any], dict[str, BookCopy]]:
        """The snapshot at this moment, its bars as cheap copies still to encode (a day of
        bars is most of a megabyte: encoded at once it held the loop for tens of ms)."""
        return self.snapshot_message(bars=False), bar_copies(self.host.session.state)

    async def snapshot_frame(self, message: list[Any], bars: dict[str, BookCopy]) -> bytes:
        """The frame of :meth:`snapshot_now`'s snapshot, its bars encoded one timeframe
        per turn of the loop: a flatten arriving meanwhile waits for one piece, not all.
        The copies share nothing the fold changes, so the snapshot stays that moment's."""
        encoded: dict[str, Any] = {}
        for symbol, book in bars.items():
            series: dict[str, orjson.Fragment] = {}
            for label, one in book.series.items():
                await asyncio.sleep(0)
                series[label] = orjson.Fragment(dumps(one.encoded()))
            encoded[symbol] = {"series": series, "loaded_from": book.loaded_from}
        message[1]["state"]["bars"] = encoded
        return pack(message)

    async def running(self, app: web.Application) -> AsyncIterator[None]:
        """The risk views' look every :data:`RISK_EVERY` seconds while the server runs."""

        async def look() -> None:
            while True:
                await asyncio.sleep(RISK_EVERY)
                try:
                    self.publish_risk()
                except Exception:
                    log.exception("reading the risk views for the stream failed")

        task = asyncio.create_task(look(), name="stream-risk")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self.close()

    # One cockpit -----------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=2**20, heartbeat=15.0)
        await ws.prepare(request)
        if not token_ok(request, self.host.token):
            await ws.close(code=UNAUTHORIZED_CLOSE, message=b"unauthorized: token missing or wrong")
            return ws
        outbox = Outbox()
        self.outboxes.add(outbox)
        link_id = request.headers.get(LINK_HEADER, "")
        flattens = self.lines.open(link_id) if link_id else LinkFlattens()

        async def goodbye(reason: str) -> None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_bytes(pack(["goodbye", reason]))
            await ws.close(message=reason.encode()[:120])

        session = self.host.session
        client = self.host.clients.register(
            "stream", request.remote or "?", session.clock.now_ns(), goodbye
        )
        writer = asyncio.create_task(self._write(ws, outbox), name="stream-writer")
        try:
            await self._read(ws, outbox, flattens)
        finally:
            self.lines.close(link_id, flattens)
            self.host.clients.unregister(client)
            self.outboxes.discard(outbox)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    async def handle_line(self, request: web.Request) -> web.WebSocketResponse:
        """A cockpit's flatten line (:mod:`cockpit.guard.line`)."""
        return await serve_line(request, self.lines, self.host.clients, self.host.token)

    async def _write(self, ws: web.WebSocketResponse, outbox: Outbox) -> None:
        loop = asyncio.get_running_loop()
        sent_at = float("-inf")
        try:
            while not ws.closed:
                await outbox.wake.wait()
                await outbox.paced(sent_at + PACE - loop.time())
                if ws.closed:
                    break
                sent_at = loop.time()
                if outbox.wants_snapshot:
                    outbox.wants_snapshot = False
                    message, bars = self.snapshot_now()  # the state at the seq now:
                    taken = outbox.take()  # what was queued before it is inside it
                    snapshot = await self.snapshot_frame(message, bars)
                    await ws.send_bytes(snapshot)
                    for message in taken:
                        if message[0] == "verdict":
                            await ws.send_bytes(pack(message))
                    continue
                for index, message in enumerate(outbox.take()):
                    if index:
                        await asyncio.sleep(0)  # one batch a turn: a key between two
                    await ws.send_bytes(pack(message))
        except (ConnectionError, RuntimeError) as exc:  # the cockpit went away mid-send
            log.info("stream client gone while writing: %s", exc)
            await ws.close()

    async def _read(
        self, ws: web.WebSocketResponse, outbox: Outbox, flattens: LinkFlattens
    ) -> None:
        async for frame in ws:
            if frame.type not in (WSMsgType.BINARY, WSMsgType.TEXT):
                continue
            try:
                message = unpack(frame.data)
                if message[0] == "command":
                    command_id, command, flatten = read_command(message)
                    verdict = self.lines.from_stream(flattens, command, flatten)
                    outbox.send(verdict_message(command_id, verdict))
                elif message[0] == "snapshot":
                    outbox.snapshot()
                else:
                    raise CodecError(f"unknown message {message[0]!r}")
            except CodecError as exc:
                log.warning("stream: a bad message from a cockpit: %s", exc)
                outbox.send(["error", str(exc)])

    def submit(self, command: Command) -> Verdict:
        """A cockpit's command, through the guard's gates. A cockpit never speaks for
        the risk engine: a command claiming to be the risk engine's is judged as a key's.
        A command the engine fails on is answered with the failure, and the stream stays."""
        if command.origin == "risk":
            command = dataclasses.replace(command, origin="key")
        try:
            return self.host.submit(command)
        except Exception as exc:
            log.exception("the guard failed on a cockpit's %s", command.label)
            return Verdict(False, f"the guard failed on {command.label}: {exc}")


STREAM_HUB: web.AppKey[StreamHub] = web.AppKey("stream_hub")
"""The hub serving an app's ``/stream`` (``app[STREAM_HUB]``)."""


def add_stream_routes(app: web.Application, host: StreamHost) -> StreamHub:
    """Serve ``/stream`` for ``host`` on ``app`` (the guard's web app)."""
    hub = app[STREAM_HUB] = StreamHub(host)
    app.router.add_get(STREAM_PATH, hub.handle)
    app.router.add_get(LINE_PATH, hub.handle_line)
    app.cleanup_ctx.append(hub.running)
    return hub
