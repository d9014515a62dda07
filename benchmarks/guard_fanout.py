"""Guard fan-out: a broker event to each of 10 WebSocket clients, while quotes arrive at
20,000/s.

A guard on the wall clock (paper broker, journal on, the market not pumping) serves
``/ws``; 10 clients in a second process subscribe to every topic. For ``SECONDS`` the
benchmark folds 20,000 quotes a second across the watchlist into the guard's engine (as
the broker's sink would, a batch each millisecond) and, every 10 ms, a broker order report
(``OrderUpdated``). The figure is, over every (client, report) pair, the time from the
report entering the engine to the client holding the parsed ``GatewayUserOrder``, p99.
``time.monotonic_ns`` is one clock for both processes. Quotes coalesce per symbol for a
client that falls behind, so the report never waits behind a queue of stale quotes.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from decimal import Decimal

import orjson
import psutil
from aiohttp import WSMsgType

from benchmarks._common import Figure, percentile
from benchmarks._guard_api import served_guard, start_clients
from cockpit.core import loop as cockpit_loop
from cockpit.core.events import OrderUpdated, QuoteUpdated
from cockpit.core.models import Order, OrderStatus, OrderType, Side
from cockpit.guard.reads_between import guard_loop
from cockpit.guard.ws import Socket

CLIENTS = 10
QUOTES_PER_S = 20_000
REPORT_EVERY_S = 0.010
SECONDS = 10.0
TARGET_MS = 5.0


class WriteProbe:
    """Notes when the guard hands an order report's frame to a client's socket."""

    def __init__(self, socket: Socket, written: list[tuple[int, int]]) -> None:
        self.socket = socket
        self.written = written

    async def send_frame(self, message: bytes, opcode: WSMsgType) -> None:
        if message.startswith(b'{"type":"GatewayUserOrder"'):
            self.written.append((orjson.loads(message)["data"]["id"], time.monotonic_ns()))
        await self.socket.send_frame(message, opcode)

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        return await self.socket.close(code=code, message=message)


async def measure() -> tuple[list[float], list[float], int, float, float, float, dict[str, int]]:
    async with served_guard(pump=False) as served:
        guard = served.guard
        state = guard.state
        engine = guard.session.engine
        clients = await start_clients(served.url, CLIENTS, 0)
        written: list[tuple[int, int]] = []
        for connection in served.hub.connections:
            connection.socket = WriteProbe(connection.socket, written)
        symbols = list(state.watchlist)
        rng = random.Random(7)
        mids = {s: state.instruments[s].to_ticks(Decimal(100)) * 50 for s in symbols}
        account_id = state.account.id if state.account is not None else 0
        sent: dict[int, int] = {}
        quotes = reports = 0
        overshoot: list[float] = []
        """How late each 1 ms sleep of the feed woke (ms): the machine's own scheduling."""
        process = psutil.Process()
        cpu_before = process.cpu_times()
        start = time.monotonic()
        next_report = start
        while (elapsed := time.monotonic() - start) < SECONDS:
            now_ns = time.time_ns()
            for _ in range(int(elapsed * QUOTES_PER_S) - quotes):
                symbol = symbols[quotes % len(symbols)]
                mid = mids[symbol] = mids[symbol] + rng.choice((-1, 0, 1))
                engine.on_event(QuoteUpdated(now_ns, symbol, mid, mid + 1, 5, 7))
                quotes += 1
            if time.monotonic() >= next_report:
                reports += 1
                order = Order(
                    10_000_000 + reports,
                    account_id,
                    symbols[0],
                    Side.BUY,
                    OrderType.LIMIT,
                    1,
                    OrderStatus.CANCELLED,
                    limit=mids[symbols[0]] - 40,
                )
                sent[order.id] = time.monotonic_ns()
                engine.on_event(OrderUpdated(now_ns, order))
                next_report += REPORT_EVERY_S
            asleep = time.monotonic()
            await asyncio.sleep(0.001)
            overshoot.append((time.monotonic() - asleep - 0.001) * 1000)
        wall = time.monotonic() - start
        rate = quotes / wall
        cpu_after = process.cpu_times()
        cpu = cpu_after.user - cpu_before.user + cpu_after.system - cpu_before.system
        share = 100 * cpu / wall
        await asyncio.sleep(0.5)  # the last reports reach the clients
        result = await clients.finish()
    latencies = [
        (received - sent[order_id]) / 1e6
        for _, order_id, received in result["seen"]
        if order_id in sent
    ]
    in_guard = [(at - sent[order_id]) / 1e6 for order_id, at in written if order_id in sent]
    expected = len(sent) * CLIENTS
    if len(latencies) < expected:
        raise RuntimeError(f"only {len(latencies)} of {expected} reports arrived")
    late = percentile(overshoot, 99)
    return latencies, in_guard, len(sent), rate, share, late, result["counts"]


def run() -> Figure:
    measured = cockpit_loop.run(measure(), base=guard_loop)
    latencies, in_guard, reports, rate, share, late, counts = measured
    p99 = percentile(latencies, 99)
    quotes = counts.get("MarketQuote", 0) / CLIENTS / SECONDS
    detail = (
        f"{reports} reports x {CLIENTS} clients, p50 {statistics.median(latencies):.2f} ms, "
        f"max {max(latencies):.2f} ms; in the guard (report in to frame written) "
        f"p99 {percentile(in_guard, 99):.2f} ms; {rate:,.0f} quotes/s in, "
        f"{quotes:,.0f} quote messages/s to each client (coalesced); the guard used "
        f"{share:.0f}% of a core; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        f"cores, where the feed's own 1 ms sleep woke up to {late:.1f} ms late (p99)"
    )
    return Figure(
        "guard_fanout (broker event to 10 /ws clients, 20,000 quotes/s)",
        p99,
        "ms p99",
        f"< {TARGET_MS:g} ms",
        p99 < TARGET_MS,
        detail,
    )


if __name__ == "__main__":
    print(run().line())
