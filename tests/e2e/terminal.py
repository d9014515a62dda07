"""A real terminal for the cockpit: a child process on a pseudo-terminal, and its screen.

The child gets a 120x40 pty on stdin, stdout and stderr and ``TERM=xterm-256color``, as
a trader's terminal gives it. Everything it writes is kept and, when asked, fed to a
terminal emulator (pyte), so a test reads the rendered screen a trader reads (header,
banner, panels, footer), never raw escape sequences. Feeding is lazy: a benchmark that
only counts bytes (``benchmarks/_pty.py`` drives the same class) pays nothing for it.

Waits are conditions with a generous deadline (:meth:`Terminal.wait_for`); a miss fails
with the whole screen in the message. Nothing here sleeps to synchronise.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parents[2]
SIZE = (120, 40)
"""Columns, lines: the size the cockpit is designed for."""
DEADLINE_S = 30.0
"""How long a wait may take before it fails; only ever reached when something is wrong."""
_POLL_S = 0.05

_BROKER_VARIABLES = ("PROJECT_X_", "PROJECTX_")
"""Prefixes of the live login and gateway variables: never inherited by a test child, so
nothing a test starts can reach a trader's real account."""


def cockpit_command() -> list[str]:
    """The ``cockpit`` console script a trader runs (``python -m cockpit`` without one)."""
    script = Path(sys.executable).with_name("cockpit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cockpit"]


def isolated_env(
    home: Path, size: tuple[int, int] = SIZE, *, truecolor: bool = False, **extra: str
) -> dict[str, str]:
    """The parent's environment with the child's own config, data and state dirs in
    ``home`` (never the user's), a terminal of ``size`` and no live login; ``extra`` last.

    ``truecolor`` adds ``COLORTERM=truecolor`` (what most modern terminals announce).
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_BROKER_VARIABLES) and name not in ("TEXTUAL", "COLORTERM")
    }
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(size[0]),
        LINES=str(size[1]),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    if truecolor:
        env["COLORTERM"] = "truecolor"
    env.update(extra)
    return env


_ASK_SYNC = b"\x1b[?2026$p"
"""Textual asks whether the terminal supports synchronized output (DECRQM, mode 2026)."""
_SYNC_SUPPORTED = b"\x1b[?2026;2$y"
"""The answer: supported (and off until a frame begins)."""
_SYNC_START, _SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"
"""Each frame is written between these, once the terminal said it supports them."""
_CLOCK = re.compile(r"(\d\d:\d\d:\d\d) CT")
_TIME = re.compile(r"\d\d:\d\d:\d\d ")
"""A fills & events row that starts an entry."""


class ScreenTimeout(AssertionError):
    """A wait ran past its deadline; the message holds the screen as it was."""


@dataclass(frozen=True)
class Screen:
    """One rendered screen, line by line, read the way a trader reads it."""

    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines)

    @property
    def header(self) -> str:
        return self.lines[0].strip()

    @property
    def footer(self) -> str:
        return self.lines[-1].strip()

    @property
    def clock(self) -> str | None:
        """The header's exchange time, ``HH:MM:SS``."""
        found = _CLOCK.search(self.header)
        return found.group(1) if found else None

    @property
    def last_event_second(self) -> str | None:
        """The ``HH:MM:SS`` of the newest fills & events entry (its continuation rows,
        where a narrow panel wraps it, carry no time)."""
        times = [line[:8] for line in self.events() if _TIME.match(line)]
        return times[-1] if times else None

    @property
    def banner(self) -> str:
        """The line between the header and the first panel; empty when hidden."""
        below_header = []
        for line in self.lines[1:]:
            if line.lstrip().startswith("╭"):
                break
            below_header.append(line.strip())
        return " ".join(part for part in below_header if part)

    def panel(self, title: str) -> list[str]:
        """The non-blank lines inside the box titled ``title`` (``[]`` when not shown)."""
        for top, line in enumerate(self.lines):
            left = line.find(f"╭─ {title} ─")
            if left < 0:
                continue
            right = line.find("╮", left)
            inside = []
            for row in self.lines[top + 1 :]:
                if row[left : left + 1] == "╰":
                    break
                content = row[left + 1 : right].strip()
                if content:
                    inside.append(content)
            return inside
        return []

    def rows(self, title: str) -> list[str]:
        """A blotter's rows: its panel without the column header (``SYM ...``)."""
        lines = self.panel(title)
        return lines[1:] if lines and lines[0].startswith("SYM") else lines

    def events(self) -> list[str]:
        """The visible lines of fills & events, oldest first."""
        return self.panel("fills & events")

    def events_since(self, earlier: Screen) -> list[str]:
        """Fills & events lines that appeared after ``earlier`` was read.

        The log scrolls up as lines are added, so the new lines are what follows the
        longest tail of the earlier lines that the current lines start with.
        """
        before, now = earlier.events(), self.events()
        for start in range(len(before) + 1):
            kept = before[start:]
            if now[: len(kept)] == kept:
                return now[len(kept) :]
        return now


