"""An attached cockpit names the guard's bracket templates and `t` chooses them at the
guard, whose bracket manager places the legs."""

from __future__ import annotations

from cockpit.bracket_config import BracketSettings
from cockpit.config import PaperSettings, Settings
from cockpit.ui.widgets.footer import StatusFooter
from tests.guard.streaming import until
from tests.guard.test_attach_app import attached_app

BRACKETS = {
    "active": "scalp",
    "scalp": {"stop": 8, "target": 16},
    "runner": {"stop": 12, "targets": [{"ticks": 8, "size": 1}, {"ticks": 24, "size": 1}]},
}


def bracketed() -> Settings:
    return Settings(paper=PaperSettings(seed=7), brackets=BracketSettings.model_validate(BRACKETS))


async def test_t_on_an_attached_cockpit_chooses_the_template_at_the_guard() -> None:
    """The footer shows the guard's `bracket scalp`; `t` makes the guard's bracket manager
    take runner, then none, then scalp again, and the footer names each."""
    async with attached_app(bracketed()) as (served, app), app.run_test(size=(120, 40)) as pilot:
        manager = served.guard.session.brackets
        assert manager is not None

        def footer() -> str:
            app.drain(force=True)
            return app.query_one(StatusFooter).render().plain

        await until(lambda: "bracket scalp" in footer(), "the guard's template in the footer")
        for name in ("runner", "none", "scalp"):
            await pilot.press("t")
            await until(lambda n=name: manager.active_name == n, f"the guard to take {name}")
            served.hub.publish_risk()
            await until(lambda n=name: app.attached.bracket_mirror.asked is None, "the readout")
            assert f"bracket {name}" in footer()
            await until(lambda n=name: f"bracket template: {n}" in app._message, "the verdict")


async def test_without_templates_at_the_guard_t_says_how_to_add_one() -> None:
    """A guard with no [brackets] tables: no bracket label, and `t` explains as in-process."""
    async with attached_app() as (_, app), app.run_test(size=(120, 40)) as pilot:
        assert app.attached.brackets is None
        await pilot.press("t")
        await until(lambda: "no bracket templates" in app._message, "the explanation")
        assert "bracket" not in app.bracket_label()
