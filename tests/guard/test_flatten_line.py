"""The flatten line: an attached cockpit's `F` from the key reader that read it to the
guard, run once whichever road arrives first, and never reopened by what the stream still
held."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from aiohttp._websocket.reader import WebSocketReader
from hypothesis import given, settings
from hypothesis import strategies as st
from textual import events
from websockets.sync.client import ClientConnection

from cockpit.config import Settings
from cockpit.core.commands import TYPED_BEFORE, CancelAll, Command, FlattenAll, PlaceOrder
from cockpit.core.engine import Verdict
from cockpit.core.events import FlattenStarted
from cockpit.core.models import Side
from cockpit.guard.attached import AttachedSession
from cockpit.guard.client import GuardLink
from cockpit.guard.key_reader import QUIET, KeyWatch
from cockpit.guard.line import LINE_FRAME_MOST, FrameTap, LineFlattens
from cockpit.guard.line_client import FlattenLine
from cockpit.guard.line_wire import LINE_PATH, line_frame, read_line_frame
from cockpit.guard.wire import command_message, read_command
from cockpit.journal.codec import CodecError
from cockpit.ui.app import make_app
from cockpit.ui.attached import AttachedApp
from cockpit.ui.flatten_key import KEY_SWITCH_INTERVAL, keys_first
from tests.guard.streaming import TOKEN, Served, served_guard, until

BUY = PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)


class Gates:
    """A guard's gates that note every command and accept it."""

    def __init__(self) -> None:
        self.seen: list[Command] = []

    def __call__(self, command: Command) -> Verdict:
        self.seen.append(command)
        return Verdict(True, f"#{len(self.seen)}")


def test_a_flatten_runs_once_whichever_road_arrives_first() -> None:
    """Line then stream, or stream then line: one flatten at the gates, and the second
    road is answered with the first one's verdict."""
    gates = Gates()
    lines = LineFlattens(gates)
    flattens = lines.open("cockpit-1")
    lines.from_line("cockpit-1", 1)
    assert lines.from_stream(flattens, FlattenAll(), 1) == Verdict(True, "#1")
    assert lines.from_stream(flattens, FlattenAll(), 2) == Verdict(True, "#2")
    lines.from_line("cockpit-1", 2)
    assert [type(c) for c in gates.seen] == [FlattenAll, FlattenAll]


def test_an_order_the_stream_held_behind_a_line_flatten_is_refused() -> None:
    """Between the line's flatten and the stream's copy of it, an order that would place
    is refused in the cockpit's words; a cancel still goes; after the copy, orders go."""
    gates = Gates()
    lines = LineFlattens(gates)
    flattens = lines.open("cockpit-1")
    lines.from_line("cockpit-1", 1)
    assert lines.from_stream(flattens, BUY, None) == Verdict(False, TYPED_BEFORE)
    assert lines.from_stream(flattens, CancelAll(), None).accepted
    lines.from_stream(flattens, FlattenAll(), 1)
    assert lines.from_stream(flattens, BUY, None).accepted
    assert [type(c) for c in gates.seen] == [FlattenAll, CancelAll, PlaceOrder]


def test_a_line_flatten_for_a_stream_the_guard_does_not_know_still_flattens() -> None:
    """A flatten is never lost: a line naming no open stream flattens all the same."""
    gates = Gates()
    LineFlattens(gates).from_line("gone", 7)
    assert [type(c) for c in gates.seen] == [FlattenAll]


def test_a_closed_stream_forgets_its_flattens_but_not_a_newer_stream_of_the_same_link() -> None:
    """A stream that ends takes its record along; the one that replaced it keeps its own."""
    lines = LineFlattens(Gates())
    old = lines.open("cockpit-1")
    new = lines.open("cockpit-1")
    lines.close("cockpit-1", old)
    assert lines.links["cockpit-1"] is new
    lines.close("cockpit-1", new)
    assert lines.links == {}


STREAM_STEPS = st.lists(st.sampled_from(["buy", "cancel", "flatten"]), max_size=12)


