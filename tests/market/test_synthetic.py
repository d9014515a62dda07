"""The synthetic market: a deterministic, realistic tape on the tick grid, with history."""

from __future__ import annotations

from collections import Counter
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.core.bars import ONE_MINUTE, ONE_SECOND
from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import (
    BarsLoaded,
    DayStatsUpdated,
    Event,
    Printed,
    QuoteUpdated,
)
from cockpit.core.instruments import DEFAULT_WATCHLIST
from cockpit.core.models import Side
from cockpit.core.tradingday import trading_day_start
from cockpit.market.profiles import (
    LIVELY_FLOOR,
    MICRO_SIZES,
    MINI_SIZES,
    PROFILES,
    hourly_shape,
    intraday_activity,
)
from cockpit.market.synthetic import HISTORY_SECONDS, SyntheticMarket
from tests.conftest import START_NS

S = NS_PER_SECOND
WATCH = DEFAULT_WATCHLIST


@cache
def ten_minutes(
    seed: int = 7, symbols: tuple[str, ...] = WATCH
) -> tuple[list[QuoteUpdated], list[Event], SyntheticMarket]:
    """Opening quotes, ten minutes of tape, and the market after them (cached: read only)."""
    market = SyntheticMarket(symbols, seed=seed, start_ns=START_NS)
    opening = market.opening_quotes()
    return opening, market.advance(START_NS + 600 * S), market


@cache
def whole_minute(seed: int) -> list[Event]:
    market = SyntheticMarket(["MNQ", "MGC"], seed=seed, start_ns=START_NS)
    return market.advance(START_NS + 60 * S)


@settings(max_examples=12)
@given(st.lists(st.integers(1, 20_000), min_size=1, max_size=40), st.sampled_from([1, 7, 2**31]))
def test_same_seed_same_tape_however_advance_is_chunked(chunks_ms: list[int], seed: int) -> None:
    """Advancing in any chunks gives exactly the events of one big advance."""
    end = START_NS + 60 * S
    chunked = SyntheticMarket(["MNQ", "MGC"], seed=seed, start_ns=START_NS)
    pieces: list[Event] = []
    now = START_NS
    index = 0
    while now < end:
        now = min(end, now + chunks_ms[index % len(chunks_ms)] * 1_000_000)
        pieces += chunked.advance(now)
        index += 1
    assert pieces == whole_minute(seed)


def test_same_seed_same_history_and_different_seeds_differ() -> None:
    """The seed decides everything: history and tape repeat for a seed and differ across seeds."""
    first = SyntheticMarket(["MNQ"], seed=11, start_ns=START_NS)
    again = SyntheticMarket(["MNQ"], seed=11, start_ns=START_NS)
    other = SyntheticMarket(["MNQ"], seed=12, start_ns=START_NS)
    assert first.history_events() == again.history_events()
    assert first.history_events() != other.history_events()
    end = START_NS + 120 * S
    tape = first.advance(end)
    assert tape == again.advance(end)
    assert tape != other.advance(end)


def test_advance_never_goes_back_or_repeats() -> None:
    """Events come in time order, after the start, and an advance to the past gives nothing."""
    market = SyntheticMarket(["MES"], seed=7, start_ns=START_NS)
    tape = market.advance(START_NS + 600 * S)
    stamps = [e.ts for e in tape]
    assert stamps == sorted(stamps)
    assert stamps[0] > START_NS
    assert stamps[-1] <= START_NS + 600 * S
    assert market.advance(START_NS + 300 * S) == []


def test_quotes_are_on_the_grid_with_a_one_tick_spread_most_of_the_time() -> None:
    """Prices are whole ticks; the spread is 1 tick in at least 98% of quotes and never over 2."""
    _, tape, _ = ten_minutes()
    quotes = [e for e in tape if isinstance(e, QuoteUpdated)]
    assert quotes
    assert all(type(q.bid) is int and type(q.ask) is int for q in quotes)
    spreads = Counter(q.ask - q.bid for q in quotes)
    assert set(spreads) <= {1, 2}
    assert spreads[1] / len(quotes) >= 0.98
    assert all(q.bid_size > 0 and q.ask_size > 0 for q in quotes)


def test_prints_hit_the_bid_or_lift_the_ask() -> None:
    """A buy print is at the ask the tape last showed, a sell print at the bid."""
    opening, tape, _ = ten_minutes()
    touch = {q.symbol: (q.bid, q.ask) for q in opening}
    checked = 0
    for event in tape:
        if isinstance(event, QuoteUpdated):
            touch[event.symbol] = (event.bid, event.ask)
        elif isinstance(event, Printed):
            bid, ask = touch[event.symbol]
            assert event.price == (ask if event.aggressor is Side.BUY else bid)
            checked += 1
    assert checked > 10_000


def test_print_sizes_look_like_a_micro_tape() -> None:
    """Sizes come from the micro profile: mostly 1-lots, occasionally a 100-lot."""
    _, tape, _ = ten_minutes()
    sizes = Counter(e.size for e in tape if isinstance(e, Printed))
    allowed = {size for size, _ in MICRO_SIZES}
    assert set(sizes) <= allowed
    assert sizes.most_common(1)[0][0] == 1
    total = sum(sizes.values())
    assert 0.3 < sizes[1] / total < 0.5


def test_mini_prints_use_the_mini_sizes() -> None:
    """ES and NQ print mini-sized lots."""
    _, tape, _ = ten_minutes(symbols=("ES", "NQ"))
    sizes = {e.size for e in tape if isinstance(e, Printed)}
    assert sizes <= {size for size, _ in MINI_SIZES}


