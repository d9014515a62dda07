"""The cockpit attached to a guard: the same keys, the guard's engine and risk engine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

from cockpit.config import Settings
from cockpit.core.commands import PlaceOrder
from cockpit.core.events import FlattenCompleted
from cockpit.core.models import Side
from cockpit.guard.attached import AttachedSession
from cockpit.guard.client import GuardLink
from cockpit.ui.app import make_app
from cockpit.ui.attached import AttachedApp
from cockpit.ui.format import money
from cockpit.ui.pnl import loss_room
from cockpit.ui.widgets.banner import RiskBanner
from cockpit.ui.widgets.footer import StatusFooter
from cockpit.ui.widgets.header import HeaderBar
from tests.guard.streaming import (
    TOKEN,
    Served,
    earlier_run_made,
    picture,
    served_again,
    served_guard,
    until,
)


@asynccontextmanager
async def attached_app(
    settings: Settings | None = None,
) -> AsyncIterator[tuple[Served, AttachedApp]]:
    """A guard two seconds into its market and a cockpit attached to it."""
    async with served_guard(settings=settings) as served:
        await served.guard.session.advance(2)
        link = GuardLink(served.address, TOKEN)
        await link.connect()
        app = make_app(AttachedSession(Settings(), link, served.guard.session.clock))
        assert isinstance(app, AttachedApp)
        yield served, app


def text_of(app: AttachedApp, widget: type[HeaderBar | StatusFooter | RiskBanner]) -> str:
    return str(app.query_one(widget).render())


async def test_a_b_then_f_on_an_attached_cockpit_act_at_the_guard() -> None:
    """`a` arms the guard, `b` buys one at the guard's broker, `F` flattens it there; the
    screen shows SIM · GUARD and the replica follows the guard."""
    async with attached_app() as (served, app), app.run_test(size=(120, 40)) as pilot:
        guard = served.guard
        await pilot.press("a")
        await until(lambda: guard.state.armed, "the guard to arm")
        await pilot.press("b")
        await until(lambda: "MNQ" in guard.state.pending or guard.state.positions, "the buy")
        await guard.session.advance(1)
        await until(lambda: guard.state.position_size("MNQ") == 1, "the fill at the guard")
        await until(lambda: app.state.position_size("MNQ") == 1, "the replica's position")
        await pilot.press("F")
        await until(lambda: guard.state.flattening or guard.state.is_flat(), "the flatten")
        for _ in range(5):
            await guard.session.advance(1)
        await until(lambda: guard.state.is_flat(), "the guard to be flat")
        await until(lambda: app.attached.link.seq == guard.seq, "the replica to catch up")
        outcomes = [e for e in guard.state.fills_and_events if isinstance(e, FlattenCompleted)]
        assert outcomes[-1].flat
        assert picture(app.state) == picture(guard.state)
        app.drain(force=True)
        await pilot.pause()
        assert "SIM · GUARD" in text_of(app, HeaderBar)


def footer_message(app: AttachedApp) -> str:
    return app._message


async def test_a_denial_by_the_guard_reads_as_in_process() -> None:
    """`b` disarmed: the guard denies it, and the footer says it in the very words (and
    key) the in-process cockpit uses."""
    async with attached_app() as (served, app), app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        await until(lambda: "disarmed" in footer_message(app), "the guard's denial on screen")
        own = served.guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
        assert footer_message(app) == f"✕ {app.denial_text(own)}"
        assert "press a to arm" in footer_message(app)
        assert not served.guard.state.pending
        assert not served.guard.state.positions


async def test_a_lockout_from_the_attached_cockpit_locks_the_guard_and_counts_down() -> None:
    """`L` `1` `y` locks the guard for 15 minutes; the banner shows the guard's countdown
    and an entry is then denied with the guard's lockout reason."""
    async with attached_app() as (served, app), app.run_test(size=(120, 40)) as pilot:
        guard = served.guard
        await pilot.press("a")
        await until(lambda: guard.state.armed, "the guard to arm")
        await pilot.press("L", "1", "y")
        await until(lambda: guard.state.lockout_until is not None, "the guard's lockout")
        served.hub.publish_risk()
        # The replica's LockoutStarted may paint its own "LOCKED 15:00 · until ..." first;
        # the guard's readout (its words, "15:00 left") follows on the risk message.
        await until(lambda: "left" in text_of(app, RiskBanner) or _redraw(app), "the countdown")
        assert "15:00 left" in text_of(app, RiskBanner)
        await guard.session.advance(1)
        served.hub.publish_risk()
        await until(lambda: "14:59 left" in text_of(app, RiskBanner) or _redraw(app), "14:59")
        await pilot.press("b")
        await until(lambda: "✕" in footer_message(app), "the denial")
        assert "lock" in footer_message(app).lower()
        assert not guard.state.positions


