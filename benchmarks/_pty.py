"""Run the cockpit in a real pseudo-terminal and read what it writes, as a terminal would.

The child gets a 120x40 pty on stdin, stdout and stderr, ``TERM=xterm-256color`` and
(by default) ``COLORTERM=truecolor`` (what modern terminals announce), an empty config
file and its
own config, data and state dirs under a temporary folder, so a benchmark never reads
or writes the user's files (nor bytecode in the source tree: see ``_BYTECODE``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from benchmarks._session import config_text

ROOT = Path(__file__).resolve().parent.parent
SIZE = (120, 40)
_BYTECODE = tempfile.TemporaryDirectory(prefix="cockpit-bench-pyc-")
"""Compiled bytecode of the children, shared by every start in this process: the first
start compiles (as the first run after a fresh clone does), the later ones reuse it,
whatever ``PYTHONDONTWRITEBYTECODE`` says, and the source tree stays untouched."""


class Terminal:
    """A child process on a pty; :meth:`read` drains whatever it has written so far."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], size: tuple[int, int]) -> None:
        self.master, slave = os.openpty()
        columns, lines = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.received = 0

    def read(self, wait: float) -> bytes:
        """Everything written within ``wait`` seconds (returns early once it has some)."""
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return b""
        try:
            data = os.read(self.master, 1 << 16)
        except OSError:  # the child closed the pty
            return b""
        self.received += len(data)
        return data

    def drain_for(self, seconds: float) -> int:
        """Read (and count) everything written over ``seconds``."""
        count = 0
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            count += len(self.read(min(left, 0.05)))
        return count

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self, quit_keys: str = "q") -> None:
        """Quit the app with its own key, then make sure the process is gone."""
        with contextlib.suppress(OSError):
            self.send(quit_keys)
        end = time.perf_counter() + 5
        while self.process.poll() is None and time.perf_counter() < end:
            self.read(0.05)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.master)


@contextlib.contextmanager
def terminal(
    args: Sequence[str], size: tuple[int, int] = SIZE, *, truecolor: bool = True
) -> Iterator[Terminal]:
    """``python <args>`` in a fresh pty; ``{config}`` in ``args`` becomes an empty config.

    The terminal is closed (the app quit with ``q``) on the way out. ``truecolor=False``
    announces a 256-colour terminal (what an SSH session that drops ``COLORTERM`` gives).
    """
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-") as tmp:
        home = Path(tmp)
        config = home / "config.toml"
        config.write_text(config_text(home), encoding="utf-8")
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(size[0]),
            "LINES": str(size[1]),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
        }
        env.pop("TEXTUAL", None)
        env.pop("COLORTERM", None)
        if truecolor:
            env["COLORTERM"] = "truecolor"
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = _BYTECODE.name
        argv = [sys.executable, *(arg.replace("{config}", str(config)) for arg in args)]
        screen = Terminal(argv, env, size)
        try:
            yield screen
        finally:
            screen.close()
