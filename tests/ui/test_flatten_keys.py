"""The flatten key as a trader uses it, again and again, on the loop `cockpit` runs on."""

from __future__ import annotations

import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import Input

from cockpit.core.events import FillReceived, FlattenCompleted, FlattenStarted, Notice
from cockpit.ui.app import CockpitApp
from tests.ui.conftest import demo_app, press, settle, until

ROUNDS = [("b",), ("b",), ("b", "b", "s"), ("B", "S"), ("b",)]
"""The issue's sequence: `a b F`, `b F`, `b b s F`, `B S F`, and once more."""


async def test_every_flatten_in_a_row_ends_verified_flat() -> None:
    """`a` then `b F`, `b F`, `b b s F`, `B S F`, `b F`: each flatten ends verified flat
    with nothing left in positions or working orders."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a")
        for round_, keys in enumerate(ROUNDS, start=1):
            await press(pilot, *keys)
            await settle(pilot, 1)
            await press(pilot, "F")
            outcomes = [e for e in app.state.fills_and_events if isinstance(e, FlattenCompleted)]
            assert len(outcomes) == round_
            assert outcomes[-1].flat, f"round {round_} {keys}: {outcomes[-1].detail}"
            assert "verified flat" in outcomes[-1].detail
            assert app.state.is_flat(), f"round {round_} {keys}"
            assert app.state.flatten_problem == ""


@pytest.mark.parametrize("symbols", [("down",), ("down", "down")])
async def test_flatten_across_instruments_twice(symbols: tuple[str, ...]) -> None:
    """A position in MNQ and in another instrument, flattened twice in a row: flat each time."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a")
        for _ in range(2):
            await press(pilot, "b", *symbols, "s")
            await settle(pilot, 1)
            await press(pilot, "F")
            assert app.state.is_flat()
            for _ in symbols:
                await press(pilot, "up")
        outcomes = [e for e in app.state.fills_and_events if isinstance(e, FlattenCompleted)]
        assert [e.flat for e in outcomes] == [True, True]


async def test_f_typed_right_after_b_flattens_what_b_opened() -> None:
    """`a b F` posted straight to the app in one burst (the binding's road, not the
    terminal's): the flatten comes after the buy, as posted, and the account ends flat."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        for key in ("a", "b", "F"):
            app.post_message(events.Key(key, key))
        await settle(pilot, 2)
        assert app.state.is_flat()
        outcomes = [e for e in app.state.fills_and_events if isinstance(e, FlattenCompleted)]
        assert [o.flat for o in outcomes] == [True]
        assert "1 closed" in outcomes[0].detail


def read_by_the_terminal(app: CockpitApp, *keys: str) -> None:
    """Keys as the terminal driver hands them over, all at once (one read of stdin)."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        event = events.Key(key, key)
        event.set_sender(app)
        driver.send_message(event)


async def test_b_read_just_before_f_sends_nothing_and_the_flatten_goes_first() -> None:
    """`b F` read in one burst: F flattens at once by its short road, the `b` read before
    it places no order ("typed before the flatten"), and the account ends flat."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a")
        read_by_the_terminal(app, "b", "F")
        await settle(pilot, 2)
        assert app.state.is_flat()
        assert not [e for e in app.state.fills_and_events if isinstance(e, FillReceived)]
        outcomes = [e for e in app.state.fills_and_events if isinstance(e, FlattenCompleted)]
        assert [o.flat for o in outcomes] == [True]
        assert "0 closed" in outcomes[0].detail
        assert "typed before the flatten: not sent" in app.footer.render().plain
        said = [e.text for e in app.state.fills_and_events if isinstance(e, Notice)]
        assert "BUY 1 MNQ market: typed before the flatten: not sent" in said


async def test_a_key_read_after_the_flatten_key_is_judged_as_usual() -> None:
    """`F b`: the flatten goes, and the `b` read after it is an order like any other."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a")
        read_by_the_terminal(app, "F")
        await settle(pilot, 1)
        read_by_the_terminal(app, "b")
        await settle(pilot, 1)
        assert app.state.position_size("MNQ") == 1


async def test_f_typed_into_a_text_field_is_a_letter_not_a_flatten() -> None:
    """In the command palette's search field F is text: nothing flattens."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        await press(pilot, "ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await press(pilot, "F")
        assert not [e for e in app.state.fills_and_events if isinstance(e, FlattenStarted)]
        assert app.state.position_size("MNQ") == 1
        assert app.screen.query_one(Input).value == "F"
