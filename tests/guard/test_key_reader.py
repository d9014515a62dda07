"""The key reader: a process of its own reads an attached cockpit's terminal, passes every
byte on in order, and sends the flatten key down the line first when it may."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import select
import socket
import time
import tty
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.guard.client import GuardLink
from cockpit.guard.key_reader import (
    HOLD,
    KEYS,
    NUMBER,
    QUIET,
    SAY,
    KeyWatch,
    Later,
    Records,
    record,
)
from cockpit.guard.line_client import KeyReader
from cockpit.slices import SLICE_NS
from tests.guard.streaming import TOKEN, served_guard, until
from tests.guard.test_flatten_line import flattens_started, line_is_up
from tests.test_slices import kernel_has_custom_slices, slice_of

DEADLINE = 10.0

records_st = st.lists(
    st.one_of(
        st.tuples(st.just(KEYS), st.binary(max_size=64)),
        st.tuples(st.just(SAY), st.binary(max_size=64)),
        st.tuples(st.just(NUMBER), st.integers(min_value=0, max_value=2**32 - 1)),
    ),
    max_size=20,
)


@settings(max_examples=300, deadline=None)
@given(records=records_st, cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=8))
def test_records_come_out_whole_however_the_pipe_cuts_them(
    records: list[tuple[bytes, bytes | int]], cuts: list[int]
) -> None:
    """Whatever chunks the pipe hands over, the cockpit reads the same records in order."""
    stream = b"".join(record(kind, payload) for kind, payload in records)
    edges = sorted({min(cut, len(stream)) for cut in cuts} | {0, len(stream)})
    unpack = Records()
    out = [r for a, b in itertools.pairwise(edges) for r in unpack.feed(stream[a:b])]
    assert out == records


class CountingLine:
    """A line that numbers what it is asked to carry."""

    link_id = "cockpit-1"

    def __init__(self) -> None:
        self.sent = 0

    def flatten(self) -> int | None:
        self.sent += 1
        return self.sent


def test_only_the_flatten_key_alone_after_a_quiet_moment_takes_the_line() -> None:
    """`F` alone after a quiet moment goes; `F` right after another read, `bF` in one read,
    or `F` when it is not offered (or with no line) does not."""
    line = CountingLine()
    watch = KeyWatch(line=line, keys=frozenset({b"F"}))  # type: ignore[arg-type]
    assert watch.read(b"F", 10.0) == 1
    assert watch.read(b"F", 10.0 + QUIET / 2) is None  # too soon after the last read
    assert watch.read(b"bF", 20.0) is None  # a burst: the `b` may change the screen
    assert watch.read(b"\x1b[<35;10;5M", 30.0) is None  # a mouse move is a read too
    assert watch.read(b"F", 30.0 + QUIET / 2) is None
    assert watch.read(b"F", 40.0) == 2
    watch.keys = frozenset()
    assert watch.read(b"F", 50.0) is None  # not offered: the palette is open
    assert KeyWatch(keys=frozenset({b"F"})).read(b"F", 60.0) is None  # no line
    assert line.sent == 2


def test_control_messages_set_the_keys_and_the_line() -> None:
    """`keys` sets what the line may take; `open` makes one line per link and opens it
    aside; `close` closes it aside (neither holds the keys' road)."""
    watch = KeyWatch()
    aside: list[object] = []
    watch.order({"keys": [b"F".hex()]}, aside.append)
    assert watch.keys == frozenset({b"F"})
    watch.order({"open": ["127.0.0.1:1", "t", "link-1"]}, aside.append)
    line = watch.line
    assert line is not None
    assert line.link_id == "link-1"
    watch.order({"open": ["127.0.0.1:1", "t", "link-1"]}, aside.append)
    watch.order({"close": True}, aside.append)
    assert watch.line is line
    assert aside == [line.open, line.open, line.close]


class Written:
    """An :class:`~cockpit.guard.key_reader.Out` that keeps what it was given."""

    def __init__(self) -> None:
        self.records: list[bytes] = []

    def write(self, *records: bytes) -> None:
        self.records.extend(records)


def test_the_cockpit_hears_of_a_flatten_the_line_carried_a_moment_later_and_in_order() -> None:
    """Keys go to the cockpit at once; a flatten the line carried waits HOLD, and what is
    read meanwhile waits behind it; all of it goes, in order, when due or at the end."""
    now = [100.0]
    out = Written()
    cockpit = Later(out, lambda: now[0])  # type: ignore[arg-type]
    cockpit.send(record(KEYS, b"b"))
    assert out.records == [record(KEYS, b"b")]
    assert cockpit.wait() is None
    cockpit.send(record(NUMBER, 1), record(KEYS, b"F"), hold=True)
    cockpit.send(record(KEYS, b"s"))
    assert out.records == [record(KEYS, b"b")]
    assert cockpit.wait() == pytest.approx(HOLD)
    now[0] += HOLD / 2
    cockpit.release()
    assert len(out.records) == 1
    now[0] += HOLD / 2
    cockpit.release()
    assert out.records == [
        record(KEYS, b"b"),
        record(NUMBER, 1),
        record(KEYS, b"F"),
        record(KEYS, b"s"),
    ]
    cockpit.send(record(NUMBER, 2), record(KEYS, b"F"), hold=True)
    cockpit.release(now=True)  # the reader stops: nothing is left behind
    assert out.records[-2:] == [record(NUMBER, 2), record(KEYS, b"F")]
    assert cockpit.wait() is None


class Pipe:
    """The cockpit's side of a running key reader: its records, read with a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.unpack = Records()
        self.got: list[tuple[bytes, bytes | int]] = []

    def read_until(self, done: Callable[[], bool]) -> None:
        """Read records until ``done()`` or the pipe ends."""
        end = time.monotonic() + DEADLINE
        while not done():
            assert time.monotonic() < end, f"no such records: {self.got}"
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    return
                self.got.extend(self.unpack.feed(chunk))

    def keys(self) -> bytes:
        return b"".join(p for k, p in self.got if k == KEYS)  # type: ignore[misc]

    def said(self) -> str:
        return " ".join(p.decode() for k, p in self.got if k == SAY)  # type: ignore[union-attr]


@contextlib.contextmanager
def terminal() -> Iterator[tuple[int, int]]:
    """A pseudo-terminal in raw mode: (the terminal's side, the cockpit's side)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        yield master, slave
    finally:
        os.close(master)
        os.close(slave)


async def start_reader(reader: KeyReader, slave: int) -> Pipe:
    fd = await asyncio.to_thread(reader.start, slave)
    assert fd is not None
    return Pipe(fd)


async def test_a_real_key_reader_sends_f_down_the_line_then_passes_every_byte_on() -> None:
    """A key reader process on a terminal: `b` passes on; `F` (offered) goes down the line
    to a real guard, which flattens by the line, and its number comes just ahead of the
    key; it runs with the short slice; stopping it ends the pipe and the process."""
    async with served_guard() as served:
        link = GuardLink(served.address, TOKEN)
        await link.connect()
        reader = link.line
        with terminal() as (master, slave):
            pipe = await start_reader(reader, slave)
            reader.offer(frozenset({b"F"}))
            await until(lambda: line_is_up(served), "the reader's line", DEADLINE)
            os.write(master, b"b")
            await asyncio.to_thread(pipe.read_until, lambda: pipe.keys() == b"b")
            await asyncio.sleep(QUIET * 2)
            os.write(master, b"F")
            await asyncio.to_thread(pipe.read_until, lambda: pipe.keys() == b"bF")
            assert pipe.got[-2:] == [(NUMBER, 1), (KEYS, b"F")]
            await until(lambda: flattens_started(served) == 1, "the line's flatten", DEADLINE)
            assert served.hub.lines.by_line == 1
            process = reader._process
            assert process is not None
            if kernel_has_custom_slices():  # it asked to go first when a key wakes it
                assert slice_of(str(process.pid)) == SLICE_NS
            await asyncio.to_thread(reader.stop)
            await asyncio.to_thread(pipe.read_until, lambda: False)  # to the end of the pipe
            assert process.poll() is not None
            os.close(pipe.fd)
        await link.close()


async def test_what_a_reader_was_told_before_it_started_reaches_it() -> None:
    """What the reader was told before it started is told again when it starts; a line it
    cannot open is said in the cockpit's log, and the keys still pass on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]  # bound, never listening: nobody answers there
        reader = KeyReader(f"127.0.0.1:{port}", TOKEN, "link-1")
        reader.open()
        with terminal() as (master, slave):
            pipe = await start_reader(reader, slave)
            await asyncio.to_thread(pipe.read_until, lambda: "no flatten line" in pipe.said())
            os.write(master, b"F")
            await asyncio.to_thread(pipe.read_until, lambda: pipe.keys() == b"F")
            assert (NUMBER, 1) not in pipe.got
            await asyncio.to_thread(reader.stop)
            os.close(pipe.fd)


def test_the_stream_carries_each_line_number_once() -> None:
    """The loop's stream carries the number of the last flatten the line carried, once."""
    reader = KeyReader("127.0.0.1:1", TOKEN, "link-1")
    assert reader.carry() is None
    reader.carried(3)
    assert reader.took()
    assert not reader.took()
    assert reader.carry() == 3
    assert reader.carry() is None
