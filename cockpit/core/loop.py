"""The event loop as the cockpit runs on it: eager tasks.

Textual's ``App.run()`` installs ``asyncio.eager_task_factory`` on its loop, so in the
program a trader runs, a new task runs at once up to its first real suspension, inside
the call that created it. Code that stores a task after creating it, or cleans up in a
task's ``finally``, sees a different order of events there than on a default loop.
Everything that runs the cockpit's engine outside Textual (tests, benchmarks, the
simulation tester, a headless process) sets its loop up here, so it runs the same
program the trader runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

TaskFactory = Callable[..., Any]

EAGER: TaskFactory = asyncio.eager_task_factory
"""What ``textual.app.App.run_async`` installs (checked by a test against Textual)."""


def configure(loop: asyncio.AbstractEventLoop, *, eager: bool = True) -> asyncio.AbstractEventLoop:
    """Set ``loop`` up as the cockpit runs (``eager=False`` gives asyncio's default)."""
    loop.set_task_factory(EAGER if eager else None)
    return loop


def new_loop(
    *, eager: bool = True, base: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop
) -> asyncio.AbstractEventLoop:
    """A fresh loop (``base`` makes it: the guard's reads its line first) set up as the
    cockpit runs."""
    return configure(base(), eager=eager)


def run[T](
    main: Coroutine[Any, Any, T],
    *,
    eager: bool = True,
    base: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
) -> T:
    """``asyncio.run`` on a loop set up as the cockpit runs."""
    with asyncio.Runner(loop_factory=lambda: new_loop(eager=eager, base=base)) as runner:
        return runner.run(main)
