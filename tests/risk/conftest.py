"""A trading desk for risk tests: the real Engine, State and PaperBroker with a RiskEngine
attached, on a fake clock, with a market the test moves by hand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cockpit.brokers.paper import PaperBroker
from cockpit.core.clock import FakeClock, ns_from_datetime
from cockpit.core.commands import Command, ModifyOrder, PlaceOrder, SetArmed
from cockpit.core.engine import Engine, Verdict
from cockpit.core.events import Event, OrderDenied, Printed, QuoteUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import OrderRequest, OrderType, Side
from cockpit.core.state import State
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.market import synthetic
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine
from cockpit.risk.eod import EndOfDay
from cockpit.risk.floor import FloorStore
from cockpit.risk.lockout import LockoutStore
from cockpit.risk.market_calendar import MarketCalendar
from cockpit.risk.peak import PeakStore
from cockpit.session import Session

CT = ZoneInfo("America/Chicago")
NY = ZoneInfo("America/New_York")
SYMBOLS = ("MNQ", "MES", "NQ")


def at(
    year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0, tz: ZoneInfo = CT
) -> int:
    """Epoch ns of a wall time (Chicago by default)."""
    return ns_from_datetime(datetime(year, month, day, hour, minute, second, tzinfo=tz))


TUESDAY_10 = at(2026, 3, 10, 10, 0)
"""A plain trading morning: Tuesday 10 March 2026, 10:00 Chicago time."""


@contextmanager
def short_history() -> Iterator[None]:
    """Build the synthetic market with minutes, not a day, of chart history: risk tests
    need a touch to trade at, not a chart, and a day of history costs a tenth of a second."""
    saved = synthetic.HISTORY_MINUTES, synthetic.HISTORY_SECONDS
    synthetic.HISTORY_MINUTES, synthetic.HISTORY_SECONDS = 5, 60
    try:
        yield
    finally:
        synthetic.HISTORY_MINUTES, synthetic.HISTORY_SECONDS = saved


class ListRecorder:
    """Keeps every event and command the engine records, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.commands: list[Command] = []

    def record_event(self, recv_ns: int, event: Event, inbound: bool) -> None:
        self.events.append(event)

    def record_command(self, ts: int, command: Command) -> None:
        self.commands.append(command)


