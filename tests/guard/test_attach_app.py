"""The cockpit attached to a guard: the same keys, the guard's engine and risk engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cockpit.config import Settings
from cockpit.core.events import FlattenCompleted
from cockpit.guard.attached import AttachedSession
from cockpit.guard.client import GuardLink
from cockpit.ui.app import make_app
from cockpit.ui.attached import AttachedApp
from cockpit.ui.widgets.banner import RiskBanner
from cockpit.ui.widgets.footer import StatusFooter
from cockpit.ui.widgets.header import HeaderBar
from tests.guard.streaming import TOKEN, Served, picture, served_guard, until


@asynccontextmanager
async def attached_app() -> AsyncIterator[tuple[Served, AttachedApp]]:
    """A guard two seconds into its market and a cockpit attached to it."""
    async with served_guard() as served:
        await served.guard.session.advance(2)
        link = GuardLink(served.address, TOKEN)
        await link.connect()
        app = make_app(AttachedSession(Settings(), link, served.guard.session.clock))
        assert isinstance(app, AttachedApp)
        yield served, app


def text_of(app: AttachedApp, widget: type[HeaderBar | StatusFooter | RiskBanner]) -> str:
    return str(app.query_one(widget).render())


async def test_a_b_then_f_on_an_attached_cockpit_trade_at_the_guard() -> None:
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
