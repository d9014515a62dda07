"""The flatten key as a trader uses it, again and again, on the loop `cockpit` runs on."""

from __future__ import annotations

import pytest
from textual import events

from cockpit.core.events import FlattenCompleted
from tests.ui.conftest import demo_app, press, settle

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
    """`a b F` arriving in one burst (typed while the screen was busy): the flatten comes
    after the buy, as typed, and the account ends flat; F used to jump the queue."""
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
