"""With [account] firm on, R and v report the firm's profit target and consistency."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Static

from cockpit.config import parse_settings
from cockpit.ui.app import make_app
from cockpit.ui.screens.review import ReviewScreen
from cockpit.ui.screens.risk import RiskScreen
from tests.frozen import frozen_session
from tests.ui.conftest import press, settle

FIRM = '[account]\nfirm = "topstep-50k-combine"\n'


async def test_r_and_v_report_the_firms_target_and_consistency(tmp_path: Path) -> None:
    """The R panel's footer and the v review end with the firm's report lines."""
    settings = parse_settings(FIRM, tmp_path / "config.toml")
    app = make_app(frozen_session(settings, journal_dir=tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "R")
        assert isinstance(app.screen, RiskScreen)
        footer = str(app.screen.query_one("#risk-footer", Static).render())
        assert "topstep-50k-combine profit target: 0.00 of 3,000.00 over 0 days" in footer
        assert "topstep-50k-combine consistency: no profit yet (best day at most 50%)" in footer
        await press(pilot, "escape", "v")
        assert isinstance(app.screen, ReviewScreen)
        out = Console(width=200, file=io.StringIO())
        out.print(app.screen.view)
        body = out.file.getvalue()
        assert "topstep-50k-combine consistency" in body


async def test_without_a_firm_the_r_panel_says_nothing_of_one(tmp_path: Path) -> None:
    """No [account] firm: no target or consistency line in the R panel."""
    settings = parse_settings("", tmp_path / "config.toml")
    app = make_app(frozen_session(settings, journal_dir=tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "R")
        footer = str(app.screen.query_one("#risk-footer", Static).render())
        assert "consistency" not in footer
        assert "esc close" in footer
