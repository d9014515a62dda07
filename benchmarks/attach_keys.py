"""Keys in an attached cockpit: ``b``/``s`` to the order request at the guard's broker,
and ``F`` to every cancel and close request there.

The guard runs as ``cockpit guard run`` runs it (a :class:`Guard` on the paper demo,
its market pumping on the wall clock, its API on a loopback port) in a child process;
the cockpit is the real app, headless at 120x40, attached over the native stream. Keys
are posted the way the terminal driver posts them. The guard's broker writes when each
request reached it (``time.perf_counter``: the system's monotonic clock, one clock for
both processes); a figure is that time minus the moment the key was posted. (Two
threads of one process were tried first: the GIL's 5 ms switch interval put the
cockpit's frames into the guard's tail, which two processes do not share.) Before each
``F`` three positions and three resting orders are opened through the cockpit and seen
in its replica.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks._common import Figure, percentile
from benchmarks._headless import headless, press_now
from benchmarks._session import scratch
from cockpit.config import Settings
from cockpit.core import loop as cockpit_loop
from cockpit.core.commands import Command, PlaceOrder, SetArmed
from cockpit.core.engine import Verdict
from cockpit.core.events import FlattenCompleted
from cockpit.core.models import OrderType, Side
from cockpit.core.state import State
from cockpit.guard.attached import attach
from cockpit.guard.daemon import Guard
from cockpit.guard.runner import GuardOptions, run_guard
from cockpit.ui.app import make_app

RUNS = 3
KEYS = 100
FLATTENS = 40
KEY_TARGET_MS = 10.0
FLATTEN_TARGET_MS = 2.0
GUARD_ARGV = [sys.executable, "-m", "benchmarks.attach_keys", "--guard"]
BOOK = (
    PlaceOrder(symbol="MNQ", side=Side.BUY, size=2),
    PlaceOrder(symbol="MES", side=Side.SELL, size=1),
    PlaceOrder(symbol="MGC", side=Side.BUY, size=1),
    PlaceOrder(symbol="M2K", side=Side.BUY, type=OrderType.JOIN_BID, size=1),
    PlaceOrder(symbol="MYM", side=Side.SELL, type=OrderType.JOIN_ASK, size=1),
    PlaceOrder(symbol="MCL", side=Side.BUY, type=OrderType.JOIN_BID, size=1),
)
"""What is open before each ``F``: three positions and three working orders."""


class Probe:
    """The guard's broker requests: each arrival's time, written as a line to stdout once
    the burst it came in has been handed over (a write per request would hold the next
    request of a flatten behind a syscall the guard itself never makes)."""

    def __init__(self, broker: Any, *methods: str) -> None:
        self._lines: list[str] = []
        for name in methods:
            setattr(broker, name, self._wrap(name, getattr(broker, name)))

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        async def probed(*args: Any, **kwargs: Any) -> Any:
            self.note(f"{name} {time.perf_counter()!r}\n")
            return await method(*args, **kwargs)

        return probed

    def note(self, line: str) -> None:
        if not self._lines:
            asyncio.get_running_loop().call_soon(self._write)
        self._lines.append(line)

    def _write(self) -> None:
        sys.stdout.write("".join(self._lines))
        sys.stdout.flush()
        self._lines.clear()


async def serve_guard() -> None:
    """The guard process as ``cockpit guard run`` runs it (pid file, token, audit,
    journal, the paper market pumping), in a scratch state dir on a free loopback port;
    the probe goes onto its broker once it is ready."""
    folder = scratch() / "guard"
    folder.mkdir(parents=True, exist_ok=True)
    options = GuardOptions(
        Settings(), folder, port=0, journal_dir=scratch() / "journals", environ={}
    )

    def ready(guard: Guard) -> None:
        probe = Probe(guard.session.broker, "place_order", "cancel_order", "close_position")
        submit = guard.submit

        def judged(command: Command) -> Verdict:
            """Note when a command reached the guard's gates (splits a figure in two)."""
            probe.note(f"submit {time.perf_counter()!r}\n")
            return submit(command)

        guard.submit = judged  # type: ignore[method-assign]
        assert guard.address is not None
        sys.stdout.write(f"port {guard.address.rsplit(':', 1)[1]} {guard.token}\n")
        sys.stdout.flush()

    await run_guard(options, on_ready=ready)


