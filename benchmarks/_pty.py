"""Run the cockpit in a real pseudo-terminal for a benchmark, away from the trader's files.

The pty driver itself is the end-to-end tests' (``tests/e2e/terminal.py``): one driver,
so what a benchmark measures is what those tests prove works. This module adds only what
a benchmark needs on top: an empty config file that keeps any journal in the scratch
folder, ``COLORTERM=truecolor`` by default, and compiled bytecode kept out of the source
tree (see ``_BYTECODE``). A benchmark reads and counts bytes; it never asks for the
screen, so the terminal emulator costs it nothing.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from benchmarks._session import config_text
from tests.e2e.terminal import SIZE, Terminal, isolated_env

__all__ = ["SIZE", "Terminal", "terminal"]

_BYTECODE = tempfile.TemporaryDirectory(prefix="cockpit-bench-pyc-")
"""Compiled bytecode of the children, shared by every start in this process: the first
start compiles (as the first run after a fresh clone does), the later ones reuse it,
whatever ``PYTHONDONTWRITEBYTECODE`` says, and the source tree stays untouched."""


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
        env = isolated_env(home, size, truecolor=truecolor, PYTHONPYCACHEPREFIX=_BYTECODE.name)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        argv = [sys.executable, *(arg.replace("{config}", str(config)) for arg in args)]
        screen = Terminal(argv, env, size)
        try:
            yield screen
        finally:
            screen.close(quit_keys="q")
