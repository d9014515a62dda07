"""Whose time the cockpit keeps: a frozen session's ticks come with its clock, never a timer."""

from __future__ import annotations

from cockpit.config import JournalSettings, Settings
from cockpit.core.clock import WallClock
from cockpit.risk.lockout import LockoutStore
from cockpit.session import build_session
from cockpit.ui.app import make_app
from tests.ui.conftest import demo_session, settle


async def test_a_frozen_cockpit_runs_no_wall_clock_tick() -> None:
    """On a frozen session only the drain runs on wall time: ticks come from advance()."""
    app = make_app(demo_session())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert [timer.name for timer in app._cockpit_timers] == ["drain"]


async def test_a_live_cockpit_ticks_once_a_second() -> None:
    """On the wall clock the 1 Hz tick runs beside the drain (cooldowns, end-of-day flatten)."""
    settings = Settings(journal=JournalSettings(enabled=False))
    session = build_session(settings, clock=WallClock(), pump=False, lockouts=LockoutStore.memory())
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [timer.name for timer in app._cockpit_timers] == ["drain", "tick"]
