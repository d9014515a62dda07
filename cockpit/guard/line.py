"""The flatten line (``/stream/line``): an attached cockpit's flatten key straight from
the thread that read it to the guard's gates.

Attached, ``F`` reaches the guard by two roads at once, each carrying the same number:

* the **line**: the terminal driver's input thread, which read the key, writes one frame
  on a WebSocket of its own. Nothing the cockpit's loop is doing (a frame being drawn,
  the loop still waking up on a busy machine) stands between the key and the guard;
* the **stream**: the cockpit's loop sends the flatten as every command goes, in order
  behind everything the cockpit sent before the key.

The guard runs whichever arrives first and answers the other with the same verdict
(:class:`LineFlattens`). Between the two, the stream may still hold orders the cockpit
sent before the key (``b F`` in one burst): one that would place or move an order would
reopen what the flatten closes, so it is refused, in the cockpit's own words ("typed
before the flatten: not sent"). Cancels, closes, arming and lockouts still go.

The line is an optimisation, never a dependency: a cockpit whose line is down, or whose
key the line does not take, flattens by the stream alone, as before.

A frame is read the moment aiohttp's protocol parses it (:class:`LineResponse`), inside
the loop turn that found the socket readable. Read by a task awaiting ``receive()``, it
waited a turn more: on a guard whose paper market is catching up after a burst, one more
market turn and stream write ahead of the flatten (0.5-4 ms at the open, measured).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMessage, WSMsgType, web
from aiohttp._websocket.models import WSMessageTextBytes
from aiohttp._websocket.reader import WebSocketDataQueue, WebSocketReader

from cockpit.core.commands import TYPED_BEFORE, Command, FlattenAll, reopens
from cockpit.core.engine import Verdict
from cockpit.guard.auth import token_ok
from cockpit.guard.clients import Clients
from cockpit.guard.line_wire import read_line_frame
from cockpit.guard.reads_between import read_between, stop_reading_between
from cockpit.guard.web import UNAUTHORIZED_CLOSE

log = logging.getLogger(__name__)

LINE_FRAME_MOST = 1024
"""Bytes a line frame may have (one is about 40)."""
KEPT = 16
"""Flatten numbers remembered per link (a second road arrives within milliseconds)."""


@dataclass
class LinkFlattens:
    """One stream's flattens by number, and the one the line ran ahead of the stream."""

    done: dict[int, Verdict] = field(default_factory=dict)
    ahead: int | None = None
    """The number of a flatten the line ran that the stream has not reached yet: until
    it does, the stream carries what was sent before the key."""

    def ran(self, number: int, verdict: Verdict) -> None:
        self.done[number] = verdict
        for old in [n for n in self.done if n <= number - KEPT]:
            del self.done[old]


@dataclass
class LineFlattens:
    """The guard's side of both roads: each flatten number runs once, and an order sent
    before a flatten the line ran ahead is refused."""

    submit: Callable[[Command], Verdict]
    links: dict[str, LinkFlattens] = field(default_factory=dict)
    bad_frames: int = 0
    """Line frames that could not be read (logged and skipped)."""
    by_line: int = 0
    """Flattens the line ran ahead of the stream."""

    def open(self, link_id: str) -> LinkFlattens:
        """A stream from ``link_id`` connected (a fresh record on every connection)."""
        flattens = self.links[link_id] = LinkFlattens()
        return flattens

    def close(self, link_id: str, flattens: LinkFlattens) -> None:
        if self.links.get(link_id) is flattens:
            del self.links[link_id]

    def from_line(self, link_id: str, number: int) -> None:
        """Flatten ``number`` by the line: run it unless the stream's came first."""
        flattens = self.links.get(link_id)
        if flattens is not None and number in flattens.done:
            return
        verdict = self.submit(FlattenAll(reason="flatten key"))
        if flattens is not None:
            flattens.ran(number, verdict)
            flattens.ahead = max(number, flattens.ahead or 0)  # the stream's furthest debt
        self.by_line += 1
        log.info("flatten %d of cockpit %s: by the line, ahead of its stream", number, link_id)

    def from_stream(self, flattens: LinkFlattens, command: Command, number: int | None) -> Verdict:
        """A command on the stream (``number``: the flatten number it carries, if any)."""
        if number is not None:
            if flattens.ahead is not None and number >= flattens.ahead:
                flattens.ahead = None  # the stream has reached the key
            verdict = flattens.done.get(number)
            if verdict is None:
                verdict = self.submit(command)
                flattens.ran(number, verdict)
            return verdict
        if flattens.ahead is not None and reopens(command):
            log.info("refused %s from a cockpit: %s", command.label, TYPED_BEFORE)
            return Verdict(False, TYPED_BEFORE)
        return self.submit(command)

    def frame(self, data: bytes | str) -> None:
        """One frame off the line: a flatten, or a bad frame counted and logged."""
        try:
            link_id, number = read_line_frame(data)
        except ValueError as exc:
            self.bad_frames += 1
            log.warning("flatten line: a bad frame (%d so far): %s", self.bad_frames, exc)
            return
        self.from_line(link_id, number)  # the hub's submit answers any failure


