"""A cockpit that falls behind never slows the guard: its outbox is bounded, and what it
missed comes back as a fresh snapshot, never as a silent hole."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from cockpit.core.loop import run
from cockpit.guard import stream
from cockpit.guard.stream import Outbox
from cockpit.guard.wire import unpack


def test_an_outbox_gathers_events_in_order_behind_verdicts() -> None:
    """Rows join the last events batch; a verdict between them starts a new batch."""

    async def main() -> None:
        outbox = Outbox()
        assert outbox.wants_snapshot
        assert outbox.wake.is_set()  # the first snapshot goes out at once
        outbox.wants_snapshot = False
        outbox.take()
        outbox.event([1])
        outbox.event([2])
        outbox.send(["verdict", 1, True, "", None])
        outbox.event([3])
        assert outbox.take() == [
            ["events", [[1], [2]]],
            ["verdict", 1, True, "", None],
            ["events", [[3]]],
        ]
        assert not outbox.wake.is_set()

    run(main())


def test_an_outbox_too_far_behind_asks_for_a_snapshot_and_keeps_its_verdicts() -> None:
    """Past MAX_BEHIND events the rows are dropped and a snapshot is due; a verdict
    waiting in the outbox is kept (a command's answer is not state)."""

    async def main() -> None:
        outbox = Outbox()
        outbox.wants_snapshot = False
        outbox.take()
        outbox.send(["verdict", 7, False, "no", None])
        for seq in range(stream.MAX_BEHIND + 1):
            outbox.event([seq])
        assert outbox.wants_snapshot
        assert outbox.take() == [["verdict", 7, False, "no", None]]
        outbox.event([99])  # the snapshot will hold it
        assert outbox.take() == []

    run(main())


def test_a_burst_goes_in_batches_one_per_turn_of_the_guard_s_loop() -> None:
    """Rows fill batches of BATCH_ROWS; the writer sends one batch a turn of the loop, so
    a callback scheduled meanwhile (a flatten key) runs between two batches."""

    class Socket:
        closed = False

        def __init__(self) -> None:
            self.sent: list[bytes] = []

        async def send_bytes(self, data: bytes) -> None:
            self.sent.append(data)

    async def main() -> None:
        outbox = Outbox()
        outbox.wants_snapshot = False
        outbox.take()
        rows = stream.BATCH_ROWS * 3 + 5
        for n in range(rows):
            outbox.event([n])
        assert [len(m[1]) for m in outbox.messages] == [stream.BATCH_ROWS] * 3 + [5]
        hub = stream.StreamHub.__new__(stream.StreamHub)  # _write needs no guard
        socket = Socket()
        sent_by_turn: list[int] = []
        loop = asyncio.get_running_loop()

        all_sent = asyncio.Event()

        def watch() -> None:
            sent_by_turn.append(len(socket.sent))
            if len(socket.sent) < 4:
                loop.call_soon(watch)
            else:
                all_sent.set()

        loop.call_soon(watch)
        writer = loop.create_task(hub._write(socket, outbox))  # type: ignore[arg-type]
        await all_sent.wait()
        socket.closed = True
        outbox.wake.set()
        await writer
        assert {1, 2, 3} <= set(sent_by_turn)  # the loop turned between batches
        firsts = [message[1][0][0] for message in map(unpack, socket.sent)]
        assert firsts == [n * stream.BATCH_ROWS for n in range(4)]

    run(main())


def test_market_rows_in_a_burst_wait_for_the_pace_and_an_order_row_goes_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A quote right after a message waits for PACE (one wake-up of the cockpit per pace,
    not one per turn of the guard's loop); an order row goes at once, the waiting quote
    with it and before it."""

    class Socket:
        closed = False

        def __init__(self) -> None:
            self.sent: list[list[object]] = []

        async def send_bytes(self, data: bytes) -> None:
            self.sent.append(unpack(data))

    async def main() -> None:
        monkeypatch.setattr(stream, "PACE", 60.0)  # a pace no test machine outlasts
        outbox = Outbox()
        outbox.wants_snapshot = False
        outbox.take()
        hub = stream.StreamHub.__new__(stream.StreamHub)  # _write needs no guard
        socket = Socket()
        writer = asyncio.get_running_loop().create_task(hub._write(socket, outbox))  # type: ignore[arg-type]
        outbox.event([1], market=True)
        await turns(lambda: len(socket.sent) == 1)  # the first goes at once
        outbox.event([2], market=True)
        outbox.event([3], market=True)
        await asyncio.sleep(0.05)
        assert len(socket.sent) == 1  # held for the pace
        outbox.event([4])  # an order, a fill, a position: at once
        await turns(lambda: len(socket.sent) == 2)
        assert socket.sent == [["events", [[1]]], ["events", [[2], [3], [4]]]]
        socket.closed = True
        outbox.send(["verdict", 1, True, "", None])  # wakes the writer to see it closed
        await writer

    run(main())


async def turns(done: Callable[[], bool], most: int = 50) -> None:
    """Let the loop turn until ``done`` (at most ``most`` turns)."""
    for _ in range(most):
        if done():
            return
        await asyncio.sleep(0)
    raise AssertionError("not within the turns")
