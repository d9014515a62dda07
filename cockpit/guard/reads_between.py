"""The flatten line read between any two of the guard's callbacks, not once a turn.

asyncio runs a turn as: wait for sockets, queue the readers of those that are ready
behind what the last turn queued, then run the whole queue. A line frame that arrives
while the guard works through a turn (the market's next events, a stream's write, the
journal) waits for the rest of that turn and then for everything queued ahead of its
reader in the next. On the two-core VM that was most of a slow ``F``: the cockpit's
key reader had sent the frame 0.3 ms after the key, and the guard reached its gates 1.3
ms later, busy the whole time (``perf sched`` and the guard's own turn times, taken
during ``benchmarks/attach_terminal``). A stream write queued ahead also woke the
cockpit, which then took the core from the guard before the flatten had started.

So the guard's loop hands out its callbacks through :class:`ReadsBetween`, which, before
each one, asks the line's sockets (one ``epoll`` call that does not wait) whether a
frame came, and if so reads it and gives it to the socket's protocol, as its transport
would (``data_received``): the line's parser runs the flatten at once. A frame then
waits for the callback that is running when it arrives, at most; nothing else changes
order. An end of stream, an error, a transport that is closing or paused are left to
the transport, which reads them in its turn.

The one private seam: the queue is the loop's ``_ready`` deque, which every CPython
since 3.4 pops with ``popleft`` (``tests/guard/test_reads_between.py`` proves the hook
is called, so a Python that changes it fails there, not in a trader's flatten).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import selectors
from typing import Any

log = logging.getLogger(__name__)

READ_SIZE = 65536
"""asyncio's own read size for a socket transport."""


class ReadsBetween(collections.deque[Any]):
    """The loop's queue of callbacks, reading the watched sockets before each one."""

    def __init__(self, queued: collections.deque[Any]) -> None:
        super().__init__(queued)
        self._poll: selectors.BaseSelector | None = None
        """Open while a socket is watched (a guard with no line holds no descriptor)."""
        self._watched: dict[int, asyncio.Transport] = {}
        self.reads = 0
        """Reads made between callbacks (a test looks)."""

    def watch(self, transport: asyncio.Transport) -> None:
        """Read ``transport``'s socket between callbacks until :meth:`forget`."""
        sock = transport.get_extra_info("socket")
        if sock is None or transport.get_extra_info("sslcontext") is not None:
            return  # not a plain socket: its transport alone can read it
        fd = sock.fileno()
        self.forget(self._watched.get(fd))
        if self._poll is None:
            self._poll = selectors.DefaultSelector()
        self._poll.register(fd, selectors.EVENT_READ)
        self._watched[fd] = transport

    def forget(self, transport: asyncio.Transport | None) -> None:
        for fd, known in list(self._watched.items()):
            if known is transport:
                del self._watched[fd]
                if self._poll is not None:
                    with contextlib.suppress(KeyError, OSError, ValueError):  # closed
                        self._poll.unregister(fd)
        if not self._watched and self._poll is not None:
            self._poll.close()
            self._poll = None

    def popleft(self) -> Any:
        if self._watched:
            self._read_arrived()
        return super().popleft()

    def _read_arrived(self) -> None:
        assert self._poll is not None  # open while anything is watched
        for key, _ in self._poll.select(0):
            transport = self._watched.get(key.fd)
            if transport is None:
                continue
            if transport.is_closing():
                self.forget(transport)
            elif transport.is_reading():
                self._read(key.fd, transport)

    def _read(self, fd: int, transport: asyncio.Transport) -> None:
        """Read what arrived and deliver it; an end or an error is the transport's."""
        try:
            data = os.read(fd, READ_SIZE)
        except OSError:  # nothing after all, or an error its transport will read too
            return
        if not data:
            return  # the end of the stream stays readable for the transport
        self.reads += 1
        try:
            transport.get_protocol().data_received(data)  # type: ignore[attr-defined]
        except Exception:  # as the transport does: a protocol that fails is closed
            log.exception("a frame read between callbacks failed")
            transport.close()


def guard_loop() -> asyncio.AbstractEventLoop:
    """A new event loop whose callbacks are handed out by :class:`ReadsBetween`."""
    loop = asyncio.new_event_loop()
    queued = getattr(loop, "_ready", None)
    if isinstance(queued, collections.deque):
        loop._ready = ReadsBetween(queued)  # type: ignore[attr-defined]
    return loop


def reads_between() -> ReadsBetween | None:
    """The running loop's :class:`ReadsBetween`, when :func:`guard_loop` made it."""
    queued = getattr(asyncio.get_running_loop(), "_ready", None)
    return queued if isinstance(queued, ReadsBetween) else None


def read_between(transport: Any) -> None:
    """Read ``transport`` between callbacks, where the running loop can."""
    queue = reads_between()
    if queue is not None and transport is not None:
        queue.watch(transport)


def stop_reading_between(transport: Any) -> None:
    queue = reads_between()
    if queue is not None:
        queue.forget(transport)
