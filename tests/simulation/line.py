"""The line to the paper venue: seeded delays, outages and lost answers, every call logged.

A real broker answers late, sometimes not at all, and sometimes at once. The line puts
the paper broker behind exactly that: each call waits a seeded while on the way out
(nothing has happened yet) and on the way back (the venue acted, its events already
reached the engine, the answer has not). A wait is none at all (the call finishes
without ever suspending, as the paper broker does), a few event-loop yields, or a span
of simulated time; never wall time. During an outage a call fails as unreachable before
the venue sees it; rarely an answer is lost after the venue acted.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from dataclasses import dataclass

from cockpit.core.broker import BrokerUnavailable, EventSink, SubmissionUncertain
from cockpit.core.models import Mode, OrderRequest
from tests.simulation.venue import SimVenue

LOST_ANSWER = 0.02
"""Share of mutating calls whose answer is lost after the venue acted."""


@dataclass
class Call:
    """One call on the line, as the venue's side saw it."""

    kind: str
    """``place``, ``cancel``, ``modify``, ``close`` or ``reconcile``."""
    key: object
    """The order tag (place), order id (cancel, modify), symbol (close), ``None``."""
    entered: float
    """Loop time the engine made the call."""
    returned: float | None = None
    error: str | None = None


class SlowLine:
    """The Broker protocol over the paper venue, slowed and faulted by a seed."""

    mode = Mode.SIM

    def __init__(self, venue: SimVenue, seed: str) -> None:
        self.venue = venue
        self.rng = random.Random(f"line-{seed}")
        self.calls: list[Call] = []
        self.down_until = 0.0
        """Loop time until which the venue is unreachable."""

    @property
    def account_name(self) -> str:
        return self.venue.account_name

    # World controls ----------------------------------------------------------------------

    def reseed(self, seed: str) -> None:
        """Draw the answers from here on from ``seed`` (each step of a run has its own)."""
        self.rng = random.Random(f"line-{seed}")

    def outage(self, seconds: float) -> None:
        """The venue is unreachable for ``seconds`` from now (a call arriving then fails)."""
        now = asyncio.get_running_loop().time()
        self.down_until = max(self.down_until, now + seconds)

    def step(self, until_ns: int) -> int:
        """Play the market (the world's pump calls this)."""
        return self.venue.step(until_ns)

    # The Broker protocol -----------------------------------------------------------------

    async def start(self, sink: EventSink) -> None:
        await self.venue.start(sink)

    async def stop(self) -> None:
        await self.venue.stop()

    async def place_order(self, request: OrderRequest) -> int:
        call = self._enter("place", request.tag)
        await self._travel(call)
        return await self._answer(call, self.venue.place_order(request))

    async def cancel_order(self, order_id: int) -> None:
        call = self._enter("cancel", order_id)
        await self._travel(call)
        await self._answer(call, self.venue.cancel_order(order_id))

    async def modify_order(
        self,
        order_id: int,
        *,
        size: int | None = None,
        limit: int | None = None,
        stop: int | None = None,
    ) -> None:
        call = self._enter("modify", order_id)
        await self._travel(call)
        work = self.venue.modify_order(order_id, size=size, limit=limit, stop=stop)
        await self._answer(call, work)

    async def close_position(self, symbol: str) -> None:
        call = self._enter("close", symbol)
        await self._travel(call)
        await self._answer(call, self.venue.close_position(symbol))

    async def reconcile(self) -> None:
        call = self._enter("reconcile", None)
        await self._travel(call)
        await self._answer(call, self.venue.reconcile(), mutates=False)

    # The way there and back ----------------------------------------------------------------

    def _enter(self, kind: str, key: object) -> Call:
        call = Call(kind, key, asyncio.get_running_loop().time())
        self.calls.append(call)
        return call

    async def _travel(self, call: Call) -> None:
        """The way out; an outage denies the call before the venue sees it."""
        await self._wait()
        if asyncio.get_running_loop().time() < self.down_until:
            self._done(call, "unreachable")
            raise BrokerUnavailable("the paper venue is unreachable (simulated outage)")

    async def _answer[T](self, call: Call, work: Awaitable[T], *, mutates: bool = True) -> T:
        try:
            result = await work
        except Exception as exc:
            self._done(call, f"{type(exc).__name__}: {exc}")
            raise
        lost = mutates and self.rng.random() < LOST_ANSWER
        await self._wait()
        if lost:
            self._done(call, "answer lost")
            raise SubmissionUncertain(f"{call.kind}: no answer from the paper venue (simulated)")
        self._done(call, None)
        return result

    def _done(self, call: Call, error: str | None) -> None:
        call.returned = asyncio.get_running_loop().time()
        call.error = error

    async def _wait(self) -> None:
        """None, a few yields, a short or a long span of simulated time."""
        draw = self.rng.random()
        if draw < 0.3:
            return
        if draw < 0.6:
            for _ in range(self.rng.randint(1, 6)):
                await asyncio.sleep(0)
        elif draw < 0.95:
            await asyncio.sleep(self.rng.uniform(0.002, 0.3))
        else:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5))
