"""The banner names a position left without a stop after a reconnect, and goes quiet
once the position is closed."""

from __future__ import annotations

from cockpit.bracket_config import BracketSettings
from cockpit.config import PaperSettings, Settings
from cockpit.ui.app import make_app
from cockpit.ui.widgets.banner import RiskBanner
from tests.ui.conftest import demo_session, painted, press, settle


async def test_a_bare_position_after_reconnecting_is_in_the_banner_until_flat() -> None:
    """`a` `b` with template none, then the broker reconnects: the banner says MNQ +1 has
    no stop and why; `F` closes it and the banner hides."""
    brackets = BracketSettings.model_validate({"active": "none", "scalp": {"stop": 8}})
    settings = Settings(paper=PaperSettings(seed=7), brackets=brackets)
    app = make_app(demo_session(settings=settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 1)
        await press(pilot, "a", "b")
        banner = app.query_one(RiskBanner)
        assert not banner.has_class("-shown")  # a bare entry by choice: nothing to say
        session = app.session
        await session.broker.stop()
        await session.broker.start(session.engine.on_event)
        await settle(pilot)
        shown = " ".join(painted(banner)).strip()
        assert shown == (
            "▲ MNQ +1 has no stop: no bracket template was active after reconnecting"
        ), shown
        assert banner.has_class("-warning")
        await press(pilot, "F")
        await settle(pilot)
        assert app.state.is_flat()
        assert not banner.has_class("-shown")
