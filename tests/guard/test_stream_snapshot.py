"""The snapshot an attaching cockpit starts from: a state, exactly, as data."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.core.commands import CancelAll, FlattenAll, PlaceOrder, SetArmed
from cockpit.core.events import CloseSubmitted, Event, ModifySubmitted
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.loop import run
from cockpit.core.models import OrderType, Side
from cockpit.core.state import State
from cockpit.guard.snapshot import decode_state, encode_state
from cockpit.journal.codec import dumps
from tests.frozen import frozen_session


def picture(state: State) -> bytes:
    """A state's whole content as bytes: two states are equal when these are."""
    return dumps(encode_state(state))


ACTIONS = st.lists(
    st.sampled_from(["buy", "sell", "bid", "ask", "cancel", "flatten", "wait", "wait"]),
    min_size=1,
    max_size=12,
)


async def _session_with_snapshot_at(
    actions: list[str], cut: int
) -> tuple[State, bytes, list[Event]]:
    """Play ``actions`` on a paper session; keep a snapshot taken when the ``cut``-th event
    was folded and every event after it."""
    session = frozen_session()
    taken: list[bytes] = []
    after: list[Event] = []

    def listen(event: Event) -> None:
        if taken:
            after.append(event)
        elif listen.count == cut:  # type: ignore[attr-defined]
            taken.append(orjson.dumps(orjson.loads(picture(session.state))))
        listen.count += 1  # type: ignore[attr-defined]

    listen.count = 0  # type: ignore[attr-defined]
    session.engine.listeners.append(listen)
    await session.start()
    await session.advance(2)
    session.engine.submit(SetArmed(armed=True))
    for action in actions:
        if action == "wait":
            await session.advance(3)
            continue
        command = {
            "buy": PlaceOrder(symbol="MNQ", side=Side.BUY, size=1),
            "sell": PlaceOrder(symbol="MNQ", side=Side.SELL, size=2),
            "bid": PlaceOrder(symbol="MES", side=Side.BUY, size=1, type=OrderType.JOIN_BID),
            "ask": PlaceOrder(symbol="MES", side=Side.SELL, size=1, type=OrderType.JOIN_ASK),
            "cancel": CancelAll(),
            "flatten": FlattenAll(),
        }[action]
        session.engine.submit(command)
        await session.advance(0.5)
    await session.engine.drain()
    await session.stop()
    if not taken:  # the cut fell past the end: the snapshot is the final state
        taken.append(picture(session.state))
    return session.state, taken[0], after


def test_a_decoded_snapshot_is_the_same_state() -> None:
    """encode, decode, encode again gives the same bytes after a trading session."""

    async def main() -> None:
        state, _, _ = await _session_with_snapshot_at(["buy", "bid", "wait", "sell"], 10**9)
        replica = decode_state(orjson.loads(picture(state)), INSTRUMENTS)
        assert picture(replica) == picture(state)
        assert replica.positions == state.positions
        assert replica.day_pnl() == state.day_pnl()

    run(main())


@settings(max_examples=20)
@given(actions=ACTIONS, cut=st.integers(min_value=0, max_value=400))
def test_snapshot_at_n_plus_the_events_after_n_is_the_state(actions: list[str], cut: int) -> None:
    """For any session and any cut: the snapshot at event N, folded with every event after
    N by the same State.apply, equals the state at the end."""

    async def main() -> None:
        state, snapshot, after = await _session_with_snapshot_at(actions, cut)
        replica = decode_state(orjson.loads(snapshot), INSTRUMENTS)
        for event in after:
            replica.apply(event)
        assert picture(replica) == picture(state)

    run(main())


def test_closes_and_new_sizes_on_their_way_cross_in_the_snapshot() -> None:
    """A cockpit attaching while a close and a modify's new size are on their way gets
    both: its replica counts the position and the order as the guard does."""
    state = State(INSTRUMENTS, ["MNQ"])
    state.apply(CloseSubmitted(0, "MNQ"))
    state.apply(ModifySubmitted(0, 7, 3))
    replica = decode_state(orjson.loads(picture(state)), INSTRUMENTS)
    assert replica.pending.closing == {"MNQ": False}
    assert replica.pending.sizes == {7: (3, False)}