def _redraw(app: AttachedApp) -> bool:
    """Drain into the widgets now (the drain timer does this 15 times a second)."""
    app.drain(force=True)
    return False


async def test_a_lost_guard_shows_offline_refuses_keys_and_comes_back() -> None:
    """The guard goes: GUARD OFFLINE in the banner, `b` refused with that reason, tries
    after 1, 2, 4, 8, then every 10 s; once it is back the replica is the guard's again."""
    async with attached_app() as (served, app), app.run_test(size=(120, 40)) as pilot:
        guard = served.guard
        link = app.attached.link
        delays: list[float] = []
        back = asyncio.Event()

        async def sleep(seconds: float) -> None:
            delays.append(seconds)
            if len(delays) >= 6:
                await back.wait()

        link.sleep = sleep
        port = served.server.port
        await guard.clients.tell_all("guard restarting")
        await served.server.close()
        await until(lambda: len(delays) >= 6, "six tries")
        assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
        await until(lambda: "GUARD OFFLINE" in text_of(app, RiskBanner) or _redraw(app), "banner")
        assert "guard restarting" in text_of(app, RiskBanner)
        await pilot.press("a")
        assert footer_message(app).startswith("✕ GUARD OFFLINE")
        assert "nothing was sent" in footer_message(app)
        assert not guard.state.armed
        async with served_again(guard, port):
            back.set()
            await until(lambda: link.online, "the link to come back")
            await guard.session.advance(1)
            await until(lambda: link.seq == guard.seq, "the replica to catch up")
            assert picture(app.state) == picture(guard.state)
            await until(lambda: "GUARD" not in text_of(app, RiskBanner) or _redraw(app), "clear")
            await pilot.press("a")
            await until(lambda: guard.state.armed, "the guard to arm")
            await app.attached.stop()  # detach before this server goes


async def test_the_header_shows_the_guards_daily_loss_room() -> None:
    """With a daily loss limit on the guard (none in the cockpit's own config), the
    attached header shows the room the guard's risk engine measures, to the cent."""
    limited = Settings.model_validate({"risk": {"daily_loss": {"limit": "500"}}})
    async with attached_app(limited) as (served, app), app.run_test(size=(120, 40)) as pilot:
        guard = served.guard
        await pilot.press("a", "b")
        await until(lambda: guard.state.armed, "the guard to arm")
        await guard.session.advance(3)
        risk = guard.session.risk
        assert risk is not None
        room = loss_room(risk, guard.state, guard.session.clock.now_ns())
        assert room is not None
        served.hub.publish_risk()
        words = f"room {money(room.room)} {room.bound()}"  # "DLL room" where it fits
        await until(lambda: words in text_of(app, HeaderBar) or _redraw(app), words)
        assert app.session.settings.risk.daily_loss.limit is None


async def test_a_fresh_snapshot_with_other_rules_rewords_the_panels() -> None:
    """After a reconnect to a guard running other rules, the risk panel's limits are the
    new guard's (the mirror follows the snapshot's settings)."""
    async with attached_app() as (_, app):
        attached = app.attached
        assert attached.risk is not None
        assert attached.risk.daily_loss is None
        limited = Settings.model_validate({"risk": {"daily_loss": {"limit": "250"}}})
        async with served_guard(settings=limited) as other:
            attached.link.address = other.address
            await attached.link.close()
            await attached.link.connect()
            assert attached.risk is not None
            assert attached.risk.daily_loss is not None
            assert attached.risk.daily_loss.limit == 250
            await attached.link.close()


async def test_the_header_adds_earlier_runs_day_pnl_as_in_process() -> None:
    """A guard whose earlier run today realized +16.76 the broker does not report again
    (a paper restart): the attached header's day shows it, as the in-process header does."""
    async with attached_app() as (served, app), app.run_test(size=(120, 40)):
        earlier_run_made(served.guard, Decimal("16.76"))
        served.hub.publish_risk()
        await until(lambda: "day +16.76" in text_of(app, HeaderBar) or _redraw(app), "+16.76")
