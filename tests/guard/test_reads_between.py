"""The guard's loop reads the flatten line between any two callbacks: a frame waits for
the callback running when it came, not for the work queued ahead of its reader."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

from cockpit.core import loop as cockpit_loop
from cockpit.guard.line_wire import line_frame
from cockpit.guard.reads_between import ReadsBetween, guard_loop, reads_between
from tests.guard.streaming import served_guard, until
from tests.guard.test_flatten_line import close_line, flattens_started, open_line


class Noting(asyncio.Protocol):
    """A protocol that notes what it is handed, in one list with the callbacks' names."""

    def __init__(self, order: list[str]) -> None:
        self.order = order
        self.ended = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self.order.append(f"data {data.decode()}")

    def eof_received(self) -> None:
        self.order.append("end")
        self.ended.set()


async def _arrival_amid_queued_work(watch: bool) -> list[str]:
    """Bytes that arrive during the first of three queued callbacks: where they land."""
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    order: list[str] = []
    transport, _ = await loop.connect_accepted_socket(lambda: Noting(order), ours)
    queue = reads_between()
    if watch:
        assert queue is not None
        queue.watch(transport)  # type: ignore[arg-type]
    done = asyncio.Event()

    def first() -> None:
        order.append("first")
        theirs.send(b"F")  # in the socket before the next callback is handed out

    loop.call_soon(first)
    loop.call_soon(order.append, "second")
    loop.call_soon(order.append, "third")
    loop.call_soon(done.set)
    await done.wait()
    await until(lambda: "data F" in order, "the bytes")
    transport.close()
    theirs.close()
    return order


def _on(base: Callable[[], asyncio.AbstractEventLoop], watch: bool) -> list[str]:
    return cockpit_loop.run(_arrival_amid_queued_work(watch), base=base)


def test_bytes_on_a_watched_socket_are_read_before_the_next_queued_callback() -> None:
    """On the guard's loop the bytes reach the protocol right after the callback they
    arrived in; on asyncio's own loop (and unwatched) they wait for all the queued work."""
    assert _on(guard_loop, watch=True) == ["first", "data F", "second", "third"]
    assert _on(asyncio.new_event_loop, watch=False) == ["first", "second", "third", "data F"]
    assert _on(guard_loop, watch=False) == ["first", "second", "third", "data F"]


def test_the_guard_loop_hands_out_its_callbacks_through_reads_between() -> None:
    """The one private seam holds: the loop pops its callbacks from the queue it was given
    (a Python that stops doing so fails here, not in a trader's flatten)."""
    popped: list[int] = []

    class Counting(ReadsBetween):
        def popleft(self) -> object:
            popped.append(1)
            return super().popleft()

    loop = guard_loop()
    try:
        assert isinstance(loop._ready, ReadsBetween)  # type: ignore[attr-defined]
        loop._ready = Counting(loop._ready)  # type: ignore[attr-defined]
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    assert popped


async def _end_of_stream() -> tuple[list[str], int]:
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    order: list[str] = []
    protocol = Noting(order)
    transport, _ = await loop.connect_accepted_socket(lambda: protocol, ours)
    queue = reads_between()
    assert queue is not None
    queue.watch(transport)  # type: ignore[arg-type]
    theirs.send(b"x")
    theirs.shutdown(socket.SHUT_WR)
    await asyncio.wait_for(protocol.ended.wait(), 5)
    transport.close()
    theirs.close()
    return order, queue.reads


def test_the_end_of_a_stream_is_left_to_the_transport() -> None:
    """Data is read between callbacks; the peer's end is not swallowed there: the
    transport reads it in its turn and tells the protocol, as on any loop."""
    order, reads = cockpit_loop.run(_end_of_stream(), base=guard_loop)
    assert order == ["data x", "end"]
    assert reads == 1


async def _line_on_the_guard_loop() -> tuple[int, int, int]:
    async with served_guard() as served:
        queue = reads_between()
        assert queue is not None
        ws = await open_line(served)
        await until(lambda: bool(queue._watched), "the line watched")
        await ws.send_bytes(line_frame("x", 1))
        await until(lambda: flattens_started(served) == 1, "the line's flatten")
        reads = queue.reads
        await close_line(ws)
        await until(lambda: not queue._watched, "the line forgotten")
        return reads, len(queue._watched), flattens_started(served)


def test_the_line_is_read_between_callbacks_while_it_is_open_and_forgotten_after() -> None:
    """A line opened on a guard's loop is watched; its frame is read between callbacks
    and flattens; when the line closes, its socket is forgotten."""
    reads, watched, flattens = cockpit_loop.run(_line_on_the_guard_loop(), base=guard_loop)
    assert reads >= 1
    assert watched == 0
    assert flattens == 1
