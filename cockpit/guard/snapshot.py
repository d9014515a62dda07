"""A :class:`State` as data: what an attaching cockpit is sent before the event stream.

A snapshot is the state itself, attribute by attribute, not the events that built it:
the guard keeps no history of its events (a day of quotes is millions), and a state
rebuilt from made-up events would not be the same state (volume, the fills & events
count, the forming bars and the trading day's end are not anyone's event). Every value
travels in the journal's encoding (:mod:`cockpit.journal.codec`): events and models as
field arrays, Decimals as strings, so the replica is exact.

:func:`encode_state` and :func:`decode_state` are inverses: a replica decoded from a
snapshot and folded with the events after it equals the guard's state (the stream's
tests compare the two encodings).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from cockpit.core.bars import Bar, BarBook, BarSeries
from cockpit.core.book import Book
from cockpit.core.events import (
    Event,
    FlattenCompleted,
    FlattenStarted,
    Link,
    LinkStatus,
    Printed,
    QuoteUpdated,
)
from cockpit.core.instruments import Instrument
from cockpit.core.models import Account, Fill, Mode, Order, OrderRequest, Position
from cockpit.core.orders import Orders, Pending
from cockpit.core.state import Changes, State
from cockpit.core.tradingstate import TradingState
from cockpit.journal.codec import CodecError, decode, fields_of, resolve, type_name

Tree = dict[str, Any]


def encode_event(event: Event) -> list[Any]:
    """``[type name, fields]``: an event whose class the reader does not know in advance."""
    return [type_name(type(event)), fields_of(event)]


def decode_event(value: Any) -> Event:
    """The inverse of :func:`encode_event`; :class:`CodecError` on anything else."""
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], str):
        raise CodecError(f"not an event: {value!r:.80}")
    cls = resolve(value[0])
    if not issubclass(cls, Event):
        raise CodecError(f"{value[0]} is not an event")
    event: Event = decode(cls, value[1])
    return event


_BAR_FIELDS = attrgetter("start", "open", "high", "low", "close", "volume")
"""A bar as its 6-tuple in one C call (a snapshot holds a day of bars of every timeframe)."""


@dataclass(frozen=True, slots=True)
class SeriesCopy:
    """One timeframe's bars at one moment, sharing nothing the fold changes: the closed
    bars are never changed once closed (a new list of the same bars), the forming one
    is copied."""

    bars: list[Bar]
    current: Bar | None
    end: int

    @classmethod
    def of(cls, series: BarSeries) -> SeriesCopy:
        current = series.current.copy() if series.current is not None else None
        return cls(list(series.bars), current, series._end)

    def encoded(self) -> list[Any]:
        current = _BAR_FIELDS(self.current) if self.current is not None else None
        return [list(map(_BAR_FIELDS, self.bars)), current, self.end]


@dataclass(frozen=True, slots=True)
class BookCopy:
    """One instrument's bars of every timeframe at one moment (:class:`SeriesCopy`)."""

    series: dict[str, SeriesCopy]
    loaded_from: dict[str, int]

    @classmethod
    def of(cls, book: BarBook) -> BookCopy:
        series = {label: SeriesCopy.of(one) for label, one in book.series.items()}
        return cls(series, dict(book._loaded_from))


def bar_copies(state: State) -> dict[str, BookCopy]:
    """Every instrument's bars at this moment, cheaply (lists of the same closed bars):
    what a snapshot encodes a piece at a time while the fold goes on."""
    return {symbol: BookCopy.of(book) for symbol, book in state.bars.items()}


def _book(book: BookCopy) -> Tree:
    return {
        "series": {label: series.encoded() for label, series in book.series.items()},
        "loaded_from": book.loaded_from,
    }


def _order_book(book: Book) -> Tree:
    return {
        "bids": sorted(book.bids.items()),
        "asks": sorted(book.asks.items()),
        "traded": sorted(book.traded.items()),
        "tape": [fields_of(print_) for print_ in book.tape],
        "tape_size": book.tape.maxlen,
    }


def _restore_order_book(tree: Tree) -> Book:
    book = Book(int(tree["tape_size"]))
    book.apply(
        [(int(p), int(size)) for p, size in tree["bids"]],
        [(int(p), int(size)) for p, size in tree["asks"]],
    )
    book.traded = {int(p): int(size) for p, size in tree["traded"]}
    book.volume = sum(book.traded.values())
    book.tape.extend(decode(Printed, print_) for print_ in tree["tape"])
    return book


def encode_state(state: State) -> Tree:
    """Everything :meth:`State.apply` folds into, as JSON-ready data (``journal.codec.dumps``
    writes it: Decimals and dataclasses included)."""
    tree = encode_state_but_bars(state)
    tree["bars"] = {symbol: _book(book) for symbol, book in bar_copies(state).items()}
    return tree


