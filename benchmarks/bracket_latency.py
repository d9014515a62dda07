"""Entry fill -> its stop and target requests at the broker, during a quote storm.

A paper session in process (engine, risk engine with its default rules, bracket manager
with a stop-and-target template) takes a storm of 20,000 quotes a second across six
instruments, fed on the wall clock in small batches on the event loop (eager tasks, as
Textual runs it). Every 50 ms a market entry goes in; the paper broker fills it at once.
The time runs from the moment the fill's first report reaches the engine (a listener,
before any watcher) to the moment the broker's ``place_order`` is entered for the last
of the bracket's legs; then the position is closed (the legs are cancelled) and the next
entry waits its turn. The figure is the 99th percentile; the target is under 2 ms.
"""

from __future__ import annotations

import asyncio
import gc
import time

from benchmarks._common import Figure, machine, median_of, percentile
from benchmarks._storm import STORM_SYMBOLS, moves
from cockpit.brokers.paper import PaperBroker
from cockpit.core.bracket_plan import Target, Template
from cockpit.core.brackets import BracketManager, leg_of
from cockpit.core.clock import FakeClock
from cockpit.core.commands import ClosePosition, PlaceOrder, SetArmed
from cockpit.core.engine import Engine
from cockpit.core.events import Event, OrderSubmitted, OrderUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.loop import run as run_loop
from cockpit.core.models import OrderRequest, Side
from cockpit.core.state import State
from cockpit.market import synthetic
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine

START = 1_773_154_800_000_000_000  # Tuesday 10 March 2026, 10:00 Chicago
QUOTES_PER_SECOND = 20_000
SECONDS = 6.0
ENTRY_EVERY_S = 0.05
BATCH = 20
"""Quotes fed between two yields to the loop (one millisecond's worth)."""
TARGET_MS = 2.0
SCALP = Template("scalp", stop=8, targets=(Target(16),))


class TimedPaper(PaperBroker):
    """The paper broker, noting when each bracket leg's place request arrives."""

    def __init__(self, clock: FakeClock) -> None:
        saved = synthetic.HISTORY_MINUTES, synthetic.HISTORY_SECONDS
        synthetic.HISTORY_MINUTES, synthetic.HISTORY_SECONDS = 5, 60
        try:
            super().__init__(clock, STORM_SYMBOLS, pump_interval=0, fees={})
        finally:
            synthetic.HISTORY_MINUTES, synthetic.HISTORY_SECONDS = saved
        self.legs_at: dict[str, int] = {}
        self.legs_cpu: dict[str, int] = {}

    async def place_order(self, request: OrderRequest) -> int:
        if request.tag is not None and leg_of(request.tag) is not None:
            self.legs_at[request.tag] = time.perf_counter_ns()
            self.legs_cpu[request.tag] = time.thread_time_ns()
        return await super().place_order(request)


async def storm() -> tuple[list[float], list[float], float]:
    """Latencies in ms (wall, and the loop thread's CPU time alone: what is left when the
    machine is shared and the scheduler takes the core away), and the storm's rate."""
    clock = FakeClock(START)
    broker = TimedPaper(clock)
    state = State(INSTRUMENTS, STORM_SYMBOLS)
    engine = Engine(state, clock, broker=broker)
    RiskEngine(RiskSettings(), clock).attach(engine)
    BracketManager((SCALP,), "scalp", run_tag="ckbench").attach(engine)
    await broker.start(engine.on_event)
    engine.submit(SetArmed(armed=True))
    filled_at: dict[str, int] = {}
    filled_cpu: dict[str, int] = {}

    submitted: list[str] = []

    def first_fill(event: Event) -> None:
        """The entry's first report of a fill reaches the engine (before any watcher)."""
        if type(event) is OrderUpdated and event.order.filled and event.order.tag:
            filled_at.setdefault(event.order.tag, time.perf_counter_ns())
            filled_cpu.setdefault(event.order.tag, time.thread_time_ns())
        elif type(event) is OrderSubmitted and leg_of(event.request.tag) is None:
            submitted.append(event.request.tag or "")

    engine.listeners.append(first_fill)
    latencies: list[float] = []
    cpu: list[float] = []
    tape = moves(STORM_SYMBOLS, int(QUOTES_PER_SECOND * SECONDS) + BATCH, seed=5)
    account = broker.account
    gc.collect()
    gc.freeze()  # as the cockpit does once start-up is done (core/memory.py settle)
    fed = 0
    begin = time.perf_counter()
    next_entry = begin + ENTRY_EVERY_S
    while (now := time.perf_counter()) - begin < SECONDS:
        due = min(len(tape), int((now - begin) * QUOTES_PER_SECOND) + BATCH)
        while fed < due:
            clock.set(START + fed * 50_000)
            event = tape[fed].event(clock.now_ns())
            account.on_market(event)
            broker._flush()
            engine.on_event(event)
            fed += 1
        if now >= next_entry:
            next_entry += ENTRY_EVERY_S
            verdict = engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
            await verdict.done()
            tag = submitted[-1]  # the tag the engine gave the entry
            legs = [broker.legs_at.get(f"{tag}-{leg}") for leg in ("SL", "TP1")]
            if tag in filled_at and None not in legs:
                latencies.append((max(t for t in legs if t) - filled_at[tag]) / 1e6)
                spent = max(broker.legs_cpu[f"{tag}-{leg}"] for leg in ("SL", "TP1"))
                cpu.append((spent - filled_cpu[tag]) / 1e6)
            engine.submit(ClosePosition(symbol="MNQ"))
            await engine.drain()
        await asyncio.sleep(0)
    elapsed = time.perf_counter() - begin
    gc.unfreeze()
    await broker.stop()
    return latencies, cpu, fed / elapsed


def run() -> Figure:
    runs: list[tuple[list[float], list[float], float]] = []

    def once() -> float:
        latencies, cpu, rate = run_loop(storm())
        runs.append((latencies, cpu, rate))
        return percentile(latencies, 99)

    p99, _ = median_of(3, once)
    latencies, cpu, rate = runs[-1]
    ordered = sorted(latencies)
    return Figure(
        name="entry fill to its stop and target at the broker, in a quote storm",
        value=p99,
        unit="ms p99",
        target=f"< {TARGET_MS:g} ms",
        met=p99 < TARGET_MS,
        detail=(
            f"p50 {percentile(ordered, 50) * 1000:.0f} µs, max {ordered[-1]:.2f} ms over "
            f"{len(ordered)} entries, CPU time alone p99 {percentile(cpu, 99):.2f} ms, "
            f"storm {rate:,.0f} quotes/s; {machine()}"
        ),
    )


if __name__ == "__main__":
    print(run().line())
