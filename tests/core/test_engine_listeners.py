"""Engine listeners: how the UI learns that something was folded, without polling."""

from __future__ import annotations

from cockpit.core.clock import FakeClock
from cockpit.core.commands import PlaceOrder
from cockpit.core.engine import Engine
from cockpit.core.events import Event, OrderDenied, QuoteUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Side
from cockpit.core.state import State


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
