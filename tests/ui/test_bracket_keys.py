"""The bracket template key and footer: `t` cycles the templates, the footer names the
active one, and `a` `b` under it puts the stop and target in the working orders."""

from __future__ import annotations

from cockpit.bracket_config import BracketSettings
from cockpit.config import PaperSettings, Settings
from cockpit.core.models import OrderType
from cockpit.ui.app import CockpitApp, make_app
from cockpit.ui.widgets.footer import StatusFooter
from tests.ui.conftest import demo_session, painted, press, settle

BRACKETS = {
    "active": "scalp",
    "scalp": {"stop": 8, "target": 16},
    "runner": {"stop": 12, "targets": [{"ticks": 8, "size": 1}, {"ticks": 24, "size": 1}]},
}


def bracketed_app() -> CockpitApp:
    settings = Settings(
        paper=PaperSettings(seed=7), brackets=BracketSettings.model_validate(BRACKETS)
    )
    return make_app(demo_session(settings=settings))


async def test_t_cycles_the_templates_then_none_and_the_footer_names_each() -> None:
    """`t` from scalp: runner, none, scalp again; the footer says `bracket NAME` each time."""
    app = bracketed_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 1)
        seen = []
        for _ in range(3):
            await press(pilot, "t")
            await settle(pilot)
            seen.append(app.query_one(StatusFooter).render().plain)
        assert ["bracket runner" in seen[0], "bracket none" in seen[1]] == [True, True]
        assert "bracket scalp" in seen[2]


async def test_buy_under_scalp_shows_its_stop_and_target_in_working_orders() -> None:
    """`a` `b` under scalp: a sell stop 8 ticks under the fill and a sell limit 16 over it."""
    app = bracketed_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 1)
        fill = app.state.quotes["MNQ"].ask
        await press(pilot, "a", "b")
        await settle(pilot)
        working = {o.type: o for o in app.state.working_orders("MNQ")}
        assert working[OrderType.STOP].stop == fill - 8
        assert working[OrderType.LIMIT].limit == fill + 16
        table = app.query_one("#orders")
        assert table.row_count == 2  # type: ignore[attr-defined]
        rows = " ".join(painted(table))
        assert "STP·SL" in rows, rows  # the blotter says which order is which leg
        assert "LMT·T1" in rows, rows


async def test_t_without_templates_says_how_to_add_one() -> None:
    """No [brackets] tables: `t` explains, and the footer shows no bracket label."""
    app = make_app(demo_session())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 1)
        await press(pilot, "t")
        text = app.query_one(StatusFooter).render().plain
        assert "no bracket templates: add a [brackets.NAME] table" in text
