"""One guard per state dir: a pid file held under an exclusive lock while the guard runs.

The lock (``flock``) is the truth, not the file's existence: a guard that crashed leaves
a file but no lock, and the next one takes over. The file says who holds it and where
that guard listens, so ``status`` and ``stop`` find it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

PID_FILE = "guard.pid"


@dataclass(frozen=True, slots=True)
class Running:
    """What a running guard wrote in its pid file."""

    pid: int
    address: str | None = None
    dry_run: bool = False
    journal: str | None = None
    """The journal part the guard writes now (a cockpit on this machine reviews it)."""


class AlreadyRunning(Exception):
    """Another guard holds this state dir."""

    def __init__(self, folder: Path, running: Running | None) -> None:
        who = f"PID {running.pid}" if running is not None else "another process"
        super().__init__(f"a guard is already running on {folder} ({who})")
        self.running = running


def pid_path(folder: Path) -> Path:
    return folder / PID_FILE


class PidFile:
    """The running guard's claim on its state dir; ``release`` it when it ends."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = pid_path(folder)
        self._file: IO[str] | None = None
        self.said: Running | None = None
        """What the file says now (written by :meth:`write`)."""

    def claim(self, dry_run: bool = False) -> None:
        """Hold the lock and write this PID, or raise :class:`AlreadyRunning`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        file = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open while running
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            raise AlreadyRunning(self.folder, read_running(self.folder)) from None
        self._file = file
        self.write(Running(os.getpid(), None, dry_run))

    def write(self, running: Running) -> None:
        """Say where this guard listens (once it does)."""
        file = self._file
        if file is None:
            raise RuntimeError("the pid file is not claimed")
        file.seek(0)
        file.truncate()
        file.write(json.dumps({"pid": running.pid, "address": running.address,
                               "dry_run": running.dry_run,
                               "journal": running.journal}) + "\n")  # fmt: skip
        file.flush()
        self.said = running

    def release(self) -> None:
        """Remove the file and drop the lock (the file first: no one reads a stale one)."""
        file, self._file = self._file, None
        if file is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        file.close()


def read_running(folder: Path) -> Running | None:
    """The guard holding ``folder``, or ``None`` when none does (no file, or no lock)."""
    path = pid_path(folder)
    try:
        file = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return None
    with file:
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # held: a guard runs
        else:
            return None  # a leftover of a guard that did not end cleanly
        try:
            raw = json.loads(file.read() or "{}")
            journal = raw.get("journal")
            return Running(
                int(raw["pid"]),
                raw.get("address"),
                bool(raw.get("dry_run")),
                str(journal) if journal else None,
            )
        except (ValueError, KeyError, TypeError):
            return Running(0)