class Terminal:
    """A child process on a pty; :meth:`read` drains what it wrote, :attr:`screen` shows it."""

    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        size: tuple[int, int] = SIZE,
        cwd: Path = ROOT,
    ) -> None:
        self.master, slave = os.openpty()
        columns, lines = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.argv = list(argv)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.received = 0
        """Bytes read from the child so far."""
        self._pyte = pyte.Screen(columns, lines)
        self._stream = pyte.ByteStream(self._pyte)
        self._unrendered = bytearray()
        self._closed = False
        self._hung_up = False

    # Reading ---------------------------------------------------------------------------

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
        seen = max(0, len(self._unrendered) - len(_ASK_SYNC) + 1)
        self._unrendered += data
        # Look at the new bytes only: a benchmark that never reads the screen lets
        # megabytes pile up here, and scanning them all on every read took a core.
        if self._unrendered.find(_ASK_SYNC, seen) != -1:  # answer as tmux or kitty does
            os.write(self.master, _SYNC_SUPPORTED)
            self._unrendered = self._unrendered.replace(_ASK_SYNC, b"")
        return data

    def drain_for(self, seconds: float) -> int:
        """Read (and count) everything written over ``seconds``."""
        count = 0
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            count += len(self.read(min(left, _POLL_S)))
        return count

    @property
    def screen(self) -> Screen:
        """The screen as a terminal shows it after everything read so far."""
        pending = self._unrendered
        if pending:
            # With synchronized output a frame is whole between its markers: show complete
            # frames only, as the terminal does, never half of one.
            started, ended = pending.rfind(_SYNC_START), pending.rfind(_SYNC_END)
            upto = started if started > ended else len(pending)
            self._stream.feed(bytes(pending[:upto]))
            del pending[:upto]
        return Screen(tuple(self._pyte.display))

    # Driving ---------------------------------------------------------------------------

    def send(self, keys: str) -> None:
        """Type ``keys`` (one write, as a fast typist's burst)."""
        os.write(self.master, keys.encode())

    def press(self, *keys: str) -> None:
        """Type each key in turn, one write per key."""
        for key in keys:
            self.send(key)

    def wait_for(
        self, condition: Callable[[Screen], object], what: str, within: float = DEADLINE_S
    ) -> Screen:
        """The first screen on which ``condition`` holds; fails after ``within`` seconds
        (or at once if the process ends) with ``what`` and the screen in the message."""
        deadline = time.perf_counter() + within
        while True:
            screen = self.screen
            if condition(screen):
                return screen
            if self.process.poll() is not None:
                self.read(0)  # the last frame it wrote
                self._fail(f"the process ended (exit code {self.process.returncode})", what)
            if time.perf_counter() > deadline:
                self._fail(f"no screen within {within:.0f} s", what)
            self.read(_POLL_S)

    def wait_for_text(self, text: str, within: float = DEADLINE_S) -> Screen:
        """The first screen showing ``text`` anywhere."""
        return self.wait_for(lambda screen: text in screen.text, f"{text!r} on screen", within)

    def wait_exit(self, within: float = DEADLINE_S) -> int:
        """The exit code, once the process ended by itself (reading its output meanwhile)."""
        deadline = time.perf_counter() + within
        while self.process.poll() is None:
            if time.perf_counter() > deadline:
                self._fail(f"still running after {within:.0f} s", "the process to exit")
            self.read(_POLL_S)
        return self.process.returncode

    def _fail(self, problem: str, what: str) -> None:
        raise ScreenTimeout(
            f"waiting for {what}: {problem}; {' '.join(self.argv)} showed:\n{self.screen.text}"
        )

    # Ending ----------------------------------------------------------------------------

    def hang_up(self) -> None:
        """Close the terminal under the child, as a dropped session or a shut window does
        (without the SIGHUP: the child was started in a session of its own). :meth:`close`
        still ends a child that outlives it."""
        if not self._hung_up:
            self._hung_up = True
            os.close(self.master)

    def close(self, quit_keys: str = "", grace: float = 5.0) -> None:
        """Type ``quit_keys`` (if any) and give the app ``grace`` seconds to quit by
        itself; then end its process group (SIGTERM, then SIGKILL). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if quit_keys and self.process.poll() is None and not self._hung_up:
            with contextlib.suppress(OSError):
                self.send(quit_keys)
            end = time.perf_counter() + grace
            while self.process.poll() is None and time.perf_counter() < end:
                self.read(_POLL_S)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if not self._hung_up:
            os.close(self.master)