def test_ten_minutes_hold_bursts_of_over_a_hundred_prints_a_second() -> None:
    """A fast regime shows up within ten minutes: some seconds carry more than 100 prints."""
    _, tape, _ = ten_minutes()
    per_second = Counter((e.ts - START_NS) // S for e in tape if isinstance(e, Printed))
    busy = [n for n in per_second.values() if n > 100]
    assert busy
    assert max(per_second.values()) > 300
    assert len(per_second) > 500  # and the tape is alive nearly every second


def test_every_instrument_trades() -> None:
    """Each of the six micros prints within ten minutes, MNQ the most."""
    _, tape, _ = ten_minutes()
    counts = Counter(e.symbol for e in tape if isinstance(e, Printed))
    assert set(counts) == set(WATCH)
    assert counts.most_common(1)[0][0] == "MNQ"


def test_prices_stay_near_their_profile() -> None:
    """Ten minutes move MNQ well under 2% from where history left it."""
    opening, tape, _ = ten_minutes()
    start = {q.symbol: q.bid for q in opening}
    for event in tape:
        if isinstance(event, Printed):
            assert abs(event.price - start[event.symbol]) < start[event.symbol] * 0.02


# History ------------------------------------------------------------------------------


@cache
def history(symbols: tuple[str, ...] = WATCH) -> tuple[SyntheticMarket, list[Event]]:
    """A fresh market's history (cached: tests only read it)."""
    market = SyntheticMarket(symbols, seed=7, start_ns=START_NS)
    return market, market.history_events()


def test_history_gives_minutes_seconds_and_a_settle_per_symbol() -> None:
    """Each symbol gets 1m and 1s history and a prior settle, stamped at the start."""
    _, events = history()
    loaded = {(e.symbol, e.timeframe) for e in events if isinstance(e, BarsLoaded)}
    assert loaded == {(s, tf) for s in WATCH for tf in ("1m", "1s")}
    assert {e.symbol for e in events if isinstance(e, DayStatsUpdated)} == set(WATCH)
    assert all(e.ts == START_NS for e in events)


def test_history_covers_the_prior_settle_and_ends_at_the_start() -> None:
    """1-minute bars reach back past the last 17:00 CT; the settle is the close just before it."""
    _, events = history()
    day_start = trading_day_start(START_NS)
    for symbol in WATCH:
        minutes = next(
            e.bars
            for e in events
            if isinstance(e, BarsLoaded) and e.symbol == symbol and e.timeframe == "1m"
        )
        settle = next(
            e.settle for e in events if isinstance(e, DayStatsUpdated) and e.symbol == symbol
        )
        assert minutes[0].start < day_start - 60 * ONE_MINUTE.ns
        assert minutes[-1].start < START_NS
        assert settle == [b for b in minutes if b.start < day_start][-1].close


def test_history_bars_are_sane_and_in_order() -> None:
    """Bars are on the minute or second, ascending, never overlapping, and high >= low."""
    _, events = history(("MNQ", "MCL"))
    for event in events:
        if not isinstance(event, BarsLoaded):
            continue
        period = ONE_MINUTE.ns if event.timeframe == "1m" else ONE_SECOND.ns
        starts = [b.start for b in event.bars]
        assert starts == sorted(set(starts))
        for bar in event.bars:
            assert bar.start % period == 0
            assert bar.high >= max(bar.open, bar.close) >= min(bar.open, bar.close) >= bar.low
            assert bar.volume > 0
        if event.timeframe == "1s":
            assert starts[0] >= START_NS - (HISTORY_SECONDS + 60) * S
            assert starts[-1] < START_NS


def test_live_tape_continues_from_the_history() -> None:
    """The first live quote sits right where the last history bar closed."""
    market, events = history()
    for quote in market.opening_quotes():
        seconds = next(
            e.bars
            for e in events
            if isinstance(e, BarsLoaded) and e.symbol == quote.symbol and e.timeframe == "1s"
        )
        assert abs(quote.bid - seconds[-1].close) <= 3
        base = PROFILES[quote.symbol].base_price
        price = market.books[quote.symbol].spec.to_price(quote.bid)
        assert abs(price - base) < base / 10


def test_touch_matches_the_last_quote() -> None:
    """touch() answers what the tape last said."""
    _, tape, market = ten_minutes(symbols=("MES",))
    last = [e for e in tape if isinstance(e, QuoteUpdated)][-1]
    assert market.touch("MES") == (last.bid, last.ask)


def test_activity_is_highest_at_the_open() -> None:
    """The 08:30 CT open is the busiest time; the maintenance hour the quietest."""
    by_hour = {h: hourly_shape(h) for h in (3.0, 8.75, 12.0, 14.5, 16.5, 20.0)}
    assert max(by_hour, key=by_hour.__getitem__) == 8.75
    assert min(by_hour, key=by_hour.__getitem__) == 16.5


def test_the_demo_never_goes_as_quiet_as_a_real_night() -> None:
    """Whatever the hour, the demo keeps at least the lively floor of activity."""
    assert min(intraday_activity(h / 4) for h in range(96)) == LIVELY_FLOOR
    assert intraday_activity(8.75) == hourly_shape(8.75)


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=1, max_value=40))
def test_a_market_played_a_few_events_at_a_time_makes_the_same_tape(most: int) -> None:
    """advance(until, most) stops after about `most` events and goes on from there: slice
    by slice, the tape is the one advance(until) makes whole."""
    whole = SyntheticMarket(("MNQ", "MES"), seed=5, start_ns=START_NS)
    sliced = SyntheticMarket(("MNQ", "MES"), seed=5, start_ns=START_NS)
    until = START_NS + 20 * S
    tape: list[Event] = []
    while piece := sliced.advance(until, most):
        assert len(piece) < most + 8  # one moment's changes at most past the limit
        tape += piece
    assert tape == whole.advance(until)
