"""The review screen (`v`) colours P&L with the theme's up and down, not Rich's green/red."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from cockpit.config import Settings, UiSettings
from cockpit.ui.app import make_app
from cockpit.ui.screens.review import ReviewScreen
from tests.frozen import frozen_session
from tests.ui.conftest import press, settle

BLUE, ORANGE = "38;2;86;180;233", "38;2;230;159;0"
GREEN, RED = "\x1b[32m", "\x1b[31m"


def coloured(screen: ReviewScreen) -> str:
    """The review as a colour terminal would print it."""
    console = Console(file=io.StringIO(), color_system="truecolor", width=200, record=True)
    console.print(screen.view)
    return console.export_text(styles=True)


async def test_the_review_screen_keeps_the_colourblind_theme(tmp_path: Path) -> None:
    """In the colour-blind theme, a round trip's P&L in the review is blue or orange."""
    settings = Settings(ui=UiSettings(theme="colorblind"))
    app = make_app(frozen_session(settings, journal_dir=tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 10)
        await press(pilot, "a", "b")
        await settle(pilot, 10)
        await press(pilot, "s")
        await settle(pilot, 1)
        await press(pilot, "v")
        assert isinstance(app.screen, ReviewScreen)
        text = coloured(app.screen)
        assert BLUE in text or ORANGE in text
        assert GREEN not in text
        assert RED not in text
        await press(pilot, "escape", "q")
