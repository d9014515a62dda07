"""Column slices (cockpit/ui/widgets/columns.py): a change repaints only its own cells."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.geometry import Region

from cockpit.ui.widgets.columns import ColumnSlice, changed_cells
from tests.ui.conftest import demo_app, painted, settle


def test_changed_cells_are_the_runs_that_differ() -> None:
    """Two runs changed: their cells, in order; an unchanged row: no cells at all."""
    old = [("MNQ ", "sym"), ("  100.25", "bid"), ("  100.50", "ask")]
    new = [("MNQ ", "sym"), ("  100.50", "bid"), ("  100.75", "ask")]
    assert changed_cells(old, new) == [(4, 12), (12, 20)]
    assert changed_cells(old, old) == []


def test_changed_cells_of_runs_that_do_not_line_up_is_the_whole_row() -> None:
    """Another count or width of runs: None, the caller repaints the whole row."""
    assert changed_cells([("ab", "x")], [("ab", "x"), ("c", "y")]) is None
    assert changed_cells([("ab", "x")], [("abc", "x")]) is None


async def test_a_quote_repaints_the_bid_and_ask_cells_and_not_the_symbol(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new MNQ touch repaints the bid and ask cells of MNQ's row only; the screen then
    reads the new bid."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        watchlist = app.watchlist
        refreshed: list[tuple[int, Region]] = []
        original = ColumnSlice.refresh

        def spy(self: ColumnSlice, *regions: Region, **kwargs: bool) -> ColumnSlice:
            refreshed.extend((watchlist.slices.index(self), r) for r in regions)
            return original(self, *regions, **kwargs)

        monkeypatch.setattr(ColumnSlice, "refresh", spy)
        state = app.state
        quote = state.quotes["MNQ"]
        state.quotes["MNQ"] = replace(quote, bid=quote.bid - 4, ask=quote.ask - 4)
        watchlist.quotes_changed({"MNQ"})
        # The quote's slice only (never the symbol's), MNQ's row only, the bid and ask
        # cells only (ten each at this width): not the last, change or position.
        assert {column for column, _ in refreshed} == {1}
        assert {(region.y, region.x, region.right) for _, region in refreshed} == {
            (1, 0, 10),
            (1, 10, 20),
        }
        await pilot.pause()
        bid = state.instruments["MNQ"].format(quote.bid - 4)
        assert bid in painted(watchlist)[1]
