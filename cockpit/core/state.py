"""Cockpit state and the reducer that folds events into it.

The engine is the only caller of :meth:`State.apply`. The fold reads nothing but the
event and the state (no clock, no I/O), so the same events always give the same state:
that is what makes replay honest. It mutates in place for speed (a storm is hundreds of
thousands of events a second) and notes what changed in :attr:`State.changes`, which the
UI drains on a timer instead of being called per tick.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from cockpit.core.bars import BarBook, timeframe
from cockpit.core.book import Book
from cockpit.core.events import (
    AccountUpdated,
    ArmChanged,
    BarsLoaded,
    BrokerFailed,
    CloseSettled,
    CloseSubmitted,
    ConnectionChanged,
    DayStatsUpdated,
    DepthUpdated,
    EnforcementTaken,
    Event,
    FillReceived,
    FlattenCompleted,
    FlattenStarted,
    Link,
    LinkStatus,
    LockoutEnded,
    LockoutStarted,
    ModifySettled,
    ModifySubmitted,
    Notice,
    OrderDenied,
    OrderSubmitted,
    OrderUpdated,
    PositionUpdated,
    Printed,
    QuoteUpdated,
    Reconciled,
    RiskStateChanged,
    SubmissionSettled,
)
from cockpit.core.instruments import Instrument
from cockpit.core.models import (
    Account,
    Fill,
    Mode,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from cockpit.core.orders import Orders, Pending
from cockpit.core.tradingday import trading_day, trading_day_end
from cockpit.core.tradingstate import TradingState

ZERO = Decimal(0)

#: Events worth a line in the fills & events blotter (and ``Reconciled`` when it brings
#: the order keys back, ``OrderUpdated`` when the broker rejected the order).
FILLS_AND_EVENTS = (
    FillReceived,
    OrderDenied,
    BrokerFailed,
    FlattenStarted,
    FlattenCompleted,
    ConnectionChanged,
    Notice,
    RiskStateChanged,
    LockoutStarted,
    LockoutEnded,
    EnforcementTaken,
)

_FILLS_AND_EVENTS_TYPES = frozenset(FILLS_AND_EVENTS)


@dataclass(slots=True)
class Changes:
    """What changed since the UI last looked. Sets of keys, so each row updates once."""

    quotes: set[str] = field(default_factory=set)
    bars: set[str] = field(default_factory=set)
    books: set[str] = field(default_factory=set)
    """Symbols whose book changed (levels, volume at price or tape): see ``Book.changed``."""
    orders: set[int] = field(default_factory=set)
    positions: set[str] = field(default_factory=set)
    account: bool = False
    fills_and_events: bool = False
    status: bool = False
    """Arm state, links, flatten or risk state: the header, banner and footer."""

    def __bool__(self) -> bool:
        return bool(
            self.quotes
            or self.bars
            or self.books
            or self.orders
            or self.positions
            or self.account
            or self.fills_and_events
            or self.status
        )


class State:
    """Everything the cockpit knows, folded from events."""

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        watchlist: Iterable[str],
        mode: Mode = Mode.SIM,
        fills_and_events_size: int = 500,
    ) -> None:
        self.mode = mode
        self.instruments = dict(instruments)
        self.watchlist = list(watchlist)
        self.quotes: dict[str, QuoteUpdated] = {}
        self.last: dict[str, int] = {}
        self.books: dict[str, Book] = {symbol: Book() for symbol in self.watchlist}
        """Each instrument's order book, volume at price and tape (``volume`` sums it)."""
        self.settle: dict[str, int] = {}
        self.bars: dict[str, BarBook] = {symbol: BarBook() for symbol in self.watchlist}
        self.account: Account | None = None
        self.orders = Orders()
        self.positions: dict[str, Position] = {}
        self.pending = Pending()
        """Orders handed to the broker and not yet acknowledged, by tag; beside them the
        closes and new sizes the broker has not reported yet."""
        self.fills: list[Fill] = []
        self.realized = ZERO
        """Realized P&L of the trading day, before fees."""
        self.fees = ZERO
        self.day: date | None = None
        """The trading day the realized figures belong to; a later print or fill rolls it."""
        self._day_end = 0
        """When the trading day of :attr:`day` ends.

        Keep State under 30 attributes: from 30 on CPython 3.12 stops keeping them inline
        and every attribute read in the fold gets slower (measured: ~8% on the fold, and
        the journal writer's overhead went from 3% to 5.5% at 30).
        """
        self.links: dict[Link, LinkStatus] = dict.fromkeys(Link, LinkStatus.CONNECTING)
        self.link_detail: dict[Link, str] = dict.fromkeys(Link, "")
        self.reconciled = False
        self.armed = False
        self.flatten: FlattenStarted | FlattenCompleted | None = None
        """The flatten running, or the outcome of one that could not verify flat (until
        the account is flat): what :attr:`flattening` and :attr:`flatten_problem` read."""
        self.risk_state = TradingState.ACTIVE
        self.risk_reason = ""
        self.lockout_until: int | None = None
        self.fills_and_events: deque[Event] = deque(maxlen=fills_and_events_size)
        self.fills_and_events_count = 0
        """Lines ever added to ``fills_and_events``: a reader keeps its place by this count."""
        self.market_ns = 0
        """Time of the latest market data event: the feed's age is measured from it."""
        self.changes = Changes()

    # The fold --------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        """Fold one event into the state."""
        kind = type(event)
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, event)
        if kind in _FILLS_AND_EVENTS_TYPES:
            self._note(event)

    def take_changes(self) -> Changes:
        """Hand the accumulated changes to the caller and start a fresh set."""
        changes, self.changes = self.changes, Changes()
        return changes

    def _new_day(self, ts: int) -> None:
        """17:00 CT passed (a print or a fill says so): the day's realized and fees start at 0.

        Prints are the market's clock: the first one after the open rolls the day, so the
        quote path stays free of the check.
        """
        rolled = self.day is not None
        self.day = trading_day(ts)
        self._day_end = trading_day_end(ts)
        self.realized = ZERO
        self.fees = ZERO
        if rolled:
            self.changes.account = True

    def _quote(self, e: QuoteUpdated) -> None:
        self.quotes[e.symbol] = e
        self.market_ns = e.ts
        self.changes.quotes.add(e.symbol)

    def _print(self, e: Printed) -> None:
        if e.ts >= self._day_end:
            self._new_day(e.ts)
        symbol = e.symbol
        self.last[symbol] = e.price
        self.market_ns = e.ts
        book = self.books.get(symbol)
        if book is None:
            book = self.books[symbol] = Book()
        book.on_print(e)
        bars = self.bars.get(symbol)
        if bars is None:
            bars = self.bars[symbol] = BarBook()
        bars.on_print(e.ts, e.price, e.size)
        changes = self.changes
        changes.quotes.add(symbol)
        changes.bars.add(symbol)
        changes.books.add(symbol)

    def _depth(self, e: DepthUpdated) -> None:
        book = self.books.get(e.symbol)
        if book is None:
            book = self.books[e.symbol] = Book()
        if e.reset:
            book.reset()
        book.apply(e.bids, e.asks)
        self.market_ns = e.ts
        self.changes.books.add(e.symbol)

    def _bars_loaded(self, e: BarsLoaded) -> None:
        book = self.bars.setdefault(e.symbol, BarBook())
        book.load_history({timeframe(e.timeframe): e.bars})
        if e.bars and e.symbol not in self.last:
            self.last[e.symbol] = e.bars[-1].close
        self.changes.bars.add(e.symbol)
        self.changes.quotes.add(e.symbol)

    def _day_stats(self, e: DayStatsUpdated) -> None:
        self.settle[e.symbol] = e.settle
        self.changes.quotes.add(e.symbol)

    def _account(self, e: AccountUpdated) -> None:
        self.account = e.account
        self.changes.account = True

    def _order(self, e: OrderUpdated) -> None:
        order = e.order
        before = self.orders.put(order)
        if order.tag is not None and order.tag in self.pending:
            del self.pending[order.tag]
        sizes = self.pending.sizes
        if sizes and order.id in sizes:
            size, answered = sizes[order.id]
            if answered or order.size == size or not order.status.is_working:
                del sizes[order.id]  # the report shows what the modify did
        if _order_news(before, order):
            self._note(e)
        self.changes.orders.add(order.id)
        if self.flatten is not None:
            self._clear_flatten_problem_when_flat()

    def _fill(self, e: FillReceived) -> None:
        fill = e.fill
        if fill.ts >= self._day_end:
            self._new_day(fill.ts)
        self.fills.append(fill)
        self.changes.account = True
        if trading_day(fill.ts) != self.day:
            return  # a late report of yesterday's fill: today's figures stay today's
        if fill.pnl is not None:
            self.realized += fill.pnl
        self.fees += fill.fee

    def _position(self, e: PositionUpdated) -> None:
        position = e.position
        symbol = position.symbol
        if position.size == 0:
            self.positions.pop(symbol, None)
        else:
            self.positions[symbol] = position
        closing = self.pending.closing
        if closing and (position.size == 0 or closing.get(symbol)):
            closing.pop(symbol, None)  # flat, or reported after the close's answer
        self.changes.positions.add(position.symbol)
        self.changes.account = True
        if self.flatten is not None:
            self._clear_flatten_problem_when_flat()

    def _clear_flatten_problem_when_flat(self) -> None:
        """A flatten that could not verify flat stops warning once the account is flat,
        however it got there (a manual exit, a fill, another flatten)."""
        if type(self.flatten) is FlattenCompleted and self.is_flat():
            self.flatten = None
            self.changes.status = True

    def _connection(self, e: ConnectionChanged) -> None:
        self.links[e.link] = e.status
        self.link_detail[e.link] = e.detail
        if e.link is Link.ACCOUNT and not e.status.healthy:
            self.reconciled = False
        self.changes.status = True

    def _reconciled(self, e: Reconciled) -> None:
        if not self.reconciled:  # order keys come back: worth a line (a routine re-read
            self._note(e)  # while in sync, such as a flatten's check, is not)
        self.reconciled = True
        self.changes.status = True

    def _note(self, event: Event) -> None:
        """A line in the fills & events blotter."""
        self.fills_and_events.append(event)
        self.fills_and_events_count += 1
        self.changes.fills_and_events = True

    def _armed(self, e: ArmChanged) -> None:
        self.armed = e.armed
        self.changes.status = True

    def _submitted(self, e: OrderSubmitted) -> None:
        if e.request.tag is not None:
            self.pending[e.request.tag] = e.request

    def _close_submitted(self, e: CloseSubmitted) -> None:
        self.pending.closing[e.symbol] = False

    def _close_settled(self, e: CloseSettled) -> None:
        """A failed close closed nothing; one answered while the position already shows
        flat is done; otherwise the next position report shows what it did."""
        if e.ok and e.symbol in self.positions:
            self.pending.closing[e.symbol] = True
        else:
            self.pending.closing.pop(e.symbol, None)

    def _modify_submitted(self, e: ModifySubmitted) -> None:
        self.pending.sizes[e.order_id] = (e.size, False)

    def _modify_settled(self, e: ModifySettled) -> None:
        """A failed modify changed nothing; one answered while the order already shows the
        size (or no longer works) is done; otherwise the order's next report shows it."""
        sizes = self.pending.sizes
        asked = sizes.get(e.order_id)
        if asked is None:
            return
        order = self.orders.working.get(e.order_id)
        if not e.ok or order is None or order.size == asked[0]:
            del sizes[e.order_id]
        else:
            sizes[e.order_id] = (asked[0], True)

    def _settled(self, e: SubmissionSettled) -> None:
        self.pending.pop(e.tag, None)
        if self.flatten is not None:
            self._clear_flatten_problem_when_flat()

    def _flatten_started(self, e: FlattenStarted) -> None:
        self.flatten = e
        self.changes.status = True

    def _flatten_completed(self, e: FlattenCompleted) -> None:
        self.flatten = None if e.flat else e
        self.changes.status = True

    def _risk_state(self, e: RiskStateChanged) -> None:
        self.risk_state = e.state
        self.risk_reason = e.reason
        self.changes.status = True

    def _lockout_started(self, e: LockoutStarted) -> None:
        if self.lockout_until is None or e.until_ns > self.lockout_until:
            self.lockout_until = e.until_ns
        self.changes.status = True

    def _lockout_ended(self, e: LockoutEnded) -> None:
        self.lockout_until = None
        self.changes.status = True

    # Derived views ---------------------------------------------------------------------

    @property
    def volume(self) -> dict[str, int]:
        """Contracts printed this session, by symbol (read from each book)."""
        return {symbol: book.volume for symbol, book in self.books.items()}

    @property
    def flattening(self) -> bool:
        """A flatten is running (between its start and its outcome)."""
        return type(self.flatten) is FlattenStarted

    @property
    def flatten_problem(self) -> str:
        """What a flatten that could not verify flat left open (empty when none)."""
        flatten = self.flatten
        return flatten.detail if type(flatten) is FlattenCompleted else ""

    def working_orders(self, symbol: str | None = None) -> list[Order]:
        """Orders that can still fill, oldest first."""
        if symbol is None:
            return list(self.orders.working.values())
        return [o for o in self.orders.working.values() if o.symbol == symbol]

    def open_positions(self) -> list[Position]:
        return [p for p in self.positions.values() if p.size != 0]

    def position_size(self, symbol: str) -> int:
        """The confirmed position in ``symbol``, signed (0 when flat)."""
        position = self.positions.get(symbol)
        return position.size if position is not None else 0

    def against_position(self, symbol: str, side: Side) -> bool:
        """True when an order on ``side`` trades against the open position (an exit's side)."""
        return side.sign * self.position_size(symbol) < 0

    def reduces(
        self,
        symbol: str,
        side: Side,
        size: int,
        *,
        resting: bool = False,
        without: int | None = None,
    ) -> bool:
        """True when an order of ``size`` on ``side`` can only shrink the open position.

        Orders already on that side count first: those in flight always (two quick sells
        of 1 against a long 1 do not both only reduce it), and, for a ``resting`` order,
        the working ones too (a take-profit beside a stop for the whole position could
        flip it). A market exit never waits for the protection it leaves oversized.
        ``without`` leaves out the working order a modify replaces. While a close of the
        position is on its way nothing else only reduces it: the close takes all of it.
        """
        held = self.position_size(symbol)
        if held == 0 or side.sign * held > 0 or symbol in self.pending.closing:
            return False
        queued = sum(
            request.size
            for request in self.pending.values()
            if request.symbol == symbol and request.side is side
        )
        if resting:
            queued += sum(
                self.pending.remaining(order)
                for order in self.orders.working.values()
                if order.symbol == symbol and order.side is side and order.id != without
            )
        return size + queued <= abs(held)

    def is_flat(self) -> bool:
        """No open position, no working order and no order on its way to the broker: what
        a verified flatten leaves (an order sent just before the key could still land)."""
        return not self.positions and not self.pending and not self.orders.working

    def mark(self, symbol: str) -> int | None:
        """The price open P&L is valued at: the last print, else the middle of the book."""
        last = self.last.get(symbol)
        if last is not None:
            return last
        quote = self.quotes.get(symbol)
        if quote is None:
            return None
        return (quote.bid + quote.ask) // 2

    def open_pnl(self, symbol: str) -> Decimal:
        """Open P&L of one position at its mark, exact to the cent (0 without a spec)."""
        position = self.positions.get(symbol)
        mark = self.mark(symbol)
        spec = self.instruments.get(symbol)
        if position is None or mark is None or spec is None:
            return ZERO
        return spec.money(position.open_ticks(mark))

    def open_pnl_total(self) -> Decimal:
        return sum((self.open_pnl(symbol) for symbol in self.positions), ZERO)

    @property
    def net_realized(self) -> Decimal:
        """Realized P&L of the day after fees: what has already hit the balance."""
        return self.realized - self.fees

    def day_pnl(self) -> Decimal:
        """The day so far: realized after fees plus open."""
        return self.net_realized + self.open_pnl_total()

    def order_status(self, order_id: int) -> OrderStatus | None:
        order = self.orders.get(order_id)
        return order.status if order is not None else None


