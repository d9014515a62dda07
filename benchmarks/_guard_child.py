"""A guard in a child process, as ``cockpit guard run`` runs it, with a probe on its broker.

``python -m benchmarks._guard_child [FOLDER]`` runs :func:`serve_guard`: the paper demo
through ``run_guard`` (pid file, token, audit, journal, the market pumping on the wall
clock) on a free loopback port, its state dir ``FOLDER`` (a scratch folder without one).
It prints ``port PORT TOKEN`` once ready, then one line per broker request it receives
(``cancel_order 1234.5678``: the request's name and ``time.perf_counter()``, the system's
monotonic clock, one clock for every process), per command at its gates (``submit``) and
per frame read off a flatten line (``line``).
Lines on its stdin ask it to ``arm`` or to open the :data:`BOOK` (it answers ``booked``
once every instrument of the book is open).

Its market runs as busy as at the 08:30 Chicago open whatever the hour (:data:`AT_THE_OPEN`):
the demo's activity follows the clock, and a figure taken at noon and one taken at the
open measured different loads.

A benchmark keys a cockpit attached to it and reads when each request arrived. (Two
threads of one process were tried first: the GIL's 5 ms switch interval put the
cockpit's frames into the guard's tail, which two processes do not share.)
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._session import scratch
from cockpit.config import Settings
from cockpit.core import loop as cockpit_loop
from cockpit.core.commands import Command, PlaceOrder, SetArmed
from cockpit.core.engine import Verdict
from cockpit.core.models import OrderType, Side
from cockpit.core.state import State
from cockpit.guard.daemon import Guard
from cockpit.guard.line import LineFlattens
from cockpit.guard.reads_between import guard_loop
from cockpit.guard.runner import GuardOptions, run_guard
from cockpit.market import synthetic
from cockpit.market.profiles import intraday_activity

ARGV = [sys.executable, "-m", "benchmarks._guard_child"]
BOOK = (
    PlaceOrder(symbol="MNQ", side=Side.BUY, size=2),
    PlaceOrder(symbol="MES", side=Side.SELL, size=1),
    PlaceOrder(symbol="MGC", side=Side.BUY, size=1),
    PlaceOrder(symbol="M2K", side=Side.BUY, type=OrderType.JOIN_BID, size=1),
    PlaceOrder(symbol="MYM", side=Side.SELL, type=OrderType.JOIN_ASK, size=1),
    PlaceOrder(symbol="MCL", side=Side.BUY, type=OrderType.JOIN_BID, size=1),
)
"""What is open before each ``F``: three positions and three working orders."""
REQUESTS = ("place_order", "cancel_order", "close_position")
AT_THE_OPEN = 9.0
"""The Chicago hour whose activity the child's market keeps all day (the busiest)."""


def open_instruments(state: State) -> int:
    """Instruments with a position or a working order (a resting join may have filled)."""
    return len(set(state.positions) | {order.symbol for order in state.working_orders()})


WRITE_AFTER = 0.01
"""Seconds between a burst's first line and its write to stdout: by then a flatten's
requests are all out. Written at once, the write (a pipe, a flush, waking the reader)
took up to 4.5 ms on the guard's loop and, running between a flatten's cancels and its
closes, held the closes: the probe measured itself."""


class Probe:
    """The guard's broker requests: each arrival's time, written as a line to stdout a
    moment after the burst it came in (:data:`WRITE_AFTER`), on the guard's loop (a thread
    of its own would take the GIL from the loop instead)."""

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
            asyncio.get_running_loop().call_later(WRITE_AFTER, self._write)
        self._lines.append(line)

    def _write(self) -> None:
        sys.stdout.write("".join(self._lines))
        sys.stdout.flush()
        self._lines.clear()


async def serve_guard(folder: Path) -> None:
    """The guard, its probe, and its stdin commands, until the process is ended."""
    options = GuardOptions(Settings(), folder, port=0, journal_dir=scratch() / "journals")
    loop = asyncio.get_running_loop()

    def ready(guard: Guard) -> None:
        probe = Probe(guard.session.broker, *REQUESTS)
        submit = guard.submit

        def judged(command: Command) -> Verdict:
            """Note when a command reached the guard's gates (splits a figure in two)."""
            probe.note(f"submit {time.perf_counter()!r}\n")
            return submit(command)

        guard.submit = judged  # type: ignore[method-assign]  # the probe on the gates
        read_frame = LineFlattens.frame

        def framed(lines: LineFlattens, data: bytes | str) -> None:
            """Note when the guard read a flatten line's frame (splits the key's road)."""
            probe.note(f"line {time.perf_counter()!r}\n")
            read_frame(lines, data)

        LineFlattens.frame = framed  # type: ignore[method-assign]  # the probe on the line
        assert guard.address is not None
        sys.stdout.write(f"port {guard.address.rsplit(':', 1)[1]} {guard.token}\n")
        sys.stdout.flush()
        threading.Thread(target=_commands, args=(loop, guard), daemon=True).start()

    await run_guard(options, on_ready=ready)


def _commands(loop: asyncio.AbstractEventLoop, guard: Guard) -> None:
    """Read ``arm`` and ``book`` lines from stdin and do them on the guard's loop."""
    for line in sys.stdin:
        word = line.strip()
        if word == "arm":
            loop.call_soon_threadsafe(guard.session.engine.submit, SetArmed(armed=True))
        elif word == "book":
            asyncio.run_coroutine_threadsafe(_book(guard), loop)


async def _book(guard: Guard) -> None:
    """Open the book (not through the probed gates), then say ``booked``."""
    engine, state = guard.session.engine, guard.state
    for command in BOOK:
        engine.submit(command)
    while state.pending or open_instruments(state) < len(BOOK):  # noqa: ASYNC110 - a benchmark polls its own state
        await asyncio.sleep(0.002)
    sys.stdout.write("booked\n")
    sys.stdout.flush()


class GuardProcess:
    """``serve_guard`` in a child process (on an asyncio loop), and what it reports."""

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
        process = await asyncio.create_subprocess_exec(*ARGV, stdout=asyncio.subprocess.PIPE)
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
            elif name != "line":
                self.calls.append((name, float(at)))

    async def stop(self) -> None:
        self._reading.cancel()
        self.process.terminate()
        await self.process.wait()


def busy_as_at_the_open() -> None:
    """The demo market's activity held at the open's, whatever the clock says."""
    synthetic.intraday_activity = lambda _hour: intraday_activity(AT_THE_OPEN)


if __name__ == "__main__":
    busy_as_at_the_open()
    where = Path(sys.argv[1]) if len(sys.argv) > 1 else scratch() / "guard"
    where.mkdir(parents=True, exist_ok=True)
    cockpit_loop.run(serve_guard(where), base=guard_loop)
