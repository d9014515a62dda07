"""P&L in ticks beside dollars: the positions blotter and each closing fill."""

from __future__ import annotations

from decimal import Decimal

from cockpit.core.events import FillReceived
from cockpit.core.text import money, ticks
from cockpit.ui.pnl import PnlView
from cockpit.ui.widgets.fills_events import describe
from tests.ui.conftest import demo_app, press, settle


async def test_positions_show_the_open_pnl_in_ticks_beside_dollars() -> None:
    """A long 2 ten seconds on: the blotter reads ``<ticks>t  <dollars>``, both the same move."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "2", "b")
        await settle(pilot, 10)
        position = app.state.positions["MNQ"]
        mark = app.state.mark("MNQ")
        assert mark is not None
        count = position.open_ticks(mark)
        expected = f"{ticks(count)}  {money(app.state.open_pnl('MNQ'), sign=True)}"
        assert app.positions._cells["MNQ"][3].text == expected


async def test_a_closing_fill_shows_its_pnl_in_ticks_and_dollars() -> None:
    """`b` then `c`: the close's line in fills & events reads ``P&L <ticks>t <dollars>``."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        await settle(pilot, 10)
        await press(pilot, "c")
        await settle(pilot)
        close = [e for e in app.state.fills_and_events if isinstance(e, FillReceived)][-1]
        assert close.fill.pnl is not None
        count = int(close.fill.pnl / Decimal("0.50"))
        _, text, _ = describe(close, app.state)
        assert f"P&L {ticks(count)} {money(close.fill.pnl, sign=True)}" in text


def test_a_pnl_too_wide_for_its_column_drops_the_ticks_never_the_dollars() -> None:
    """In 12 characters: ``+16t  +8.00``; ``-120t -60.00`` closes up; wider keeps the dollars."""

    def words(pnl: str, count: int) -> str:
        view = PnlView(Decimal(0), {"MNQ": Decimal(pnl)}, stale=False, ticks={"MNQ": count})
        return view.open_words("MNQ", 12)

    assert words("8.00", 16) == "+16t  +8.00"
    assert words("-60.00", -120) == "-120t -60.00"
    assert words("-1234.50", -2469) == "-1,234.50"
