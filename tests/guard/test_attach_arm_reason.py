"""Arming again after the profit target from an attached cockpit: the typed reason goes
with the arm command, and the guard's journal keeps it as the in-process cockpit's does."""

from __future__ import annotations

from pathlib import Path

from cockpit.config import PaperSettings, Settings
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.events import Notice
from cockpit.core.models import Side
from cockpit.guard.attached import AttachedSession
from cockpit.guard.client import GuardLink
from cockpit.guard.daemon import Guard
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.risk.config import RiskSettings
from cockpit.ui.app import make_app
from cockpit.ui.attached import AttachedApp
from cockpit.ui.screens.arm_reason import ArmReasonScreen
from tests.guard.streaming import TOKEN, served_guard, until

NOTE = "armed again after the daily profit target: news at 2"


def locked_target() -> Settings:
    risk = RiskSettings.model_validate(
        {"lock": "day", "profit_target": {"target": "0.50", "action": "alert"}}
    )
    return Settings(paper=PaperSettings(seed=7), risk=risk)


async def past_the_target(guard: Guard) -> None:
    """Trade until the day's profit target is reached, then disarm (as after the alert)."""
    risk = guard.session.risk
    assert risk is not None
    guard.submit(SetArmed(armed=True))
    await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
    for _ in range(120):
        if risk.latched("profit-target", risk.now(None)):
            break
        await guard.session.advance(5)
    assert risk.latched("profit-target", risk.now(None)), "the seeded market never got there"
    guard.submit(SetArmed(armed=False))
    assert not guard.state.armed


async def test_the_typed_reason_is_journalled_by_the_guard(tmp_path: Path) -> None:
    """After the guard's profit target, `a` on an attached cockpit asks why; the typed
    reason arms the guard and the guard's journal keeps it as a notice, which a replay of
    that journal derives again (no mismatch)."""
    async with served_guard(settings=locked_target(), journal_dir=tmp_path) as served:
        guard = served.guard
        await past_the_target(guard)
        link = GuardLink(served.address, TOKEN)
        await link.connect()
        app = make_app(AttachedSession(Settings(), link, guard.session.clock))
        assert isinstance(app, AttachedApp)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: not app.state.armed, "the replica disarmed")
            await pilot.press("a")
            await until(lambda: isinstance(app.screen, ArmReasonScreen), "the reason box")
            await pilot.press(*"news at 2")
            await pilot.press("enter")
            await until(lambda: guard.state.armed, "the guard to arm")
            await app.session.stop()
        journal = guard.session.journal
        assert journal is not None
        journal.flush()
        path = journal.path
    assert path is not None
    with open_journal(path) as recorded:
        texts = [r.item.text for r in recorded if isinstance(r.item, Notice)]
        assert NOTE in texts
        assert Replayer(recorded).verify() == []
