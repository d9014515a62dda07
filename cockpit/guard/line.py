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
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from cockpit.core.commands import TYPED_BEFORE, Command, FlattenAll, reopens
from cockpit.core.engine import Verdict
from cockpit.guard.auth import token_ok
from cockpit.guard.clients import Clients
from cockpit.guard.line_wire import read_line_frame
from cockpit.guard.web import UNAUTHORIZED_CLOSE

log = logging.getLogger(__name__)

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


async def serve_line(
    request: web.Request, lines: LineFlattens, clients: Clients, token: str
) -> web.WebSocketResponse:
    """The ``/stream/line`` handler: the token, then flatten frames until the cockpit goes.
    Nothing is answered on the line: the verdict comes back on the stream."""
    ws = web.WebSocketResponse(heartbeat=15.0, max_msg_size=1024)
    await ws.prepare(request)
    if not token_ok(request, token):
        await ws.close(code=UNAUTHORIZED_CLOSE, message=b"unauthorized: token missing or wrong")
        return ws

    async def goodbye(reason: str) -> None:
        await ws.close(message=reason.encode()[:120])

    client = clients.register("line", request.remote or "?", goodbye=goodbye, counted=False)
    try:
        async for frame in ws:
            if frame.type not in (WSMsgType.BINARY, WSMsgType.TEXT):
                continue
            try:
                link_id, number = read_line_frame(frame.data)
            except ValueError as exc:
                lines.bad_frames += 1
                log.warning("flatten line: a bad frame (%d so far): %s", lines.bad_frames, exc)
                continue
            lines.from_line(link_id, number)  # the hub's submit answers any failure
    finally:
        clients.unregister(client)
    return ws
