"""Guard at rest: 100 idle WebSocket clients and 10 subscribed to everything, at normal
market rates. The figure is the guard process's CPU share of one core.

The guard runs on the wall clock with the paper market pumping as the demo does (its
synthetic market in real time, the journal on); the 110 clients live in a second process
(their work is not the guard's). After they connect, the guard's CPU time (user + system,
``psutil``) is read over ``SECONDS`` of wall time. The same guard with no client at all
is measured first, so the note can say what the API itself costs.
"""

from __future__ import annotations

import asyncio
import time

import psutil

from benchmarks._common import Figure
from benchmarks._guard_api import served_guard, start_clients
from cockpit.core import loop as cockpit_loop
from cockpit.guard.reads_between import guard_loop

IDLE = 100
SUBSCRIBED = 10
SECONDS = 20.0
TARGET_PCT = 10.0


async def cpu_share(seconds: float) -> float:
    """The percentage of one core this process used over ``seconds`` of wall time."""
    process = psutil.Process()
    before = process.cpu_times()
    start = time.monotonic()
    await asyncio.sleep(seconds)
    after = process.cpu_times()
    used = (after.user - before.user) + (after.system - before.system)
    return 100 * used / (time.monotonic() - start)


async def measure() -> tuple[float, float, dict[str, int]]:
    async with served_guard(pump=True) as served:
        await asyncio.sleep(2.0)  # past the start's history and first quotes
        alone = await cpu_share(SECONDS)
        clients = await start_clients(served.url, SUBSCRIBED, IDLE)
        await asyncio.sleep(2.0)  # past the snapshots
        served_share = await cpu_share(SECONDS)
        result = await clients.finish()
    return alone, served_share, result["counts"]


def run() -> Figure:
    alone, served, counts = cockpit_loop.run(measure(), base=guard_loop)
    quotes = counts.get("MarketQuote", 0) / SUBSCRIBED
    detail = (
        f"{alone:.1f}% with no client; {IDLE} idle + {SUBSCRIBED} subscribed clients, "
        f"each subscribed client got {quotes:,.0f} quotes"
    )
    return Figure(
        f"guard_idle ({IDLE} idle + {SUBSCRIBED} subscribed /ws clients, the demo market)",
        served,
        "% of a core",
        f"< {TARGET_PCT:g}%",
        served < TARGET_PCT,
        detail,
    )


if __name__ == "__main__":
    print(run().line())
