"""The ladder and the tape in REPLAY mode: the replayed book, through the palette's action."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core import loop as cockpit_loop
from cockpit.replay import open_replay
from cockpit.ui.app import make_app
from cockpit.ui.replay import ReplayApp
from tests.ui.conftest import painted, press, private_user_dirs_at, settle
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
