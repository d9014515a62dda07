"""The native stream: a replica folded from the guard's snapshot and events is the guard's
state; a gap is answered by a fresh snapshot; commands reach the guard's gates."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from cockpit.core.commands import CancelAll, Command, FlattenAll, PlaceOrder, SetArmed
from cockpit.core.engine import Verdict
from cockpit.core.models import OrderType, Side
from cockpit.core.validation import Why
from cockpit.guard.client import GuardLink, GuardUnavailable
from cockpit.guard.stream import Outbox
from tests.guard.streaming import TOKEN, picture, served_guard, until


async def _work_the_book(
    advance: Callable[[float], Awaitable[None]], submit: Callable[[Command], Verdict]
) -> None:
    """Arm, buy, join the bid, sell, cancel all and flatten, a second and a half apart."""
    for command in (
        SetArmed(armed=True),
        PlaceOrder(symbol="MNQ", side=Side.BUY, size=2),
        PlaceOrder(symbol="MES", side=Side.BUY, size=1, type=OrderType.JOIN_BID),
        PlaceOrder(symbol="MNQ", side=Side.SELL, size=1),
        CancelAll(),
        FlattenAll(),
    ):
        submit(command)
        await advance(1.5)


async def test_the_replica_is_the_guards_state_after_a_paper_session() -> None:
    """Attach early, work orders on the guard for a while: the replica equals the guard's state,
    event for event (same encoding, same sequence number)."""
    async with served_guard() as served:
        guard = served.guard
        await guard.session.advance(2)
        link = GuardLink(served.address, TOKEN)
        await link.connect()
        reading = asyncio.get_running_loop().create_task(link.run())
        try:
            await _work_the_book(guard.session.advance, guard.submit)
            await until(lambda: link.seq == guard.seq, "the replica to catch up")
            assert link.state is not None
            assert guard.seq > 100
            assert picture(link.state) == picture(guard.state)
            assert link.gaps == 0
        finally:
            reading.cancel()
            await link.close()


async def test_a_gap_gets_a_fresh_snapshot_and_the_replica_is_right_again() -> None:
    """One event lost on the way: the link sees the gap, asks for a snapshot, and ends
    equal to the guard's state; it never folds past the hole."""
    async with served_guard() as served:
        guard = served.guard
        link = GuardLink(served.address, TOKEN)
        await link.connect()
        reading = asyncio.get_running_loop().create_task(link.run())
        try:
            (outbox,) = served.hub.outboxes
            dropped: list[int] = []
            real = Outbox.event

            def lose_one(self: Outbox, row: list[object], *, market: bool = False) -> None:
                if not dropped and guard.seq > 3:  # the fourth event on never arrives
                    dropped.append(guard.seq)
                    return
                real(self, row, market=market)

            outbox.event = lose_one.__get__(outbox)  # type: ignore[method-assign]
            await guard.session.advance(3)
            await until(lambda: bool(dropped), "an event to be lost")
            await until(lambda: link.gaps == 1, "the gap to be seen")
            await guard.session.advance(1)
            await until(lambda: link.seq == guard.seq, "the replica to catch up")
            assert link.state is not None
            assert picture(link.state) == picture(guard.state)
        finally:
            reading.cancel()
            await link.close()


async def test_commands_go_to_the_guards_gates_and_the_verdict_comes_back() -> None:
    """Unarmed, a buy is denied by the guard with the DISARMED code (the screen names the
    key); armed, it fills at the guard's paper broker."""
    async with served_guard() as served:
        guard = served.guard
        await guard.session.advance(2)
        link = GuardLink(served.address, TOKEN)
        answers: list[tuple[Command, Verdict]] = []
        link.on_verdict = lambda command, verdict: answers.append((command, verdict))
        await link.connect()
        reading = asyncio.get_running_loop().create_task(link.run())
        try:
            buy = PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)
            assert link.send(buy)
            await until(lambda: len(answers) == 1, "the guard's verdict")
            assert answers[0][1].accepted is False
            assert answers[0][1].why is Why.DISARMED
            assert guard.state.position_size("MNQ") == 0
            link.send(SetArmed(armed=True))
            link.send(buy)
            await until(lambda: len(answers) == 3, "both verdicts")
            assert all(verdict.accepted for _, verdict in answers[1:])
            await guard.session.advance(1)
            await until(lambda: link.seq == guard.seq, "the replica to catch up")
            assert guard.state.position_size("MNQ") == 1
            assert link.state is not None
            assert link.state.position_size("MNQ") == 1
        finally:
            reading.cancel()
            await link.close()


