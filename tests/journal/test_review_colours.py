"""``cockpit review`` and the review screen take their colours from the trader's theme."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cockpit.cli import main
from cockpit.journal.show import PLAIN, Palette, styled_money
from cockpit.ui.theme import load_theme_file, review_palette, shipped_themes_dir, theme_variables

from .conftest import Recorded

BLUE = "38;2;86;180;233"
"""The colour-blind theme's up (#56B4E9) as a truecolor escape."""
ORANGE = "38;2;230;159;0"
"""Its down (#E69F00)."""
GREEN, RED = "\x1b[32m", "\x1b[31m"
"""Rich's plain green and red, which the colour-blind trader cannot tell apart."""
COLOUR = {"FORCE_COLOR": "1", "COLORTERM": "truecolor", "NO_COLOR": ""}


@pytest.fixture
def folder(recorded: Recorded, tmp_path: Path) -> Path:
    target = tmp_path / "journals"
    target.mkdir()
    shutil.copy(recorded.path, target / recorded.path.name)
    return target


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=COLOUR)


def test_the_colourblind_palette_is_blue_and_orange() -> None:
    """The palette taken from the colour-blind theme uses its up and down, not green and red."""
    theme = load_theme_file(shipped_themes_dir() / "colorblind.toml")
    palette = review_palette(theme_variables(theme))
    assert (palette.up, palette.down) == ("#56B4E9", "#E69F00")
    assert styled_money(Decimal(5), palette).style == "#56B4E9"
    assert styled_money(Decimal(-5), palette).style == "#E69F00"


def test_a_palette_without_the_variables_falls_back_to_plain_colours() -> None:
    """Variables missing or unreadable leave the plain colours, never an error."""
    assert review_palette({"pnl-up": "not a colour"}) == PLAIN
    assert review_palette({}) == Palette()


def test_review_uses_the_configured_themes_colours(folder: Path, tmp_path: Path) -> None:
    """With `[ui] theme = "colorblind"`, `cockpit review` prints blue and orange P&L."""
    config = tmp_path / "config.toml"
    config.write_text('[ui]\ntheme = "colorblind"\n')
    result = run("--config", str(config), "review", "latest", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    assert BLUE in result.output or ORANGE in result.output
    assert GREEN not in result.output
    assert RED not in result.output


def test_review_theme_option_wins_over_the_config(folder: Path) -> None:
    """`--theme colorblind` colours the review even when the config names no theme."""
    result = run("--theme", "colorblind", "review", "latest", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    assert BLUE in result.output or ORANGE in result.output
    assert GREEN not in result.output
