"""One guard per state dir: the second one is refused with the first one's PID."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cockpit.guard.pidfile import AlreadyRunning, PidFile, Running, pid_path, read_running


def test_a_second_claim_on_the_same_state_dir_names_the_running_pid(tmp_path: Path) -> None:
    """While one guard holds the dir, another is refused, and told who holds it."""
    first = PidFile(tmp_path)
    first.claim()
    first.write(Running(os.getpid(), "127.0.0.1:8765"))
    with pytest.raises(AlreadyRunning, match=rf"already running on .* \(PID {os.getpid()}\)"):
        PidFile(tmp_path).claim()
    assert read_running(tmp_path) == Running(os.getpid(), "127.0.0.1:8765")
    first.release()
    assert read_running(tmp_path) is None
    assert not pid_path(tmp_path).exists()


def test_a_file_left_by_a_crashed_guard_is_not_a_running_guard(tmp_path: Path) -> None:
    """No lock, no guard: a leftover file reads as none running and can be claimed."""
    pid_path(tmp_path).write_text('{"pid": 999999, "address": "127.0.0.1:8765"}\n')
    assert read_running(tmp_path) is None
    claim = PidFile(tmp_path)
    claim.claim(dry_run=True)
    assert read_running(tmp_path) == Running(os.getpid(), None, True)
    claim.release()
