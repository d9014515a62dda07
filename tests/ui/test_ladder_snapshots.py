"""Snapshots of the ladder and time & sales: frozen clock, seeded market.

Update only after looking at the report: ``uv run pytest tests/ui --snapshot-update``.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import demo_app, press, settle


async def aiming(pilot: Pilot[int]) -> None:
    """A minute of market, a long 2, the ladder aimed three ticks below the bid with a buy
    limit resting there, and time & sales in place of fills & events."""
    await settle(pilot, 60)
    await press(pilot, "a", "2", "b")
    await settle(pilot, 20)
    await press(pilot, "d", "T")
    app = pilot.app
    cursor = app.ladder.cursor  # type: ignore[attr-defined]
    target = app.state.quotes["MNQ"].bid - 3  # type: ignore[attr-defined]
    await press(pilot, *["down"] * (cursor - target), "b", "down")


def test_ladder_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The ladder with the keys: book, volume, the buy limit on its row, the average, the
    last print, the cursor; LADDER and its price in the footer; the tape below."""
    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=aiming)


def test_ladder_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """80x24: a borderless ladder of 12 price rows beside the watchlist."""
    assert snap_compare(demo_app(), terminal_size=(80, 24), run_before=aiming)


def test_ladder_no_color(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """NO_COLOR: bids and asks by column, orders by BUY/SELL and LMT, the cursor by ▸ ◂."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=aiming)
