"""The README's screenshots are what the code draws today."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core import loop as cockpit_loop
from cockpit.ui.screenshots import SHOTS, take_all

FOLDER = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.mark.slow
def test_committed_screenshots_match_a_fresh_render(tmp_path: Path) -> None:
    """Each screenshots/*.svg equals a fresh render; run `python -m cockpit.ui.screenshots`."""
    fresh = cockpit_loop.run(take_all(tmp_path, []))
    assert {path.name for path in fresh} == {f"{shot.name}.svg" for shot in SHOTS}
    stale = [
        path.name
        for path in fresh
        if not (FOLDER / path.name).exists()
        or (FOLDER / path.name).read_text(encoding="utf-8") != path.read_text(encoding="utf-8")
    ]
    assert stale == [], f"regenerate screenshots: uv run python -m cockpit.ui.screenshots ({stale})"
