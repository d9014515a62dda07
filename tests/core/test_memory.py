"""Full garbage collections: taken over from Python, run while flat, never put off forever."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from cockpit.core import loop as cockpit_loop
from cockpit.core import memory
from cockpit.core.clock import FakeClock
from cockpit.core.commands import FlattenAll
from cockpit.core.events import Event, FlattenStarted, PositionUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.memory import AT_MOST_NS, EVERY_NS, NO_AUTOMATIC_FULL, FullCollections
from cockpit.core.models import Position, Side
from cockpit.core.state import State
from tests.core.scripted import Rig


@pytest.fixture
def full(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the full collections asked for (none really runs) and restores Python's."""
    ran: list[int] = []
    monkeypatch.setattr(memory.gc, "collect", lambda generation=2: ran.append(generation) or 0)
    before = gc.get_threshold()
    yield ran
    gc.set_threshold(*before)


def holding(state: State, size: int) -> State:
    state.apply(PositionUpdated(0, Position(1, "MNQ", size, size * 100)))
    return state


def test_python_runs_no_full_collection_until_released(full: list[int]) -> None:
    """While taken over, the oldest generation's threshold is out of reach; released, back."""
    before = gc.get_threshold()
    collections = FullCollections(0)
    assert gc.get_threshold() == (before[0], before[1], NO_AUTOMATIC_FULL)
    collections.release()
    assert gc.get_threshold() == before


def test_a_flat_account_is_collected_every_five_minutes(full: list[int]) -> None:
    """Flat: nothing before EVERY_NS, one at EVERY_NS, the next EVERY_NS later."""
    state = State(INSTRUMENTS, ["MNQ"])
    collections = FullCollections(0)
    assert not collections.on_tick(EVERY_NS - 1, state)
    assert collections.on_tick(EVERY_NS, state)
    assert not collections.on_tick(EVERY_NS + EVERY_NS - 1, state)
    assert collections.on_tick(2 * EVERY_NS, state)
    assert full == [2, 2]
    collections.release()


def test_an_open_position_puts_it_off_until_the_limit(full: list[int]) -> None:
    """Holding MNQ: no collection at EVERY_NS nor just before AT_MOST_NS; one at AT_MOST_NS."""
    state = holding(State(INSTRUMENTS, ["MNQ"]), 1)
    collections = FullCollections(0)
    assert not collections.on_tick(EVERY_NS, state)
    assert not collections.on_tick(AT_MOST_NS - 1, state)
    assert collections.on_tick(AT_MOST_NS, state)
    assert collections.count == 1
    collections.release()


def test_no_collection_runs_between_a_flatten_s_start_and_its_first_requests(
    clock: FakeClock,
) -> None:
    """On the trader's loop (eager tasks) a flatten's first requests go out inside the
    press. With Python ready to collect at every allocation, none starts between the
    flatten's start and those requests; the collector is back on after."""
    collections: list[int] = []
    at_start: list[int] = []
    at_cancel: list[int] = []

    def noted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    def started(event: Event) -> None:
        if isinstance(event, FlattenStarted):
            at_start.append(len(collections))

    async def scenario() -> None:
        rig = await Rig(clock).start()
        rig.broker.add_order()
        rig.broker.add_order(symbol="MES", side=Side.SELL)
        rig.engine.listeners.append(started)
        cancel = rig.broker.cancel_order

        async def noting_cancel(order_id: int) -> None:
            at_cancel.append(len(collections))
            await cancel(order_id)

        rig.broker.cancel_order = noting_cancel  # type: ignore[method-assign]
        before = gc.get_threshold()
        gc.callbacks.append(noted)
        gc.set_threshold(1, 1, 1)
        try:
            verdict = rig.engine.submit(FlattenAll(reason="F key"))
            assert gc.isenabled()
        finally:
            gc.set_threshold(*before)
            gc.callbacks.remove(noted)
        await verdict.done()

    cockpit_loop.run(scenario())
    assert len(at_cancel) == 2
    assert at_cancel == at_start * 2
