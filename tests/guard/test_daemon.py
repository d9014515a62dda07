"""The guard hosts a session: numbers every fold, gates every command, counts clients."""

from __future__ import annotations

from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.events import ArmChanged, Event, OrderDenied
from cockpit.core.models import Side
from cockpit.guard.daemon import Guard
from tests.frozen import frozen_session


async def test_every_folded_event_gets_the_next_number_in_fold_order() -> None:
    """listen() sees each fold once, numbered 1, 2, 3... with the engine's receive time."""
    guard = Guard(frozen_session())
    seen: list[tuple[int, int, Event]] = []
    guard.listen(lambda seq, recv, event: seen.append((seq, recv, event)))
    await guard.start()
    guard.submit(SetArmed(armed=True))
    await guard.session.advance(1)
    assert [seq for seq, _, _ in seen] == list(range(1, len(seen) + 1))
    assert guard.seq == len(seen) > 0
    assert any(isinstance(event, ArmChanged) for _, _, event in seen)
    assert all(recv <= guard.session.clock.now_ns() for _, recv, _ in seen)
    assert guard.last_event is not None
    assert guard.last_event.seq == guard.seq
    await guard.stop()


async def test_unlisten_stops_the_calls_and_a_failing_listener_stops_nothing() -> None:
    """A listener that raises is logged; the others and the fold go on."""
    guard = Guard(frozen_session())
    heard: list[int] = []

    def broken(seq: int, recv: int, event: Event) -> None:
        raise RuntimeError("a client's bug")

    guard.listen(broken)
    unlisten = guard.listen(lambda seq, recv, event: heard.append(seq))
    await guard.start()
    guard.submit(SetArmed(armed=True))
    count = len(heard)
    assert count > 0
    assert guard.state.armed
    unlisten()
    guard.submit(SetArmed(armed=False))
    assert len(heard) == count
    assert not guard.state.armed
    await guard.stop()


async def test_a_denied_command_never_reaches_the_broker() -> None:
    """submit() passes the engine's gates: disarmed, an order is denied and nothing is sent."""
    guard = Guard(frozen_session())
    await guard.start()
    sent: list[object] = []
    broker = guard.session.broker
    original = broker.place_order

    async def spy(request):  # type: ignore[no-untyped-def]
        sent.append(request)
        return await original(request)

    broker.place_order = spy  # type: ignore[method-assign]
    verdict = guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    await guard.session.advance(1)
    assert not verdict.accepted
    assert sent == []
    assert any(isinstance(e, OrderDenied) for e in guard.state.fills_and_events)
    await guard.stop()


async def test_flatten_all_closes_every_position_key_less() -> None:
    """guard.flatten_all() runs the engine's flatten: the guard ends flat."""
    guard = Guard(frozen_session())
    await guard.start()
    guard.submit(SetArmed(armed=True))
    await (guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=2))).done()
    await guard.session.advance(1)
    assert guard.state.position_size("MNQ") == 2
    completion = guard.flatten_all()
    await guard.session.advance(1)
    await completion
    assert guard.state.is_flat()
    await guard.stop()


async def test_clients_register_count_and_are_told_when_the_guard_stops() -> None:
    """The registry counts by kind; stop() tells each client why, then forgets it."""
    guard = Guard(frozen_session())
    await guard.start()
    told: list[str] = []

    async def goodbye(reason: str) -> None:
        told.append(reason)

    first = guard.clients.register("ws", "127.0.0.1:5000", 0, goodbye)
    second = guard.clients.register("stream", "127.0.0.1:5001", goodbye=goodbye)
    assert second.since_ns == guard.session.clock.now_ns()
    assert guard.clients.counts() == {"ws": 1, "stream": 1}
    guard.clients.unregister(first)
    assert len(guard.clients) == 1
    await guard.stop("guard stopping (cockpit guard stop)")
    assert told == ["guard stopping (cockpit guard stop)"]
    assert len(guard.clients) == 0


async def test_account_ids_name_the_brokers_account_once_started() -> None:
    """account_ids() is empty before the broker reports its account, then that account."""
    guard = Guard(frozen_session())
    assert guard.account_ids() == []
    await guard.start()
    account = guard.state.account
    assert account is not None
    assert guard.account_ids() == [account.id]
    await guard.stop()
