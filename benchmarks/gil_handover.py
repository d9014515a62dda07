"""How long a key waits for the GIL: the floor under ``attach_terminal``'s tail.

The terminal driver's input thread sleeps in ``select``; when a key arrives it needs the
GIL before it can parse it, and the loop's thread may be drawing a frame in Python. Here
another process writes a timestamp to a pipe at random moments; a thread of this
process, asleep in ``select``, reads it, while the main thread runs Python in 5 ms bursts
with 3 ms pauses (a frame, then a breath). The figure is the write-to-read time with the
switch interval the cockpit sets (``flatten_key.keys_first``), beside Python's default.
Nothing of the cockpit runs: this is the machine and the interpreter.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time

from benchmarks._common import Figure, percentile
from cockpit.ui.flatten_key import KEY_SWITCH_INTERVAL

KEYS = 300
TARGET_MS = 2.0
WRITER = """
import os, random, sys, time
rng = random.Random(2)
for _ in range(int(sys.argv[1])):
    time.sleep(rng.uniform(0.02, 0.06))
    os.write(1, repr(time.perf_counter()).encode().ljust(32))
"""


def handovers(interval: float) -> list[float]:
    """Write-to-read times (ms) of :data:`KEYS` keys with ``interval`` as switch interval."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(KEYS)], stdout=subprocess.PIPE)
    assert writer.stdout is not None
    fd = writer.stdout.fileno()
    waits: list[float] = []

    def read_keys() -> None:
        while len(waits) < KEYS:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            data = os.read(fd, 32)
            if not data:
                return
            waits.append((time.perf_counter() - float(data)) * 1000)

    reader = threading.Thread(target=read_keys)
    reader.start()
    try:
        while reader.is_alive():  # the loop's thread drawing frames
            start = time.perf_counter()
            total = 0
            while time.perf_counter() - start < 0.005:
                for i in range(200):
                    total += i
            time.sleep(0.003)
    finally:
        reader.join()
        writer.wait()
        sys.setswitchinterval(before)
    return waits


def run() -> Figure:
    cockpit = handovers(KEY_SWITCH_INTERVAL)
    default = handovers(0.005)
    p99 = percentile(cockpit, 99)
    return Figure(
        name="gil_handover",
        value=p99,
        unit="ms key-to-read p99 (a thread waiting for the GIL)",
        target=f"< {TARGET_MS:.0f} ms",
        met=p99 < TARGET_MS,
        detail=(
            f"switch interval {KEY_SWITCH_INTERVAL * 1000:.1f} ms: p50 "
            f"{percentile(cockpit, 50):.2f} ms, slowest {max(cockpit):.2f} ms; Python's "
            f"default 5 ms: p50 {percentile(default, 50):.2f} ms, p99 "
            f"{percentile(default, 99):.2f} ms, slowest {max(default):.2f} ms; {KEYS} keys "
            "each, the main thread running Python in 5 ms bursts"
        ),
    )


if __name__ == "__main__":
    print(run().line())