class Desk:
    """Engine + State + PaperBroker + RiskEngine, moved by hand."""

    def __init__(
        self,
        risk: dict[str, Any] | RiskSettings | None = None,
        *,
        start: int = TUESDAY_10,
        state_dir: Path | None = None,
        clock: FakeClock | None = None,
        symbols: tuple[str, ...] = SYMBOLS,
        fees: dict[str, Decimal] | None = None,
        market: MarketCalendar | None = None,
        balance: Decimal | None = None,
        floors: FloorStore | None = None,
        account_name: str | None = None,
        peaks: PeakStore | None = None,
    ) -> None:
        settings = (
            risk if isinstance(risk, RiskSettings) else RiskSettings.model_validate(risk or {})
        )
        self.settings = settings
        self.clock = clock or FakeClock(start)
        no_fees = {symbol: Decimal(0) for symbol in symbols}
        with short_history():
            self.broker = PaperBroker(
                self.clock,
                symbols,
                pump_interval=0,
                fees=no_fees if fees is None else fees,
                **({"balance": balance} if balance is not None else {}),
                **({"account_name": account_name} if account_name is not None else {}),
            )
        self.state = State(INSTRUMENTS, symbols)
        self.recorder = ListRecorder()
        self.engine = Engine(self.state, self.clock, broker=self.broker, recorder=self.recorder)
        self.store = LockoutStore(state_dir) if state_dir is not None else LockoutStore.memory()
        self.floors = floors if floors is not None else FloorStore.memory()
        self.eod = EndOfDay(state_dir) if state_dir is not None else EndOfDay()
        if peaks is None:
            peaks = PeakStore(state_dir) if state_dir is not None else PeakStore.memory()
        self.peaks = peaks
        self.risk = RiskEngine(
            settings,
            self.clock,
            store=self.store,
            market=market,
            eod=self.eod,
            floors=self.floors,
            peaks=self.peaks,
        )
        self.risk.attach(self.engine)

    async def start(self) -> Desk:
        await self.broker.start(self.engine.on_event)
        self.engine.submit(SetArmed(armed=True))
        for symbol in self.broker.symbols:
            quote = self.state.quotes[symbol]
            self.quote(symbol, quote.bid)
        return self

    # Market -----------------------------------------------------------------------------

    def send(self, event: Event) -> None:
        """A market event to the paper account (which may fill) and to the engine."""
        self.engine.on_event(event)
        self.broker.account.on_market(event)
        self.broker._flush()

    def quote(self, symbol: str, bid: int, ask: int | None = None) -> None:
        """A touch; by default a locked one (ask == bid) so fills and marks agree to the
        tick and P&L arithmetic in tests stays exact."""
        ask = bid if ask is None else ask
        self.send(QuoteUpdated(self.clock.now_ns(), symbol, bid, ask, 10, 10))

    def tape(self, symbol: str, price: int) -> None:
        self.send(Printed(self.clock.now_ns(), symbol, price, 1))

    def bid(self, symbol: str) -> int:
        return self.state.quotes[symbol].bid

    async def move(self, symbol: str, ticks: int) -> None:
        """Move the touch by ``ticks`` and print there, so the mark follows."""
        bid = self.bid(symbol) + ticks
        self.quote(symbol, bid)
        self.tape(symbol, bid)
        await self.settle()

    # Orders -----------------------------------------------------------------------------

    async def order(self, symbol: str, side: Side, size: int, **kwargs: Any) -> Verdict:
        verdict = self.engine.submit(PlaceOrder(symbol=symbol, side=side, size=size, **kwargs))
        await self.settle()
        return verdict

    async def buy(self, symbol: str = "MNQ", size: int = 1, **kwargs: Any) -> Verdict:
        return await self.order(symbol, Side.BUY, size, **kwargs)

    async def sell(self, symbol: str = "MNQ", size: int = 1, **kwargs: Any) -> Verdict:
        return await self.order(symbol, Side.SELL, size, **kwargs)

    async def limit(self, symbol: str, side: Side, size: int, price_ticks: int) -> Verdict:
        spec = INSTRUMENTS[symbol]
        return await self.order(
            symbol, side, size, type=OrderType.LIMIT, limit_price=spec.to_price(price_ticks)
        )

    async def modify(self, order_id: int, **kwargs: Any) -> Verdict:
        verdict = self.engine.submit(ModifyOrder(order_id=order_id, **kwargs))
        await self.settle()
        return verdict

    async def submit(self, command: Command) -> Verdict:
        verdict = self.engine.submit(command)
        await self.settle()
        return verdict

    async def external(
        self,
        symbol: str,
        side: Side,
        size: int,
        type: OrderType = OrderType.MARKET,
        limit: int | None = None,
        stop: int | None = None,
    ) -> int:
        """An order placed on another platform: the broker reports it, the cockpit never
        sent it."""
        request = OrderRequest(symbol, side, type, size, limit=limit, stop=stop)
        order = self.broker.account.place(request, self.clock.now_ns())
        self.broker._flush()
        await self.settle()
        return order.id

    async def settle(self) -> None:
        """Let every broker call in flight finish (and whatever they set off)."""
        await self.engine.drain()

    def heartbeat(self) -> None:
        """Every symbol's touch again, unchanged: the feed is alive (a live feed never
        stays silent for minutes, and silence past 5 s denies entries)."""
        for symbol in self.broker.symbols:
            quote = self.state.quotes[symbol]
            self.quote(symbol, quote.bid, quote.ask)

    async def tick(self, seconds: float = 0.0) -> None:
        """Advance the clock, hear from the feed, and let time-driven rules act. A test of
        a silent feed moves ``clock`` itself."""
        if seconds:
            self.clock.advance(seconds)
        self.heartbeat()
        self.engine.tick()
        await self.settle()

    # Looking ----------------------------------------------------------------------------

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.recorder.events if isinstance(e, kind)]

    def denials(self) -> list[OrderDenied]:
        return self.of(OrderDenied)

    def size(self, symbol: str = "MNQ") -> int:
        position = self.state.positions.get(symbol)
        return position.size if position is not None else 0

    def money(self, symbol: str, ticks: int, contracts: int = 1) -> Decimal:
        return INSTRUMENTS[symbol].money(ticks, contracts)


DeskFactory = Callable[..., Awaitable[Desk]]


@pytest.fixture
def desk() -> DeskFactory:
    """``await desk({"daily_loss": {"limit": 300}})`` gives a started desk."""

    async def make(risk: dict[str, Any] | None = None, **kwargs: Any) -> Desk:
        return await Desk(risk, **kwargs).start()

    return make


def replays_the_same(session: Session) -> None:
    """The stopped session's journal, replayed, reaches every decision the session did."""
    assert session.journal is not None
    assert session.journal.path is not None
    with open_journal(session.journal.path) as journal:
        assert Replayer(journal).verify() == []
