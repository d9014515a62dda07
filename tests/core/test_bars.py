"""Bars from prints, 1 second to 1 day, anchored at the 17:00 CT trading-day start."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.bars import (
    ONE_MINUTE,
    ONE_SECOND,
    TIMEFRAMES,
    Bar,
    BarBook,
    BarSeries,
    timeframe,
)
from cockpit.core.clock import EXCHANGE_TZ, NS_PER_SECOND, exchange_time, ns_from_datetime
from cockpit.core.tradingday import trading_day_start

S = NS_PER_SECOND
MINUTE = 60 * S
HOUR = 3600 * S


def ct(*args: int) -> int:
    return ns_from_datetime(datetime(*args, tzinfo=EXCHANGE_TZ))  # type: ignore[misc]


T0 = ct(2026, 10, 14, 9, 30)


def ohlcv(bar: Bar) -> tuple[int, int, int, int, int]:
    return (bar.open, bar.high, bar.low, bar.close, bar.volume)


def reference(prints: list[tuple[int, int, int]], label: str) -> list[tuple[int, ...]]:
    """Bars the slow, obvious way: group in-order prints by their bucket."""
    series = BarSeries(TIMEFRAMES[label])
    out: dict[int, list[int]] = {}
    for ts, price, size in prints:
        start, _ = series.bucket(ts)
        bar = out.get(start)
        if bar is None:
            out[start] = [price, price, price, price, size]
        else:
            bar[1] = max(bar[1], price)
            bar[2] = min(bar[2], price)
            bar[3] = price
            bar[4] += size
    return [(start, *values) for start, values in sorted(out.items())]


def test_timeframes_are_the_traders_set() -> None:
    """1s through 1d, by their usual names; an unknown one lists the valid."""
    assert " ".join(TIMEFRAMES) == "1s 5s 15s 30s 1m 5m 15m 30m 1h 4h 1d"
    assert timeframe("5m").ns == 300 * S
    assert [tf.label for tf in TIMEFRAMES.values() if tf.anchored] == ["1h", "4h", "1d"]
    with pytest.raises(KeyError, match="unknown timeframe '2m'; valid: 1s, 5s"):
        timeframe("2m")


def test_prints_in_one_second_make_one_bar() -> None:
    """Open is the first print, close the last, high/low the extremes, volume the sum."""
    book = BarBook()
    for offset, price, size in [(0, 100, 1), (1, 103, 2), (2, 98, 5), (3, 101, 1)]:
        book.on_print(T0 + offset, price, size)
    [bar] = book.bars("1s", 10)
    assert bar.start == T0
    assert ohlcv(bar) == (100, 103, 98, 101, 9)


@pytest.mark.parametrize("label", list(TIMEFRAMES))
def test_every_timeframe_matches_the_obvious_grouping(label: str) -> None:
    """Each timeframe's bars equal a plain group-by of the prints into its buckets."""
    prints = [(T0 + i * 7 * S + (i % 3), 100 + (i * 37) % 23, 1 + i % 4) for i in range(3000)]
    book = BarBook()
    for ts, price, size in prints:
        book.on_print(ts, price, size)
    got = [bar.as_tuple() for bar in book.bars(label, 10_000)]
    assert got == reference(prints, label)


def test_minute_bars_start_on_the_minute() -> None:
    """A print at 09:30:42 belongs to the 09:30 bar; one at 09:31:00 opens the next."""
    book = BarBook()
    book.on_print(T0 + 42 * S, 100, 1)
    book.on_print(T0 + 60 * S, 101, 1)
    bars = book.bars("1m", 5)
    assert [b.start for b in bars] == [T0, T0 + MINUTE]


