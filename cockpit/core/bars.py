"""Candlestick bars built from trade prints, 1 second to 1 day.

Per trade only the 1-second bar is touched (a few attribute writes); when a second
closes, that bar is folded into every coarser series. So the cost per print does not
grow with the number of timeframes, and a fast tape of thousands of prints per second
costs microseconds. Hourly and daily bars are anchored to the trading day (17:00 CT).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.tradingday import trading_day_end, trading_day_start


@dataclass(frozen=True, slots=True)
class Timeframe:
    """A bar length, named as traders name it (``1m``)."""

    label: str
    seconds: int

    @property
    def ns(self) -> int:
        return self.seconds * NS_PER_SECOND

    @property
    def anchored(self) -> bool:
        """Hourly and longer bars start at the trading-day boundary, not at UTC midnight."""
        return self.seconds >= 3600


TIMEFRAMES: dict[str, Timeframe] = {
    tf.label: tf
    for tf in (
        Timeframe("1s", 1),
        Timeframe("5s", 5),
        Timeframe("15s", 15),
        Timeframe("30s", 30),
        Timeframe("1m", 60),
        Timeframe("5m", 300),
        Timeframe("15m", 900),
        Timeframe("30m", 1800),
        Timeframe("1h", 3600),
        Timeframe("4h", 14400),
        Timeframe("1d", 86400),
    )
}
ONE_SECOND = TIMEFRAMES["1s"]
ONE_MINUTE = TIMEFRAMES["1m"]
_ONE_DAY_NS = 86_400 * NS_PER_SECOND


def timeframe(label: str) -> Timeframe:
    """The timeframe called ``label``; ``KeyError`` lists the valid ones."""
    try:
        return TIMEFRAMES[label]
    except KeyError:
        raise KeyError(f"unknown timeframe {label!r}; valid: {', '.join(TIMEFRAMES)}") from None


class Bar:
    """One candle in ticks. Mutable while it forms; copied when handed out."""

    __slots__ = ("close", "high", "low", "open", "start", "volume")

    def __init__(self, start: int, open: int, high: int, low: int, close: int, volume: int):
        self.start = start
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume

    def copy(self) -> Bar:
        return Bar(self.start, self.open, self.high, self.low, self.close, self.volume)

    def merge(self, later: Bar) -> None:
        """Extend this bar with a later, finer bar of the same bucket."""
        if later.high > self.high:
            self.high = later.high
        if later.low < self.low:
            self.low = later.low
        self.close = later.close
        self.volume += later.volume

    def as_tuple(self) -> tuple[int, int, int, int, int, int]:
        return (self.start, self.open, self.high, self.low, self.close, self.volume)

    def __reduce__(self) -> tuple[type[Bar], tuple[int, int, int, int, int, int]]:
        """Pickle as a plain tuple: replay checkpoints hold tens of thousands of bars."""
        return (Bar, self.as_tuple())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bar) and self.as_tuple() == other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    def __repr__(self) -> str:
        s, o, h, lo, c, v = self.as_tuple()
        return f"Bar(start={s}, o={o}, h={h}, l={lo}, c={c}, v={v})"


class BarSeries:
    """Closed bars of one timeframe plus the one forming now, bounded in memory."""

    __slots__ = ("_end", "bars", "current", "max_bars", "timeframe")

    def __init__(self, timeframe: Timeframe, max_bars: int = 3000) -> None:
        self.timeframe = timeframe
        self.max_bars = max_bars
        self.bars: list[Bar] = []
        self.current: Bar | None = None
        self._end = 0

    def bucket(self, ts: int) -> tuple[int, int]:
        """(start, end) in ns of the bar that ``ts`` belongs to."""
        period = self.timeframe.ns
        if not self.timeframe.anchored:
            start = ts - ts % period
            return start, start + period
        day_start = trading_day_start(ts)
        if period >= _ONE_DAY_NS:  # a 23- or 25-hour trading day (DST) is still one bar
            return day_start, trading_day_end(ts)
        start = day_start + (ts - day_start) // period * period
        return start, min(start + period, trading_day_end(ts))

    def add(self, ts: int, price: int, size: int) -> Bar | None:
        """Add one print; returns the bar it closed, if it started a new one."""
        cur = self.current
        if cur is not None and ts < self._end:
            if price > cur.high:
                cur.high = price
            elif price < cur.low:
                cur.low = price
            cur.close = price
            cur.volume += size
            return None
        return self._open(Bar(ts, price, price, price, price, size))

    def fold(self, bar: Bar) -> Bar | None:
        """Merge a finer closed bar; returns the bar it closed, if any."""
        cur = self.current
        if cur is not None and bar.start < self._end:
            cur.merge(bar)
            return None
        return self._open(bar.copy())

    def _open(self, bar: Bar) -> Bar | None:
        start, end = self.bucket(bar.start)
        closed = self.current
        if closed is not None and start < closed.start:
            # A late print from before the forming bar: count it there, never go back.
            closed.high = max(closed.high, bar.high)
            closed.low = min(closed.low, bar.low)
            closed.volume += bar.volume
            return None
        bar.start = start
        self.current = bar
        self._end = end
        if closed is not None:
            self.bars.append(closed)
            if len(self.bars) > self.max_bars + 500:
                del self.bars[: len(self.bars) - self.max_bars]
        return closed

    def clear(self) -> None:
        """Forget every bar (before a history reload replaces them)."""
        self.bars = []
        self.current = None
        self._end = 0

    def seal(self) -> None:
        """Close the forming bar without starting a new one (history hand-over)."""
        if self.current is not None:
            self.bars.append(self.current)
            self.current = None
            self._end = 0

    def last(self, count: int) -> list[Bar]:
        """The last ``count`` bars, the forming one included, as copies."""
        out = [bar.copy() for bar in self.bars[-count:]]
        if self.current is not None:
            out.append(self.current.copy())
        return out[-count:] if count else []


class BarBook:
    """Every timeframe's bars for one instrument, fed by prints and by history."""

    __slots__ = ("_base", "_coarser", "_loaded_from", "series")

    def __init__(
        self, timeframes: Iterable[Timeframe] = TIMEFRAMES.values(), max_bars: int = 3000
    ) -> None:
        frames = sorted(set(timeframes) | {ONE_SECOND}, key=lambda tf: tf.seconds)
        self.series: dict[str, BarSeries] = {tf.label: BarSeries(tf, max_bars) for tf in frames}
        self._base = self.series[ONE_SECOND.label]
        self._coarser = [s for s in self.series.values() if s is not self._base]
        self._loaded_from: dict[str, int] = {}
        """Seconds of the history base each series was filled from, by timeframe label."""

    def on_print(self, ts: int, price: int, size: int) -> None:
        """Account one print: the hot path, so the in-bucket case is inlined."""
        base = self._base
        cur = base.current
        if cur is not None and ts < base._end:
            if price > cur.high:
                cur.high = price
            elif price < cur.low:
                cur.low = price
            cur.close = price
            cur.volume += size
            return
        closed = base.add(ts, price, size)
        if closed is not None:
            for series in self._coarser:
                series.fold(closed)

    def load_history(self, history: Mapping[Timeframe, Iterable[Bar]]) -> None:
        """Fill every series from the coarsest history bars that divide its timeframe.

        The Gateway (and the demo market) give a few bases, e.g. 1-second bars for the
        last half hour and 1-minute bars for days; 5m..1d come from the 1-minute bars,
        5s..30s from the 1-second ones. Bases may come in one call or one at a time (one
        ``BarsLoaded`` each): a series filled from a coarser base keeps it, one filled
        from a finer (shorter) base is refilled, so no bar is ever counted twice.
        """
        bases = sorted(history, key=lambda tf: tf.seconds)
        loaded = {tf: sorted(history[tf], key=lambda b: b.start) for tf in bases}
        for series in self.series.values():
            secs = series.timeframe.seconds
            candidates = [tf for tf in bases if tf.seconds <= secs and secs % tf.seconds == 0]
            if not candidates:
                continue
            base = candidates[-1]
            label = series.timeframe.label
            if self._loaded_from.get(label, 0) > base.seconds:
                continue
            if label in self._loaded_from:
                series.clear()
            for bar in loaded[base]:
                series.fold(bar)
            self._loaded_from[label] = base.seconds
        if ONE_SECOND in loaded:
            # The last 1-second history bar is already inside the coarser histories;
            # sealing it keeps it from being folded into them a second time.
            self._base.seal()

    def bars(self, label: str, count: int) -> list[Bar]:
        """The last ``count`` bars of a timeframe, the forming one brought up to this print."""
        series = self.series[label]
        out = series.last(count)
        live = self._base.current
        if series is self._base or live is None or count <= 0:
            return out
        start, _ = series.bucket(live.start)
        if out and out[-1].start == start:
            out[-1].merge(live)
        elif not out or start > out[-1].start:
            fresh = live.copy()
            fresh.start = start
            out.append(fresh)
            out = out[-count:]
        return out