class FrameTap(WebSocketDataQueue):
    """aiohttp's queue of parsed WebSocket messages, with the data frames taken out as
    they are parsed: handed to ``on_frame`` there and then. Pings and the close go on to
    the queue, where the handler's ``receive()`` answers them as before."""

    def __init__(self, protocol: Any, on_frame: Callable[[bytes | str], None], **kw: Any) -> None:
        super().__init__(protocol, 2**16, **kw)  # aiohttp's own limit
        self.on_frame = on_frame

    def feed_data(self, data: WSMessage | WSMessageTextBytes, size: int) -> None:
        if data.type not in (WSMsgType.BINARY, WSMsgType.TEXT):
            super().feed_data(data, size)
            return
        try:
            self.on_frame(data.data)
        except Exception:  # the protocol's data_received must not see it
            log.exception("flatten line: a frame failed")


class LineResponse(web.WebSocketResponse):
    """The line's WebSocket, its frames read by a :class:`FrameTap` (aiohttp 3.14: the
    queue and the parser are swapped in right after the handshake, before the cockpit
    can send a frame: it waits for the handshake's answer)."""

    def __init__(self, on_frame: Callable[[bytes | str], None], **kw: Any) -> None:
        super().__init__(**kw)
        self._on_frame = on_frame

    def _post_start(self, request: web.BaseRequest, protocol: str | None, writer: Any) -> None:
        super()._post_start(request, protocol, writer)
        tap = FrameTap(request.protocol, self._on_frame, loop=self._loop)
        parser = WebSocketReader(tap, LINE_FRAME_MOST, compress=False, decode_text=True)
        self._reader, self._parser = tap, parser
        request.protocol._payload_parser = parser


async def serve_line(
    request: web.Request, lines: LineFlattens, clients: Clients, token: str
) -> web.WebSocketResponse:
    """The ``/stream/line`` handler: the token, then flatten frames until the cockpit goes.
    Nothing is answered on the line: the verdict comes back on the stream."""
    authorized = token_ok(request, token)
    ws = LineResponse(
        lines.frame if authorized else _unheard, heartbeat=15.0, max_msg_size=LINE_FRAME_MOST
    )
    await ws.prepare(request)
    if not authorized:
        await ws.close(code=UNAUTHORIZED_CLOSE, message=b"unauthorized: token missing or wrong")
        return ws

    async def goodbye(reason: str) -> None:
        await ws.close(message=reason.encode()[:120])

    client = clients.register("line", request.remote or "?", goodbye=goodbye, counted=False)
    read_between(request.transport)  # a frame waits for no queued work
    try:
        async for message in ws:  # the tap took the frames: here come pings and the close
            if message.type in (WSMsgType.BINARY, WSMsgType.TEXT):
                lines.frame(message.data)
    finally:
        stop_reading_between(request.transport)
        clients.unregister(client)
    return ws


def _unheard(_data: bytes | str) -> None:
    """A frame on a line refused for its token: dropped."""
