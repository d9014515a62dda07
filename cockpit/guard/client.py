"""The cockpit's link to a guard: connect, snapshot, a replica of the guard's state,
commands, and reconnecting when the guard goes away.

The replica is a plain :class:`State` folded with the same ``State.apply`` the guard
uses: the link hands every event, in the guard's order, to a sink (the attached
session's engine, which folds it). Events are numbered; the first number that is not the
next one is a gap, and a gap is answered by asking for a fresh snapshot, never ignored.
A fresh snapshot replaces the replica's contents in place, so whoever holds the state
(the screen) keeps reading the same object.

A lost guard is retried after 1, 2, 4, 8 and then every 10 seconds (:class:`Backoff`);
the wait is an injected ``sleep``, so tests step through it without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from cockpit.core.commands import Command, FlattenAll
from cockpit.core.engine import Verdict
from cockpit.core.events import Event
from cockpit.core.instruments import INSTRUMENTS, Instrument
from cockpit.core.state import State
from cockpit.guard.line_client import KeyReader
from cockpit.guard.line_wire import LINK_HEADER
from cockpit.guard.snapshot import decode_state
from cockpit.guard.stream import STREAM_PATH
from cockpit.guard.wire import (
    VERSION,
    RiskReadout,
    command_message,
    pack,
    read_event_row,
    read_readout,
    read_verdict,
    unpack,
)
from cockpit.journal.codec import CodecError
from cockpit.risk.config import RiskSettings

log = logging.getLogger(__name__)

DEFAULT_ADDRESS = "127.0.0.1:8765"
"""Where a guard listens unless its config says otherwise (``[guard] host``, ``port``)."""
HEARTBEAT = 15.0
"""Seconds between the link's pings: a guard whose machine vanished (no goodbye, no
FIN) is noticed within this and a half, not at the TCP timeout."""
SNAPSHOT_TIMEOUT = 10.0
"""Seconds a connecting cockpit waits for the first snapshot (a day of bars is megabytes)."""


class GuardUnavailable(Exception):
    """No guard answered at the address, or it refused the token; the message says which."""


class Backoff:
    """Seconds to wait before each new try: 1, 2, 4, 8, then every 10."""

    STEPS = (1.0, 2.0, 4.0, 8.0)
    EVERY = 10.0

    def __init__(self) -> None:
        self.failures = 0

    def next(self) -> float:
        steps = self.STEPS
        delay = steps[self.failures] if self.failures < len(steps) else self.EVERY
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The parts of a snapshot besides the state itself."""

    seq: int
    risk_settings: RiskSettings | None
    readout: RiskReadout | None
    account: str


Sleep = Callable[[float], Awaitable[None]]


