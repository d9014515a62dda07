"""The price ladder, pressed as a trader presses it, on a frozen paper session."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from cockpit.bracket_config import BracketSettings
from cockpit.config import PaperSettings, Settings, UiSettings
from cockpit.core.events import DepthUpdated
from cockpit.core.models import OrderType, Side
from cockpit.ui.app import CockpitApp, make_app
from cockpit.ui.keymap import KeymapError, check_keymap
from cockpit.ui.widgets.footer import StatusFooter
from tests.ui.conftest import demo_app, demo_session, painted, press, settle


def footer(app: CockpitApp) -> str:
    return app.query_one(StatusFooter).render().plain


async def aim_at(pilot: Pilot[int], app: CockpitApp, price: int) -> None:
    """Move the ladder's cursor to ``price`` with the arrow keys."""
    cursor = app.ladder.cursor
    assert cursor is not None
    steps = cursor - price
    await press(pilot, *(["down"] * steps if steps > 0 else ["up"] * -steps))
    assert app.ladder.cursor == price


def ladder_row(app: CockpitApp, price: int) -> str:
    """The ladder's painted row for ``price``."""
    text = app.state.instruments["MNQ"].format(price)
    rows = [line for line in painted(app.ladder) if text in line]
    assert rows, f"{text} is not on the ladder"
    return rows[0]


async def test_buy_limit_three_ticks_below_the_bid_then_cancel_it_at_the_cursor() -> None:
    """d, the cursor three ticks below the bid, b: a buy limit on that row and in working
    orders; x at the cursor cancels it and the row empties."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        await press(pilot, "a", "d")
        assert app.ladder.display
        assert app.ladder.has_focus
        assert not app.chart.display
        target = app.state.quotes["MNQ"].bid - 3
        await aim_at(pilot, app, target)
        await press(pilot, "b")
        working = app.state.working_orders("MNQ")
        assert [(o.side, o.type, o.limit, o.remaining) for o in working] == [
            (Side.BUY, OrderType.LIMIT, target, 1)
        ]
        assert "1 LMT" in ladder_row(app, target)
        assert any("LMT" in line for line in painted(app.orders))
        await press(pilot, "x")
        assert app.state.working_orders("MNQ") == []
        assert "LMT" not in ladder_row(app, target)


async def test_footer_says_the_ladder_has_the_keys_and_esc_gives_them_back() -> None:
    """While aiming the footer says LADDER and the cursor's price; after esc, b is a market
    buy again (a position, no resting order) and the footer no longer says LADDER."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        await press(pilot, "a", "d")
        cursor = app.ladder.cursor
        assert cursor is not None
        assert f"LADDER {app.state.instruments['MNQ'].format(cursor)}" in footer(app)
        assert "buy lmt" in footer(app)
        await press(pilot, "escape")
        assert app.ladder.display
        assert not app.ladder.has_focus
        assert "LADDER" not in footer(app)
        await press(pilot, "b")
        assert app.state.positions["MNQ"].size == 1
        assert app.state.working_orders() == []


async def test_d_again_goes_back_to_the_chart() -> None:
    """d on the ladder that has the keys shows the chart again and gives the keys back."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "d", "d")
        assert app.chart.display
        assert not app.ladder.display
        assert not app.ladder.has_focus


async def test_stop_on_the_wrong_side_is_denied_with_the_reason() -> None:
    """A buy stop at or below the ask would trigger at once: denied, nothing sent."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        await press(pilot, "a", "d")
        await aim_at(pilot, app, app.state.quotes["MNQ"].ask - 1)
        await press(pilot, "B")
        assert "would trigger at once" in footer(app)
        assert app.state.working_orders() == []
        await aim_at(pilot, app, app.state.quotes["MNQ"].ask + 4)
        await press(pilot, "B")
        (stop,) = app.state.working_orders("MNQ")
        assert (stop.type, stop.stop) == (OrderType.STOP, app.state.quotes["MNQ"].ask + 4)