@settings(max_examples=600)
@given(STREAM_STEPS, st.data())
def test_whatever_the_line_overtakes_each_flatten_runs_once_and_nothing_from_before_it_reopens(
    stream: list[str], data: st.DataObject
) -> None:
    """Any stream of buys, cancels and numbered flattens, with each flatten's line frame
    arriving anywhere: every flatten runs exactly once, and a buy is refused exactly when
    a flatten that comes after it on the stream already ran by the line."""
    numbers = [n for n, step in enumerate(stream, start=1) if step == "flatten"]
    arrivals = {n: data.draw(st.integers(0, len(stream)), label=f"line {n}") for n in numbers}
    gates = Gates()
    lines = LineFlattens(gates)
    flattens = lines.open("cockpit-1")
    ran: set[int] = set()
    for at, step in enumerate([*stream, "end"]):
        for n in [n for n, arrive in arrivals.items() if arrive == at]:
            lines.from_line("cockpit-1", n)
            ran.add(n)
        if step == "end":
            break
        number = at + 1
        if step == "flatten":
            assert lines.from_stream(flattens, FlattenAll(), number).accepted
            ran.add(number)
        elif step == "buy":
            ahead = any(n in ran and n > number for n in numbers)
            assert lines.from_stream(flattens, BUY, None).accepted is not ahead
        else:
            assert lines.from_stream(flattens, CancelAll(), None).accepted
    assert sum(isinstance(c, FlattenAll) for c in gates.seen) == len(numbers)


@pytest.mark.parametrize(
    "frame", [b"{", b'["flatten", "x"]', b'["cancel", "x", 1]', b'["flatten", "x", "1"]']
)
def test_a_malformed_line_frame_is_named(frame: bytes) -> None:
    """A line frame that is not ``["flatten", link, number]`` is refused with the reason."""
    with pytest.raises(ValueError, match="line frame"):
        read_line_frame(frame)


def test_a_command_carries_its_flatten_number_over_the_stream() -> None:
    """The stream's command message carries the flatten number, and a bad one is named."""
    assert read_command(command_message(3, FlattenAll(), 5)) == (3, FlattenAll(), 5)
    assert read_command(command_message(4, BUY)) == (4, BUY, None)
    with pytest.raises(CodecError, match="flatten number"):
        read_command([*command_message(3, FlattenAll()), "5"])


async def open_line(served: Served, token: str = TOKEN) -> aiohttp.ClientWebSocketResponse:
    session = aiohttp.ClientSession()
    url = f"http://{served.address}{LINE_PATH}"
    ws = await session.ws_connect(url, headers={"Authorization": f"Bearer {token}"})
    ws._cockpit_test_session = session  # type: ignore[attr-defined]  # closed with it
    return ws