class GuardLink:
    """One cockpit's connection to one guard, kept up for as long as the cockpit runs."""

    def __init__(
        self,
        address: str,
        token: str,
        *,
        instruments: Mapping[str, Instrument] = INSTRUMENTS,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
    ) -> None:
        self.address = address
        self._token = token
        self.instruments = instruments
        self.sleep = sleep
        self.backoff = backoff or Backoff()
        self.state: State | None = None
        """The replica: created by the first snapshot, refilled in place by later ones."""
        self.seq = 0
        """The number of the last event folded into the replica."""
        self.snapshot: Snapshot | None = None
        self.readout: RiskReadout | None = None
        self.online = False
        self.retry_in: float | None = None
        """Seconds until the next try while offline (for the banner)."""
        self.gone_reason = ""
        """Why the guard went, when it said so (a guard stopping says goodbye)."""
        self.gaps = 0
        """Gaps seen (each answered by a fresh snapshot)."""
        self.bad_messages = 0
        """Frames from the guard that could not be read (logged and skipped)."""
        self.sink: Callable[[Event], None] | None = None
        """Where the guard's events go in order (the attached engine); default: the replica."""
        self.on_verdict: Callable[[Command, Verdict], None] | None = None
        self.on_snapshot: Callable[[], None] | None = None
        self.on_readout: Callable[[RiskReadout], None] | None = None
        self._awaiting_snapshot = True
        self._pending: dict[int, Command] = {}
        self._ids = itertools.count(1)
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._sends: set[asyncio.Task[None]] = set()
        self.link_id = secrets.token_hex(8)
        """Names this cockpit's stream to the guard, so the flatten line can speak for it."""
        self.line = KeyReader(address, token, self.link_id)
        """The flatten line, through the key reader that reads this cockpit's terminal."""

    # Connecting --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.address}{STREAM_PATH}"

    async def connect(self) -> None:
        """Open the stream and take the first snapshot; :class:`GuardUnavailable` if not."""
        if self._http is None:
            self._http = aiohttp.ClientSession()
        headers = {"Authorization": f"Bearer {self._token}", LINK_HEADER: self.link_id}
        try:
            ws = await self._http.ws_connect(
                self.url, headers=headers, max_msg_size=0, heartbeat=HEARTBEAT
            )
        except (aiohttp.ClientError, OSError) as exc:
            raise GuardUnavailable(f"no guard at {self.address}: {exc}") from None
        self._awaiting_snapshot = True
        try:
            frame = await ws.receive(timeout=SNAPSHOT_TIMEOUT)
        except TimeoutError:
            await ws.close()
            raise GuardUnavailable(f"the guard at {self.address} sent no snapshot") from None
        if frame.type is not aiohttp.WSMsgType.BINARY:
            await ws.close()
            code = ws.close_code
            if code == 4401:
                raise GuardUnavailable(f"the guard at {self.address} refused the token")
            raise GuardUnavailable(f"the guard at {self.address} closed the stream ({code})")
        try:
            self.take(unpack(frame.data))
        except CodecError as exc:
            await ws.close()
            raise GuardUnavailable(f"the guard at {self.address} sent {exc}") from None
        self._ws = ws
        self.online = True
        self.retry_in = None
        self.gone_reason = ""
        self.backoff.reset()
        self.line.open()

    async def run(self) -> None:
        """Read the stream until closed; reconnect after each loss, forever (cancel to end)."""
        while True:
            ws = self._ws
            if ws is not None:
                await self._read(ws)
                self._lost()
            delay = self.backoff.next()
            self.retry_in = delay
            await self.sleep(delay)
            with contextlib.suppress(GuardUnavailable):
                await self.connect()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            if frame.type is aiohttp.WSMsgType.BINARY:
                self.take_frame(frame.data)

    def take_frame(self, data: bytes) -> None:
        """One frame from the guard; a malformed one is counted and logged, never a crash."""
        try:
            self.take(unpack(data))
        except (CodecError, KeyError, IndexError, TypeError, ValueError) as exc:
            self.bad_messages += 1
            log.warning("a bad message from the guard (%d so far): %r", self.bad_messages, exc)

    def _lost(self) -> None:
        """The stream ended: commands not yet answered are told so."""
        self.online = False
        self._ws = None
        pending, self._pending = self._pending, {}
        for command in pending.values():
            reason = "the guard went away before answering: check its state when it is back"
            self._answer(command, Verdict(False, reason))

    async def close(self) -> None:
        """Detach: the guard goes on without this cockpit."""
        ws, self._ws = self._ws, None
        self.online = False
        if ws is not None:
            await ws.close()
        http, self._http = self._http, None
        if http is not None:
            await http.close()
        self.line.close()

    # Messages from the guard -------------------------------------------------------------

    def take(self, message: list[Any]) -> None:
        """Act on one message from the guard (the socket's reader calls this)."""
        kind = message[0]
        if kind == "events":
            self._events(message[1])
        elif kind == "snapshot":
            self._snapshot(message[1])
        elif kind == "risk":
            self._readout(read_readout(message[1]))
        elif kind == "verdict":
            command_id, verdict = read_verdict(message)
            command = self._pending.pop(command_id, None)
            if command is not None:
                self._answer(command, verdict)
        elif kind == "goodbye":
            self.gone_reason = str(message[1])
        elif kind == "error":
            log.warning("the guard could not read a message of this cockpit: %s", message[1])
        else:
            raise CodecError(f"unknown message {kind!r}")

    def _events(self, rows: list[Any]) -> None:
        sink = self.sink
        state = self.state
        if state is None or self._awaiting_snapshot:
            return  # a fresh snapshot is on its way and holds these
        fold = sink if sink is not None else state.apply
        for row in rows:
            seq, _, event = read_event_row(row)
            if seq <= self.seq:
                continue
            if seq != self.seq + 1:
                self.gaps += 1
                log.warning("a gap in the stream (%d after %d): a fresh snapshot", seq, self.seq)
                self._awaiting_snapshot = True
                self._send(["snapshot"])
                return
            fold(event)
            self.seq = seq

    def _snapshot(self, data: dict[str, Any]) -> None:
        if data.get("version") != VERSION:
            version = data.get("version")
            raise CodecError(f"the guard speaks stream version {version}, not {VERSION}")
        fresh = decode_state(data["state"], self.instruments)
        settings = data.get("risk_settings")
        risk = data.get("risk")
        readout = read_readout(risk) if risk is not None else None
        self.snapshot = Snapshot(
            int(data["seq"]),
            RiskSettings.model_validate(settings) if settings is not None else None,
            readout,
            str(data.get("account", "")),
        )
        if self.state is None:
            self.state = fresh
        else:
            vars(self.state).update(vars(fresh))  # the screen keeps its object
        self.seq = int(data["seq"])
        self._awaiting_snapshot = False
        if readout is not None:
            self.readout = readout
        if self.on_snapshot is not None:
            self.on_snapshot()

    def _readout(self, readout: RiskReadout) -> None:
        self.readout = readout
        if self.on_readout is not None:
            self.on_readout(readout)

    def _answer(self, command: Command, verdict: Verdict) -> None:
        if self.on_verdict is not None:
            self.on_verdict(command, verdict)

    # Commands to the guard ---------------------------------------------------------------

    def send(self, command: Command) -> bool:
        """Send ``command`` to the guard now (its verdict comes back to ``on_verdict``);
        False when the guard is offline and nothing was sent."""
        if not self.online or self._ws is None:
            return False
        command_id = next(self._ids)
        self._pending[command_id] = command
        flatten = self.line.carry() if isinstance(command, FlattenAll) else None
        self._send(command_message(command_id, command, flatten))
        return True

    def _send(self, message: list[Any]) -> None:
        ws = self._ws
        if ws is None:
            return
        task = asyncio.get_running_loop().create_task(ws.send_bytes(pack(message)))
        self._sends.add(task)  # on eager tasks the frame is usually written already
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sends.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.info("a message to the guard was not sent: %s", task.exception())