async def test_m_moves_the_highlighted_order_to_the_cursor() -> None:
    """A sell limit placed at the cursor, the cursor two ticks up, m: the order moves there."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        await press(pilot, "a", "d")
        above = app.state.quotes["MNQ"].ask + 5
        await aim_at(pilot, app, above)
        await press(pilot, "s", "up", "up", "m")
        (order,) = app.state.working_orders("MNQ")
        assert (order.side, order.limit) == (Side.SELL, above + 2)


async def test_ladder_shows_the_book_and_the_volume_at_each_price() -> None:
    """Depth levels from the feed appear beside their prices, bids left, asks right."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        await press(pilot, "d")
        quote = app.state.quotes["MNQ"]
        app.engine.on_event(
            DepthUpdated(
                app.clock.now_ns(), "MNQ", bids=((quote.bid - 2, 321),), asks=((quote.ask, 654),)
            )
        )
        await settle(pilot)
        price = app.state.instruments["MNQ"].format(quote.bid - 2)
        bid_row = ladder_row(app, quote.bid - 2)
        ask_row = ladder_row(app, quote.ask)
        assert bid_row.index("321") < bid_row.index(price)
        assert ask_row.index("654") > ask_row.index(app.state.instruments["MNQ"].format(quote.ask))
        traded = app.state.books["MNQ"].traded
        shown = [p for p in app.ladder.view.prices(app.ladder.price_rows) if traded.get(p)]
        assert shown
        for price_ticks in shown:
            assert ladder_row(app, price_ticks).rstrip(" ◂").endswith(str(traded[price_ticks]))


async def test_hold_comes_from_the_config() -> None:
    """[ui] ladder_hold_seconds is the ladder's pause after each cursor move."""
    settings = Settings(paper=PaperSettings(seed=7), ui=UiSettings(ladder_hold_seconds=7.5))
    app = make_app(demo_session(settings=settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "d", "down")
        assert app.ladder.view.hold_until == app.clock.now_ns() + 7_500_000_000


async def test_t_swaps_time_and_sales_with_fills_and_events() -> None:
    """T shows the tape (time, price, size, aggressor in words; big prints starred), T again
    brings fills & events back."""
    settings = Settings(paper=PaperSettings(seed=7), ui=UiSettings(tape_big_size=10))
    app = make_app(demo_session(settings=settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        await press(pilot, "T")
        assert app.tape.display
        assert not app.fills_and_events.display
        lines = painted(app.tape)
        assert "TIME" in lines[0]
        assert "SIZE" in lines[0]
        prints = app.state.books["MNQ"].tape
        newest = prints[-1]
        word = "▲ BUY" if newest.aggressor is Side.BUY else "▼ SELL"
        assert word in lines[1]
        assert app.state.instruments["MNQ"].format(newest.price) in lines[1]
        shown = [p for p in reversed(prints)][: len(lines) - 1]
        for line, event in zip(lines[1:], shown, strict=True):
            assert line.lstrip().startswith("★") == (event.size >= 10)
        await press(pilot, "T")
        assert app.fills_and_events.display
        assert not app.tape.display


def test_ladder_keys_may_shadow_main_keys_but_not_clash_among_themselves() -> None:
    """The default keys pass; a ladder key on quit's key, or d moved onto buy, is a clash."""
    assert check_keymap({}) == {}
    with pytest.raises(KeymapError, match="ladder-buy"):
        check_keymap({"ladder-buy": "q"})
    with pytest.raises(KeymapError, match="ladder-toggle"):
        check_keymap({"ladder-toggle": "b"})
    assert check_keymap({"ladder-sell": "f2"}) == {"ladder-sell": "f2"}


async def test_a_ladder_limit_under_a_bracket_template_gets_its_stop_and_target_on_fill() -> None:
    """Under ``[brackets.scalp] stop = 8, target = 16``, a buy limit at the ladder's cursor
    rests alone; once it fills, a sell stop 8 ticks under the fill and a sell limit 16
    over it are working."""
    brackets = BracketSettings.model_validate(
        {"active": "scalp", "scalp": {"stop": 8, "target": 16}}
    )
    settings = Settings(paper=PaperSettings(seed=7), brackets=brackets)
    app = make_app(demo_session(settings=settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        await press(pilot, "a", "d")
        target = app.state.quotes["MNQ"].bid - 1
        await aim_at(pilot, app, target)
        await press(pilot, "b")
        working = app.state.working_orders("MNQ")
        assert [(o.side, o.type, o.limit) for o in working] == [(Side.BUY, OrderType.LIMIT, target)]
        for _ in range(600):  # market seconds, stepped: the paper market moves only so
            if "MNQ" in app.state.positions:
                break
            await settle(pilot, 1)
        position = app.state.positions.get("MNQ")
        assert position is not None, "the limit never filled in ten market minutes"
        assert position.size == 1
        assert position.average == target
        await settle(pilot)
        legs = {o.type: o for o in app.state.working_orders("MNQ")}
        assert legs.keys() == {OrderType.STOP, OrderType.LIMIT}
        assert (legs[OrderType.STOP].side, legs[OrderType.STOP].stop) == (Side.SELL, target - 8)
        assert (legs[OrderType.LIMIT].side, legs[OrderType.LIMIT].limit) == (
            Side.SELL,
            target + 16,
        )
        shown = "\n".join(painted(app.orders))
        assert "STP" in shown
        assert "LMT" in shown
