"""Under [risk] lock, arming again after the daily profit target asks for a typed reason,
and the journal keeps it."""

from __future__ import annotations

from pathlib import Path

from cockpit.config import PaperSettings, Settings
from cockpit.core.events import Notice
from cockpit.journal.reader import open_journal
from cockpit.risk.config import RiskSettings
from cockpit.ui.app import CockpitApp, make_app
from cockpit.ui.screens.arm_reason import ArmReasonScreen
from tests.frozen import frozen_session
from tests.ui.conftest import press, settle


def locked_target_app(lock: str, journals: Path) -> CockpitApp:
    risk = RiskSettings.model_validate(
        {"lock": lock, "profit_target": {"target": "0.50", "action": "alert"}}
    )
    settings = Settings(paper=PaperSettings(seed=7), risk=risk)
    return make_app(frozen_session(settings, journal_dir=journals))


async def reach_the_target(app: CockpitApp, pilot: object) -> None:
    """Buy one MNQ and let the seeded market run until the day is up $0.50."""
    risk = app.session.risk
    assert risk is not None
    for _ in range(120):
        if risk.latched("profit-target", risk.now(None)):
            return
        await settle(pilot, 5)  # type: ignore[arg-type]
    raise AssertionError("the seeded market never reached the target")


async def test_arming_after_the_target_under_lock_needs_a_reason_kept_in_the_journal(
    tmp_path: Path,
) -> None:
    """`a` after the profit target, disarmed, with lock on: a prompt; an empty reason does not
    arm, esc does not arm, a typed reason arms and is recorded as a notice."""
    app = locked_target_app("day", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        await reach_the_target(app, pilot)
        await press(pilot, "a")
        assert not app.state.armed
        await press(pilot, "a")
        assert isinstance(app.screen, ArmReasonScreen)
        await press(pilot, "enter")
        assert isinstance(app.screen, ArmReasonScreen)
        assert not app.state.armed
        await press(pilot, "escape")
        assert not app.state.armed
        await press(pilot, "a")
        await pilot.press(*"news at 2")
        await press(pilot, "enter")
        assert app.state.armed
        journal = app.session.journal
        assert journal is not None
        path = journal.path
        await press(pilot, "F")
        await settle(pilot)
        await press(pilot, "q")
    assert path is not None
    texts = [r.item.text for r in open_journal(path) if isinstance(r.item, Notice)]
    assert "armed again after the daily profit target: news at 2" in texts


async def test_without_the_lock_arming_after_the_target_asks_nothing(tmp_path: Path) -> None:
    """lock off: `a` arms at once after the target, as before."""
    app = locked_target_app("off", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        await reach_the_target(app, pilot)
        await press(pilot, "a", "a")
        assert app.state.armed
