"""Engine.drain must return even when a broker call has just finished."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable

from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import FakeClock
from cockpit.core.commands import Command, FlattenAll
from cockpit.core.engine import Engine
from cockpit.core.events import Event, FlattenCompleted
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.state import State


class CompletionWatch:
    """Wakes the test the moment a flatten completes, before its task is forgotten."""

    def __init__(self) -> None:
        self.completed = asyncio.Event()

    def on_event(self, event: Event, state: State) -> Iterable[Command]:
        if isinstance(event, FlattenCompleted):
            self.completed.set()
        return ()


async def drain_right_after_a_flatten() -> None:
    watch = CompletionWatch()
    engine = Engine(State(INSTRUMENTS, ["MNQ"]), FakeClock(0), watchers=[watch])
    engine.submit(FlattenAll())  # no broker: the flatten task ends at once
    await watch.completed.wait()  # resumes before the task's done-callbacks run
    await engine.drain()


def test_drain_returns_when_a_finished_call_is_not_yet_forgotten() -> None:
    """A finished task still in the in-flight set does not make drain spin forever."""
    finished = threading.Event()

    def scenario() -> None:
        cockpit_loop.run(drain_right_after_a_flatten())
        finished.set()

    # A spinning drain never yields, so no asyncio timeout could stop it: run it in a
    # daemon thread and give up on it if it has not returned.
    threading.Thread(target=scenario, daemon=True).start()
    assert finished.wait(10), "Engine.drain spun without yielding to the loop"
