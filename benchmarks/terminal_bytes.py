"""Terminal bytes: what the cockpit writes to a real terminal per second of a live tape.

That is what an SSH link carries. The real app runs in a 120x40 pseudo-terminal
(truecolor; one more run as a 256-colour terminal, see _pty) on a tape paced in real
time: 60 quotes and 24 prints a second over four instruments (the synthetic market's
mix of one print per 2.5 quotes), via ``benchmarks._paced_app``. The first seconds
(start-up and the first full paint) are skipped; then every byte read from the master
side over ten seconds is counted.
"""

from __future__ import annotations

import statistics

from benchmarks._common import Figure
from benchmarks._pty import terminal

QUOTES = 60
PRINTS = 24
SYMBOLS = "MNQ,MES,M2K,MYM"
WARMUP_S = 3.0
MEASURE_S = 10.0
RUNS = 3
TARGET = 30 * 1024


def one_run(truecolor: bool = True) -> float:
    """Bytes a second written to the terminal once the screen is up."""
    args = ["-m", "benchmarks._paced_app", "--config", "{config}"]
    args += ["--quotes", str(QUOTES), "--prints", str(PRINTS), "--symbols", SYMBOLS]
    with terminal(args, truecolor=truecolor) as screen:
        screen.drain_for(WARMUP_S)
        if screen.process.poll() is not None:
            raise RuntimeError(f"the app exited with {screen.process.returncode}")
        return screen.drain_for(MEASURE_S) / MEASURE_S


def run() -> Figure:
    rates = [one_run() for _ in range(RUNS)]
    rate = statistics.median(rates)
    colours_256 = one_run(truecolor=False)
    return Figure(
        name="terminal_bytes",
        value=rate / 1024,
        unit="KB/s to the terminal",
        target=f"< {TARGET // 1024} KB/s",
        met=rate < TARGET,
        detail=(
            f"{QUOTES} quotes + {PRINTS} prints/s over {SYMBOLS} in a 120x40 truecolor pty, "
            f"{MEASURE_S:.0f} s after {WARMUP_S:.0f} s of start-up; median of {RUNS} runs "
            f"({', '.join(f'{r / 1024:.1f}' for r in rates)} KB/s); "
            f"a 256-colour terminal: {colours_256 / 1024:.1f} KB/s (one run)"
        ),
    )


if __name__ == "__main__":
    print(run().line())
