"""The panels' rough edges: `?` scrolls and shows brackets, tab leaves the working orders,
fills & events keeps its numbers whole."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.widgets import DataTable, Static

from cockpit.risk.rules.base import Level, Reading
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.keys import KeysScreen
from cockpit.ui.screens.risk import RiskScreen
from cockpit.ui.widgets.fills_events import Entry, layout
from tests.ui.conftest import demo_app, painted, press, settle


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
        seen = list(rows)
        for _ in range(6):  # the [ key's row, markup and all, a page or two above the end
            await press(pilot, "pageup")
            seen += painted(table)
        assert any("[" in row.split()[:1] for row in seen), "the [ key is shown too"
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


WORD = re.compile(r"@ \S+|\S+")


@given(
    width=st.integers(min_value=20, max_value=140),
    price=st.decimals(min_value=0, max_value=99999, places=2),
    pnl=st.decimals(min_value=-99999, max_value=99999, places=2),
    tag=st.sampled_from(["FILL", "CANCELLED", "NOT FLAT", "UNCERTAIN"]),
)
def test_an_entry_wraps_between_words_and_never_cuts_a_number(
    width: int, price: Decimal, pnl: Decimal, tag: str
) -> None:
    """At any panel width, every word of an entry (each price and amount) is on one row
    whole, and no row is wider than the panel."""
    text = f"SELL 10 MNQ @ {price}  P&L {pnl:+,}  fee 3.70"
    rows = [
        "".join(run for run, _ in row) for row in layout(Entry("10:42:07", tag, "bid", text), width)
    ]
    assert all(len(row) <= width for row in rows), rows
    words = [w for row in rows for w in WORD.findall(row)]
    assert words[:2] == ["10:42:07", *tag.split()[:1]]
    assert " ".join(words) == " ".join(["10:42:07", tag, *WORD.findall(text)])


def test_words_without_numbers_are_shortened_not_wrapped() -> None:
    """A routine entry's tail with no number ends its row with "…" (never the word after a
    number, never a denial's reason)."""
    rows = [
        "".join(run for run, _ in row)
        for row in layout(
            Entry("10:42:07", "ACCOUNT", "good", "reconciling (re-reading it all)"), 38
        )
    ]
    assert rows == ["10:42:07 ACCOUNT   reconciling (re-re…"]
    flat = Entry("10:42:07", "FLAT ✓", "good", "verified flat (1 closed, 0 cancelled)")
    rows = ["".join(run for run, _ in row).strip() for row in layout(flat, 38)]
    assert rows == ["10:42:07 FLAT ✓    verified flat (1", "closed, 0 cancelled)"]
    denied = Entry("10:42:07", "DENIED", "bad", "BUY 1 MNQ market: disarmed: press a to arm")
    text = " ".join("".join(run for run, _ in row) for row in layout(denied, 38))
    assert " ".join(text.split()).endswith("disarmed: press a to arm"), "a reason is kept whole"


def events_panel(app: CockpitApp) -> list[str]:
    return [row.rstrip() for row in painted(app.fills_and_events)]


def events_words(app: CockpitApp) -> str:
    """The panel's text with runs of spaces as one: what the entries say, row breaks aside."""
    return " ".join(" ".join(events_panel(app)).split())


async def test_a_fill_price_is_whole_at_120x40_and_old_entries_widen_with_the_terminal() -> None:
    """In the 38-column panel of 120x40 the fill's price is whole; at 160 columns the same
    entries are laid out again on fewer rows."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        await press(pilot, "a", "b")
        await settle(pilot, 5)
        await press(pilot, "s")
        sell = app.state.fills[-1]
        price = app.state.instruments["MNQ"].format(sell.price)
        narrow = events_panel(app)
        assert any(f"@ {price}" in row for row in narrow), narrow
        assert not any(row.endswith(f"@ {price[:-1]}") for row in narrow)
        await pilot.resize_terminal(160, 40)
        await settle(pilot)
        wide = events_panel(app)
        assert any("connected (synthetic market)" in row for row in wide), wide
        assert sum(bool(row.strip()) for row in wide) < sum(bool(row.strip()) for row in narrow)


async def test_the_compact_layout_keeps_the_newest_fills_and_events_entry() -> None:
    """At 80x24 the panel shows at least its newest entry (a fill just made)."""
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, 30)
        await press(pilot, "a", "b")
        rows = [row for row in events_panel(app) if row.strip()]
        assert rows, "no fills & events row at 80x24"
        assert "FILL" in rows[0], rows
        assert "BUY 1 MNQ @" in rows[0], rows


async def test_working_orders_and_every_cancel_are_in_fills_and_events() -> None:
    """An order resting says WORKING; x and C leave a CANCELLED entry per order, and C
    says in the footer how many it cancels."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        await press(pilot, "a", "B")
        assert "WORKING BUY 1 MNQ LMT·JB @" in events_words(app)
        await press(pilot, "tab", "x", "tab")
        assert app.state.working_orders() == []
        assert " CANCELLED BUY 1 MNQ LMT·JB @" in events_words(app)
        await press(pilot, "B", "B", "C")
        assert app.state.working_orders() == []
        assert "cancel all: 2 working orders" in app.footer.render().plain
        assert [e.tag for e in app.fills_and_events.entries].count("CANCELLED") == 3