def test_hourly_and_daily_bars_anchor_at_five_pm_chicago() -> None:
    """The 1h bar of a 17:10 CT print starts at 17:00; the 4h bars start 17:00, 21:00, 01:00."""
    book = BarBook()
    prints = [ct(2026, 10, 14, 16, 30), ct(2026, 10, 14, 17, 10), ct(2026, 10, 14, 20, 59)]
    prints += [ct(2026, 10, 14, 21, 0), ct(2026, 10, 15, 1, 30)]
    for i, ts in enumerate(prints):
        book.on_print(ts, 100 + i, 1)
    hours = [exchange_time(b.start).strftime("%d %H:%M") for b in book.bars("1h", 10)]
    assert hours == ["14 16:00", "14 17:00", "14 20:00", "14 21:00", "15 01:00"]
    four = [exchange_time(b.start).strftime("%d %H:%M") for b in book.bars("4h", 10)]
    assert four == ["14 13:00", "14 17:00", "14 21:00", "15 01:00"]
    days = [exchange_time(b.start).strftime("%d %H:%M") for b in book.bars("1d", 10)]
    assert days == ["13 17:00", "14 17:00"]
    assert [b.volume for b in book.bars("1d", 10)] == [1, 4]


def test_last_four_hour_bar_of_the_day_is_cut_at_the_boundary() -> None:
    """17:00 to 17:00 is 24 hours: six 4h bars, the last from 13:00, none across 17:00."""
    series = BarSeries(TIMEFRAMES["4h"])
    start, end = series.bucket(ct(2026, 10, 14, 16, 59))
    assert (start, end) == (ct(2026, 10, 14, 13, 0), ct(2026, 10, 14, 17, 0))


@pytest.mark.parametrize(
    ("day_start", "hours"),
    [((2026, 3, 7, 17, 0), 23), ((2026, 10, 31, 17, 0), 25)],
    ids=["spring-forward", "fall-back"],
)
def test_daily_bar_is_the_whole_trading_day_across_dst(
    day_start: tuple[int, ...], hours: int
) -> None:
    """A 23- or 25-hour trading day is still one daily bar from 17:00 to 17:00 CT."""
    start = ct(*day_start)
    book = BarBook()
    for h in range(hours):
        book.on_print(start + h * HOUR + 30 * MINUTE, 100 + h, 1)
    book.on_print(start + hours * HOUR + MINUTE, 500, 1)  # the next trading day
    days = book.bars("1d", 10)
    assert [b.start for b in days] == [start, start + hours * HOUR]
    assert days[0].volume == hours
    assert days[0].close == 100 + hours - 1


@pytest.mark.parametrize(
    "day_start", [(2026, 3, 7, 17, 0), (2026, 10, 31, 17, 0)], ids=["spring", "fall"]
)
def test_hourly_bars_stay_on_whole_clock_hours_across_dst(day_start: tuple[int, ...]) -> None:
    """Every hourly bar of a DST trading day starts on a whole Chicago hour."""
    start = ct(*day_start)
    book = BarBook()
    for h in range(26):
        book.on_print(start + h * HOUR + 10 * MINUTE, 100, 1)
    for bar in book.bars("1h", 100):
        local = exchange_time(bar.start)
        assert (local.minute, local.second) == (0, 0)
        assert bar.volume == 1


def test_forming_second_is_merged_into_every_timeframe() -> None:
    """Reading a coarse timeframe includes the print that has not closed its second yet."""
    book = BarBook()
    book.on_print(T0, 100, 1)
    book.on_print(T0 + 2 * S, 104, 2)
    book.on_print(T0 + 2 * S + 5, 97, 3)  # still forming
    for label in ("5s", "1m", "1h", "1d"):
        [bar] = book.bars(label, 3)
        assert ohlcv(bar) == (100, 104, 97, 97, 6), label


def test_forming_second_opens_a_new_coarse_bar_when_it_starts_one() -> None:
    """A print in a new minute shows as that minute's bar before its second closes."""
    book = BarBook()
    book.on_print(T0 + 59 * S, 100, 1)
    book.on_print(T0 + 60 * S, 105, 2)
    bars = book.bars("1m", 5)
    assert [(b.start, b.close, b.volume) for b in bars] == [(T0, 100, 1), (T0 + MINUTE, 105, 2)]
    assert len(book.bars("1m", 1)) == 1
    assert book.bars("1m", 1)[0].close == 105


