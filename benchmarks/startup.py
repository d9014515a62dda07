"""Start-up: process start to the first frame that shows live prices.

``python -m cockpit`` (what ``uv run cockpit`` runs, minus uv's own check of the
environment) starts in a real 120x40 pseudo-terminal with an empty config. The clock
stops when the terminal output first holds the first watchlist row with a bid and an
ask (``MNQ  25306.75  25307.00``, escape sequences removed): that is the first frame
a trader can trade from. The first start, which may still compile bytecode after a
fresh clone, is reported apart and left out of the median.
"""

from __future__ import annotations

import re
import statistics
import time

from benchmarks._common import Figure
from benchmarks._pty import terminal

RUNS = 5
TARGET_S = 1.5
TIMEOUT_S = 20.0
ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
LIVE_PRICES = re.compile(rb"MNQ\s+\d[\d,]*\.\d+\s+\d[\d,]*\.\d+")
"""The first watchlist row with a bid and an ask."""


def one_start() -> float:
    """Seconds from process start to the first frame showing live prices."""
    with terminal(["-m", "cockpit", "--config", "{config}"]) as screen:
        seen = b""
        while (elapsed := time.perf_counter() - screen.started) < TIMEOUT_S:
            chunk = screen.read(0.05)
            if not chunk:
                if screen.process.poll() is not None:
                    break
                continue
            seen += chunk
            if LIVE_PRICES.search(ESCAPES.sub(b" ", seen)):
                return time.perf_counter() - screen.started
        text = ESCAPES.sub(b" ", seen).decode(errors="replace")[-500:]
        raise RuntimeError(f"no live prices after {elapsed:.1f} s; the terminal showed:\n{text}")


def run() -> Figure:
    first = one_start()
    seconds = [one_start() for _ in range(RUNS)]
    median = statistics.median(seconds)
    return Figure(
        name="startup",
        value=median * 1000,
        unit="ms to live prices",
        target=f"< {TARGET_S * 1000:,.0f} ms",
        met=median < TARGET_S,
        detail=(
            f"python -m cockpit in a 120x40 pty; median of {RUNS} starts "
            f"({', '.join(f'{s * 1000:,.0f}' for s in seconds)} ms); "
            f"first start {first * 1000:,.0f} ms"
        ),
    )


if __name__ == "__main__":
    print(run().line())
