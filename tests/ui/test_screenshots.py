"""The README's screenshots are what the code draws today."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core import loop as cockpit_loop
from cockpit.ui.theme import shipped_themes_dir, user_themes_dir
from tests.screenshots import SHOTS, take_all

FOLDER = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.mark.slow
def test_committed_screenshots_match_a_fresh_render(tmp_path: Path) -> None:
    """Each screenshots/*.svg equals a fresh render; run `python -m tests.screenshots`."""
    fresh = cockpit_loop.run(take_all(tmp_path, []))
    assert {path.name for path in fresh} == {f"{shot.name}.svg" for shot in SHOTS}
    stale = [
        path.name
        for path in fresh
        if not (FOLDER / path.name).exists()
        or (FOLDER / path.name).read_text(encoding="utf-8") != path.read_text(encoding="utf-8")
    ]
    assert stale == [], f"regenerate screenshots: uv run python -m tests.screenshots ({stale})"


def test_the_users_own_themes_never_reach_a_screenshot(tmp_path: Path) -> None:
    """A cockpit-dark of the user's own (and a broken theme) beside the config leave
    the README's pictures as the shipped themes draw them."""
    mine = user_themes_dir()
    mine.mkdir(parents=True)
    shipped = (shipped_themes_dir() / "cockpit-dark.toml").read_text(encoding="utf-8")
    (mine / "cockpit-dark.toml").write_text(
        shipped.replace('background = "#0E1116"', 'background = "#FF00FF"'), encoding="utf-8"
    )
    (mine / "broken.toml").write_text("name = ", encoding="utf-8")
    [fresh] = cockpit_loop.run(take_all(tmp_path, ["main-dark"]))
    committed = (FOLDER / "main-dark.svg").read_text(encoding="utf-8")
    assert fresh.read_text(encoding="utf-8") == committed