async def test_two_cockpits_attached_at_once_see_the_same_state() -> None:
    """Two links on one guard: both replicas equal the guard's state after orders and fills."""
    async with served_guard() as served:
        guard = served.guard
        links = [GuardLink(served.address, TOKEN) for _ in range(2)]
        for link in links:
            await link.connect()
        loop = asyncio.get_running_loop()
        readers = [loop.create_task(link.run()) for link in links]
        try:
            await _work_the_book(guard.session.advance, guard.submit)
            for link in links:
                await until(lambda link=link: link.seq == guard.seq, "both replicas")
            assert [picture(link.state) for link in links if link.state] == [
                picture(guard.state)
            ] * 2
            assert guard.clients.counts() == {"stream": 2}
        finally:
            for reader in readers:
                reader.cancel()
            for link in links:
                await link.close()


async def test_a_cockpit_cannot_speak_for_the_risk_engine() -> None:
    """A buy sent with origin "risk" (which skips arming) is judged as a key's: denied
    while disarmed, nothing reaches the broker."""
    async with served_guard() as served:
        guard = served.guard
        await guard.session.advance(2)
        link = GuardLink(served.address, TOKEN)
        answers: list[Verdict] = []
        link.on_verdict = lambda _, verdict: answers.append(verdict)
        await link.connect()
        reading = asyncio.get_running_loop().create_task(link.run())
        try:
            link.send(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1, origin="risk"))
            await until(lambda: bool(answers), "the verdict")
            assert answers[0].why is Why.DISARMED
            assert not guard.state.pending
            assert not guard.state.positions
        finally:
            reading.cancel()
            await link.close()


async def test_a_bad_message_is_answered_with_an_error_and_the_stream_stays() -> None:
    """Garbage from a cockpit gets an error message; the same stream then carries a
    command and its verdict."""
    async with served_guard() as served:
        link = GuardLink(served.address, TOKEN)
        answers: list[Verdict] = []
        link.on_verdict = lambda _, verdict: answers.append(verdict)
        await link.connect()
        reading = asyncio.get_running_loop().create_task(link.run())
        try:
            link._send(["command", 1, "os:system", ["echo"]])
            link._send(["hello"])
            link.send(SetArmed(armed=True))
            await until(lambda: bool(answers), "the verdict after the garbage")
            assert answers[0].accepted
            assert link.online
            await until(lambda: served.guard.state.armed, "the guard armed")
        finally:
            reading.cancel()
            await link.close()


async def test_a_wrong_token_is_refused_with_4401() -> None:
    """No snapshot for a wrong token: the link says the guard refused the token."""
    async with served_guard() as served:
        link = GuardLink(served.address, "wrong")
        try:
            with pytest.raises(GuardUnavailable, match="refused the token"):
                await link.connect()
        finally:
            await link.close()


def test_a_malformed_frame_from_the_guard_is_counted_never_a_crash() -> None:
    """Frames the link cannot read (not JSON, wrong shapes, unknown types) are counted
    and skipped; the replica is untouched."""
    link = GuardLink("127.0.0.1:1", TOKEN)
    for frame in (
        b"not json",
        b'{"a": 1}',
        b'["snapshot", {"version": 1}]',
        b'["verdict", 1]',
        b'["risk", [1, 2]]',
        b'["mystery"]',
    ):
        link.take_frame(frame)
    assert link.bad_messages == 6
    assert link.state is None