class GuardProcess:
    """``serve_guard`` in a child process, and the broker requests it reports."""

    def __init__(self, process: asyncio.subprocess.Process, port: int, token: str) -> None:
        self.process = process
        self.address = f"127.0.0.1:{port}"
        self.token = token
        self.calls: list[tuple[str, float]] = []
        self.submits: list[float] = []
        """When each command reached the guard's gates."""
        self._reading = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def start(cls) -> GuardProcess:
        process = await asyncio.create_subprocess_exec(
            *GUARD_ARGV,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        async with asyncio.timeout(60):
            while True:
                line = (await process.stdout.readline()).decode()
                if not line:
                    raise RuntimeError("the guard process ended before listening")
                if line.startswith("port "):
                    _, port, token = line.split()
                    return cls(process, int(port), token)

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while line := await stdout.readline():
            name, at = line.decode().split()
            if name == "submit":
                self.submits.append(float(at))
            else:
                self.calls.append((name, float(at)))

    async def stop(self) -> None:
        self._reading.cancel()
        self.process.terminate()
        await self.process.wait()


async def until(condition: Callable[[], bool], within: float = 15.0) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the guard is another thread: poll it
            await asyncio.sleep(0.002)


@dataclass(frozen=True)
class AttachRun:
    key_ms: list[float]
    flatten_ms: list[float]
    guard_ms: list[float]
    """Of ``flatten_ms``: from the command at the guard's gates to the last request."""
    client_ms: list[float]
    """Of ``flatten_ms``: from the key to the cockpit's link handing the command over."""
    wire_ms: list[float]
    """Of ``flatten_ms``: from the link's send to the command at the guard's gates."""
    requests: list[int]


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
    requests: list[int] = []
    client: list[float] = []
    wire: list[float] = []
    linked: list[float] = []
    link_send = session.link.send

    def stamped(command: Command) -> bool:
        """Note when the cockpit's link sends a command (splits the client's part off)."""
        linked.append(time.perf_counter())
        return link_send(command)

    session.link.send = stamped  # type: ignore[method-assign]
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
            await until(lambda: not state.pending and _open(state) == len(BOOK))
            await until(lambda n=booked: len(guard.calls) >= n + len(BOOK))  # type: ignore[misc]
            await pilot.pause(0.02)
            seen = len(guard.calls)
            ended = len(completed)
            sent = time.perf_counter()
            press_now(app, "F")
            await until(lambda e=ended: len(completed) > e and state.is_flat())  # type: ignore[misc]
            await until(lambda n=seen: len(guard.calls) >= n + len(BOOK))  # type: ignore[misc]
            calls = guard.calls[seen:]
            last = max(at for _, at in calls)
            flattens.append((last - sent) * 1000)
            inside.append((last - guard.submits[-1]) * 1000)
            client.append((linked[-1] - sent) * 1000)
            wire.append((guard.submits[-1] - linked[-1]) * 1000)
            requests.append(len(calls))
        await session.stop()
    return AttachRun(keys, flattens, inside, client, wire, requests)


def _open(state: State) -> int:
    """Instruments with a position or a working order (a resting join may have filled)."""
    return len(set(state.positions) | {order.symbol for order in state.working_orders()})


def run() -> Figure:
    runs = [cockpit_loop.run(one_run()) for _ in range(RUNS)]
    key_p99 = statistics.median(percentile(r.key_ms, 99) for r in runs)
    key_p50 = statistics.median(percentile(r.key_ms, 50) for r in runs)
    flat_p99 = statistics.median(percentile(r.flatten_ms, 99) for r in runs)
    flat_p50 = statistics.median(percentile(r.flatten_ms, 50) for r in runs)
    requests = statistics.median(statistics.median(r.requests) for r in runs)
    guard_p99 = statistics.median(percentile(r.guard_ms, 99) for r in runs)
    guard_p50 = statistics.median(percentile(r.guard_ms, 50) for r in runs)
    client_p50 = statistics.median(percentile(r.client_ms, 50) for r in runs)
    client_p99 = statistics.median(percentile(r.client_ms, 99) for r in runs)
    wire_p50 = statistics.median(percentile(r.wire_ms, 50) for r in runs)
    wire_p99 = statistics.median(percentile(r.wire_ms, 99) for r in runs)
    return Figure(
        name="attach_keys",
        value=flat_p99,
        unit="ms F-to-last-request p99 (attached)",
        target=f"< {FLATTEN_TARGET_MS:.0f} ms; b/s-to-order p99 < {KEY_TARGET_MS:.0f} ms",
        met=flat_p99 < FLATTEN_TARGET_MS and key_p99 < KEY_TARGET_MS,
        detail=(
            f"b/s key to the order at the guard's broker p99 {key_p99:.2f} ms, p50 "
            f"{key_p50:.2f} ms; F p50 {flat_p50:.2f} ms, of which key to the link's send "
            f"p50 {client_p50:.2f} ms p99 {client_p99:.2f} ms, send to the guard's gates "
            f"p50 {wire_p50:.2f} ms p99 {wire_p99:.2f} ms, inside the guard (gates "
            f"to last request) p50 {guard_p50:.2f} ms p99 {guard_p99:.2f} ms; "
            f"{requests:.0f} requests per "
            f"flatten; median of {RUNS} runs of {KEYS} keys and {FLATTENS} flattens; "
            "the guard in its own process, loopback WebSocket"
        ),
    )


if __name__ == "__main__":
    if "--guard" in sys.argv:
        cockpit_loop.run(serve_guard())
    else:
        print(run().line())