def encode_state_but_bars(state: State) -> Tree:
    """:func:`encode_state` without ``bars`` (most of a snapshot's bytes): a snapshot
    taken on the guard's loop adds them from :func:`bar_copies`, a piece at a time."""
    flatten = state.flatten
    return {
        "mode": state.mode.value,
        "instruments": sorted(state.instruments),
        "watchlist": list(state.watchlist),
        "quotes": {symbol: fields_of(quote) for symbol, quote in state.quotes.items()},
        "last": dict(state.last),
        "books": {symbol: _order_book(book) for symbol, book in state.books.items()},
        "settle": dict(state.settle),
        "account": fields_of(state.account) if state.account is not None else None,
        "orders": [fields_of(order) for order in state.orders.values()],
        "positions": [fields_of(position) for position in state.positions.values()],
        "pending": {tag: fields_of(request) for tag, request in state.pending.items()},
        "closing": dict(state.pending.closing),
        "sizes": {str(i): list(asked) for i, asked in state.pending.sizes.items()},
        "fills": [fields_of(fill) for fill in state.fills],
        "realized": str(state.realized),
        "fees": str(state.fees),
        "day": state.day.isoformat() if state.day is not None else None,
        "day_end": state._day_end,
        "links": {link.value: status.value for link, status in state.links.items()},
        "link_detail": {link.value: detail for link, detail in state.link_detail.items()},
        "reconciled": state.reconciled,
        "armed": state.armed,
        "flatten": encode_event(flatten) if flatten is not None else None,
        "risk_state": state.risk_state.value,
        "risk_reason": state.risk_reason,
        "lockout_until": state.lockout_until,
        "fills_and_events": [encode_event(event) for event in state.fills_and_events],
        "fills_and_events_size": state.fills_and_events.maxlen,
        "fills_and_events_count": state.fills_and_events_count,
        "market_ns": state.market_ns,
    }


def _bar(value: Any) -> Bar:
    return Bar(*value)


def _restore_book(tree: Tree) -> BarBook:
    book = BarBook()
    for label, (bars, current, end) in tree["series"].items():
        series = book.series[label]
        series.bars = [_bar(bar) for bar in bars]
        series.current = _bar(current) if current is not None else None
        series._end = int(end)
    book._loaded_from = {str(label): int(seconds) for label, seconds in tree["loaded_from"].items()}
    return book


def decode_state(tree: Tree, instruments: Mapping[str, Instrument]) -> State:
    """A state equal to the one :func:`encode_state` read, with every part marked changed
    (a screen shown a fresh snapshot redraws everything). ``instruments`` gives the
    contract specs (the cockpit's own table); :class:`CodecError` on a bad snapshot."""
    try:
        return _decode_state(tree, instruments)
    except CodecError:
        raise
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise CodecError(f"bad snapshot: {exc!r}") from None


def _decode_state(tree: Tree, instruments: Mapping[str, Instrument]) -> State:
    known = {symbol: instruments[symbol] for symbol in tree["instruments"] if symbol in instruments}
    state = State(
        known,
        tree["watchlist"],
        mode=Mode(tree["mode"]),
        fills_and_events_size=tree["fills_and_events_size"],
    )
    state.quotes = {s: decode(QuoteUpdated, q) for s, q in tree["quotes"].items()}
    state.last = {s: int(p) for s, p in tree["last"].items()}
    state.books = {s: _restore_order_book(book) for s, book in tree["books"].items()}
    state.settle = {s: int(p) for s, p in tree["settle"].items()}
    state.bars = {s: _restore_book(book) for s, book in tree["bars"].items()}
    account = tree["account"]
    state.account = decode(Account, account) if account is not None else None
    state.orders = Orders(decode(Order, order) for order in tree["orders"])
    positions = [decode(Position, position) for position in tree["positions"]]
    state.positions = {position.symbol: position for position in positions}
    state.pending = Pending((tag, decode(OrderRequest, r)) for tag, r in tree["pending"].items())
    closing = tree.get("closing", {})
    state.pending.closing = {str(s): bool(answered) for s, answered in closing.items()}
    state.pending.sizes = {
        int(i): (int(size), bool(answered)) for i, (size, answered) in tree.get("sizes", {}).items()
    }
    state.fills = [decode(Fill, fill) for fill in tree["fills"]]
    state.realized = Decimal(tree["realized"])
    state.fees = Decimal(tree["fees"])
    state.day = date.fromisoformat(tree["day"]) if tree["day"] is not None else None
    state._day_end = int(tree["day_end"])
    state.links = {Link(k): LinkStatus(v) for k, v in tree["links"].items()}
    state.link_detail = {Link(k): str(v) for k, v in tree["link_detail"].items()}
    state.reconciled = bool(tree["reconciled"])
    state.armed = bool(tree["armed"])
    flatten = decode_event(tree["flatten"]) if tree["flatten"] is not None else None
    if flatten is not None and not isinstance(flatten, FlattenStarted | FlattenCompleted):
        raise CodecError(f"a flatten that is a {type(flatten).__name__}")
    state.flatten = flatten
    state.risk_state = TradingState(tree["risk_state"])
    state.risk_reason = str(tree["risk_reason"])
    state.lockout_until = tree["lockout_until"]
    state.fills_and_events = deque(
        (decode_event(event) for event in tree["fills_and_events"]),
        maxlen=tree["fills_and_events_size"],
    )
    state.fills_and_events_count = int(tree["fills_and_events_count"])
    state.market_ns = int(tree["market_ns"])
    state.changes = everything_changed(state)
    return state


def everything_changed(state: State) -> Changes:
    """Every part of ``state`` marked for redrawing."""
    symbols = set(state.watchlist) | set(state.quotes) | set(state.last)
    return Changes(
        quotes=set(symbols),
        bars=set(state.bars),
        orders=set(state.orders),
        positions=set(state.positions),
        account=True,
        fills_and_events=True,
        status=True,
    )