def test_reading_bars_changes_nothing() -> None:
    """bars() hands out copies: reading twice gives the same answer, mutating a copy is harmless."""
    book = BarBook()
    book.on_print(T0, 100, 1)
    book.on_print(T0 + S, 101, 1)
    first = book.bars("1m", 5)
    first[0].volume = 999
    assert book.bars("1m", 5)[0].volume == 2
    assert book.bars("1m", 0) == []


def test_late_print_counts_in_the_forming_bar_without_going_back() -> None:
    """A print stamped before the forming bar is added to it; closed bars never reopen."""
    book = BarBook()
    book.on_print(T0, 100, 1)
    book.on_print(T0 + 5 * S, 101, 1)
    book.on_print(T0 + 2 * S, 90, 4)  # late: its second has closed
    seconds = book.bars("1s", 10)
    assert [b.start for b in seconds] == [T0, T0 + 5 * S]
    assert ohlcv(seconds[-1]) == (101, 101, 90, 90, 5)
    [minute] = book.bars("1m", 10)
    assert minute.volume == 6


def test_memory_is_bounded() -> None:
    """A long session keeps at most max_bars (+ slack) closed bars per timeframe."""
    book = BarBook(max_bars=100)
    for i in range(2000):
        book.on_print(T0 + i * S, 100 + i % 7, 1)
    base = book.series["1s"]
    assert 100 <= len(base.bars) <= 600
    assert book.bars("1s", 1000)[-1].start == T0 + 1999 * S
    assert len(book.bars("1s", 50)) == 50


def test_book_with_chosen_timeframes_always_has_seconds() -> None:
    """The 1-second base exists even if only coarse timeframes are asked for."""
    book = BarBook([ONE_MINUTE])
    assert list(book.series) == ["1s", "1m"]


# History -------------------------------------------------------------------------------


def minute_history(start: int, count: int) -> list[Bar]:
    return [Bar(start + i * MINUTE, 100 + i, 103 + i, 99 + i, 101 + i, 10) for i in range(count)]


def second_history(start: int, count: int) -> list[Bar]:
    return [Bar(start + i * S, 200 + i % 5, 202 + i % 5, 199, 201, 1) for i in range(count)]


def test_history_fills_each_series_from_the_coarsest_base_that_divides_it() -> None:
    """5m..1d come from 1-minute history, 5s..30s from 1-second history, 1m from minutes."""
    minutes = minute_history(T0 - 120 * MINUTE, 120)
    seconds = second_history(T0 - 90 * S, 90)
    book = BarBook()
    book.load_history({ONE_MINUTE: minutes, ONE_SECOND: seconds})
    assert sum(b.volume for b in book.bars("5m", 1000)) == 1200
    assert sum(b.volume for b in book.bars("1m", 1000)) == 1200
    assert sum(b.volume for b in book.bars("1d", 1000)) == 1200
    assert sum(b.volume for b in book.bars("5s", 1000)) == 90
    assert book.bars("5m", 1000)[0].start == T0 - 120 * MINUTE
    assert len(book.bars("5m", 1000)) == 24


def test_history_loaded_one_timeframe_at_a_time_counts_nothing_twice() -> None:
    """Loading 1m then 1s history (one BarsLoaded each) leaves the coarse series untouched."""
    minutes = minute_history(T0 - 120 * MINUTE, 120)
    seconds = second_history(T0 - 90 * S, 90)
    together = BarBook()
    together.load_history({ONE_MINUTE: minutes, ONE_SECOND: seconds})
    for order in ([ONE_MINUTE, ONE_SECOND], [ONE_SECOND, ONE_MINUTE]):
        book = BarBook()
        for tf in order:
            book.load_history({tf: minutes if tf is ONE_MINUTE else seconds})
        for label in TIMEFRAMES:
            assert book.bars(label, 5000) == together.bars(label, 5000), (order, label)


