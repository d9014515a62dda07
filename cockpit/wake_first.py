"""Ask Linux to run a thread the moment it wakes: a short scheduler slice.

Linux's scheduler (EEVDF, kernel 6.6 and later) lets a running thread finish its slice
before one that just woke takes the core, unless the woken one asks for a shorter slice
(kernel 6.12 and later, ``sched_setattr`` with ``sched_runtime`` for an ordinary thread;
no privilege needed). The default slice on the 2-core VM was 1.4 ms, and the key reader,
woken by a key while the cockpit drew and the guard pumped quotes, waited up to 2.3-4.1
ms for a core; with a 0.1 ms slice, at most 0.3-0.9 ms (the reader's own timestamps,
added for the measurement only, in ``benchmarks/attach_terminal.py``'s runs of 120 keys).

Only a thread whose work on waking fits in the slice should ask: the key reader's is
tens of microseconds. A thread with more to do is worse off: it is put back in line
every 0.1 ms. The guard's loop tried it (a flatten is 0.3 ms of work that wakes the
cockpit as it goes) and its flattens got slower. A short slice does not give a thread
more of the core (its share is its weight, unchanged). On an older kernel, or another
system, this does nothing.
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
CALLS = {"x86_64": (314, 315), "aarch64": (274, 275)}
"""``sched_setattr`` and ``sched_getattr``'s numbers on the machines a VPS runs."""
SCHED_OTHER = 0
ATTR = struct.Struct("IIQiIQQQ")
"""``struct sched_attr`` as the kernel first defined it (48 bytes): size, policy, flags,
nice, priority, runtime, deadline, period."""


def wake_first() -> bool:
    """Give the calling thread (and the threads it starts later) a 0.1 ms slice; whether
    the kernel keeps it (an older kernel accepts the call and ignores the slice)."""
    calls = CALLS.get(platform.machine())
    if not sys.platform.startswith("linux") or calls is None:
        return False
    set_attr, get_attr = calls
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        nice = os.getpriority(os.PRIO_PROCESS, 0)  # kept as it is
        wanted = ctypes.create_string_buffer(
            ATTR.pack(ATTR.size, SCHED_OTHER, 0, nice, 0, SLICE_NS, 0, 0), ATTR.size
        )
        if libc.syscall(set_attr, 0, wanted, 0) != 0:
            log.info("no short slice: %s", os.strerror(ctypes.get_errno()))
            return False
        kept = ctypes.create_string_buffer(ATTR.size)
        if libc.syscall(get_attr, 0, kept, ATTR.size, 0) != 0:
            return False
    except (OSError, AttributeError) as exc:  # no C library to call
        log.info("no short slice: %s", exc)
        return False
    return bool(ATTR.unpack(kept.raw)[5] == SLICE_NS)
