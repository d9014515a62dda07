"""The terminal watch: a terminal that hangs up ends the cockpit; a pipe is not watched."""

from __future__ import annotations

import os
import threading

from cockpit.ui.hangup import HUNG_UP, watch_terminal


def test_a_terminal_that_hangs_up_ends_the_process_with_sighups_status() -> None:
    """While the pty is open nothing happens; once it is closed the watch ends the process
    with 128 + SIGHUP."""
    master, slave = os.openpty()
    ended: list[int] = []
    done = threading.Event()

    def end(status: int) -> None:
        ended.append(status)
        done.set()

    watch = watch_terminal(slave, every=0.01, end=end)
    assert watch is not None
    assert not done.wait(0.1)
    os.close(master)
    assert done.wait(5)
    assert ended == [HUNG_UP]
    os.close(slave)


def test_what_is_not_a_terminal_is_not_watched() -> None:
    """A pipe (a test, a harness without a pty) starts no watch."""
    read, write = os.pipe()
    try:
        assert watch_terminal(read, end=lambda status: None) is None
    finally:
        os.close(read)
        os.close(write)
