"""The risk engine on screen: denials, the banner and countdown, the L and R panels,
lockouts that survive a restart, and flatten while locked."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.pilot import Pilot

from cockpit.config import Settings
from cockpit.risk.lockout import LockoutStore
from cockpit.ui.app import CockpitApp, make_app
from cockpit.ui.screens.lockout import LockoutScreen
from cockpit.ui.screens.risk import RiskScreen
from tests.frozen import frozen_session
from tests.ui.conftest import press, settle

DONE_WHEN = """
[risk.daily_loss]
limit = 300
[risk.contract_limit]
contracts = 2
"""


def risky_app(toml: str = DONE_WHEN, state_dir: Path | None = None) -> CockpitApp:
    """A frozen demo with the issue's rules: max 2 contracts, a $300 daily loss limit."""
    settings = Settings.model_validate(tomllib.loads(toml))
    lockouts = LockoutStore(state_dir) if state_dir is not None else None
    return make_app(frozen_session(settings, lockouts=lockouts))


def banner(app: CockpitApp) -> str:
    return app.banner.render().plain if app.banner.has_class("-shown") else ""


async def test_a_third_contract_is_refused_with_the_reason_on_screen() -> None:
    """With max 2 contracts, the third buy is denied and the footer says why."""
    app = risky_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "2", "b", "1", "b")
        assert app.state.positions["MNQ"].size == 2
        footer = app.footer.render().plain
        assert "contract limit 2" in footer


async def test_the_header_shows_the_room_to_the_daily_loss_limit() -> None:
    """The header carries the room to the daily loss limit, the limit and its measure."""
    app = risky_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        assert "room 300.00 to -300.00 net" in app.header.render().plain


async def test_losing_past_the_limit_flattens_and_locks_with_a_countdown() -> None:
    """A $25 limit on a 10-lot: once the loss reaches it, flat, locked, and a countdown shows."""
    app = risky_app("[risk.daily_loss]\nlimit = 25\n")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "1", "0", "s")
        for _ in range(240):
            if app.session.risk.lockout() is not None:
                break
            await settle(pilot, 5)
        await settle(pilot)
        assert app.session.risk.lockout() is not None
        assert app.state.is_flat()
        text = banner(app)
        assert text.startswith("LOCKED until")
        assert "left" in text


async def test_the_lockout_panel_needs_a_second_deliberate_step() -> None:
    """`L` then `2` only proposes; `esc` backs out and nothing is locked."""
    app = risky_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "L", "2")
        assert isinstance(app.screen, LockoutScreen)
        assert app.screen.chosen is not None
        await press(pilot, "escape", "escape")
        assert not isinstance(app.screen, LockoutScreen)
        assert app.session.risk.lockout() is None


async def lock_for_30_minutes(pilot: Pilot[int]) -> None:
    await settle(pilot, 5)
    await press(pilot, "a", "b", "L", "2", "y")
    await settle(pilot)


async def test_a_lockout_flattens_then_locks_and_refuses_entries() -> None:
    """`L 2 y` flattens, locks for 30 minutes, and a buy is denied with the reason."""
    app = risky_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await lock_for_30_minutes(pilot)
        assert app.state.is_flat()
        assert banner(app).startswith("LOCKED until")
        assert "30:00 left" in banner(app)
        await press(pilot, "b")
        assert "locked until" in app.footer.render().plain
        assert app.state.is_flat()


async def test_flatten_works_while_locked() -> None:
    """`F` is never denied, even during a lockout."""
    app = risky_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await lock_for_30_minutes(pilot)
        await press(pilot, "F")
        last = app.state.fills_and_events[-1]
        assert type(last).__name__ == "FlattenCompleted"
        assert last.flat  # type: ignore[attr-defined]


async def test_a_restart_during_a_lockout_is_still_locked(tmp_path: Path) -> None:
    """Quit while locked, start again on the same state dir: still locked, same end."""
    first = risky_app(state_dir=tmp_path)
    async with first.run_test(size=(120, 40)) as pilot:
        await lock_for_30_minutes(pilot)
        until = first.session.risk.lockout().until_ns  # type: ignore[union-attr]
    second = risky_app(state_dir=tmp_path)
    async with second.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 60)
        lockout = second.session.risk.lockout()
        assert lockout is not None
        assert lockout.until_ns == until
        assert banner(second).startswith("LOCKED until")
        await press(pilot, "a", "b")
        assert second.state.is_flat()


async def test_the_risk_panel_lists_every_rule_with_its_room() -> None:
    """`R` shows the lockout row and each rule that is on, with limit and room."""
    app = risky_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "R")
        assert isinstance(app.screen, RiskScreen)
        titles = [reading.title for reading in app.screen.rows()]
        assert titles[0] == "Lockout"
        assert len(titles) == 4
        await press(pilot, "escape")
        assert not isinstance(app.screen, RiskScreen)


async def test_the_footer_says_locked_beside_armed() -> None:
    """Armed and locked: the footer says `● ARMED · LOCKED`, never only ARMED."""
    app = risky_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a")
        assert app.footer.render().plain.startswith(" ● ARMED  MNQ")
        await press(pilot, "b", "L", "2", "y")
        await settle(pilot)
        assert app.state.armed
        assert app.footer.render().plain.startswith(" ● ARMED · LOCKED  MNQ")


def test_locked_snapshot(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """A locked account: banner with the countdown, flat, and the lockout in the events."""
    assert snap_compare(risky_app(), terminal_size=(120, 40), run_before=lock_for_30_minutes)


def test_risk_panel_snapshot(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The R panel over a position that has used part of its limits."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot, 30)
        await press(pilot, "a", "2", "b")
        await settle(pilot, 30)
        await press(pilot, "R")

    assert snap_compare(risky_app(), terminal_size=(120, 40), run_before=run_before)


def test_lockout_panel_snapshot(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The L panel at its confirmation step."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot, 5)
        await press(pilot, "L", "3")

    assert snap_compare(risky_app(), terminal_size=(120, 40), run_before=run_before)


async def test_lock_until_a_typed_time() -> None:
    """`L 5`, type 10:30, Enter proposes it, `y` locks until 10:30 CT."""
    app = risky_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "L", "5", "1", "0", "colon", "3", "0", "enter")
        assert isinstance(app.screen, LockoutScreen)
        assert app.screen.chosen is not None
        await press(pilot, "y")
        lockout = app.session.risk.lockout()
        assert lockout is not None
        assert banner(app).startswith("LOCKED until 10:30 CT")
