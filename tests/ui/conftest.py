"""A deterministic cockpit for UI tests: frozen clock, seeded market, no pump.

The market only moves when a test says so (``advance``), so every screen is the same
on every run and every machine.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widget import Widget

from cockpit.config import PaperSettings, Settings
from cockpit.core.broker import Broker
from cockpit.session import Session
from cockpit.ui.app import CockpitApp, make_app
from tests.frozen import FROZEN_START_NS, frozen_session

START_NS = FROZEN_START_NS


def demo_session(
    *, settings: Settings | None = None, broker: Broker | None = None, seed: int = 7
) -> Session:
    """A paper session on a frozen clock whose market moves only when stepped."""
    settings = settings or Settings(paper=PaperSettings(seed=seed))
    return frozen_session(settings, broker=broker)


def demo_app(**kwargs: object) -> CockpitApp:
    return make_app(demo_session(**kwargs))  # type: ignore[arg-type]


async def settle(pilot: Pilot[int], seconds: float = 0.0) -> None:
    """Let broker calls finish, move the market ``seconds``, and show it all on screen."""
    app = pilot.app
    assert isinstance(app, CockpitApp)
    session = app.session
    await app.workers.wait_for_complete()
    if seconds:
        await session.advance(seconds)
    await session.engine.drain()
    app.drain(force=True)
    await pilot.pause()


@contextmanager
def private_user_dirs_at(root: Path) -> Iterator[None]:
    """The user dirs under ``root`` for a module-scoped fixture: pytest sets those up before
    the autouse per-test dirs, so without this they would read the trader's own config."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            patch.setenv(name, str(root / name.lower()))
        yield


async def until(
    pilot: Pilot[int], check: Callable[[], object], what: str, within: float = 60.0
) -> None:
    """Wait for work Textual does on its own schedule (the command palette's search) until
    ``check()`` holds. The deadline only stops a hung test: a busy machine is never a failure."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            pytest.fail(f"still waiting after {within:.0f} s: {what}")
        await pilot.pause(0.01)


async def press(pilot: Pilot[int], *keys: str) -> None:
    """Press keys one by one, settling after each so broker replies land in order."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


@pytest.fixture
def warm() -> Callable[[Pilot[int]], Awaitable[None]]:
    """A run_before for snapshots: a minute of market after the start."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot, 60)

    return run_before


def painted(widget: Widget) -> list[str]:
    """The rows of ``widget`` as the screen shows them now (what the compositor paints,
    cached rows included), scroll position included."""
    console = Console(
        width=widget.app.size.width, file=io.StringIO(), record=True, color_system=None
    )
    console.print(widget.screen._compositor.render_update(full=True))
    screen = console.export_text().splitlines()
    region = widget.content_region
    return [line[region.x : region.right] for line in screen[region.y : region.bottom]]
