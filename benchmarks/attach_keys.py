"""Keys in an attached cockpit: ``b``/``s`` to the order request at the guard's broker,
and ``F`` to every cancel and close request there.

The guard runs as ``cockpit guard run`` runs it, in a child process
(:mod:`benchmarks._guard_child`); the cockpit is the real app, headless at 120x40,
attached over the native stream. Keys are posted the way the terminal driver posts them
(``driver.send_message``). A figure is when the request reached the guard's broker minus
the moment the key was posted. Before each ``F`` three positions and three resting
orders are opened through the cockpit and seen in its replica. Posted on the cockpit's
loop (there is no input thread here), ``F`` goes by the stream alone: the flatten line
(:mod:`cockpit.guard.line`) is for a key read by the terminal driver's thread, and
``attach_terminal`` measures it, with the cockpit in a real pseudo-terminal. The figure
is a p99 over the flattens of every run together.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks._common import Figure, percentile
from benchmarks._guard_child import BOOK, GuardProcess, open_instruments
from benchmarks._headless import headless, press_now
from cockpit.config import Settings
from cockpit.core import loop as cockpit_loop
from cockpit.core.commands import SetArmed
from cockpit.core.events import FlattenCompleted
from cockpit.guard.attached import attach
from cockpit.slices import give_way
from cockpit.ui.app import make_app
from cockpit.ui.flatten_key import keys_first

RUNS = 3
KEYS = 100
FLATTENS = 40
KEY_TARGET_MS = 10.0
FLATTEN_TARGET_MS = 2.0


async def until(condition: Callable[[], bool], within: float = 15.0) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the guard is another thread: poll it
            await asyncio.sleep(0.002)


@dataclass(frozen=True)
class AttachRun:
    key_ms: list[float]
    flatten_ms: list[float]
    gates_ms: list[float]
    """Of ``flatten_ms``: from the key to the flatten at the guard's gates."""
    guard_ms: list[float]
    """Of ``flatten_ms``: from the flatten at the guard's gates to the last request."""
    requests: list[int]
    by_line: int
    """Flattens the line carried (the rest went by the stream alone)."""


async def one_run() -> AttachRun:
    guard = await GuardProcess.start()
    try:
        return await _measure(guard)
    finally:
        await guard.stop()


async def _measure(guard: GuardProcess) -> AttachRun:
    session = await attach(Settings(), guard.address, guard.token)
    app = make_app(session)
    state = session.state
    keys: list[float] = []
    flattens: list[float] = []
    inside: list[float] = []
    gates: list[float] = []
    requests: list[int] = []
    completed: list[FlattenCompleted] = []
    session.engine.listeners.append(
        lambda event: completed.append(event) if isinstance(event, FlattenCompleted) else None
    )
    async with headless(app) as pilot:
        await until(lambda: state.reconciled and bool(state.quotes))
        session.engine.submit(SetArmed(armed=True))
        await until(lambda: state.armed)
        for n in range(KEYS):
            key, size = ("b", 1) if n % 2 == 0 else ("s", 0)
            seen = len(guard.calls)
            await pilot.pause(0.01)
            sent = time.perf_counter()
            press_now(app, key)
            await until(lambda n=seen: len(guard.calls) > n)  # type: ignore[misc]
            keys.append((guard.calls[seen:][0][1] - sent) * 1000)
            await until(lambda s=size: state.position_size("MNQ") == s)  # type: ignore[misc]
        for _ in range(FLATTENS):
            booked = len(guard.calls)
            for command in BOOK:
                session.engine.submit(command)
            await until(lambda: not state.pending and open_instruments(state) == len(BOOK))
            await until(lambda n=booked: len(guard.calls) >= n + len(BOOK))  # type: ignore[misc]
            await pilot.pause(0.02)
            seen = len(guard.calls)
            submits = len(guard.submits)
            ended = len(completed)
            sent = time.perf_counter()
            press_now(app, "F")
            await until(lambda e=ended: len(completed) > e and state.is_flat())  # type: ignore[misc]
            await until(lambda n=seen: len(guard.calls) >= n + len(BOOK))  # type: ignore[misc]
            calls = guard.calls[seen:]
            last = max(at for _, at in calls)
            at_gates = guard.submits[submits]
            flattens.append((last - sent) * 1000)
            gates.append((at_gates - sent) * 1000)
            inside.append((last - at_gates) * 1000)
            requests.append(len(calls))
        by_line = app.flatten_road.by_line
        await session.stop()
    return AttachRun(keys, flattens, gates, inside, requests, by_line)


def run() -> Figure:
    keys_first()  # as ``cockpit attach`` starts (``cli/attach.py`` ``run_attached``)
    give_way()
    runs = [cockpit_loop.run(one_run()) for _ in range(RUNS)]
    keys = [ms for r in runs for ms in r.key_ms]
    flattens = [ms for r in runs for ms in r.flatten_ms]
    gates = [ms for r in runs for ms in r.gates_ms]
    inside = [ms for r in runs for ms in r.guard_ms]
    key_p99, key_p50 = percentile(keys, 99), percentile(keys, 50)
    flat_p99, flat_p50 = percentile(flattens, 99), percentile(flattens, 50)
    requests = statistics.median(n for r in runs for n in r.requests)
    by_line = sum(r.by_line for r in runs)
    return Figure(
        name="attach_keys",
        value=flat_p99,
        unit="ms F-to-last-request p99 (attached)",
        target=f"< {FLATTEN_TARGET_MS:.0f} ms; b/s-to-order p99 < {KEY_TARGET_MS:.0f} ms",
        met=flat_p99 < FLATTEN_TARGET_MS and key_p99 < KEY_TARGET_MS,
        detail=(
            f"b/s key to the order at the guard's broker p99 {key_p99:.2f} ms, p50 "
            f"{key_p50:.2f} ms; F p50 {flat_p50:.2f} ms, slowest {max(flattens):.2f} ms; "
            f"key to the guard's gates p50 {percentile(gates, 50):.2f} ms p99 "
            f"{percentile(gates, 99):.2f} ms, inside the guard (gates to last request) p50 "
            f"{percentile(inside, 50):.2f} ms p99 {percentile(inside, 99):.2f} ms; "
            f"{requests:.0f} requests per flatten, {by_line} of {len(flattens)} flattens "
            f"by the line; {RUNS} runs of {KEYS} keys and {FLATTENS} flattens, percentiles "
            "over all runs; the guard in its own process, loopback WebSocket"
        ),
    )


if __name__ == "__main__":
    print(run().line())
