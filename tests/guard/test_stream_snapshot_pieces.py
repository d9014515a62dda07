"""A snapshot taken on the guard's loop is encoded a piece at a time: the loop keeps
turning (a flatten is not kept waiting for a megabyte of bars), and the snapshot is still
exactly the state of the moment it was taken."""

from __future__ import annotations

import asyncio

import orjson

from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.events import FlattenStarted
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Side
from cockpit.guard.snapshot import decode_state
from tests.guard.streaming import picture, served_guard


async def test_the_snapshot_is_the_moment_it_was_taken_while_the_market_goes_on() -> None:
    """Bars close and the forming bar moves between the snapshot's taking and its encoding;
    the frame still decodes to the state at its sequence number, byte for byte."""
    async with served_guard() as served:
        guard = served.guard
        await guard.session.advance(2)
        then = picture(guard.state)
        seq = guard.seq
        message, bars = served.hub.snapshot_now()
        await guard.session.advance(90)  # new one-second and one-minute bars, more volume
        assert guard.seq > seq
        assert picture(guard.state) != then
        frame = orjson.loads(await served.hub.snapshot_frame(message, bars))
        assert frame[1]["seq"] == seq
        assert picture(decode_state(frame[1]["state"], INSTRUMENTS)) == then


async def test_a_flatten_arriving_while_a_snapshot_is_encoded_goes_first() -> None:
    """A flatten asked for once the snapshot's encoding has begun starts before the
    encoding ends: the loop turns between the pieces."""
    async with served_guard() as served:
        guard = served.guard
        guard.submit(SetArmed(armed=True))
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
        await guard.session.advance(2)
        assert guard.state.bars, "a frozen session has bars to encode"
        message, bars = served.hub.snapshot_now()
        encoding = asyncio.ensure_future(served.hub.snapshot_frame(message, bars))
        started_before_done: list[bool] = []

        def flatten() -> None:
            guard.flatten_all()
            flattening = any(isinstance(e, FlattenStarted) for e in guard.state.fills_and_events)
            started_before_done.append(flattening and not encoding.done())

        asyncio.get_running_loop().call_soon(flatten)
        await encoding
        assert started_before_done == [True]