_ORDER_NEWS = frozenset(
    {OrderStatus.OPEN, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REJECTED}
)


def _order_news(before: Order | None, order: Order) -> bool:
    """Whether an order report is a fills & events line: the order started working (a
    market order fills instead, no line), or it was cancelled, expired or rejected. The
    same status again (a modify, a partial fill) is not news."""
    if order.status not in _ORDER_NEWS or (before is not None and before.status is order.status):
        return False
    return order.status is not OrderStatus.OPEN or order.type is not OrderType.MARKET


_HANDLERS: dict[type, Callable[[State, Any], None]] = {
    QuoteUpdated: State._quote,
    Printed: State._print,
    DepthUpdated: State._depth,
    BarsLoaded: State._bars_loaded,
    DayStatsUpdated: State._day_stats,
    AccountUpdated: State._account,
    OrderUpdated: State._order,
    FillReceived: State._fill,
    PositionUpdated: State._position,
    ConnectionChanged: State._connection,
    Reconciled: State._reconciled,
    ArmChanged: State._armed,
    OrderSubmitted: State._submitted,
    SubmissionSettled: State._settled,
    CloseSubmitted: State._close_submitted,
    CloseSettled: State._close_settled,
    ModifySubmitted: State._modify_submitted,
    ModifySettled: State._modify_settled,
    FlattenStarted: State._flatten_started,
    FlattenCompleted: State._flatten_completed,
    RiskStateChanged: State._risk_state,
    LockoutStarted: State._lockout_started,
    LockoutEnded: State._lockout_ended,
}
"""The fold's handler for each event type (plain functions: State keeps few attributes)."""
