"""Themes, remappable keys, the command palette and meaning that never rests on colour."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from cockpit.cli import main
from cockpit.config import Settings, UiSettings, load_settings
from cockpit.core.events import ConnectionChanged, Link, LinkStatus, LockoutStarted
from cockpit.core.models import Mode
from cockpit.ui.app import CockpitApp, make_app
from cockpit.ui.bindings import COCKPIT_BINDINGS
from cockpit.ui.keymap import KeymapError, check_keymap
from cockpit.ui.screens.keys import KeysScreen
from cockpit.ui.theme import (
    COCKPIT_VARIABLES,
    load_theme_file,
    load_themes,
    shipped_themes_dir,
    theme_catalogue,
    theme_start_problem,
    user_themes_dir,
)
from tests.ui.conftest import demo_app, demo_session, press, settle, until

SHIPPED = ("cockpit-dark", "cockpit-light", "high-contrast", "colorblind")


def test_every_shipped_theme_defines_every_cockpit_variable() -> None:
    """The four shipped themes load and each sets $bid $ask $pnl-up ... itself."""
    themes, problems = load_themes([shipped_themes_dir()])
    assert problems == []
    assert set(SHIPPED) <= set(themes)
    for name in SHIPPED:
        assert set(COCKPIT_VARIABLES) <= set(themes[name].variables), name


def test_colorblind_theme_never_uses_red_and_green_for_direction() -> None:
    """Up and down in the colour-blind theme are blue and orange."""
    theme = load_theme_file(shipped_themes_dir() / "colorblind.toml")
    assert theme.variables["pnl-up"].upper() == "#56B4E9"
    assert theme.variables["pnl-down"].upper() == "#E69F00"


def test_a_broken_theme_file_is_reported_with_its_file_and_field(tmp_path: Path) -> None:
    """A bad colour is reported naming the file and the field, and the rest still load."""
    bad = tmp_path / "mine.toml"
    bad.write_text('name = "mine"\n[colors]\nprimary = "#123456"\n[variables]\npnl-up = "blu"\n')
    (tmp_path / "ok.toml").write_text('name = "ok"\n[colors]\nprimary = "#123456"\n')
    themes, problems = load_themes([tmp_path])
    assert list(themes) == ["ok"]
    (problem,) = problems
    assert problem.path == bad
    assert "variables" in problem.message
    assert "pnl-up" in problem.message
    assert "not a colour" in problem.message


def test_a_theme_with_an_unknown_field_reads_like_a_config_error(tmp_path: Path) -> None:
    """A misspelt field is named with its file, line, value and the fields allowed."""
    path = tmp_path / "typo.toml"
    path.write_text('name = "typo"\n[colors]\nprimary = "#123456"\nbackgruond = "#000000"\n')
    with pytest.raises(ValueError, match="unknown key") as caught:
        load_theme_file(path)
    assert str(caught.value) == (
        f'{path}:4: [colors] backgruond = "#000000": unknown key; did you mean background? '
        "allowed: primary, secondary, accent, warning, error, success, foreground, background, "
        "surface, panel"
    )


def test_a_theme_with_an_unknown_variable_names_it(tmp_path: Path) -> None:
    """A misspelt cockpit variable (``pnl-upp``) is an unknown key, with its line."""
    path = tmp_path / "typo.toml"
    path.write_text('name = "typo"\n[colors]\nprimary = "#123456"\n[variables]\npnl-upp = "#fff"\n')
    with pytest.raises(ValueError, match="unknown key") as caught:
        load_theme_file(path)
    assert str(caught.value).startswith(
        f'{path}:5: [variables] pnl-upp = "#fff": unknown key; did you mean pnl-up? allowed: bid,'
    )


def test_a_broken_theme_file_stops_the_start_like_a_config_error() -> None:
    """`cockpit` with a bad user theme file exits 2 naming file, line and key: no app runs."""
    user_themes_dir().mkdir(parents=True)
    path = user_themes_dir() / "mine.toml"
    path.write_text('name = "mine"\n[colors]\nprimary = "#123456"\nbackgruond = "#000"\n')
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 2
    assert f"{path}:4: [colors] backgruond" in result.output
    assert "allowed: primary" in result.output
    assert "Traceback" not in result.output


async def test_a_broken_theme_falls_back_to_the_default_and_says_so(tmp_path: Path) -> None:
    """Asked for a broken theme, the cockpit uses the default and says which file failed."""
    (tmp_path / "mine.toml").write_text('name = "mine"\n[colors]\nprimary = "nope"\n')
    themes = load_themes([shipped_themes_dir(), tmp_path])
    session = demo_session(settings=Settings(ui=UiSettings(theme="mine")))
    app = make_app(session, themes=themes)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "cockpit-dark"
        notes = [e for e in app.state.fills_and_events if type(e).__name__ == "Notice"]
        assert any("mine.toml" in e.text and "primary" in e.text for e in notes)  # type: ignore[attr-defined]


async def test_a_theme_without_cockpit_variables_still_renders() -> None:
    """Textual's own themes (from the palette) get cockpit colours derived, not errors."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        app.theme = "nord"
        await settle(pilot)
        variables = app.get_css_variables()
        assert variables["pnl-up"] == variables["success"]
        assert variables["bid"] == variables["primary"]


