"""History arrives in several answers (1m bars, then 1s bars); each series keeps the
coarsest base that divides it, so nothing is counted twice."""

from __future__ import annotations

from cockpit.core.bars import ONE_MINUTE, ONE_SECOND, Bar, BarBook

T0 = 1_795_000_000 * 1_000_000_000 - (1_795_000_000 * 1_000_000_000) % ONE_MINUTE.ns


def minute_bars() -> list[Bar]:
    return [Bar(T0 + i * ONE_MINUTE.ns, 100 + i, 105 + i, 95 + i, 101 + i, 10) for i in range(5)]


def second_bars() -> list[Bar]:
    start = T0 + 3 * ONE_MINUTE.ns
    return [Bar(start + i * ONE_SECOND.ns, 500, 900, 50, 500, 1) for i in range(120)]


def test_second_bars_after_minute_bars_leave_minutes_alone() -> None:
    """Loading 1s bars after 1m bars changes 1s..30s only; 1m keeps its own bars."""
    book = BarBook()
    book.load_history({ONE_MINUTE: minute_bars()})
    book.load_history({ONE_SECOND: second_bars()})
    minutes = book.bars("1m", 10)
    assert [b.volume for b in minutes] == [10] * 5
    assert max(b.high for b in minutes) == 109
    assert sum(b.volume for b in book.bars("30s", 10)) == 120


def test_minute_bars_after_second_bars_replace_the_coarse_series() -> None:
    """Loading 1m bars after 1s bars rebuilds 1m..1d from the minutes alone."""
    book = BarBook()
    book.load_history({ONE_SECOND: second_bars()})
    book.load_history({ONE_MINUTE: minute_bars()})
    assert [b.volume for b in book.bars("1m", 10)] == [10] * 5
    assert sum(b.volume for b in book.bars("5s", 100)) == 120


def test_a_live_print_after_history_extends_the_last_bar_once() -> None:
    """The first live print lands in the forming minute without re-adding history."""
    book = BarBook()
    book.load_history({ONE_MINUTE: minute_bars()})
    book.load_history({ONE_SECOND: second_bars()})
    last_minute = T0 + 4 * ONE_MINUTE.ns
    book.on_print(last_minute + 30 * ONE_SECOND.ns, 104, 3)
    forming = book.bars("1m", 1)[-1]
    assert (forming.start, forming.volume, forming.close) == (last_minute, 13, 104)
