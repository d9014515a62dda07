"""The loop every test, benchmark and tool runs on is the loop the trader runs on."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.pilot import Pilot

from cockpit.core import loop as cockpit_loop


def test_textual_installs_the_task_factory_the_cockpit_mirrors() -> None:
    """`App.run()` (what `cockpit` calls) runs on the task factory `cockpit.core.loop` sets."""
    seen: list[object] = []

    async def look(pilot: Pilot[None]) -> None:
        seen.append(asyncio.get_running_loop().get_task_factory())
        pilot.app.exit()

    App[None]().run(headless=True, auto_pilot=look)
    assert seen == [cockpit_loop.EAGER]


async def test_async_tests_run_on_eager_tasks() -> None:
    """A test outside the engine's own folder runs on the trader's loop: a new task runs
    at once, before the line after ``create_task``."""
    ran: list[str] = []

    async def note() -> None:
        ran.append("task")

    task = asyncio.get_running_loop().create_task(note())
    ran.append("after create_task")
    await task
    assert ran == ["task", "after create_task"]


def test_run_can_give_either_schedule() -> None:
    """`cockpit.core.loop.run` gives eager tasks by default and asyncio's default on request."""

    async def factory() -> object:
        return asyncio.get_running_loop().get_task_factory()

    assert cockpit_loop.run(factory()) is cockpit_loop.EAGER
    assert cockpit_loop.run(factory(), eager=False) is None
