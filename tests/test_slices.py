"""The scheduler slices: taken by a kernel that has them, skipped where there are none."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from cockpit import slices as module
from cockpit.slices import GIVE_WAY_NS, SLICE_NS, give_way, wake_first


def kernel_has_custom_slices() -> bool:
    """Linux 6.12 or later keeps an ordinary thread's own slice."""
    release = Path("/proc/sys/kernel/osrelease")
    if not release.exists():
        return False
    major, minor = (int(part) for part in release.read_text().split(".")[:2])
    return (major, minor) >= (6, 12)


def slice_of(task: str) -> int | None:
    """The slice the kernel shows for ``task`` (``self``, a pid), if it shows one."""
    for line in Path(f"/proc/{task}/sched").read_text().splitlines():
        if line.startswith("se.slice"):
            return int(line.split(":")[1])
    return None


def own_slice() -> int | None:
    """The calling thread's slice, as the kernel shows it."""
    return slice_of(f"self/task/{threading.get_native_id()}")


def in_a_thread(work: Callable[[], None]) -> None:
    """Run ``work`` in a new thread and wait for it."""
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


@pytest.mark.skipif(not kernel_has_custom_slices(), reason="a kernel before 6.12")
def test_a_thread_that_asks_gets_the_short_slice_and_only_it() -> None:
    """On Linux 6.12+, the asking thread's slice is 0.1 ms; the process's others keep theirs."""
    seen: dict[str, object] = {}

    def ask() -> None:
        seen["kept"] = wake_first()
        seen["slice"] = own_slice()

    in_a_thread(ask)
    assert seen == {"kept": True, "slice": SLICE_NS}
    assert slice_of("self") != SLICE_NS  # the main thread did not ask


@pytest.mark.skipif(not kernel_has_custom_slices(), reason="a kernel before 6.12")
def test_a_thread_that_gives_way_gets_the_long_slice_and_so_do_the_threads_it_starts() -> None:
    """A thread that gives way has a 20 ms slice, and a thread it starts after has it too
    (the attached cockpit asks before Textual starts its threads)."""
    seen: dict[str, object] = {}

    def ask() -> None:
        seen["kept"] = give_way()
        seen["slice"] = own_slice()
        in_a_thread(lambda: seen.update(child=own_slice()))

    in_a_thread(ask)
    assert seen == {"kept": True, "slice": GIVE_WAY_NS, "child": GIVE_WAY_NS}
    assert slice_of("self") != GIVE_WAY_NS  # the main thread did not ask


def test_a_machine_without_the_call_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a machine whose system call number is not known, nothing is called."""
    monkeypatch.setattr(module.platform, "machine", lambda: "sparc64")
    assert wake_first() is False
    assert give_way() is False
