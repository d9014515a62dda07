"""Pilot tests that press the real keys a trader presses."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from cockpit.brokers.paper import PaperBroker
from cockpit.core.clock import FakeClock
from cockpit.core.models import OrderStatus, OrderType, Side
from cockpit.ui.app import CockpitApp, make_app
from cockpit.ui.screens.keys import KeysScreen
from cockpit.ui.screens.quit import QuitScreen
from cockpit.ui.screens.ticket import OrderTicket
from cockpit.ui.widgets.footer import StatusFooter
from tests.ui.conftest import START_NS, demo_app, demo_session, press, settle


def footer(app: CockpitApp) -> str:
    return app.query_one(StatusFooter).render().plain


async def test_buy_while_disarmed_is_refused_with_the_reason() -> None:
    """`b` before arming sends nothing and says why in the footer."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "b")
        assert "trading keys are disarmed" in footer(app)
        assert app.session.broker.account.orders == {}  # type: ignore[attr-defined]
        assert not app.state.positions


async def test_arm_then_buy_opens_a_one_lot_position_with_its_average() -> None:
    """`a` then `b` opens a 1-lot MNQ position at the ask, shown with its average."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        ask = app.state.quotes["MNQ"].ask
        await press(pilot, "a", "b")
        position = app.state.positions["MNQ"]
        assert position.size == 1
        assert position.cost == ask
        assert "ARMED" in footer(app)
        table = app.query_one("#positions")
        assert table.row_count == 1  # type: ignore[attr-defined]


async def test_sell_opens_a_short_at_the_bid() -> None:
    """`s` sells at the bid and leaves a short position."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        bid = app.state.quotes["MNQ"].bid
        await press(pilot, "a", "s")
        assert app.state.positions["MNQ"].size == -1
        assert app.state.positions["MNQ"].cost == bid


async def test_size_keys_set_the_ticket_size() -> None:
    """`3` then `+` makes the ticket 4 lots, and `b` buys 4."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "3", "plus", "b")
        assert app.state.positions["MNQ"].size == 4
        assert "size 4" in footer(app)


async def test_down_selects_the_next_instrument_for_the_ticket() -> None:
    """`down` moves the ticket to MES, so `b` buys MES, not MNQ."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "down", "b")
        assert set(app.state.positions) == {"MES"}


async def test_join_bid_rests_a_buy_at_the_bid() -> None:
    """`B` joins the bid: a working buy limit at the current bid."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        bid = app.state.quotes["MNQ"].bid
        await press(pilot, "a", "B")
        (order,) = app.state.working_orders()
        assert (order.side, order.type, order.limit) == (Side.BUY, OrderType.JOIN_BID, bid)


async def test_limit_ticket_places_a_limit_two_ticks_under_the_bid() -> None:
    """`l`, two `down` nudges and `b` rest a buy limit two ticks below the bid."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        bid = app.state.quotes["MNQ"].bid
        await press(pilot, "a", "l")
        assert isinstance(app.screen, OrderTicket)
        await press(pilot, "down", "down", "b")
        assert not isinstance(app.screen, OrderTicket)
        (order,) = app.state.working_orders()
        assert (order.type, order.limit) == (OrderType.LIMIT, bid - 2)
        assert app.query_one("#orders").row_count == 1  # type: ignore[attr-defined]


async def test_enter_in_the_ticket_never_sends() -> None:
    """Enter in the ticket sends nothing and says to press b or s."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "l", "enter")
        assert isinstance(app.screen, OrderTicket)
        assert not app.state.working_orders()
        assert not app.state.positions
        assert "Enter never sends" in str(app.screen.query_one("#ticket-error").render())


async def test_off_grid_price_in_the_ticket_is_refused_with_the_reason() -> None:
    """A limit between ticks is denied on the ticket with the grid explained; nothing sent."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "l")
        field = app.screen.query_one("#ticket-price")
        field.value = "25000.10"  # type: ignore[attr-defined]
        await press(pilot, "b")
        assert isinstance(app.screen, OrderTicket)
        error = str(app.screen.query_one("#ticket-error").render())
        assert "off the tick grid" in error
        assert app.session.broker.account.orders == {}  # type: ignore[attr-defined]


async def test_x_cancels_the_highlighted_order() -> None:
    """`x` cancels the order under the working-orders cursor."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "B")
        (order,) = app.state.working_orders()
        await press(pilot, "x")
        assert app.state.orders[order.id].status is OrderStatus.CANCELLED


async def test_cancel_all_cancels_every_working_order() -> None:
    """`C` cancels working orders across instruments."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "B", "down", "S")
        assert len(app.state.working_orders()) == 2
        await press(pilot, "C")
        assert app.state.working_orders() == []


