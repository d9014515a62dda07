"""A key's binding runs where the app first reads it, and keys keep their order."""

from __future__ import annotations

from textual import events

from cockpit.config import PaperSettings, Settings
from cockpit.core.commands import SetArmed
from cockpit.ui.app import CockpitApp
from tests.ui.conftest import demo_app, press, settle


def burst(app: CockpitApp, *keys: str) -> None:
    """Post ``keys`` to the app in one go, as a terminal read of several keys does."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_a_key_with_nothing_focused_runs_its_binding_at_the_first_reading() -> None:
    """On the main screen with nothing focused, `b` buys on the app's first reading."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        assert app.key_road.at_once_count == 2
        assert app.state.positions["MNQ"].size == 1


async def test_a_key_with_a_widget_focused_goes_the_long_way() -> None:
    """With the orders table focused, keys reach their bindings the long way."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "tab")  # the orders table takes the keys
        ran = app.key_road.at_once_count
        await press(pilot, "a", "b")
        assert app.key_road.at_once_count == ran
        assert app.state.positions["MNQ"].size == 1


async def test_a_key_behind_one_on_its_way_does_not_overtake_it() -> None:
    """`escape` (the screen's own key, so the long way) remapped to the next instrument,
    then `b` in one burst: the buy is for the next instrument, as typed."""
    settings = Settings(paper=PaperSettings(seed=7), keys={"select-next": "escape"})
    app = demo_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        first, second = app.state.watchlist[:2]
        app.engine.submit(SetArmed(armed=True))
        await settle(pilot)
        burst(app, "escape", "b")
        await settle(pilot)
        await settle(pilot)
        assert app.symbol == second
        assert app.state.positions[second].size == 1
        assert first not in app.state.positions


async def test_a_key_read_at_once_gives_the_app_its_focus_back() -> None:
    """After the terminal lost focus, a key read at once marks the app focused again, as
    Textual's own reading of a key does."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        app.app_focus = False
        await press(pilot, "plus")
        assert app.key_road.at_once_count == 1
        assert app.app_focus
        assert app.ticket_size == 2
