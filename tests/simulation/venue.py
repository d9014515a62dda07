"""The paper venue of a simulated run: the paper account on a seeded synthetic tape.

It is :class:`~cockpit.brokers.paper.PaperBroker` without the chart history: the same
matching account (:class:`~cockpit.brokers.paper.PaperDesk`), the same synthetic market
with its regimes and bursts, started and stepped the same way, but no 26 hours of bars
are generated and folded first (a quarter of a second per run that decides nothing the
invariants look at). ``SyntheticMarket`` has no switch for that, so :class:`TapeOnly`
replaces its history builder; a ``history=False`` option there would make this file a
two-liner.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from cockpit.brokers.paper import PaperDesk
from cockpit.core.broker import EventSink
from cockpit.core.clock import Clock
from cockpit.core.events import ConnectionChanged, Event, Link, LinkStatus
from cockpit.core.models import Account
from cockpit.market.synthetic import SyntheticMarket

ACCOUNT = Account(id=100_001, name="SIM-50K", balance=Decimal("50000"))


class TapeOnly(SyntheticMarket):
    """The synthetic market from its start time on, with no history before it."""

    def _build_history(self, end_ns: int) -> list[Event]:
        for book in self.books.values():
            self._refill(book)
        self._last_ns = end_ns
        self._underlying_ns = dict.fromkeys(self._underlying, end_ns)
        return []


class SimVenue(PaperDesk):
    """The Broker protocol over a paper account trading on a :class:`TapeOnly` market."""

    def __init__(self, clock: Clock, symbols: Iterable[str], *, seed: int) -> None:
        super().__init__(clock, ACCOUNT, name="simulated venue")
        self.market = TapeOnly(list(symbols), seed=seed, start_ns=clock.now_ns())

    async def start(self, sink: EventSink) -> None:
        """Connected, the opening touch and book of every instrument, then a reconcile."""
        self._sink = sink
        now = self.clock.now_ns()
        sink(ConnectionChanged(now, Link.MARKET, LinkStatus.CONNECTED, "synthetic market"))
        sink(ConnectionChanged(now, Link.ACCOUNT, LinkStatus.CONNECTED, "paper account"))
        for quote in self.market.opening_quotes():
            self.account.on_market(quote)
            sink(quote)
        for book in self.market.opening_books():
            self.account.on_market(book)
            sink(book)
        await self.reconcile()

    def step(self, until_ns: int) -> int:
        """Play the market up to ``until_ns``: each event to the engine, then its fills."""
        sink = self._sink
        if sink is None:
            return 0
        events = self.market.advance(until_ns)
        for event in events:
            sink(event)
            self.account.on_market(event)
            if self._pending:
                self._flush()
        return len(events)
