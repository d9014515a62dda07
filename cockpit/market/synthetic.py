"""A seeded, deterministic synthetic futures market that reads like a real tape.

Each instrument has a latent fair value (a shared equity factor plus its own
underlying's noise). Prints hit the bid or lift the ask, leaning toward the fair value;
a print that clears a queue moves the touch one tick; market makers re-quote toward fair
between prints. Regimes (quiet, normal, fast) switch at random; a fast burst prints
hundreds of times a second and sometimes leaves a 2-tick spread for an instant. Around
the touch each instrument keeps a ten-level book (:mod:`cockpit.market.depth`).

Everything is driven by one ``random.Random(seed)`` and by event time, never by the
wall clock: the same seed and start time give the same tape however ``advance`` is
chunked.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from itertools import accumulate

from cockpit.core.bars import ONE_MINUTE, ONE_SECOND, Bar
from cockpit.core.clock import NS_PER_SECOND, exchange_time
from cockpit.core.events import (
    BarsLoaded,
    DayStatsUpdated,
    DepthUpdated,
    Event,
    Printed,
    QuoteUpdated,
)
from cockpit.core.instruments import INSTRUMENTS, Instrument
from cockpit.core.models import Side
from cockpit.core.tradingday import trading_day_start
from cockpit.market.depth import SyntheticDepth
from cockpit.market.profiles import (
    FAST,
    NORMAL,
    PROFILES,
    TRANSITIONS,
    Profile,
    Regime,
    intraday_activity,
)

QUOTES_PER_PRINT = 1.5
"""Quote-only updates (size changes, re-quotes) per print."""
COMMON_VOL = 2.0e-5
"""Relative volatility per second of the shared equity factor."""
HISTORY_SECONDS = 1800
"""1-second history kept for the fine timeframes."""
HISTORY_MINUTES = 26 * 60
"""1-minute history: a full trading day plus, so the prior settle is always in it."""

MarketEvent = QuoteUpdated | Printed | DepthUpdated


class _Book:
    """One instrument's top of book and its private state."""

    __slots__ = (
        "ask_size",
        "base",
        "bid",
        "bid_size",
        "cum_sizes",
        "depth",
        "profile",
        "sizes",
        "spec",
        "spread",
        "symbol",
    )

    def __init__(self, spec: Instrument, profile: Profile, depth: random.Random) -> None:
        self.symbol = spec.symbol
        self.spec = spec
        self.profile = profile
        self.base = float(profile.base_price / spec.tick_size)
        self.bid = round(self.base)
        self.spread = 1
        self.bid_size = 0
        self.ask_size = 0
        self.sizes = [size for size, _ in profile.sizes]
        self.cum_sizes = list(accumulate(weight for _, weight in profile.sizes))
        self.depth = SyntheticDepth(spec.symbol, profile.queue, depth)


