"""What the trader reads adds up: one P&L per frame, a room that names its limit and
measure, a stale open P&L marked as such, a live ticket and a stop-limit's trigger."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal

from textual.widgets import Input, Label

from cockpit.config import Settings
from cockpit.core.events import ConnectionChanged, Link, LinkStatus
from cockpit.core.models import OrderType
from cockpit.ui.app import CockpitApp, make_app
from cockpit.ui.pnl import LossRoom, PnlView
from cockpit.ui.screens.ticket import OrderTicket
from tests.frozen import frozen_session
from tests.ui.conftest import demo_app, press, settle

ROOM = re.compile(r"day (~?[+-]?[\d,.]+) .*room (-?[\d,.]+) to -([\d,.]+) (\w+)")
POSITION_ROW = 6 + 5  # header row, six instruments, a blank row, then name, tick, volume
OPEN = re.compile(r"/ open (~?[+-]?[\d,.]+)")


def number(text: str) -> Decimal:
    return Decimal(text.lstrip("~").replace(",", ""))


def limited_app(basis: str) -> CockpitApp:
    toml = f'[risk.daily_loss]\nlimit = 275\nbasis = "{basis}"\n'
    return make_app(frozen_session(Settings.model_validate(tomllib.loads(toml))))


def test_the_room_names_its_limit_and_measure() -> None:
    """Room words: the room, the floor it runs to (or, trailing, the limit it is part of),
    and the P&L it is measured on."""
    assert LossRoom(Decimal("94.2"), Decimal(275), "net", False).words() == "94.20 to -275.00 net"
    winning = LossRoom(Decimal("301.26"), Decimal(275), "net", False)
    assert winning.words() == "301.26 to -275.00 net"
    trailing = LossRoom(Decimal(10), Decimal(50), "realized", True)
    assert trailing.words() == "10.00 of 50.00 realized trailing"


def test_a_stale_or_unpriced_open_pnl_is_never_shown_as_zero() -> None:
    """Stale open P&L keeps its value behind a ~; a position never priced shows —, not 0.00."""
    view = PnlView(Decimal(0), {"MNQ": Decimal("-30.8"), "MES": None}, stale=True)
    assert view.open_text("MNQ") == "~-30.80"
    assert view.open_text("MES") == "—"
    assert view.open_total == Decimal("-30.8")
    assert view.unpriced
    assert PnlView(Decimal(0), {"MNQ": Decimal(5)}, stale=False).open_text("MNQ") == "+5.00"


async def test_day_and_room_add_up_to_the_limit_on_the_net_measure() -> None:
    """On the net measure the header's day loss plus its room is the limit it names."""
    app = limited_app("net")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "3", "b")
        await settle(pilot, 20)
        header = app.header.render().plain
        day, room, limit, measure = ROOM.search(header).groups()  # type: ignore[union-attr]
        assert number(day) != 0
        assert (measure, number(limit)) == ("net", Decimal(275))
        assert -number(day) + number(room) == number(limit), header


async def test_a_room_on_realized_pnl_says_so() -> None:
    """With the realized measure and a position open, the room says "realized": the open
    loss in "day" is not part of it, and the header tells the trader so."""
    app = limited_app("realized")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "3", "b")
        await settle(pilot, 20)
        header = app.header.render().plain
        day, room, limit, measure = ROOM.search(header).groups()  # type: ignore[union-attr]
        assert measure == "realized"
        assert -number(day) + number(room) != number(limit)


async def test_header_and_positions_show_the_same_open_pnl_in_every_frame() -> None:
    """Frame after frame while the market moves, the header's open P&L is the blotter's
    dollars (beside the same move in ticks) and the watchlist's position line's."""
    app = demo_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        differing = []
        for step in range(16):
            await app.session.advance(1)
            await app.session.engine.drain()
            for _ in range(3):  # drains between the blotter's own ticks, too
                app.drain()
                header = OPEN.search(app.header.render().plain)
                assert header is not None
                in_ticks, shown = app.positions._cells["MNQ"][3].text.split()
                assert Decimal(shown) == Decimal(in_ticks.removesuffix("t")) / 2  # MNQ $0.50
                detail = "".join(text for text, _ in app.watchlist.render_row(POSITION_ROW, 60))
                in_watchlist = detail.split()[-1]
                if not header.group(1) == shown == in_watchlist:
                    differing.append((step, header.group(1), shown, in_watchlist))
        assert differing == []


async def test_a_stale_feed_keeps_the_last_open_pnl_marked_stale() -> None:
    """Feed down: the blotter and header keep the last open P&L behind a ~, and say stale."""
    app = demo_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        await settle(pilot, 10)
        before = app.positions._cells["MNQ"][3].text
        now = app.clock.now_ns()
        app.engine.emit(ConnectionChanged(now, Link.MARKET, LinkStatus.DISCONNECTED, "down"))
        await settle(pilot)
        cell = app.positions._cells["MNQ"][3]
        assert (cell.text, cell.style) == (f"~{before}", "blotter--dim")
        header = app.header.render().plain
        assert f"/ open ~{before.split()[-1]} stale)" in header


async def test_the_order_ticket_bid_and_ask_follow_the_market() -> None:
    """With the ticket open, the bid and ask it shows are the market's, quote after quote."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "l")
        ticket = app.screen
        assert isinstance(ticket, OrderTicket)
        spec = ticket.spec
        first = app.state.quotes[spec.symbol]
        await settle(pilot, 30)
        quote = app.state.quotes[spec.symbol]
        assert (quote.bid, quote.ask) != (first.bid, first.ask), "the market moved"
        touch = str(ticket.query_one("#ticket-touch", Label).render())
        assert touch == f"bid {spec.format(quote.bid)}   ask {spec.format(quote.ask)}"


async def test_every_ticket_field_has_a_label() -> None:
    """Type, size, and each price field are named, for a stop-limit too."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "l", "t", "t")
        ticket = app.screen
        assert isinstance(ticket, OrderTicket)
        title = str(ticket.query_one("#ticket-title", Label).render())
        assert "type STOP LIMIT" in title
        assert "size 1" in title
        titles = [field.border_title for field in ticket.query(Input) if field.display]
        assert titles == ["stop price", "limit price"]


async def test_a_working_stop_limit_shows_its_trigger_and_its_limit() -> None:
    """The working orders row of a stop-limit reads stop▸limit, whole, on screen."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "l", "t", "t", "pagedown", "pagedown", "tab")
        await press(pilot, "pagedown", "pagedown", "pagedown", "s")
        (order,) = app.state.working_orders()
        assert order.type is OrderType.STOP_LIMIT
        assert order.limit is not None
        assert order.stop is not None
        spec = app.state.instruments[order.symbol]
        expected = f"{spec.format(order.stop)}▸{spec.format(order.limit)}"
        assert app.orders._cells[str(order.id)][4].text == expected
        assert expected in app.orders.render_line(1).text