async def test_a_remapped_flatten_key_works() -> None:
    """`[keys] flatten-all = "ctrl+x"` makes ctrl+x flatten, and ? and the footer say so."""
    settings = Settings(keys={"flatten-all": "ctrl+x"})
    app = make_app(demo_session(settings=settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        assert app.state.positions
        await press(pilot, "ctrl+x")
        assert app.state.is_flat()
        assert "^x flatten" in app.footer.render().plain
        await press(pilot, "question_mark")
        assert isinstance(app.screen, KeysScreen)
        assert ("^x", "flatten all", "flatten-all") in app.screen.rows


def test_a_conflicting_keymap_names_both_actions() -> None:
    """Binding flatten to `b` is refused, naming flatten-all and buy-market."""
    with pytest.raises(KeymapError) as caught:
        check_keymap({"flatten-all": "b"})
    message = str(caught.value)
    assert "flatten-all" in message
    assert "buy-market" in message


def test_an_unknown_binding_id_lists_the_valid_ids() -> None:
    """A misspelt id is refused with every valid id listed."""
    with pytest.raises(KeymapError, match=r"unknown binding id 'flaten-all'.*flatten-all"):
        check_keymap({"flaten-all": "ctrl+x"})


def test_a_conflicting_keymap_in_config_stops_the_start(tmp_path: Path) -> None:
    """`cockpit --config` with a clashing [keys] exits 2 naming both actions, no traceback."""
    config = tmp_path / "config.toml"
    config.write_text('[keys]\ncancel-all = "F"\n')
    result = CliRunner().invoke(main, ["--config", str(config)])
    assert result.exit_code == 2
    assert "cancel-all" in result.output
    assert "flatten-all" in result.output
    assert "Traceback" not in result.output


def test_a_bad_keys_line_at_start_names_the_file_and_line(tmp_path: Path) -> None:
    """A misspelt [keys] id stops the start with file:line, as `rules check` says it."""
    config = tmp_path / "config.toml"
    config.write_text('[paper]\nseed = 7\n\n[keys]\nflaten-all = "ctrl+x"\n')
    result = CliRunner().invoke(main, ["--config", str(config)])
    assert result.exit_code == 2
    assert f"{config}:5: " in result.output
    assert "did you mean flatten-all" in result.output


def test_an_unknown_theme_name_lists_the_themes() -> None:
    """`cockpit --theme nope` exits 2 and lists the themes there are."""
    result = CliRunner().invoke(main, ["--theme", "nope"])
    assert result.exit_code == 2
    assert "colorblind" in result.output


async def test_the_palette_offers_every_action() -> None:
    """Every cockpit action (sizes aside) is a command in the palette, with its key."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for binding in COCKPIT_BINDINGS:
            if binding.id and not binding.id.startswith("size-"):
                assert binding.description.capitalize() in titles


def screen_text(app: CockpitApp) -> str:
    """Everything the cockpit shows as plain characters: what a colour-blind eye reads."""
    lines = [app.header.render().plain, app.banner.render().plain, app.footer.render().plain]
    for widget in (app.watchlist, app.chart):
        lines += [widget.render_line(y).text for y in range(widget.size.height)]
    return "\n".join(lines)


async def test_every_coloured_state_also_has_a_word_or_glyph() -> None:
    """ARMED, LOCKED, STALE, LIVE, direction and P&L all read without colour."""
    session = demo_session()
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        text = screen_text(app)
        assert "DISARMED" in text
        assert " SIM " in text
        assert "▲" in text or "▼" in text
        await press(pilot, "a", "b")
        await settle(pilot, 5)
        text = screen_text(app)
        assert "● ARMED" in text
        assert "day +" in text or "day -" in text
        now = session.clock.now_ns()
        session.engine.emit(ConnectionChanged(now, Link.MARKET, LinkStatus.STALE, "no ticks"))
        await settle(pilot)
        text = screen_text(app)
        assert "STALE" in text
        session.engine.emit(LockoutStarted(now, now + 900 * 10**9, "manual lockout"))
        await settle(pilot)
        assert "LOCKED 15:00" in screen_text(app)
        session.state.mode = Mode.LIVE
        await settle(pilot)
        assert " LIVE " in screen_text(app)


async def test_no_color_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    """With NO_COLOR set the cockpit renders in monochrome and still reads completely."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = demo_app()
    assert app.no_color
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 10)
        assert "DISARMED" in screen_text(app)


@pytest.mark.parametrize("theme", ["cockpit-light", "high-contrast", "colorblind"])
def test_theme_snapshot_120x40(snap_compare, theme: str) -> None:  # type: ignore[no-untyped-def]
    """Each shipped theme at the full size, same market and same trades."""
    app = make_app(demo_session(settings=Settings(ui=UiSettings(theme=theme))))

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot, 60)
        await press(pilot, "a", "2", "b")
        await settle(pilot, 20)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_colorblind_theme_snapshot_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The colour-blind theme in the compact layout: the tmux-on-a-laptop case."""
    app = make_app(demo_session(settings=Settings(ui=UiSettings(theme="colorblind"))))

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot, 60)
        await press(pilot, "a", "b")
        await settle(pilot, 20)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def open_theme_picker(app: CockpitApp, pilot: Pilot[int]) -> CommandList:
    """Open the theme picker and wait until its search has listed every theme."""
    app.action_change_theme()
    await until(
        pilot,
        lambda: (
            isinstance(app.screen, CommandPalette)
            and app.screen.query_one(CommandList).option_count > 1
        ),
        "the theme picker lists themes",
    )
    await app.workers.wait_for_complete()  # the search's last batch is in
    return app.screen.query_one(CommandList)


def highlighted_theme(themes: CommandList) -> str | None:
    """The theme the picker highlights (as the app reads it from the option's hit)."""
    if themes.highlighted is None:
        return None
    hit = themes.get_option_at_index(themes.highlighted).hit  # type: ignore[attr-defined]
    return hit.text or getattr(hit.display, "plain", str(hit.display))


async def highlight_next(app: CockpitApp, pilot: Pilot[int], themes: CommandList) -> str:
    """Press `down` and wait until the app shows the newly highlighted theme."""
    before = themes.highlighted
    await pilot.press("down")
    await until(
        pilot,
        lambda: themes.highlighted != before and app.theme == highlighted_theme(themes),
        "the highlighted theme to show",
    )
    return app.theme


async def test_the_theme_picker_previews_live_and_escape_restores() -> None:
    """Moving through the picker shows each theme at once; escape puts the old one back."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "cockpit-dark"
        themes = await open_theme_picker(app, pilot)
        seen = {await highlight_next(app, pilot, themes) for _ in range(3)}
        assert seen - {"cockpit-dark"}
        await pilot.press("escape")
        await until(
            pilot,
            lambda: not isinstance(app.screen, CommandPalette) and app.theme == "cockpit-dark",
            "the picker to shut and the old theme to come back",
        )


async def test_the_theme_picker_keeps_the_chosen_theme() -> None:
    """Enter on a highlighted theme keeps it."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        themes = await open_theme_picker(app, pilot)
        await highlight_next(app, pilot, themes)
        chosen = await highlight_next(app, pilot, themes)
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, CommandPalette), "the picker shut")
        await pilot.pause()  # the picker's Closed message reaches the app
        assert app.theme == chosen
        assert chosen != "cockpit-dark"


