"""Flatten in the guard: ``guard.flatten_all()`` to every cancel and close request.

The guard hosts the session as ``cockpit guard run`` does (the paper broker pumping its
synthetic market on the wall clock, the 1 Hz tick running, the journal on, the audit
log written), with no renderer sharing its loop. Before each flatten, three positions
(MNQ +2, MES -1, MGC +1) and three resting orders (M2K, MYM, MCL) are opened through the
guard; the figure is the time from the call to the last cancel or close request
reaching the broker (``cancel_order`` and ``close_position`` wrapped), once the flatten
has verified flat. Key-less: an attached cockpit's ``F`` adds the socket hop on top.
"""

from __future__ import annotations

import asyncio
import os
import random
import time

from benchmarks._common import Figure
from benchmarks._guard_child import BOOK
from benchmarks._headless import BrokerProbe
from benchmarks._session import bench_session, scratch
from benchmarks.flatten import FlattenRun, FlattenWatch, summarize
from cockpit.config import Settings
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import WallClock
from cockpit.core.commands import SetArmed
from cockpit.guard.audit import Audit
from cockpit.guard.daemon import Guard
from cockpit.guard.reads_between import guard_loop

RUNS = 5
FLATTENS = 100
TARGET_MS = 2.0


async def one_run(seed: int) -> FlattenRun:
    session = bench_session(Settings(), clock=WallClock(), pump=True)
    guard = Guard(session, token="bench")
    audit = Audit(scratch() / f"guard-{seed}")
    audit.attach(guard)
    rng = random.Random(seed)
    last: list[float] = []
    first: list[float] = []
    requests: list[int] = []
    flat = 0
    await guard.start()
    guard.submit(SetArmed(armed=True))
    probe = BrokerProbe(session.broker, "cancel_order", "close_position")
    watch = FlattenWatch()
    session.engine.watchers.append(watch)
    for _ in range(FLATTENS):
        for command in BOOK:
            await guard.submit(command).done()
        await asyncio.sleep(rng.uniform(0.02, 0.06))  # the market moves between flattens
        probe.clear()
        watch.completed.clear()
        sent = time.perf_counter()
        guard.flatten_all()
        await asyncio.wait_for(watch.completed.wait(), 15)
        times = [at for _, at in probe.calls]
        last.append((max(times) - sent) * 1000)
        first.append((min(times) - sent) * 1000)
        requests.append(len(times))
        flat += guard.state.is_flat()
    await guard.stop()
    audit.close()
    return FlattenRun(last, first, requests, flat)


def run() -> Figure:
    runs = [cockpit_loop.run(one_run(seed), base=guard_loop) for seed in range(RUNS)]
    sums = summarize(runs)
    p99, p50, first, requests, flat = sums.p99, sums.p50, sums.first, sums.requests, sums.flat
    flattens = RUNS * FLATTENS
    return Figure(
        name="guard_flatten",
        value=p99,
        unit="ms flatten_all-to-last-request p99",
        target=f"< {TARGET_MS:.0f} ms (in the guard, key-less, paper broker)",
        met=p99 < TARGET_MS and flat == flattens,
        detail=(
            f"p50 {p50:.3f} ms, first request p50 {first:.3f} ms, {requests:.0f} requests "
            f"per flatten, {flat}/{flattens} verified flat; median of {RUNS} runs of "
            f"{FLATTENS}; p99 per run "
            f"{', '.join(f'{p:.3f}' for p in sums.per_run_p99)} ms; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        ),
    )


if __name__ == "__main__":
    print(run().line())
