"""The ladder and the tape in REPLAY mode: the replayed book, through the palette's action."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import Command, CommandList, CommandPalette
from textual.pilot import Pilot

from cockpit.core import loop as cockpit_loop
from cockpit.replay import open_replay
from cockpit.ui.app import make_app
from cockpit.ui.replay import ReplayApp
from tests.frozen import frozen_session
from tests.ui.conftest import painted, press, private_user_dirs_at, settle, until
from tests.ui.test_replay_mode import record_through_the_cockpit


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with private_user_dirs_at(tmp_path_factory.mktemp("home")):
        path, _ = cockpit_loop.run(record_through_the_cockpit(tmp_path_factory.mktemp("j")))
        return path


async def test_replay_keeps_d_for_decisions_and_shows_the_ladder_from_the_palette(
    recorded: Path,
) -> None:
    """In a replay `d` is the next rule decision (the ladder stays hidden); the palette's
    ladder action shows the replayed prints' volume, and the tape shows the replayed prints."""
    app = make_app(open_replay(recorded))
    assert isinstance(app, ReplayApp)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "j", "j")
        await press(pilot, "d")
        assert not app.ladder.display
        await app.run_action("ladder_toggle")
        await press(pilot, "T")
        await settle(pilot)
        assert app.ladder.display
        assert app.tape.display
        book = app.state.books["MNQ"]
        assert book.traded
        assert book.tape
        ladder = "\n".join(painted(app.ladder))
        last = app.state.instruments["MNQ"].format(app.state.last["MNQ"])
        assert f"{last}●" in ladder
        assert last in painted(app.tape)[1]


async def palette_help(app: ReplayApp, pilot: Pilot[int], search: str) -> dict[str, str]:
    """Open the command palette with its key, search, and read each listed command's help
    (the key label and binding id the palette shows under its title)."""
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette opens")
    await pilot.press(*search)
    commands = app.screen.query_one(CommandList)
    await until(pilot, lambda: commands.option_count > 0, f"the palette lists {search!r}")
    await app.workers.wait_for_complete()  # the search's last batch is in
    options = [commands.get_option_at_index(i) for i in range(commands.option_count)]
    hits = [option.hit for option in options if isinstance(option, Command)]
    return {hit.help.rpartition(" · ")[2]: hit.help for hit in hits if hit.help}


async def test_the_palette_in_a_replay_shows_the_ladder_without_the_key_d(
    recorded: Path,
) -> None:
    """In a replay `d` is the next rule decision, so the palette's ladder command shows no
    key (it said "key d"), and close-one no `o` (the next lockout there); keys a replay
    leaves to the cockpit keep their label."""
    app = make_app(open_replay(recorded))
    assert isinstance(app, ReplayApp)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        ladder = await palette_help(app, pilot, "ladder")
        assert ladder["ladder-toggle"] == "no key here · ladder-toggle"
        await pilot.press("escape")
        close = await palette_help(app, pilot, "close")
        assert close["close-one"] == "no key here · close-one"
        assert close["close-half"] == "key h · close-half"


async def test_the_live_palette_still_labels_the_ladder_key_d() -> None:
    """Outside a replay nothing takes `d`: the palette's ladder command still says so."""
    app = make_app(frozen_session())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        helps = {command.help for command in app.get_system_commands(app.screen)}
        assert "key d · ladder-toggle" in helps
        assert "key o · close-one" in helps