def test_live_prints_continue_the_history() -> None:
    """After history, live prints extend the last bar of its minute and then open new ones."""
    minutes = minute_history(T0 - 3 * MINUTE, 3)
    book = BarBook()
    book.load_history({ONE_MINUTE: minutes})
    book.on_print(T0 - MINUTE + 30 * S, 150, 5)  # inside the last history minute
    book.on_print(T0 + S, 90, 1)
    bars = book.bars("1m", 10)
    assert [b.start for b in bars] == [T0 - 3 * MINUTE, T0 - 2 * MINUTE, T0 - MINUTE, T0]
    assert ohlcv(bars[2]) == (102, 150, 101, 150, 15)
    assert ohlcv(bars[3]) == (90, 90, 90, 90, 1)


# Properties -----------------------------------------------------------------------------

prints_strategy = st.lists(
    st.tuples(
        st.integers(0, 3 * 24 * 3600 * 1000),  # milliseconds over three days
        st.integers(1, 400),
        st.integers(1, 50),
    ),
    min_size=1,
    max_size=300,
)


@given(prints_strategy, st.lists(st.integers(1, 40), min_size=1, max_size=10), st.booleans())
def test_volume_and_ranges_hold_for_any_prints_and_reads(
    raw: list[tuple[int, int, int]], chunks: list[int], ordered: bool
) -> None:
    """Every timeframe's volume sums to the total and high >= open, close >= low, however read."""
    start = ct(2026, 10, 30, 12, 0)  # the window spans the fall-back DST change
    prints = [(start + ms * 1_000_000, price, size) for ms, price, size in raw]
    if ordered:
        prints.sort()
    book = BarBook()
    position = 0
    index = 0
    while position < len(prints):
        step = chunks[index % len(chunks)]
        for ts, price, size in prints[position : position + step]:
            book.on_print(ts, price, size)
        position += step
        index += 1
        for label in TIMEFRAMES:
            book.bars(label, 3)  # reading between chunks must not disturb anything
    total = sum(size for _, _, size in prints)
    for label in TIMEFRAMES:
        bars = book.bars(label, 10_000)
        assert sum(b.volume for b in bars) == total, label
        for bar in bars:
            assert bar.high >= max(bar.open, bar.close) >= min(bar.open, bar.close) >= bar.low
        starts = [b.start for b in bars]
        assert starts == sorted(set(starts)), label
    if ordered:
        for label in ("1s", "1m", "1h", "1d"):
            got = [b.as_tuple() for b in book.bars(label, 10_000)]
            assert got == reference(prints, label), label


@given(st.integers(ct(2024, 1, 1, 0, 0), ct(2030, 1, 1, 0, 0)))
def test_anchored_buckets_tile_the_trading_day(ns: int) -> None:
    """Hourly and longer buckets contain the instant and never cross the 17:00 CT boundary."""
    day_start = trading_day_start(ns)
    for label in ("1h", "4h", "1d"):
        start, end = BarSeries(TIMEFRAMES[label]).bucket(ns)
        assert day_start <= start <= ns < end
        assert trading_day_start(end - 1) == day_start


def test_demo_history_through_the_state_keeps_every_minute_honest() -> None:
    """The synthetic market's two BarsLoaded events leave each 1m bar equal to its history bar."""
    from cockpit.core.instruments import INSTRUMENTS
    from cockpit.core.state import State
    from cockpit.market.synthetic import SyntheticMarket

    market = SyntheticMarket(["MNQ"], seed=3, start_ns=T0)
    state = State(INSTRUMENTS, ["MNQ"])
    history = market.history_events()
    for event in history:
        state.apply(event)
    [minutes] = [e.bars for e in history if getattr(e, "timeframe", "") == "1m"]
    shown = state.bars["MNQ"].bars("1m", len(minutes))
    assert shown == list(minutes[-len(shown) :])
