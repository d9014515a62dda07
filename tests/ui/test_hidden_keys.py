"""While the terminal is too small to show the cockpit, order keys do nothing and say why;
flatten still works."""

from __future__ import annotations

from cockpit.core.events import FlattenCompleted
from tests.ui.conftest import demo_app, press, settle


async def test_order_keys_do_nothing_while_the_cockpit_cannot_be_seen() -> None:
    """At 60x20 `b` sends nothing, arming does not toggle, and the screen says why."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a")
        await pilot.resize_terminal(60, 20)
        await settle(pilot)
        await press(pilot, "b", "a", "l")
        assert app.state.positions == {}
        assert app.state.pending == {}
        assert app.state.armed
        message = str(app.query_one("#too-small").render())
        assert "order keys are off while the cockpit cannot be seen" in message
        assert "cannot be seen: enlarge the terminal first" in message
        assert len(app.screen_stack) == 1  # no ticket opened behind the message


async def test_flatten_works_while_the_cockpit_cannot_be_seen() -> None:
    """At 60x20 `F` still closes an open position, verifies flat, and says so on the one
    message the trader can see."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        assert app.state.positions["MNQ"].size == 1
        await pilot.resize_terminal(60, 20)
        await settle(pilot)
        await press(pilot, "F")
        assert app.state.is_flat()
        outcomes = [e for e in app.state.fills_and_events if isinstance(e, FlattenCompleted)]
        assert outcomes[-1].flat
        assert "FLAT ✓ verified flat" in str(app.query_one("#too-small").render())
