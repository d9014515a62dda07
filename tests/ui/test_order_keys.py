"""Pilot tests of the order keys on a frozen paper session: move the highlighted working
order, to the market, close one, half or all of the position, reverse it."""

from __future__ import annotations

import pytest

from cockpit.core.models import OrderStatus, OrderType
from cockpit.ui.app import CockpitApp
from cockpit.ui.keymap import KeymapError, check_keymap
from cockpit.ui.screens.keys import KeysScreen
from cockpit.ui.widgets.footer import StatusFooter
from tests.ui.conftest import demo_app, press, settle


def footer(app: CockpitApp) -> str:
    return app.query_one(StatusFooter).render().plain


def working_price(app: CockpitApp) -> int | None:
    (order,) = app.state.working_orders()
    return order.price


async def sell_stop_ten_under_the_bid(app: CockpitApp, pilot) -> int:  # type: ignore[no-untyped-def]
    """A long 1 and its sell stop ten ticks under the bid (the ticket: `l` `t` PgDn `s`)."""
    await press(pilot, "a", "b", "l", "t", "pagedown", "s")
    await settle(pilot)
    (stop,) = app.state.working_orders()
    assert stop.type is OrderType.STOP
    return stop.id


async def test_shift_down_moves_a_joined_bid_a_tick_and_the_size_multiplies_it() -> None:
    """`B` `tab` `shift+down` twice: two ticks down; size 3 then `shift+down`: three more."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "B")
        bid = working_price(app)
        assert bid is not None
        await press(pilot, "tab", "shift+down", "shift+down")
        assert working_price(app) == bid - 2
        assert "down 1 tick to" in footer(app)
        await press(pilot, "3", "shift+down")
        assert working_price(app) == bid - 5
        assert "down 3 ticks to" in footer(app)
        await press(pilot, "shift+up")
        assert working_price(app) == bid - 2


async def test_shift_up_into_the_ask_is_denied_saying_it_would_fill() -> None:
    """A buy limit at the bid nudged up would sit at the ask and fill: denied, M named."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "B")
        bid = working_price(app)
        await press(pilot, "shift+up")
        assert working_price(app) == bid
        assert "would reach the ask and fill at once: M moves it to the market" in footer(app)


async def test_a_sell_stop_moved_to_the_bid_is_denied_with_the_reason() -> None:
    """A sell stop ten under the bid: size 9 moves it to one under; one more is denied."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        stop_id = await sell_stop_ten_under_the_bid(app, pilot)
        bid = app.state.quotes["MNQ"].bid
        await press(pilot, "9", "shift+up")
        assert app.state.orders[stop_id].stop == bid - 1
        await press(pilot, "1", "shift+up")
        assert app.state.orders[stop_id].stop == bid - 1
        assert "would be at or above the bid" in footer(app)
        assert "it would trigger at once" in footer(app)


async def test_moves_are_trading_keys_denied_while_disarmed() -> None:
    """`shift+down` on a working order while disarmed moves nothing and says why."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "B", "a")
        bid = working_price(app)
        await press(pilot, "shift+down")
        assert working_price(app) == bid
        assert "press a to arm" in footer(app)


async def test_m_moves_a_resting_limit_to_the_ask_and_it_fills() -> None:
    """`B` `shift+down` `shift+down` then `M`: the buy limit goes to the ask and fills."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "B", "shift+down", "shift+down", "M")
        await settle(pilot)
        assert app.state.position_size("MNQ") == 1
        assert app.state.working_orders() == []


async def test_m_on_a_stop_cancels_it_and_closes_at_market() -> None:
    """`M` on the sell stop of a long 1: the stop is cancelled and the long closed."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        stop_id = await sell_stop_ten_under_the_bid(app, pilot)
        await press(pilot, "tab", "M")
        await settle(pilot)
        assert app.state.orders[stop_id].status is OrderStatus.CANCELLED
        assert app.state.is_flat()


async def test_b_b_h_r_c_close_half_reverse_then_close() -> None:
    """Long 2: `h` leaves 1, `r` makes it short 1, `c` leaves MNQ flat."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b", "b")
        assert app.state.position_size("MNQ") == 2
        await press(pilot, "h")
        await settle(pilot)
        assert app.state.position_size("MNQ") == 1
        await press(pilot, "r")
        await settle(pilot)
        assert app.state.position_size("MNQ") == -1
        assert "reversing MNQ +1" in footer(app)
        await press(pilot, "c")
        await settle(pilot)
        assert app.state.is_flat()


async def test_o_closes_one_and_h_closes_half_rounded_down() -> None:
    """Long 5: `o` leaves 4, `h` leaves 2, `h` leaves 1, `h` closes the last one."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "5", "b")
        sizes = []
        for key in ("o", "h", "h", "h"):
            await press(pilot, key)
            await settle(pilot)
            sizes.append(app.state.position_size("MNQ"))
        assert sizes == [4, 2, 1, 0]


async def test_closes_work_disarmed_but_a_reverse_does_not() -> None:
    """Disarmed: `r` is denied with the reason; `o` and `c` still close (exits)."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "2", "b", "a")
        await press(pilot, "r")
        assert "press a to arm" in footer(app)
        assert app.state.position_size("MNQ") == 2
        await press(pilot, "o")
        await settle(pilot)
        assert app.state.position_size("MNQ") == 1
        await press(pilot, "c")
        await settle(pilot)
        assert app.state.is_flat()


async def test_the_keys_act_on_the_selected_instrument() -> None:
    """`down` selects MES: `c` closes MES and leaves MNQ open."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b", "down", "s", "c")
        await settle(pilot)
        assert app.state.position_size("MES") == 0
        assert app.state.position_size("MNQ") == 1


async def test_without_a_position_or_an_order_the_keys_say_so() -> None:
    """Flat and nothing working: `c`, `r` and `M` each say there is nothing to act on."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "c")
        assert "no open MNQ position" in footer(app)
        await press(pilot, "r")
        assert "no open MNQ position to reverse" in footer(app)
        await press(pilot, "M")
        assert "no working order to move to the market" in footer(app)


async def test_question_mark_lists_the_order_keys() -> None:
    """`?` lists every order key with its id, the step's size rule in its words."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, "question_mark")
        assert isinstance(app.screen, KeysScreen)
        rows = {binding_id: (key, words) for key, words, binding_id in app.screen.rows}
        for binding_id in (
            "order-up",
            "order-down",
            "order-to-market",
            "reverse-position",
            "close-half",
            "close-one",
            "close-position",
        ):
            assert binding_id in rows
        assert rows["close-one"][0] == "o"
        assert "× size" in rows["order-up"][1]


def test_a_replay_key_may_share_a_key_with_an_order_key_never_with_flatten() -> None:
    """`o` closes one live and jumps to a lockout in a replay; no replay key takes `F`."""
    assert check_keymap({"close-one": "o"}) == {"close-one": "o"}
    with pytest.raises(KeymapError, match="flatten-all"):
        check_keymap({"replay-next-fill": "F"})
    with pytest.raises(KeymapError, match="close-one"):
        check_keymap({"close-position": "o"})