async def test_flatten_leaves_the_account_flat() -> None:
    """`F` cancels every order and closes every position, verified flat."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "2", "b", "down", "s", "B")
        assert len(app.state.positions) == 2
        assert app.state.working_orders()
        await press(pilot, "F")
        assert app.state.is_flat()
        assert app.state.fills_and_events[-1].flat  # type: ignore[attr-defined]


async def test_flatten_works_while_disarmed() -> None:
    """Disarming never blocks the way out: `F` still flattens."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b", "a")
        assert not app.state.armed
        assert app.state.positions
        await press(pilot, "F")
        assert app.state.is_flat()


class HeldBroker(PaperBroker):
    """A paper broker whose cancels and closes wait until the test lets them through,
    like a real one in a fast market: a flatten is still running while keys arrive."""

    def __init__(self, clock: FakeClock) -> None:
        from cockpit.core.instruments import DEFAULT_WATCHLIST

        super().__init__(clock, DEFAULT_WATCHLIST, pump_interval=0)
        self.closes: list[str] = []
        self.cancels: list[int] = []
        self.released = asyncio.Event()

    async def close_position(self, symbol: str) -> None:
        self.closes.append(symbol)
        await self.released.wait()
        await super().close_position(symbol)

    async def cancel_order(self, order_id: int) -> None:
        self.cancels.append(order_id)
        await self.released.wait()
        await super().cancel_order(order_id)


async def test_repeated_flatten_presses_send_no_duplicate_closes() -> None:
    """Hammering `F` while a flatten runs sends one cancel per order and one close per position."""
    broker = HeldBroker(FakeClock(START_NS))
    app = make_app(demo_session(broker=broker))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b", "down", "s", "B")
        for _ in range(5):
            await pilot.press("F")
        assert len(broker.cancels) == 1, "the first flatten is held at MES's cancel"
        assert broker.closes == ["MNQ"], "MNQ has no order to wait for; MES waits for its own"
        broker.released.set()
        await settle(pilot)
        assert sorted(broker.closes) == ["MES", "MNQ"]
        assert len(broker.cancels) == 1
        assert app.state.is_flat()


async def test_question_mark_lists_every_key_with_its_id() -> None:
    """`?` opens the key list, including flatten-all with its key."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, "question_mark")
        assert isinstance(app.screen, KeysScreen)
        assert ("F", "flatten all", "flatten-all") in app.screen.rows
        await press(pilot, "escape")
        assert not isinstance(app.screen, KeysScreen)


async def test_quit_with_open_positions_asks_first() -> None:
    """`q` with a position open asks before leaving; `n` stays."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b", "q")
        assert isinstance(app.screen, QuitScreen)
        await press(pilot, "n")
        assert app.is_running
        assert not isinstance(app.screen, QuitScreen)


async def test_quit_in_the_demo_says_its_positions_do_not_survive() -> None:
    """The demo's paper account starts fresh each run: `q` never claims its positions stay
    open at the broker."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b", "q")
        assert isinstance(app.screen, QuitScreen)
        hints = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "stay open at the broker" not in hints
        assert "starts fresh" in hints


async def test_quit_when_flat_exits() -> None:
    """`q` with nothing open leaves at once."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 1)
        await pilot.press("q")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 0


async def test_brackets_switch_the_chart_timeframe() -> None:
    """`]` moves the chart from 1m to 5m and `[` back."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, "right_square_bracket")
        assert app.query_one("#chart").border_title.endswith("5m")
        await press(pilot, "left_square_bracket", "left_square_bracket")
        assert app.query_one("#chart").border_title.endswith("30s")


async def test_pause_freezes_the_blotters_and_catches_up_after() -> None:
    """`p` holds fills back from the blotter; `p` again shows them."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        log = app.query_one("#fills-and-events")
        await press(pilot, "p", "a", "b")
        seen = log.seen  # type: ignore[attr-defined]
        assert seen < app.state.fills_and_events_count
        await press(pilot, "p")
        assert log.seen == app.state.fills_and_events_count  # type: ignore[attr-defined]


async def test_a_small_terminal_asks_to_be_resized() -> None:
    """Below 80x24 the cockpit says the size it needs instead of a garbled screen."""
    app = demo_app()
    async with app.run_test(size=(70, 20)) as pilot:
        await settle(pilot)
        message = app.query_one("#too-small")
        assert message.display
        assert "resize to at least 80×24" in str(message.render())


async def test_resizing_back_and_forth_keeps_state() -> None:
    """Shrinking below the minimum and growing back loses neither position nor layout."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        await pilot.resize_terminal(60, 20)
        await settle(pilot)
        assert app.screen.has_class("-too-small")
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert app.screen.has_class("-compact")
        assert not app.screen.has_class("-too-small")
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert not app.screen.has_class("-compact")
        assert app.state.positions["MNQ"].size == 1


async def test_flatten_works_with_the_order_ticket_open() -> None:
    """`F` flattens even while the ticket's price field has the focus."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b", "l")
        assert isinstance(app.screen, OrderTicket)
        await press(pilot, "F")
        assert app.state.is_flat()


async def test_ctrl_q_with_open_positions_asks_first() -> None:
    """Textual's own quit key asks before leaving positions open, like `q`."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b", "ctrl+q")
        assert isinstance(app.screen, QuitScreen)
