"""Ask Linux for a thread's scheduler slice: short to be run the moment it wakes, long to
give way to every thread that wakes.

Linux's scheduler (EEVDF, kernel 6.6 and later) lets a running thread finish its slice
before one that just woke takes the core, unless the woken one asks for a shorter slice
than the running one's (kernel 6.12 and later, ``sched_setattr`` with ``sched_runtime``
for an ordinary thread; no privilege needed). Threads and processes started later keep
the slice of the thread that started them. The default slice on the 2-core VM was 1.4 ms,
and until the scheduler's next tick (4 ms apart there) nothing that woke could take a
running thread's core.

- :func:`wake_first` (0.1 ms) is for a thread whose work on waking fits in the slice: the
  key reader's is tens of microseconds. Woken by a key while the cockpit drew and the
  guard pumped quotes, it waited up to 2.3-4.1 ms for a core; with the short slice, at
  most 0.3-0.9 ms (``benchmarks/attach_terminal.py``'s runs of 120 keys). A thread with
  more to do is worse off: it is put back in line every 0.1 ms. The guard's loop tried
  it (a flatten is 0.3 ms of work that wakes the cockpit as it goes) and its flattens got
  slower.
- :func:`give_way` (20 ms) is for a process whose work can wait a moment: the attached
  cockpit, which only draws. Every thread that wakes with the default slice then takes
  its core at once: the guard woken by a flatten, the key reader, and the kernel's worker
  that passes a terminal's keys on (which no one can give a short slice). In interleaved
  ``attach_terminal`` runs, 1,640 flattens each way, flattens over 2 ms went from 35 to 18
  (docs/benchmarks.md).

Neither gives a thread more or less of the core (its share is its weight, unchanged). On
an older kernel, or another system, they do nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import struct
import sys

log = logging.getLogger(__name__)

SLICE_NS = 100_000
"""The shortest slice Linux allows an ordinary thread (0.1 ms)."""
GIVE_WAY_NS = 20_000_000
"""A slice far longer than the default (1.4 ms on two cores, 2.8 ms on eight or more):
what wakes with the default slice asks for less, so it takes the core."""
CALLS = {"x86_64": (314, 315), "aarch64": (274, 275)}
"""``sched_setattr`` and ``sched_getattr``'s numbers on the machines a VPS runs."""
SCHED_OTHER = 0
ATTR = struct.Struct("IIQiIQQQ")
"""``struct sched_attr`` as the kernel first defined it (48 bytes): size, policy, flags,
nice, priority, runtime, deadline, period."""


def wake_first() -> bool:
    """Give the calling thread (and what it starts later) a 0.1 ms slice; whether the
    kernel keeps it (an older kernel accepts the call and ignores the slice)."""
    return ask_slice(SLICE_NS)


def give_way() -> bool:
    """Give the calling thread (and what it starts later) a 20 ms slice, so whatever wakes
    takes its core; whether the kernel keeps it."""
    return ask_slice(GIVE_WAY_NS)


def ask_slice(nanoseconds: int) -> bool:
    """Ask for this slice for the calling thread; whether the kernel keeps it."""
    calls = CALLS.get(platform.machine())
    if not sys.platform.startswith("linux") or calls is None:
        return False
    set_attr, get_attr = calls
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        nice = os.getpriority(os.PRIO_PROCESS, 0)  # kept as it is
        wanted = ctypes.create_string_buffer(
            ATTR.pack(ATTR.size, SCHED_OTHER, 0, nice, 0, nanoseconds, 0, 0), ATTR.size
        )
        if libc.syscall(set_attr, 0, wanted, 0) != 0:
            log.info("no %d µs slice: %s", nanoseconds // 1000, os.strerror(ctypes.get_errno()))
            return False
        kept = ctypes.create_string_buffer(ATTR.size)
        if libc.syscall(get_attr, 0, kept, ATTR.size, 0) != 0:
            return False
    except (OSError, AttributeError) as exc:  # no C library to call
        log.info("no %d µs slice: %s", nanoseconds // 1000, exc)
        return False
    return bool(ATTR.unpack(kept.raw)[5] == nanoseconds)
