"""The real ``cockpit`` command in a real terminal, and what a trader does with it.

Each test starts the console entry point in a 120x40 pty with its own config, data and
state dirs under the test's tmp folder, waits for the account to be read (``SYNCED``),
then types keys and reads the screen. The demo runs on the wall clock with the synthetic
market pumping, so every wait is "until the screen shows X" with a generous deadline;
what was on screen is in every failure message.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.terminal import DEADLINE_S, Screen, ScreenTimeout, Terminal, cockpit_command
from tests.e2e.terminal import isolated_env as _isolated_env

POSITIONS = "positions"
ORDERS = "working orders"


def synced(screen: Screen) -> bool:
    """The broker's orders, positions and account have been read: keys can trade."""
    return any(" SYNCED " in line for line in screen.events())


def position(screen: Screen, symbol: str) -> int:
    """The signed size the positions panel shows for ``symbol`` (0 when no row)."""
    for row in screen.rows(POSITIONS):
        fields = row.split()
        if fields[0] == symbol:
            return int(fields[1])
    return 0


def holding(symbol: str, size: int) -> Callable[[Screen], bool]:
    """A wait condition: the positions panel shows ``symbol`` at ``size``."""
    return lambda screen: position(screen, symbol) == size


def expect(term: Terminal, ok: bool, what: str) -> None:
    """Fail with the screen when ``ok`` is false."""
    if not ok:
        raise AssertionError(f"expected {what}; the screen showed:\n{term.screen.text}")


def ended(term: Terminal) -> int | None:
    """The child's exit status once it ends by itself within the deadline (None if not)."""
    try:
        return term.process.wait(DEADLINE_S)
    except subprocess.TimeoutExpired:
        return None


def log_tail(home: Path, lines: int = 30) -> str:
    """The end of the cockpit's log under ``home``, for a failure's message."""
    logs = sorted(home.rglob("cockpit.log"))
    return "\n".join(logs[0].read_text("utf-8").splitlines()[-lines:]) if logs else "(no log)"


def arm(term: Terminal) -> None:
    """``a``: the footer says ARMED in words."""
    term.press("a")
    term.wait_for(lambda screen: "● ARMED" in screen.footer, "the footer to say ● ARMED")


def denials(lines: list[str]) -> list[str]:
    """The fills & events lines saying an order was denied or a flatten did not end flat."""
    return [line for line in lines if " DENIED " in line or " NOT FLAT " in line]


def fresh_second(term: Terminal) -> Screen:
    """Wait until the header clock has moved past the newest fills & events line.

    Lines carry the time to the second, and two fills in one second can read the same:
    starting each round in a fresh second makes every line it adds differ from every line
    already shown, so "what appeared since" is never ambiguous.
    """
    return term.wait_for(
        lambda s: _later(s.clock, s.last_event_second),
        "the clock to move past the newest fills & events line",
    )


def _later(clock: str | None, event: str | None) -> bool:
    """Whether ``HH:MM:SS`` ``clock`` is past ``event`` (across midnight too)."""
    if clock is None:
        return False
    if event is None:
        return True

    def seconds(text: str) -> int:
        hours, minutes, secs = (int(part) for part in text.split(":"))
        return hours * 3600 + minutes * 60 + secs

    return 0 < (seconds(clock) - seconds(event)) % 86_400 < 43_200


def flatten_verified(term: Terminal) -> Screen:
    """``F``, then the outcome a trader reads (see :func:`wait_verified_flat`)."""
    before = fresh_second(term)
    term.press("F")
    return wait_verified_flat(term, before)


def wait_verified_flat(term: Terminal, before: Screen) -> Screen:
    """The flatten's outcome since ``before``: "verified flat" in fills & events, no
    position, no working order, no denial, no banner saying the flatten failed."""

    def ended(screen: Screen) -> bool:
        new = screen.events_since(before)
        verified = any(" FLAT ✓ " in line and "verified flat" in line for line in new)
        emptied = not screen.rows(POSITIONS) and not screen.rows(ORDERS)
        return (verified and emptied) or bool(denials(new))

    screen = term.wait_for(ended, '"verified flat" with positions and working orders empty')
    new = screen.events_since(before)
    expect(term, not denials(new), f"no denial and no NOT FLAT, got {denials(new)}")
    expect(term, "FLATTEN NOT VERIFIED" not in screen.banner, "no flatten warning in the banner")
    return screen


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The trader's home for this test: config, data and state dirs live here."""
    return tmp_path


@pytest.fixture
def isolated_env(home: Path) -> Callable[..., dict[str, str]]:
    """The environment of a child of this test (``extra`` variables last)."""
    return lambda **extra: _isolated_env(home, **extra)


@pytest.fixture
def start_cockpit(isolated_env: Callable[..., dict[str, str]]) -> Iterator[Callable[..., Terminal]]:
    """Start ``cockpit ARGS`` in a pty and wait until it has read the account.

    Every terminal started is ended when the test ends (its process group killed if the
    test left it running).
    """
    started: list[Terminal] = []

    def start(
        *args: str, env: dict[str, str] | None = None, within: float = DEADLINE_S
    ) -> Terminal:
        term = Terminal([*cockpit_command(), *args], env or isolated_env())
        started.append(term)
        term.wait_for(synced, "SYNCED in fills & events (the account read)", within)
        return term

    yield start
    for term in started:
        term.close()


@dataclass
class Gateway:
    """``cockpit gateway`` on a free loopback port, with its admin endpoint."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def fault(self, **fault: object) -> None:
        """Post a fault (docs/live.md) to the running emulator."""
        request = urllib.request.Request(
            f"{self.url}/admin/faults", data=json.dumps(fault).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=DEADLINE_S) as answer:
            assert answer.status == 200, answer.read()

    def login_env(self) -> dict[str, str]:
        """What a trader exports to point the cockpit at this emulator (docs/live.md)."""
        return {
            "PROJECTX_GATEWAY": self.url,
            "PROJECT_X_USERNAME": "demo",
            "PROJECT_X_API_KEY": "emulator-demo-key",
            "PROJECT_X_ACCOUNT_NAME": "PRACTICE-50K",
        }


GATEWAY_SYMBOLS = "MNQ,MES"


@pytest.fixture
def gateway(home: Path, isolated_env: Callable[..., dict[str, str]]) -> Iterator[Gateway]:
    """The Gateway emulator as a trader starts it in another terminal (``--port 0``)."""
    log = home / "gateway.log"
    argv = [*cockpit_command(), "gateway", "--port", "0", "--quiet", "--symbols", GATEWAY_SYMBOLS]
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=isolated_env(PYTHONUNBUFFERED="1")
        )
    try:
        url = _gateway_url(process, log)
        yield Gateway(process, url, log)
    finally:
        process.terminate()
        try:
            process.wait(DEADLINE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _gateway_url(process: subprocess.Popen[bytes], log: Path) -> str:
    """The URL from the emulator's first line ("... emulator on http://127.0.0.1:PORT ...")."""
    deadline = time.perf_counter() + DEADLINE_S
    while process.poll() is None and time.perf_counter() < deadline:
        line, newline, _ = log.read_text(encoding="utf-8", errors="replace").partition("\n")
        urls = [word for word in line.split() if word.startswith("http://127.0.0.1:")]
        if newline and urls:
            return urls[0]
        time.sleep(0.05)  # a file has no "changed" signal: poll it, bounded by the deadline
    raise ScreenTimeout(
        f"cockpit gateway printed no URL (exit code {process.poll()}):\n"
        + log.read_text(encoding="utf-8", errors="replace")
    )
