"""The cockpit's end of the flatten line (:mod:`cockpit.guard.line`).

Two halves, one in each process:

* :class:`FlattenLine`, in the key reader (:mod:`cockpit.guard.key_reader`): a blocking
  WebSocket (websockets' threaded client) written the moment the flatten key is read:
  one lock, one 40-byte frame built before the key, one system call. The library's own
  background thread answers the guard's pings.
* :class:`KeyReader`, in the cockpit: starts and stops the key reader for the terminal
  driver, tells it where the line goes and which keys mean the flatten now, and keeps
  the numbers of the flattens the line carried, for the stream to carry too.

The line is opened after every stream connection and is never needed: while it is down,
or with no key reader (no terminal), ``F`` flattens by the stream alone.
"""

from __future__ import annotations

import itertools
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable

import orjson
from websockets.exceptions import WebSocketException
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.sync.client import ClientConnection, connect

from cockpit.guard.line_wire import LINE_PATH, LINK_HEADER, line_frame

log = logging.getLogger(__name__)

OPEN_TIMEOUT = 5.0
CLOSE_TIMEOUT = 1.0
PING_INTERVAL = 15.0
"""Seconds between the line's pings (a line the guard dropped is found before the key)."""


class FlattenLine:
    """The line's socket, and the numbers of the flattens it carried."""

    def __init__(self, address: str, token: str, link_id: str) -> None:
        self.address = address
        self._token = token
        self.link_id = link_id
        self._connection: ClientConnection | None = None
        self._numbers = itertools.count(1)
        self._next = self._framed(next(self._numbers))
        """The next flatten's number and its frame, ready before the key."""

    def _framed(self, number: int) -> tuple[int, bytes]:
        """Flatten ``number``'s frame, masked as a client's must be. Built by websockets'
        ``send`` after the key, it took 0.18 ms of the 1.1 ms from ``F`` to the guard's
        last request at p50, in a key reader woken by the key (each step of
        ``benchmarks/attach_terminal`` timed); to a loopback aiohttp server, after a 10 ms
        sleep, ``send`` took 0.20 ms at p50 and writing a built frame 0.09 ms."""
        data = line_frame(self.link_id, number)
        return number, Frame(Opcode.BINARY, data).serialize(mask=True)

    def open(self) -> None:
        """Open the line (blocking: run it in a thread); down, and logged, when the guard
        does not take it."""
        self.close()
        try:
            self._connection = connect(
                f"ws://{self.address}{LINE_PATH}",
                additional_headers={
                    "Authorization": f"Bearer {self._token}",
                    LINK_HEADER: self.link_id,
                },
                open_timeout=OPEN_TIMEOUT,
                close_timeout=CLOSE_TIMEOUT,
                ping_interval=PING_INTERVAL,
                compression=None,
                legacy=True,  # kept open for the cockpit's life, not one with-block
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            log.info("no flatten line to the guard at %s: %s", self.address, exc)

    def flatten(self) -> int | None:
        """From any thread: carry the next flatten; its number, or ``None`` when the line
        is down (the stream carries it alone)."""
        connection = self._connection
        if connection is None:
            return None
        number, frame = self._next
        try:
            # The library's own lock: a pong from its thread never lands inside the frame.
            with connection.protocol_mutex:
                if connection.protocol.state is not State.OPEN:
                    raise ConnectionError("the line is closing")
                connection.socket.sendall(frame)
        except OSError as exc:
            if self._connection is connection:  # not a line opened meanwhile
                self._connection = None
            log.info("the flatten line went down: %s", exc)
            return None
        finally:
            self._next = self._framed(next(self._numbers))  # a number is never sent twice
        return number

    def close(self) -> None:
        """Close the line (blocking for at most :data:`CLOSE_TIMEOUT`)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


STOP_TIMEOUT = 1.0
"""Seconds the key reader has to pass on what it read and exit before it is killed."""


class KeyReader:
    """The cockpit's handle on its key reader, and on the flattens the line carried.

    Started by the terminal driver's input thread (:meth:`start`, :meth:`stop`); told by
    the guard link where the line goes (:meth:`open`, :meth:`close`); told by the loop
    which keys mean the flatten now (:meth:`offer`). Whatever it is told before it starts
    (or between two starts: a suspended cockpit) it is told again when it starts."""

    def __init__(self, address: str, token: str, link_id: str) -> None:
        self.address = address
        self._token = token
        self.link_id = link_id
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: int | None = None
        self._open = False
        self._keys: frozenset[bytes] = frozenset()
        self._pending: int | None = None
        """In the input thread: the number the reader said the line carried, until the
        key it came with is read."""
        self.sent = 0
        """The number of the last flatten the line carried."""
        self._carried = 0
        """The number of the last flatten the stream carried too."""
        self.on_unclaimed: Callable[[], None] | None = None
        """Called (in the input thread) when the line carried a flatten for bytes that did
        not read as the flatten key: the guard flattened, so the cockpit must follow."""

    @property
    def offered(self) -> frozenset[bytes]:
        """The byte strings the reader may send down the line now (:meth:`offer`)."""
        return self._keys

    # The terminal driver's input thread ----------------------------------------------------

    def start(self, terminal: int) -> int | None:
        """Start the key reader on ``terminal``: the pipe its records come from, or
        ``None`` (logged) when it could not start (the driver reads the terminal itself)."""
        control_read, control = os.pipe()
        records, out = os.pipe()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "cockpit.guard.key_reader", str(control_read), str(out)],
                stdin=terminal,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(control_read, out),
            )
        except OSError as exc:
            log.warning("no key reader (the cockpit reads its own keys): %s", exc)
            for fd in (control, records):
                os.close(fd)
            return None
        finally:
            os.close(control_read)
            os.close(out)
        with self._lock:
            self._process, self._control = process, control
            if self._open:
                self._tell_open()
            if self._keys:
                self._tell({"keys": sorted(key.hex() for key in self._keys)})
        log.info("key reader %d reads the terminal", process.pid)
        return records

    def stop(self) -> None:
        """Close the control pipe: the reader passes on what it read and exits (killed if it
        has not within :data:`STOP_TIMEOUT`)."""
        with self._lock:
            control, self._control = self._control, None
            process, self._process = self._process, None
        if control is not None:
            os.close(control)
        if process is not None:
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                log.warning("key reader %d did not stop: killed", process.pid)
                process.kill()
                process.wait()

    def carried(self, number: int) -> None:
        """The reader sent flatten ``number`` down the line; its key is in the next record."""
        self._pending = number

    def took(self) -> bool:
        """For a flatten key just read: whether the line carried it (the stream will carry
        its number too)."""
        number, self._pending = self._pending, None
        if number is None:
            return False
        self.sent = number
        return True

    def settle(self) -> None:
        """After a record of keys is read: a number no flatten key took (the bytes read as
        something else) is followed by the cockpit all the same (:attr:`on_unclaimed`)."""
        if self.took() and self.on_unclaimed is not None:
            log.warning("the line carried flatten %d for keys read otherwise", self.sent)
            self.on_unclaimed()

    # The guard link and the loop ---------------------------------------------------------

    def open(self) -> None:
        """The stream is connected: the line goes to its guard, for its link."""
        with self._lock:
            self._open = True
            self._tell_open()

    def close(self) -> None:
        with self._lock:
            self._open = False
            self._tell({"close": True})

    def offer(self, keys: frozenset[bytes]) -> None:
        """The byte strings that mean the flatten on the screen the trader sees now."""
        with self._lock:
            if keys == self._keys:
                return
            self._keys = keys
            self._tell({"keys": sorted(key.hex() for key in keys)})

    def carry(self) -> int | None:
        """On the loop, for the flatten the stream sends next: the number of a flatten the
        line carried that the stream has not, or ``None``."""
        sent = self.sent
        if sent <= self._carried:
            return None
        self._carried = sent
        return sent

    def _tell_open(self) -> None:
        self._tell({"open": [self.address, self._token, self.link_id]})

    def _tell(self, message: dict[str, object]) -> None:
        control = self._control
        if control is None:
            return
        try:
            os.write(control, orjson.dumps(message) + b"\n")
        except OSError as exc:
            log.info("the key reader did not take %s: %s", next(iter(message)), exc)
