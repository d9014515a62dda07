"""The key reader: a small process that reads an attached cockpit's terminal for it.

A thread of the cockpit that reads a key needs the cockpit's GIL before it can even look
at it, and the loop's thread holds the GIL while it draws: on a two-core machine that
wait was 1.5 to 2.7 ms at p99 with nothing of the cockpit running, against 0.15 to 0.3 ms
for a process of its own (``benchmarks/gil_handover.py``). So, attached in a real
terminal, the cockpit starts this process with the terminal as its standard input and
reads its keys from it instead.

It passes every byte on to the cockpit in order, through a pipe (:class:`Records`). When
what it read is a flatten key alone, after a quiet moment, and the cockpit has said that
key means the flatten on the screen the trader sees, it first sends the flatten down the
line (:class:`cockpit.guard.line_client.FlattenLine`) and tells the cockpit the
flatten's number, just ahead of the key, a moment later (:data:`HOLD`).

The cockpit drives it through a control pipe, one JSON object a line: ``open`` (where the
line goes, and the token: never on the command line, where ``ps`` would show it),
``close``, and ``keys`` (the byte strings that mean the flatten now, hex). When the
control pipe closes (the cockpit stops reading keys, exits or dies) it passes on what it
has read and exits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from cockpit.guard.line_client import FlattenLine
from cockpit.slices import wake_first

log = logging.getLogger(__name__)

QUIET = 0.05
"""Seconds with nothing read from the terminal before a flatten key may take the line: an
earlier key (a click, a screen's key) may still be changing what the next key means."""

KEYS = b"K"
"""A record of bytes read from the terminal, for the cockpit's parser."""
NUMBER = b"N"
"""A record saying the line carried flatten number N: the key is in the next record."""
SAY = b"S"
"""A record of a line for the cockpit's log (this process has no log of its own)."""
HEADER = struct.Struct(">cI")
READ_SIZE = 4096
HOLD = 0.0015
"""Seconds the cockpit hears of a flatten after the line carried it. Told at once, the
cockpit's input threads woke with the guard and could take its core while it sent the
flatten's requests (in a ``perf sched`` trace of ``benchmarks/attach_terminal``, the
flatten's own work took twice its usual time in 8 of the 17 flattens over 1.6 ms); 1.5
ms later the requests are out. Interleaved, 800 flattens each way: over 1.5 ms 43 → 20,
over 2 ms 14 → 8."""


def record(kind: bytes, payload: bytes | int) -> bytes:
    """One record for the cockpit: its kind, then a length (or a number), then the bytes."""
    if isinstance(payload, int):
        return HEADER.pack(kind, payload)
    return HEADER.pack(kind, len(payload)) + payload


@dataclass
class Records:
    """The cockpit's side of the pipe: records out of whatever chunks the pipe gives."""

    _buffer: bytearray = field(default_factory=bytearray)

    def feed(self, chunk: bytes) -> list[tuple[bytes, bytes | int]]:
        """Every whole record in ``chunk`` and what came before it: (kind, bytes or number)."""
        buffer = self._buffer
        buffer += chunk
        whole: list[tuple[bytes, bytes | int]] = []
        at = 0
        size = HEADER.size
        while len(buffer) - at >= size:
            kind, value = HEADER.unpack_from(buffer, at)
            if kind == NUMBER:
                at += size
                whole.append((kind, value))
                continue
            if len(buffer) - at - size < value:
                break
            start = at + size
            at = start + value
            whole.append((kind, bytes(buffer[start:at])))
        del buffer[:at]
        return whole


@dataclass
class KeyWatch:
    """Decides, for each read of the terminal, whether it goes down the line first."""

    line: FlattenLine | None = None
    keys: frozenset[bytes] = frozenset()
    """The byte strings that mean the flatten on the cockpit's screen now."""
    last_read: float = float("-inf")

    def read(self, data: bytes, now: float) -> int | None:
        """``data`` was read at ``now``: the number of the flatten the line carried for it,
        or ``None`` (not a flatten key alone after a quiet moment, or the line is down)."""
        quiet = now - self.last_read >= QUIET
        self.last_read = now
        if not quiet or data not in self.keys or self.line is None:
            return None
        return self.line.flatten()

    def order(self, message: dict[str, Any], aside: Callable[[Callable[[], None]], None]) -> None:
        """Apply one control message from the cockpit. Opening and closing the line block
        (a handshake, a goodbye): they are handed to ``aside`` to run off the keys' road."""
        if "keys" in message:
            self.keys = frozenset(bytes.fromhex(key) for key in message["keys"])
        elif "open" in message:
            address, token, link_id = (str(part) for part in message["open"])
            if self.line is None or self.line.link_id != link_id:
                if self.line is not None:
                    aside(self.line.close)
                self.line = FlattenLine(address, token, link_id)
            aside(self.line.open)
        elif "close" in message and self.line is not None:
            aside(self.line.close)


class Out:
    """The pipe to the cockpit: whole records, from any thread of this process."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._lock = threading.Lock()

    def write(self, *records: bytes) -> None:
        data = b"".join(records)
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view) :]


class Later:
    """The records for the cockpit: sent at once, except a flatten the line carried,
    which waits :data:`HOLD`; whatever is read meanwhile waits behind it, in order."""

    def __init__(self, out: Out, clock: Callable[[], float]) -> None:
        self._out = out
        self._clock = clock
        self._held: list[bytes] = []
        self._due = 0.0

    def send(self, *records: bytes, hold: bool = False) -> None:
        if self._held:
            self._held.extend(records)
        elif hold:
            self._held = list(records)
            self._due = self._clock() + HOLD
        else:
            self._out.write(*records)

    def wait(self) -> float | None:
        """Seconds until the held records are due (``None``: nothing held)."""
        return max(0.0, self._due - self._clock()) if self._held else None

    def release(self, *, now: bool = False) -> None:
        """Send the held records if they are due (``now``: whether or not)."""
        if self._held and (now or self._clock() >= self._due):
            held, self._held = self._held, []
            self._out.write(*held)


class Say(logging.Handler):
    """This process's log lines, handed to the cockpit for its log."""

    def __init__(self, out: Out) -> None:
        super().__init__(logging.INFO)
        self.out = out

    def emit(self, entry: logging.LogRecord) -> None:
        with contextlib.suppress(OSError):  # the cockpit is gone: nobody to tell
            self.out.write(record(SAY, f"{entry.levelname} {entry.getMessage()}".encode()))


def serve(
    terminal: int, control: int, out: Out, clock: Callable[[], float] = time.monotonic
) -> None:
    """Read ``terminal`` and ``control`` until the control pipe closes or the terminal
    hangs up; every byte read goes to ``out`` in order. The line is left to close with the
    process (a goodbye to a guard gone quiet would hold the cockpit's exit)."""
    watch = KeyWatch()
    cockpit = Later(out, clock)
    pending = b""

    def aside(work: Callable[[], None]) -> None:
        threading.Thread(target=work, name="the line", daemon=True).start()

    while True:
        ready, _, _ = select.select([control, terminal], [], [], cockpit.wait())
        cockpit.release()
        if control in ready:
            chunk = os.read(control, 65536)
            if not chunk:
                cockpit.release(now=True)
                return
            *lines, pending = (pending + chunk).split(b"\n")
            for text in lines:
                try:
                    watch.order(orjson.loads(text), aside)
                except (ValueError, KeyError, TypeError) as exc:
                    log.warning("key reader: a control line it cannot read: %s", exc)
        if terminal in ready:
            data = os.read(terminal, READ_SIZE)
            if not data:
                cockpit.release(now=True)
                return
            number = watch.read(data, clock())
            if number is None:
                cockpit.send(record(KEYS, data))
            else:
                cockpit.send(record(NUMBER, number), record(KEYS, data), hold=True)


def main(argv: list[str]) -> int:
    """``python -m cockpit.guard.key_reader CONTROL_FD OUT_FD``, the terminal on stdin."""
    pipe = Out(int(argv[2]))
    root = logging.getLogger()
    root.addHandler(Say(pipe))
    root.setLevel(logging.INFO)
    wake_first()  # a key is read the moment it arrives, not after a frame's slice
    with contextlib.suppress(BrokenPipeError):  # the cockpit stopped reading first
        serve(sys.stdin.fileno(), int(argv[1]), pipe)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
