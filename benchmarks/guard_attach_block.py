"""The guard's loop while cockpits attach: its longest block (a flatten arriving then
waits that long before the engine sees it).

The guard runs as ``cockpit guard run`` runs it: the paper demo on the wall clock, its
market pumping, history bars loaded (a snapshot is about 1.2 MB, mostly bars), its
``/stream`` on a loopback port. A watcher task on the guard's loop asks to wake every
millisecond and records how late it woke: the longest lateness is the loop's longest
block, and the CPU time its thread used meanwhile is that block's own work (other
processes on a shared machine delay the wake, never add to the CPU time). Cockpits
attach from a second process (their decoding is not the guard's work):
each opens ``/stream``, reads its snapshot and leaves, ``ATTACHES`` times. The same
guard with no cockpit attaching is watched first, for comparison.

A shared machine wakes the loop late for reasons of its own, so the detail also gives
the snapshot's own work in CPU time (``time.thread_time``, blind to other processes):
the whole snapshot encoded at once (what a cockpit attaching cost the loop before) and
the longest piece the loop now runs without a turn (the capture, one timeframe's bars,
the final pack).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from benchmarks._common import Figure, percentile
from benchmarks._session import bench_session
from cockpit.config import Settings
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import WallClock
from cockpit.guard.daemon import Guard
from cockpit.guard.reads_between import guard_loop
from cockpit.guard.snapshot import encode_state
from cockpit.guard.stream import STREAM_HUB, STREAM_PATH, StreamHub
from cockpit.guard.web import build_web_app
from cockpit.guard.wire import pack
from cockpit.journal.codec import dumps

TOKEN = "benchmark-token"
ATTACHES = 20
QUIET_SECONDS = 5.0
TARGET_MS = 5.0
TICK = 0.001
WORK_RUNS = 5


class LoopWatch:
    """How late the loop wakes a task that asks to sleep :data:`TICK` s, over and over."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self.busy: list[float] = []
        """CPU time the loop's thread spent between two wakes (other processes aside)."""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.lateness = []
        self.busy = []
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def stop(self) -> tuple[list[float], list[float]]:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return self.lateness, self.busy

    async def _watch(self) -> None:
        while True:
            asked = time.perf_counter()
            used = time.thread_time()
            await asyncio.sleep(TICK)
            self.lateness.append(time.perf_counter() - asked - TICK)
            self.busy.append(time.thread_time() - used)


async def attach_many(port: int, count: int) -> None:
    """The cockpits' side (a child process): open /stream, read the snapshot, leave."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = f"http://127.0.0.1:{port}{STREAM_PATH}"
    async with aiohttp.ClientSession() as http:
        for _ in range(count):
            async with http.ws_connect(url, headers=headers, max_msg_size=0) as ws:
                frame = await ws.receive(timeout=60)
                assert frame.type is aiohttp.WSMsgType.BINARY, frame
            await asyncio.sleep(0.05)


def cpu_ms(work: Callable[[], object]) -> float:
    start = time.thread_time()
    work()
    return (time.thread_time() - start) * 1000


def snapshot_work(hub: StreamHub) -> tuple[float, float]:
    """(the whole snapshot at once, the longest piece now run without a turn) in CPU ms."""
    whole = cpu_ms(lambda: pack(hub.snapshot_message()))
    pieces = [cpu_ms(hub.snapshot_now)]
    message, bars = hub.snapshot_now()
    encoded: dict[str, Any] = {}
    for symbol, book in bars.items():
        series: dict[str, orjson.Fragment] = {}
        for label, one in book.series.items():
            start = time.thread_time()
            series[label] = orjson.Fragment(dumps(one.encoded()))
            pieces.append((time.thread_time() - start) * 1000)
        encoded[symbol] = {"series": series, "loaded_from": book.loaded_from}
    message[1]["state"]["bars"] = encoded
    pieces.append(cpu_ms(lambda: pack(message)))
    return whole, max(pieces)


Watched = tuple[list[float], list[float]]


async def measure() -> tuple[Watched, Watched, int, list[tuple[float, float]]]:
    session = bench_session(Settings(), clock=WallClock(), pump=True)
    guard = Guard(session, token=TOKEN)
    await guard.start()
    app = build_web_app(guard)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    watch = LoopWatch()
    try:
        await asyncio.sleep(2.0)  # past the start's history and first quotes
        watch.start()
        await asyncio.sleep(QUIET_SECONDS)
        quiet = await watch.stop()
        watch.start()
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.guard_attach_block", "--attach", str(port)
        )
        assert await child.wait() == 0, "the attaching process failed"
        attaching = await watch.stop()
        size = len(dumps(encode_state(session.state)))
        work = [snapshot_work(app[STREAM_HUB]) for _ in range(WORK_RUNS)]
    finally:
        await runner.cleanup()
        await guard.stop()
    return quiet, attaching, size, work


def run() -> Figure:
    measured = cockpit_loop.run(measure(), base=guard_loop)
    (quiet, quiet_busy), (attaching, busy), size, work = measured
    whole = statistics.median(w for w, _ in work)
    piece = statistics.median(p for _, p in work)
    worst = max(busy) * 1000
    detail = (
        f"{ATTACHES} attaches of a {size / 1e6:.2f} MB snapshot; with none attaching "
        f"{max(quiet_busy) * 1000:.2f} ms; wall-clock lateness (other processes included) "
        f"max {max(attaching) * 1000:.2f} ms, p99 {percentile(attaching, 99) * 1000:.2f} ms "
        f"(none attaching: max {max(quiet) * 1000:.2f} ms); the snapshot's own work: "
        f"{whole:.2f} ms at once, its longest piece without a turn {piece:.2f} ms"
    )
    return Figure(
        "guard_attach_block (the guard loop's longest busy stretch, CPU time, while "
        "cockpits attach)",
        worst,
        "ms",
        f"< {TARGET_MS:g} ms",
        worst < TARGET_MS,
        detail,
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--attach":
        cockpit_loop.run(attach_many(int(sys.argv[2]), ATTACHES))
    else:
        print(run().line())
