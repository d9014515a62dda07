"""Regenerate ``screenshots/`` from the app: ``uv run python -m tests.screenshots``.

Every picture comes from a frozen session (fixed seed, clock standing still until a
scene moves it, ticking only as the scene moves it) in the shipped themes only (never
the themes in the user's config dir), so the README shows exactly what the code draws,
the same on every machine. Scenes are small scripts of key presses and market steps.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from textual.pilot import Pilot
from textual.theme import Theme

from cockpit.bracket_config import BracketSettings
from cockpit.config import Settings, UiSettings
from cockpit.core import loop as cockpit_loop
from cockpit.replay import open_replay
from cockpit.ui.app import CockpitApp, make_app
from cockpit.ui.theme import ThemeProblem, load_themes, shipped_themes_dir
from tests.frozen import frozen_session

Scene = Callable[[CockpitApp, "Director"], Awaitable[None]]


@dataclass
class Director:
    """Drives a scene: presses keys and moves the market, settling after each step."""

    app: CockpitApp
    pilot: Pilot[int]

    async def settle(self, seconds: float = 0.0) -> None:
        await self.app.workers.wait_for_complete()
        if seconds:
            await self.app.session.advance(seconds)
        await self.app.session.engine.drain()
        self.app.drain(force=True)
        await self.pilot.pause()

    async def press(self, *keys: str) -> None:
        for key in keys:
            await self.pilot.press(key)
            await self.settle()


async def trading(app: CockpitApp, director: Director) -> None:
    """A minute in: long 2 MNQ with a take-profit resting above."""
    await director.settle(60)
    await director.press("a", "2", "b")
    await director.settle(20)
    await director.press("l", "pageup", "pageup", "s")
    await director.settle(15)


async def ticket(app: CockpitApp, director: Director) -> None:
    await director.settle(45)
    await director.press("a", "l", "down", "down")


async def locked(app: CockpitApp, director: Director) -> None:
    """A 30-minute lockout taken from the L panel: flat, banner counting down."""
    await director.settle(30)
    await director.press("a", "b")
    await director.settle(20)
    await director.press("L", "2", "y")
    await director.settle(65)


async def risk_panel(app: CockpitApp, director: Director) -> None:
    await director.settle(30)
    await director.press("a", "2", "b")
    await director.settle(30)
    await director.press("R")


async def ladder(app: CockpitApp, director: Director) -> None:
    """Long 2 under the scalp bracket (its stop and target working), the ladder aimed
    three ticks below the bid with a buy limit resting there, time & sales below."""
    await director.settle(60)
    await director.press("a", "2", "b")
    await director.settle(3)
    await director.press("d", "T")
    aim = app.ladder.cursor - (app.state.quotes["MNQ"].bid - 3)
    await director.press(*["down"] * aim, "1", "b", "down")


async def replay(app: CockpitApp, director: Director) -> None:
    """Paused on the second fill of a recorded session."""
    await director.settle()
    await director.press("j", "j")


async def review_screen(app: CockpitApp, director: Director) -> None:
    await director.settle()
    await director.press("v")


RULES = Settings.model_validate(
    {"risk": {"daily_loss": {"limit": 300}, "contract_limit": {"contracts": 2}}}
)
BRACKETS = BracketSettings.model_validate({"active": "scalp", "scalp": {"stop": 8, "target": 16}})


@dataclass(frozen=True)
class Shot:
    name: str
    size: tuple[int, int]
    scene: Scene
    theme: str = "cockpit-dark"
    title: str = ""
    rules: bool = False
    """Trade under the README's example rules (max 2 contracts, $300 daily loss)."""
    bracketed: bool = False
    """Enter under the README's example bracket (``[brackets.scalp] stop = 8, target = 16``)."""
    replayed: bool = False
    """Open a recorded session in REPLAY mode instead of the demo."""


SHOTS: tuple[Shot, ...] = (
    Shot("main-dark", (120, 40), trading, title="cockpit · demo"),
    Shot("light", (120, 40), trading, theme="cockpit-light", title="cockpit · light"),
    Shot("colorblind", (120, 40), trading, theme="colorblind", title="cockpit · colour-blind"),
    Shot("high-contrast", (120, 40), trading, theme="high-contrast", title="cockpit · contrast"),
    Shot("compact-80x24", (80, 24), trading, title="cockpit · 80x24"),
    Shot("order-ticket", (120, 40), ticket, title="cockpit · order ticket"),
    Shot("locked", (120, 40), locked, title="cockpit · locked out", rules=True),
    Shot("risk-panel", (120, 40), risk_panel, title="cockpit · risk panel", rules=True),
    Shot("ladder", (120, 40), ladder, title="cockpit · price ladder", bracketed=True),
    Shot("replay", (120, 40), replay, title="cockpit replay", replayed=True),
    Shot("review", (120, 40), review_screen, title="cockpit · review", replayed=True),
)


def shipped_themes() -> tuple[dict[str, Theme], list[ThemeProblem]]:
    """The themes in ``themes/``: a picture never depends on the user's own themes."""
    return load_themes([shipped_themes_dir()])


async def record_demo(folder: Path) -> Path:
    """Two round trips traded with real keys in a frozen demo, journaled into ``folder``."""
    app = make_app(frozen_session(journal_dir=folder), themes=shipped_themes())
    async with app.run_test(size=(120, 40)) as pilot:
        director = Director(app, pilot)
        await director.settle(30)
        for keys in (("a", "2", "b"), ("s",), ("1", "s"), ("b",)):
            await director.press(*keys)
            await director.settle(20)
        await director.press("q")
    journal = app.session.journal
    assert journal is not None
    assert journal.path is not None
    return journal.path


async def take(shot: Shot, folder: Path, journal: Path | None = None) -> Path:
    base = RULES if shot.rules else Settings()
    settings = base.model_copy(update={"ui": UiSettings(theme=shot.theme)})
    if shot.bracketed:
        settings = settings.model_copy(update={"brackets": BRACKETS})
    if shot.replayed:
        assert journal is not None
        app = make_app(open_replay(journal), themes=shipped_themes())
    else:
        app = make_app(frozen_session(settings), themes=shipped_themes())
    async with app.run_test(size=shot.size) as pilot:
        director = Director(app, pilot)
        await shot.scene(app, director)
        svg = app.export_screenshot(title=shot.title or shot.name)
    path = folder / f"{shot.name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


async def take_all(folder: Path, names: list[str]) -> list[Path]:
    chosen = [shot for shot in SHOTS if not names or shot.name in names]
    with tempfile.TemporaryDirectory() as scratch:
        journal = None
        if any(shot.replayed for shot in chosen):
            journal = await record_demo(Path(scratch))
        return [await take(shot, folder, journal) for shot in chosen]


def main(argv: list[str] | None = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv)
    folder = Path(__file__).resolve().parents[1] / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for path in cockpit_loop.run(take_all(folder, names)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
