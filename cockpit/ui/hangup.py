"""A cockpit whose terminal is gone ends, as a terminal that hangs up ends it.

A terminal that closes (an SSH session dropped, a window shut) sends SIGHUP to the
programs it controls, and the cockpit ends there as any terminal program does. One that
is not its terminal's controlled program gets no SIGHUP: started with ``setsid`` or
``nohup``, or by a test harness. Textual's input thread then reads the end of the file
in a loop (a whole core), its writer thread dies on its first write, and the screen's
loop blocks for good once the writes queue up. Such an orphan, left by an interrupted
benchmark, spun at 100% of a core beside the guard for 22 minutes until it was found.

:func:`watch_terminal` asks once a second whether the terminal is still a terminal (a
hung-up one answers no) and, when it is not, ends the process with SIGHUP's exit status.
The process ends as it would have ended on SIGHUP: nothing more is drawn. In process, a
journal ends where the last batch was written (a cut journal replays up to the cut); an
attached cockpit leaves the guard running, as ``q`` does.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

EVERY = 1.0
"""Seconds between two looks at the terminal (one system call each)."""
HUNG_UP = 128 + signal.SIGHUP
"""The exit status of a process that SIGHUP ended."""
SAY_WITHIN = 0.5
"""Seconds the log has to say why before the process ends anyway: a loop blocked in the
middle of a log call holds that handler's lock for good."""


def hang_up(status: int) -> None:
    """Say why in the log (if it can within :data:`SAY_WITHIN`), then end the process now."""
    said = threading.Thread(
        target=log.warning,
        args=("the terminal is gone (hung up): the cockpit ends",),
        name="hang-up word",
        daemon=True,
    )
    said.start()
    said.join(SAY_WITHIN)
    os._exit(status)


def watch_terminal(
    fd: int = 0,
    every: float = EVERY,
    end: Callable[[int], object] = hang_up,
) -> threading.Thread | None:
    """Watch ``fd`` from a daemon thread and call ``end(HUNG_UP)`` once it is no longer a
    terminal; ``None`` (nothing watched) when it is not one to begin with."""
    if not os.isatty(fd):
        return None

    def watch() -> None:
        while os.isatty(fd):
            time.sleep(every)
        end(HUNG_UP)

    thread = threading.Thread(target=watch, name="terminal watch", daemon=True)
    thread.start()
    return thread
