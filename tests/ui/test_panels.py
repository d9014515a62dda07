"""The panels' rough edges: `?` scrolls and shows brackets, tab leaves the working orders,
fills & events keeps its numbers whole."""

from __future__ import annotations

import pytest
from textual.widget import Widget
from textual.widgets import DataTable, Static

from cockpit.risk.rules.base import Level, Reading
from cockpit.ui.screens.keys import KeysScreen
from cockpit.ui.screens.risk import RiskScreen
from tests.ui.conftest import demo_app, press, settle


def painted(widget: Widget) -> list[str]:
    """The rows of ``widget`` as painted now, scroll position included."""
    return [widget.render_line(y).text for y in range(widget.size.height)]


async def test_keys_screen_shows_brackets_and_scrolls_to_its_last_row() -> None:
    """`?` at 120x40 shows "[keys]" literally and End brings its last row (quit) into view."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        screen = app.screen
        assert isinstance(screen, KeysScreen)
        assert "[keys] flatten-all" in " ".join(painted(screen.query_one("#keys-help", Static)))
        table = screen.query_one("#keys-table", DataTable)
        assert not any("request_quit" in row or " quit" in row for row in painted(table))
        assert "↓" in str(screen.query_one("#keys-box").border_subtitle)
        await press(pilot, "end")
        rows = painted(table)
        assert any(row.split()[:1] == ["q"] and "quit" in row for row in rows), rows
        assert any("[" in row.split()[:1] for row in rows), "the [ key is shown too"
        await press(pilot, "home")
        assert any("arm / disarm" in row for row in painted(table))
        await press(pilot, "pagedown", "down", "up")
        assert app.symbol == app.state.watchlist[0], "up/down scroll the list, not instruments"


async def test_risk_panel_shows_text_in_brackets(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule whose words carry brackets ("[risk]") shows them in the `R` panel."""
    reading = Reading("x", "Rule [risk]", "[2]", "1", "1", Level.OK, "set in [risk.x]")
    monkeypatch.setattr(RiskScreen, "rows", lambda self: [reading])
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "R")
        text = " ".join(painted(app.screen.query_one("#risk-table", DataTable)))
        assert "Rule [risk]" in text
        assert "[2]" in text
        assert "set in [risk.x]" in text


async def test_tab_goes_into_the_working_orders_and_out_again() -> None:
    """tab focuses the working orders (up/down pick a row), tab again gives up/down back
    to the instruments."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "B", "B")
        assert len(app.state.working_orders()) == 2
        await press(pilot, "tab")
        assert app.orders.has_focus
        await press(pilot, "down")
        assert app.orders.cursor == 1
        assert app.symbol == app.state.watchlist[0], "up/down move rows while inside"
        await press(pilot, "tab")
        assert not app.orders.has_focus
        await press(pilot, "down")
        assert app.symbol == app.state.watchlist[1], "down selects the next instrument again"
        assert app.orders.cursor == 1
