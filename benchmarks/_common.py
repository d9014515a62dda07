"""What every benchmark prints: the figure, its target, and whether it met it."""

from __future__ import annotations

import contextlib
import gc
import platform
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psutil

from cockpit.core.memory import settle


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str
    met: bool
    detail: str = ""

    def line(self) -> str:
        verdict = "MET" if self.met else "MISSED"
        extra = f"  ({self.detail})" if self.detail else ""
        return f"{self.name}: {self.value:,.2f} {self.unit}  target {self.target}  {verdict}{extra}"


def median_of(runs: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    """Median of several runs (machines are noisy), with every run for the record."""
    values = [measure() for _ in range(runs)]
    return statistics.median(values), values


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def machine() -> str:
    """The machine a figure was taken on, for the README table."""
    cores = psutil.cpu_count(logical=True)
    return f"{platform.machine()} {cores} cores, Python {platform.python_version()}"


@contextlib.contextmanager
def harness_heap_frozen() -> Iterator[None]:
    """The harness's own start-up objects out of its collector's sight while it measures.

    A harness that keys a cockpit stands in for a terminal, which has no collector. Its
    full collections walked everything it had imported and held a core for 1-2 ms at
    random moments (``perf sched`` showed one right after an ``F``, while the guard
    waited for a core): the harness measuring itself. The cockpit and the guard freeze
    their own start-up objects the same way.
    """
    settle()
    try:
        yield
    finally:
        gc.unfreeze()
