"""Engine listeners: how the UI learns that something was folded, without polling."""

from __future__ import annotations

from cockpit.core.clock import FakeClock
from cockpit.core.commands import Command, PlaceOrder
from cockpit.core.engine import Engine
from cockpit.core.events import (
    BrokerFailed,
    Event,
    Notice,
    OrderDenied,
    OrderUpdated,
    QuoteUpdated,
)
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Side
from cockpit.core.state import State
from tests.core.scripted import Rig


def test_listeners_see_inbound_and_engine_events_after_the_fold(clock: FakeClock) -> None:
    """Every folded event reaches each listener once, in fold order, after the state has it."""
    state = State(INSTRUMENTS, ["MNQ"])
    engine = Engine(state, clock)
    seen: list[tuple[Event, bool]] = []
    engine.listeners.append(lambda event: seen.append((event, "MNQ" in state.quotes)))
    quote = QuoteUpdated(clock.now_ns(), "MNQ", 100, 101, 5, 5)
    engine.on_event(quote)
    engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    assert seen[0] == (quote, True)
    assert isinstance(seen[1][0], OrderDenied)
    assert len(seen) == 2


async def test_a_watcher_that_raises_is_reported_and_the_others_still_see_the_event(
    rig: Rig,
) -> None:
    """A risk engine bug on a broker report shows as an error line naming it, never as a
    broker failure; the next watcher still sees the event and the order still goes."""

    class Broken:
        def on_event(self, event: Event, state: State) -> list[Command]:
            if isinstance(event, OrderUpdated):
                raise RuntimeError("planted")
            return []

    seen: list[Event] = []

    class Witness:
        def on_event(self, event: Event, state: State) -> list[Command]:
            seen.append(event)
            return []

    rig.engine.watchers[:0] = [Broken(), Witness()]
    verdict = await rig.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    assert verdict.accepted
    assert any(isinstance(e, OrderUpdated) for e in seen)
    errors = [n for n in rig.of_type(Notice) if n.level == "error"]
    assert errors
    assert "Broken failed on OrderUpdated: RuntimeError: planted" in errors[0].text
    assert not rig.of_type(BrokerFailed)