async def close_line(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.close()
    await ws._cockpit_test_session.close()  # type: ignore[attr-defined]


def flattens_started(served: Served) -> int:
    return sum(isinstance(e, FlattenStarted) for e in served.guard.state.fills_and_events)


async def test_without_the_token_the_line_is_closed_unheard() -> None:
    """A line without the guard's token is closed with 4401 and flattens nothing."""
    async with served_guard() as served:
        ws = await open_line(served, token="wrong")
        await ws.send_bytes(line_frame("x", 1))
        assert (await ws.receive()).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4401
        await close_line(ws)
        assert flattens_started(served) == 0


async def test_a_bad_frame_on_the_line_is_counted_and_the_line_stays() -> None:
    """Garbage on the line is counted and logged; the next good frame still flattens."""
    async with served_guard() as served:
        ws = await open_line(served)
        await ws.send_bytes(b"not json")
        await ws.send_bytes(line_frame("x", 1))
        await until(lambda: flattens_started(served) == 1, "the line's flatten")
        assert served.hub.lines.bad_frames == 1
        await close_line(ws)


async def test_a_line_frame_flattens_in_the_loop_turn_that_reads_it() -> None:
    """The guard runs a line's flatten as aiohttp parses the frame (in the protocol's
    callback, no task), not a turn later in the handler's task; the line then closes."""
    async with served_guard() as served:
        lines = served.hub.lines
        submit, tasks = lines.submit, []

        def noted(command: Command) -> Verdict:
            tasks.append(asyncio.current_task())
            return submit(command)

        lines.submit = noted
        ws = await open_line(served)
        await until(lambda: line_is_up(served), "the line")
        await ws.send_bytes(line_frame("x", 1))
        await until(lambda: flattens_started(served) == 1, "the line's flatten")
        assert tasks == [None]
        await close_line(ws)
        await until(lambda: not line_is_up(served), "the line's close")


def test_the_tap_takes_data_frames_as_parsed_and_queues_the_rest() -> None:
    """aiohttp's parser hands a data frame straight to the tap's callback, in the call that
    parsed it; a ping still goes to the queue, where ``receive()`` answers it."""
    taken: list[bytes | str] = []
    loop = asyncio.new_event_loop()
    try:
        tap = FrameTap(_Protocol(), taken.append, loop=loop)
        parser = WebSocketReader(tap, LINE_FRAME_MOST, compress=False, decode_text=True)
        parser.feed_data(_client_frame(0x2, line_frame("x", 7)) + _client_frame(0x9, b"hi"))
        assert taken == [line_frame("x", 7)]
        ping = loop.run_until_complete(tap.read())
        assert (ping.type, ping.data) == (aiohttp.WSMsgType.PING, b"hi")
    finally:
        loop.close()


class _Protocol:
    """What aiohttp's queue asks of its protocol: whether reading is paused."""

    _reading_paused = False


def _client_frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked WebSocket frame, as a client sends it (a payload under 126 bytes)."""
    mask = b"\x01\x02\x03\x04"
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


def line_is_up(served: Served) -> bool:
    return any(client.kind == "line" for client in served.guard.clients)


async def open_flatten_line(served: Served, link: GuardLink) -> FlattenLine:
    """The key reader's half of the line, for ``link``, open at the served guard."""
    line = FlattenLine(served.address, TOKEN, link.link_id)
    await asyncio.to_thread(line.open)
    await until(lambda: line_is_up(served), "the line")
    return line


async def test_the_link_line_flattens_and_the_stream_holds_back_what_came_first() -> None:
    """Through a real guard: the link's line flattens; an order the stream carries before
    the stream's copy of that flatten is refused; the copy is answered, not run again;
    after it, an order goes."""
    async with served_guard() as served:
        link = GuardLink(served.address, TOKEN)
        verdicts: list[tuple[Command, Verdict]] = []
        link.on_verdict = lambda command, verdict: verdicts.append((command, verdict))
        await link.connect()
        reading = asyncio.get_running_loop().create_task(link.run())
        line = await open_flatten_line(served, link)
        try:
            assert line.flatten() == 1
            link.line.carried(1)  # as the key reader's record says, just ahead of the key
            assert link.line.took()
            await until(lambda: flattens_started(served) == 1, "the line's flatten")
            link.send(BUY)
            link.send(FlattenAll())
            link.send(BUY)
            await until(lambda: len(verdicts) == 3, "three verdicts")
            assert verdicts[0] == (BUY, Verdict(False, TYPED_BEFORE))
            assert verdicts[1][1].accepted
            assert verdicts[2][0] == BUY
            assert verdicts[2][1].reason != TYPED_BEFORE
            assert flattens_started(served) == 1
            assert served.guard.clients.counts() == {"stream": 1}  # the line is the stream's
        finally:
            reading.cancel()
            await asyncio.to_thread(line.close)
            await link.close()


async def test_the_line_writes_each_flatten_from_a_frame_built_before_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each flatten goes out as the frame built before its key, under the library's own
    lock (websockets' ``send``, which builds it after the key, is never called), and the
    guard flattens once for each number; a line the guard closed says it is down."""

    def built_after_the_key(*_args: object) -> None:
        raise AssertionError("websockets' send built the frame after the key")

    monkeypatch.setattr(ClientConnection, "send", built_after_the_key)
    async with served_guard() as served:
        link = GuardLink(served.address, TOKEN)
        await link.connect()
        line = await open_flatten_line(served, link)
        try:
            assert await asyncio.to_thread(line.flatten) == 1
            await until(lambda: served.hub.lines.by_line == 1, "the first flatten")
            assert await asyncio.to_thread(line.flatten) == 2
            await until(lambda: served.hub.lines.by_line == 2, "the second flatten")
            assert served.hub.lines.bad_frames == 0
            for client in list(served.guard.clients):
                if client.kind == "line":
                    await client.goodbye("bye")
            await until(lambda: not line_is_up(served), "the line closed by the guard")
            await until(lambda: line.flatten() is None, "the line to say it is down")
        finally:
            await asyncio.to_thread(line.close)
            await link.close()


async def read_by_the_key_reader(app: AttachedApp, data: str, line: FlattenLine | None) -> None:
    """``data`` read from the terminal in one read, as the key reader and the driver's
    input thread take it: the reader's own decision (on the keys the app offers it) sends
    it down ``line`` or not; then its keys go to the driver, in a thread of their own."""
    driver = app._driver
    assert driver is not None
    reader = app.attached.link.line
    watch = KeyWatch(line=line, keys=reader.offered)

    def read() -> None:
        number = watch.read(data.encode(), time.monotonic())
        if number is not None:
            reader.carried(number)
        for key in data:
            event = events.Key(key, key)
            event.set_sender(app)
            driver.send_message(event)
        reader.settle()

    await asyncio.to_thread(read)


async def attached(served: Served) -> AttachedApp:
    await served.guard.session.advance(2)
    link = GuardLink(served.address, TOKEN)
    await link.connect()
    app = make_app(AttachedSession(Settings(), link, served.guard.session.clock))
    assert isinstance(app, AttachedApp)
    return app


async def test_f_in_an_attached_cockpit_goes_down_the_line_and_flattens_once() -> None:
    """`a b`, then `F` read by the key reader: the line carries it, the guard flattens once
    (the stream's copy is answered, not run), and guard and replica end flat."""
    async with served_guard() as served:
        app = await attached(served)
        guard = served.guard
        line = await open_flatten_line(served, app.attached.link)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("a")
            await until(lambda: guard.state.armed, "the guard to arm")
            await pilot.press("b")
            await until(lambda: "MNQ" in guard.state.pending or guard.state.positions, "the buy")
            await guard.session.advance(1)
            await until(lambda: app.state.position_size("MNQ") == 1, "the replica's position")
            await asyncio.sleep(QUIET)
            await read_by_the_key_reader(app, "F", line)
            await until(lambda: flattens_started(served) == 1, "the flatten")
            for _ in range(5):
                await guard.session.advance(1)
            await until(lambda: guard.state.is_flat() and app.state.is_flat(), "flat")
            await until(lambda: len(served.hub.lines.links) == 1, "the stream's record")
            (record,) = served.hub.lines.links.values()
            await until(lambda: record.ahead is None, "the stream's copy of the flatten")
            assert app.flatten_road.by_line == 1
            assert served.hub.lines.by_line == 1
            assert flattens_started(served) == 1
        await asyncio.to_thread(line.close)


async def test_the_key_reader_is_offered_f_only_where_it_flattens() -> None:
    """On the main screen the reader may take `F`; in the palette's search (a text field)
    and on any other screen it may not; back on the main screen it may again."""
    async with served_guard() as served:
        app = await attached(served)
        reader = app.attached.link.line
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert reader.offered == frozenset({b"F"})
            await pilot.press("ctrl+p")
            await pilot.pause(0.2)
            assert reader.offered == frozenset()
            await pilot.press("escape")
            await pilot.pause(0.2)
            assert reader.offered == frozenset({b"F"})
            await pilot.press("question_mark")
            await pilot.pause(0.2)
            assert len(app.screen_stack) > 1
            assert reader.offered == frozenset()


async def test_the_line_leaves_f_alone_right_after_another_key_and_in_the_palette() -> None:
    """`b F` in one read, and F in the palette's search: the line stays silent (an earlier
    key may still be changing the screen; in a text field F is a letter)."""
    async with served_guard() as served:
        app = await attached(served)
        line = await open_flatten_line(served, app.attached.link)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("a")
            await asyncio.sleep(QUIET)
            await read_by_the_key_reader(app, "bF", line)
            await until(lambda: flattens_started(served) == 1, "the flatten by the stream")
            assert app.flatten_road.by_line == 0
            await pilot.press("ctrl+p")
            await pilot.pause(0.2)
            await asyncio.sleep(QUIET)
            await read_by_the_key_reader(app, "F", line)
            await pilot.pause(0.2)
            assert app.flatten_road.by_line == 0
            assert flattens_started(served) == 1
            assert served.hub.lines.by_line == 0
        await asyncio.to_thread(line.close)


async def test_a_cockpit_whose_line_is_down_flattens_by_the_stream_alone() -> None:
    """The line is never needed: closed, `F` still flattens at the guard by the stream."""
    async with served_guard() as served:
        app = await attached(served)
        line = await open_flatten_line(served, app.attached.link)
        await asyncio.to_thread(line.close)
        async with app.run_test(size=(120, 40)):
            await asyncio.sleep(QUIET)
            await read_by_the_key_reader(app, "F", line)
            await until(lambda: flattens_started(served) == 1, "the flatten by the stream")
            assert app.flatten_road.by_line == 0


async def test_a_line_flatten_whose_key_reads_as_something_else_is_followed() -> None:
    """The reader sent a flatten for bytes the cockpit then read as another key: the guard
    flattened, so the cockpit follows, its stream carries the number, and the guard
    answers it from its record (one flatten) and takes orders again."""
    async with served_guard() as served:
        app = await attached(served)
        line = await open_flatten_line(served, app.attached.link)
        reader = app.attached.link.line
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            driver = app._driver
            assert driver is not None

            def read() -> None:  # the line went, then the bytes read as `escape`
                number = line.flatten()
                assert number is not None
                reader.carried(number)
                key = events.Key("escape", None)
                key.set_sender(app)
                driver.send_message(key)
                reader.settle()

            await asyncio.to_thread(read)
            await until(lambda: flattens_started(served) == 1, "the line's flatten")
            await until(lambda: len(served.hub.lines.links) == 1, "the stream's record")
            (record,) = served.hub.lines.links.values()
            await until(lambda: record.ahead is None, "the stream's copy of the flatten")
            assert app.flatten_road.by_line == 1
            assert flattens_started(served) == 1
        await asyncio.to_thread(line.close)


async def test_a_flatten_key_handed_over_on_the_loop_itself_takes_the_stream_alone() -> None:
    """With no key reader (the key handed over on the loop, as headless), the stream alone
    carries `F`, and it flattens once."""
    async with served_guard() as served:
        app = await attached(served)
        async with app.run_test(size=(120, 40)):
            await asyncio.sleep(QUIET)
            driver = app._driver
            assert driver is not None
            key = events.Key("F", "F")
            key.set_sender(app)
            driver.send_message(key)
            await until(lambda: flattens_started(served) == 1, "the flatten by the stream")
            assert app.flatten_road.by_line == 0
            assert served.hub.lines.by_line == 0


def test_keys_first_hands_the_input_thread_the_gil_within_its_interval() -> None:
    """The cockpit's entry points shorten the GIL's switch interval to 0.2 ms."""
    import sys

    before = sys.getswitchinterval()
    try:
        keys_first()
        assert sys.getswitchinterval() == pytest.approx(KEY_SWITCH_INTERVAL)
    finally:
        sys.setswitchinterval(before)