async def test_the_picker_offers_exactly_the_themes_the_start_accepts() -> None:
    """Every theme in the palette is one `--theme` and `[ui] theme` accept, and back."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        themes = await open_theme_picker(app, pilot)
        offered = {
            themes.get_option_at_index(i).hit.text  # type: ignore[attr-defined]
            for i in range(themes.option_count)
        }
    catalogue, problems = theme_catalogue()
    assert problems == []
    assert offered == set(catalogue)
    assert {"nord", *SHIPPED} <= offered
    assert all(theme_start_problem(name) is None for name in offered)
    assert theme_start_problem("nope") is not None


async def test_a_theme_picked_in_the_palette_is_the_next_starts_theme(tmp_path: Path) -> None:
    """Picking a theme writes `[ui] theme` into the config file (its comments and other
    keys kept), and a cockpit started from that file opens in it."""
    path = tmp_path / "config.toml"
    path.write_text('# my desk\n[paper]\nseed = 7  # the tape\n\n[ui]\ntimeframe = "5m"\n')
    settings, _ = load_settings(path)
    app = make_app(demo_session(settings=settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        themes = await open_theme_picker(app, pilot)
        await highlight_next(app, pilot, themes)
        chosen = await highlight_next(app, pilot, themes)
        await pilot.press("enter")
        await until(pilot, lambda: f'theme = "{chosen}"' in path.read_text(), "the theme saved")
    assert chosen != "cockpit-dark"
    text = path.read_text()
    assert text.startswith("# my desk\n[paper]\nseed = 7  # the tape\n")
    again, _ = load_settings(path)
    assert (again.ui.theme, again.ui.timeframe) == (chosen, "5m")
    next_start = make_app(demo_session(settings=again))
    async with next_start.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert next_start.theme == chosen


async def test_a_previewed_theme_left_with_escape_is_not_saved(tmp_path: Path) -> None:
    """Escape restores the old theme and writes nothing."""
    path = tmp_path / "config.toml"
    path.write_text("[paper]\nseed = 7\n")
    app = make_app(demo_session(settings=load_settings(path)[0]))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        themes = await open_theme_picker(app, pilot)
        await highlight_next(app, pilot, themes)
        await pilot.press("escape")
        await until(pilot, lambda: app.theme == "cockpit-dark", "the old theme back")
        await settle(pilot)
    assert path.read_text() == "[paper]\nseed = 7\n"


async def test_every_theme_offered_draws_the_cockpit() -> None:
    """Each theme in the catalogue (Textual's ANSI ones too) styles every panel without a
    CSS error, and gives every cockpit variable a colour."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        for name in sorted(theme_catalogue()[0]):
            app.theme = name
            await settle(pilot)
            variables = app.get_css_variables()
            assert set(COCKPIT_VARIABLES) <= set(variables), name
            assert "DISARMED" in app.footer.render().plain, name
