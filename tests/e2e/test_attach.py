"""The real cockpit attached to a real guard: a position opened on screen outlives the screen."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cockpit.slices import GIVE_WAY_NS, SLICE_NS
from cockpit.ui.hangup import HUNG_UP
from tests.e2e.conftest import arm, ended, expect, holding, log_tail
from tests.e2e.terminal import DEADLINE_S, Terminal, cockpit_command
from tests.test_slices import kernel_has_custom_slices, slice_of

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def guard_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``cockpit guard ARGS`` as a trader types it in another terminal."""
    return subprocess.run(
        [*cockpit_command(), "guard", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
    )


@pytest.fixture
def guard_env(home: Path, isolated_env: Callable[..., dict[str, str]]) -> Iterator[dict[str, str]]:
    """A guard started in the background on a free loopback port; stopped at the end."""
    env = isolated_env()
    config = Path(env["XDG_CONFIG_HOME"]) / "cockpit" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[guard]\nport = {free_port()}\n", encoding="utf-8")
    started = guard_command(env, "start")
    assert started.returncode == 0, started.stderr + started.stdout
    try:
        yield env
    finally:
        guard_command(env, "stop")


def test_a_position_opened_on_an_attached_cockpit_outlives_the_cockpit(
    guard_env: dict[str, str], start_cockpit: Callable[..., Terminal]
) -> None:
    """`cockpit` finds the guard (SIM · GUARD), `a` `b` buys MNQ at the guard, `q` detaches
    saying the guard goes on, and `cockpit guard status` still shows MNQ +1."""
    term = start_cockpit(env=guard_env)
    expect(term, "SIM · GUARD" in term.screen.header, "SIM · GUARD in the header")
    arm(term)
    term.press("b")
    term.wait_for(holding("MNQ", 1), "MNQ +1 in the positions panel")
    term.press("q")
    expect(term, term.wait_exit() == 0, "q to detach with exit code 0")
    expect(term, "keeps running" in term.screen.text, "the detach line: the guard keeps running")
    status = guard_command(guard_env, "status")
    assert status.returncode == 0, status.stderr
    assert "MNQ +1" in status.stdout, status.stdout
    assert "running" in status.stdout


def test_f_on_an_attached_cockpit_goes_down_the_flatten_line_and_ends_flat(
    guard_env: dict[str, str], start_cockpit: Callable[..., Terminal], home: Path
) -> None:
    """`a` `b`, then `F` typed in the real terminal: the guard's log says the flatten came
    by the line, and the cockpit shows the guard's verified-flat result, once. Every thread
    of the screen gives way (a 20 ms slice); its key reader wakes first (0.1 ms)."""
    term = start_cockpit(env=guard_env)
    expect(term, "SIM · GUARD" in term.screen.header, "SIM · GUARD in the header")
    if kernel_has_custom_slices():  # the screen gives way; its key reader wakes first
        threads = Path(f"/proc/{term.process.pid}/task").iterdir()
        assert {slice_of(f"{term.process.pid}/task/{t.name}") for t in threads} == {GIVE_WAY_NS}
        (reader,) = key_readers(home)
        term.wait_for(lambda _: slice_of(str(reader)) == SLICE_NS, "the reader's short slice")
    arm(term)
    term.press("b")
    term.wait_for(holding("MNQ", 1), "MNQ +1 in the positions panel")
    term.drain_for(0.2)  # the line takes F only after a quiet moment
    term.press("F")
    term.wait_for(lambda screen: "verified flat" in screen.text, "the guard's verified flat")
    term.wait_for(holding("MNQ", 0), "MNQ gone from the positions panel")
    logs = "".join(path.read_text("utf-8") for path in home.rglob("cockpit.log*"))
    assert logs.count("by the line, ahead of its stream") == 1, logs[-2000:]
    term.drain_for(0.3)
    expect(term, term.screen.text.count("verified flat") == 1, "one flatten on the screen")
    term.press("q")
    expect(term, term.wait_exit() == 0, "q to detach with exit code 0")


def key_readers(home: Path) -> list[int]:
    """The key reader processes the cockpit's log says it started, in order."""
    logs = "".join(path.read_text("utf-8") for path in sorted(home.rglob("cockpit.log*")))
    return [int(pid) for pid in re.findall(r"key reader (\d+) reads the terminal", logs)]


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie left for a reaper does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_cockpit_whose_key_reader_dies_reads_its_own_keys_and_quits_clean(
    guard_env: dict[str, str], start_cockpit: Callable[..., Terminal], home: Path
) -> None:
    """The key reader killed mid-session: the cockpit reads the terminal itself, so `b`
    still buys and `F` still flattens (by the stream); `q` detaches and leaves no reader."""
    term = start_cockpit(env=guard_env)
    expect(term, "SIM · GUARD" in term.screen.header, "SIM · GUARD in the header")
    arm(term)
    (reader,) = key_readers(home)
    os.kill(reader, signal.SIGKILL)
    term.drain_for(0.3)
    term.press("b")
    term.wait_for(holding("MNQ", 1), "MNQ +1 in the positions panel")
    term.drain_for(0.2)
    term.press("F")
    term.wait_for(lambda screen: "verified flat" in screen.text, "the guard's verified flat")
    term.press("q")
    expect(term, term.wait_exit() == 0, "q to detach with exit code 0")
    assert key_readers(home) == [reader]
    assert not alive(reader)


def test_quitting_an_attached_cockpit_ends_its_key_reader(
    guard_env: dict[str, str], start_cockpit: Callable[..., Terminal], home: Path
) -> None:
    """`q` detaches, and the key reader that read the cockpit's terminal is gone with it
    (nothing is left reading the trader's shell)."""
    term = start_cockpit(env=guard_env)
    expect(term, "SIM · GUARD" in term.screen.header, "SIM · GUARD in the header")
    term.wait_for(lambda _screen: len(key_readers(home)) == 1, "the key reader's start")
    (reader,) = key_readers(home)
    assert alive(reader)
    term.press("q")
    expect(term, term.wait_exit() == 0, "q to detach with exit code 0")
    assert not alive(reader)


def test_an_attached_cockpit_whose_terminal_hangs_up_ends_and_the_guard_goes_on(
    guard_env: dict[str, str], start_cockpit: Callable[..., Terminal], home: Path
) -> None:
    """The terminal closed under an attached cockpit that gets no SIGHUP: the cockpit ends
    with SIGHUP's status within seconds (not a core spent reading nothing for good), its
    key reader too, and the guard runs on with the position."""
    term = start_cockpit(env=guard_env)
    expect(term, "SIM · GUARD" in term.screen.header, "SIM · GUARD in the header")
    arm(term)
    term.press("b")
    term.wait_for(holding("MNQ", 1), "MNQ +1 in the positions panel")
    (reader,) = key_readers(home)
    term.hang_up()
    assert ended(term) == HUNG_UP, log_tail(home)
    gone_by = time.monotonic() + DEADLINE_S  # the reader reads the end of the terminal too
    while alive(reader) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert not alive(reader)
    status = guard_command(guard_env, "status")
    assert "running" in status.stdout, status.stdout
    assert "MNQ +1" in status.stdout, status.stdout