class SyntheticMarket:
    """Generates history, then quotes and prints up to any requested time."""

    def __init__(
        self,
        symbols: Iterable[str],
        *,
        seed: int,
        start_ns: int,
        instruments: Mapping[str, Instrument] = INSTRUMENTS,
    ) -> None:
        self.rng = random.Random(seed)
        depth = random.Random(f"depth-{seed}")
        """Depth's own stream: the tape of quotes and prints is the same with or without it."""
        self.start_ns = start_ns
        self.books: dict[str, _Book] = {
            symbol: _Book(instruments[symbol], PROFILES[symbol], depth) for symbol in symbols
        }
        self._order = list(self.books.values())
        self._cum_activity = list(accumulate(b.profile.activity for b in self._order))
        self._rate = self._cum_activity[-1] if self._order else 1.0
        self._common = 0.0
        self._underlying: dict[str, float] = {b.profile.underlying: 0.0 for b in self._order}
        self._underlying_ns: dict[str, int] = {}
        self._last_ns = start_ns
        self._activity = 1.0
        self._activity_hour = -1
        self.regime = NORMAL
        self._regime_end = 0
        self._history = self._build_history(start_ns)
        self._regime_end = start_ns + self._regime_span(self.regime)
        self._next_ns = start_ns + self._gap()

    # Public ----------------------------------------------------------------------------

    def history_events(self) -> list[Event]:
        """Bars for the chart and the prior settle, stamped at the start time."""
        return list(self._history)

    def opening_quotes(self) -> list[QuoteUpdated]:
        """The touch of every instrument as the live market begins."""
        return [self._quote(book, self.start_ns) for book in self._order]

    def opening_books(self) -> list[DepthUpdated]:
        """The whole ten-level book of every instrument as the live market begins (each a
        reset); call once, after :meth:`opening_quotes`."""
        return [
            book.depth.opening(self.start_ns, _touch(self._quote(book, self.start_ns)))
            for book in self._order
        ]

    def advance(self, until_ns: int, most: int | None = None) -> list[MarketEvent]:
        """Every quote, print and book change up to ``until_ns``, in time order; with
        ``most``, the market stops once it has made that many (a moment's changes are
        never split) and the next call goes on from there: the same tape either way."""
        out: list[MarketEvent] = []
        while self._next_ns <= until_ns and (most is None or len(out) < most):
            now = self._next_ns
            self._step(now, out)
            self._next_ns = now + self._gap()
        return out

    def touch(self, symbol: str) -> tuple[int, int]:
        """(bid, ask) in ticks right now."""
        book = self.books[symbol]
        return book.bid, book.bid + book.spread

    # Live ------------------------------------------------------------------------------

    def _gap(self) -> int:
        rate = self._rate * self.regime.activity * self._activity * (1.0 + QUOTES_PER_PRINT)
        return max(1, int(self.rng.expovariate(rate) * NS_PER_SECOND))

    def _regime_span(self, regime: Regime) -> int:
        return int(self.rng.expovariate(1.0 / regime.mean_seconds) * NS_PER_SECOND) + 1

    def _switch_regime(self, now: int) -> None:
        choices = TRANSITIONS[self.regime.name]
        regimes = [regime for regime, _ in choices]
        weights = [weight for _, weight in choices]
        self.regime = self.rng.choices(regimes, weights)[0]
        self._regime_end = now + self._regime_span(self.regime)

    def _fair(self, book: _Book, now: int) -> float:
        """Fair value in ticks, bringing the underlying's own noise up to ``now``."""
        name = book.profile.underlying
        last = self._underlying_ns.get(name, now)
        dt = (now - last) / NS_PER_SECOND
        if dt > 0:
            sigma = book.profile.vol * self.regime.vol * math.sqrt(dt)
            self._underlying[name] += sigma * self.rng.gauss()
        self._underlying_ns[name] = now
        return book.base * math.exp(book.profile.beta * self._common + self._underlying[name])

    def _step(self, now: int, out: list[MarketEvent]) -> None:
        if now >= self._regime_end:
            self._switch_regime(now)
        hour = now // (3600 * NS_PER_SECOND)
        if hour != self._activity_hour:
            local = exchange_time(now)
            self._activity = intraday_activity(local.hour + local.minute / 60)
            self._activity_hour = hour
        dt = (now - self._last_ns) / NS_PER_SECOND
        self._last_ns = now
        rng = self.rng
        self._common += COMMON_VOL * self.regime.vol * math.sqrt(dt) * rng.gauss()
        book = rng.choices(self._order, cum_weights=self._cum_activity)[0]
        gap = self._fair(book, now) - (book.bid + book.spread / 2)
        if rng.random() * (1.0 + QUOTES_PER_PRINT) < 1.0:
            self._print(book, now, gap, out)
        else:
            self._requote(book, gap)
        quote = self._quote(book, now)
        depth = book.depth.step(now, _touch(quote), fast=self.regime is FAST)
        if depth is not None:
            out.append(depth)
        out.append(quote)

    def _print(self, book: _Book, now: int, gap: float, out: list[MarketEvent]) -> None:
        rng = self.rng
        lean = max(-0.4, min(0.4, 0.12 * gap))
        buy = rng.random() < 0.5 + lean
        size = rng.choices(book.sizes, cum_weights=book.cum_sizes)[0]
        if buy:
            price = book.bid + book.spread
            out.append(Printed(now, book.symbol, price, size, Side.BUY))
            book.ask_size -= size
            if book.ask_size <= 0:
                self._clear_level(book, price, up=True)
        else:
            price = book.bid
            out.append(Printed(now, book.symbol, price, size, Side.SELL))
            book.bid_size -= size
            if book.bid_size <= 0:
                self._clear_level(book, price, up=False)

    def _clear_level(self, book: _Book, price: int, *, up: bool) -> None:
        """A queue traded away: the touch moves one tick the way the print went."""
        gapped = self.rng.random() < self.regime.gap_chance
        if up:
            book.bid = price - 1 if gapped else price
            book.spread = (price + 1) - book.bid
        else:
            book.bid = price - 1
            book.spread = 2 if gapped else 1
        self._refill(book)

    def _refill(self, book: _Book) -> None:
        lo, hi = book.profile.queue
        book.bid_size = self.rng.randint(lo, hi)
        book.ask_size = self.rng.randint(lo, hi)

    def _requote(self, book: _Book, gap: float) -> None:
        rng = self.rng
        if book.spread > 1:
            if gap > 0:
                book.bid += 1
            book.spread = 1
            self._refill(book)
        elif abs(gap) > 1.5 and rng.random() < min(0.6, 0.08 * abs(gap)):
            book.bid += 1 if gap > 0 else -1
            self._refill(book)
        else:
            hi = book.profile.queue[1]
            book.bid_size = max(1, min(hi * 2, book.bid_size + rng.randint(-3, 4)))
            book.ask_size = max(1, min(hi * 2, book.ask_size + rng.randint(-3, 4)))

    def _quote(self, book: _Book, now: int) -> QuoteUpdated:
        if book.bid_size <= 0 or book.ask_size <= 0:
            self._refill(book)
        return QuoteUpdated(
            now, book.symbol, book.bid, book.bid + book.spread, book.bid_size, book.ask_size
        )

    # History ---------------------------------------------------------------------------

    def _build_history(self, end_ns: int) -> list[Event]:
        """Minutes, then seconds, walked forward to ``end_ns``; the live book starts there.

        The last half hour is walked second by second and its 1-minute bars are built
        from those seconds, so every timeframe tells the same story.
        """
        fine_start = end_ns - HISTORY_SECONDS * NS_PER_SECOND
        fine_start -= fine_start % ONE_MINUTE.ns
        coarse_start = fine_start - HISTORY_MINUTES * ONE_MINUTE.ns
        minutes: dict[str, list[Bar]] = {s: [] for s in self.books}
        seconds: dict[str, list[Bar]] = {s: [] for s in self.books}
        price = {s: b.bid for s, b in self.books.items()}
        self._regime_end = coarse_start
        for start in range(coarse_start, fine_start, ONE_MINUTE.ns):
            self._history_bar(start, 60, 4, price, minutes)
        for start in range(fine_start, end_ns - ONE_SECOND.ns + 1, ONE_SECOND.ns):
            self._history_bar(start, 1, 1, price, seconds)
        for symbol, bars in seconds.items():
            minutes[symbol].extend(_aggregate(bars, ONE_MINUTE.ns))
        for symbol, book in self.books.items():
            book.bid = price[symbol]
            self._refill(book)
        self._last_ns = end_ns
        self._underlying_ns = dict.fromkeys(self._underlying, end_ns)
        events: list[Event] = []
        settle_at = trading_day_start(end_ns)
        for symbol in self.books:
            events.append(BarsLoaded(end_ns, symbol, ONE_MINUTE.label, tuple(minutes[symbol])))
            events.append(BarsLoaded(end_ns, symbol, ONE_SECOND.label, tuple(seconds[symbol])))
            settle = _close_before(minutes[symbol], settle_at)
            if settle is not None:
                events.append(DayStatsUpdated(end_ns, symbol, settle))
        return events

    def _history_bar(
        self,
        start: int,
        seconds: int,
        steps: int,
        price: dict[str, int],
        into: dict[str, list[Bar]],
    ) -> None:
        rng = self.rng
        if start >= self._regime_end:
            self._switch_regime(start)
        local = exchange_time(start)
        activity = intraday_activity(local.hour + local.minute / 60)
        dt = seconds / steps
        vol = self.regime.vol * math.sqrt(activity)
        for book in self._order:
            open_ = high = low = price[book.symbol]
            close = open_
            for _ in range(steps):
                self._common += COMMON_VOL * vol * math.sqrt(dt) * rng.gauss() / len(self._order)
                name = book.profile.underlying
                self._underlying[name] += book.profile.vol * vol * math.sqrt(dt) * rng.gauss()
                drift = book.profile.beta * self._common + self._underlying[name]
                close = round(book.base * math.exp(drift))
                high = max(high, close)
                low = min(low, close)
            prints = rng.expovariate(1.0) * book.profile.activity * seconds * activity
            prints *= self.regime.activity
            if int(prints) == 0 and seconds == 1:
                continue  # a second with no print has no bar
            wiggle = int(abs(rng.gauss()) * math.sqrt(seconds) * 0.8)
            high += wiggle if rng.random() < 0.5 else 0
            low -= wiggle if rng.random() < 0.5 else 0
            volume = max(1, int(prints * 5.5))
            into[book.symbol].append(Bar(start, open_, high, low, close, volume))
            price[book.symbol] = close


def _touch(quote: QuoteUpdated) -> tuple[int, int, int, int]:
    return quote.bid, quote.ask, quote.bid_size, quote.ask_size


def _aggregate(bars: list[Bar], period: int) -> list[Bar]:
    out: list[Bar] = []
    for bar in bars:
        start = bar.start - bar.start % period
        if out and out[-1].start == start:
            out[-1].merge(bar)
        else:
            fresh = bar.copy()
            fresh.start = start
            out.append(fresh)
    return out


def _close_before(bars: list[Bar], ns: int) -> int | None:
    before = [bar for bar in bars if bar.start < ns]
    return before[-1].close if before else None
