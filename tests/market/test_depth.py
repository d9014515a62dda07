"""The synthetic market's ten-level book: agrees with its quotes and prints, moves fast."""

from __future__ import annotations

import random
from collections import Counter
from functools import cache
from statistics import mean

import pytest

from cockpit.core.book import Book
from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import DepthUpdated, Event, Printed, QuoteUpdated
from cockpit.core.models import Side
from cockpit.market.depth import LEVELS, SyntheticDepth
from cockpit.market.synthetic import SyntheticMarket
from tests.conftest import START_NS

S = NS_PER_SECOND
SYMBOLS = ("MNQ", "MES", "MGC")


@cache
def ten_minutes(seed: int = 7) -> tuple[list[DepthUpdated], list[Event]]:
    """The opening books and ten minutes of tape (cached: read only)."""
    market = SyntheticMarket(SYMBOLS, seed=seed, start_ns=START_NS)
    market.opening_quotes()
    return market.opening_books(), market.advance(START_NS + 600 * S)


def test_the_opening_book_is_a_reset_with_ten_levels_a_side_around_the_quote() -> None:
    """Each instrument opens with a reset carrying ten bids and ten asks, touch first."""
    market = SyntheticMarket(SYMBOLS, seed=3, start_ns=START_NS)
    quotes = {q.symbol: q for q in market.opening_quotes()}
    for depth in market.opening_books():
        quote = quotes[depth.symbol]
        assert depth.reset
        assert [p for p, _ in depth.bids] == [quote.bid - i for i in range(LEVELS)]
        assert [p for p, _ in depth.asks] == [quote.ask + i for i in range(LEVELS)]
        assert depth.bids[0][1] == quote.bid_size
        assert depth.asks[0][1] == quote.ask_size
        assert all(size > 0 for _, size in depth.bids + depth.asks)


def test_the_book_rebuilt_from_its_updates_always_agrees_with_the_quote() -> None:
    """Folding the depth updates gives, at every quote, its touch and sizes, ten contiguous
    levels a side and never a crossed book."""
    opening, tape = ten_minutes()
    books = {symbol: Book() for symbol in SYMBOLS}
    for depth in opening:
        books[depth.symbol].apply(depth.bids, depth.asks)
    checked = 0
    for event in tape:
        if isinstance(event, DepthUpdated):
            assert not event.reset
            books[event.symbol].apply(event.bids, event.asks)
        elif isinstance(event, QuoteUpdated):
            book = books[event.symbol]
            assert (book.best_bid, book.best_ask) == (event.bid, event.ask)
            assert book.bids[event.bid] == event.bid_size
            assert book.asks[event.ask] == event.ask_size
            assert sorted(book.bids) == list(range(event.bid - LEVELS + 1, event.bid + 1))
            assert sorted(book.asks) == list(range(event.ask, event.ask + LEVELS))
            checked += 1
    assert checked > 10_000


def test_a_print_that_leaves_the_touch_in_place_takes_its_size_off_the_touch() -> None:
    """Prints consume the touch: the size at the print's price drops by the print's size."""
    opening, tape = ten_minutes()
    books = {symbol: Book() for symbol in SYMBOLS}
    for depth in opening:
        books[depth.symbol].apply(depth.bids, depth.asks)
    last_print: Printed | None = None
    before = 0
    consumed = 0
    for event in tape:
        if isinstance(event, Printed):
            assert event.aggressor is not None
            last_print = event
            before = books[event.symbol].size_at(event.aggressor.opposite, event.price)
        elif isinstance(event, DepthUpdated):
            books[event.symbol].apply(event.bids, event.asks)
        elif isinstance(event, QuoteUpdated):
            if last_print is not None and last_print.ts == event.ts:
                assert last_print.aggressor is not None
                side = last_print.aggressor.opposite
                touch = event.ask if side is Side.SELL else event.bid
                if touch == last_print.price:
                    after = books[event.symbol].size_at(side, touch)
                    assert after == before - last_print.size
                    consumed += 1
            last_print = None
    assert consumed > 1_000


def test_a_fast_market_sends_hundreds_of_book_updates_a_second() -> None:
    """In fast bursts one instrument's book changes hundreds of times a second."""
    _, tape = ten_minutes()
    per_second = Counter(
        (e.ts - START_NS) // S for e in tape if isinstance(e, DepthUpdated) and e.symbol == "MNQ"
    )
    assert max(per_second.values()) > 200


def test_a_fast_market_thins_the_levels_near_the_touch() -> None:
    """Away from the touch sizes grow with distance; in a fast market the three levels next
    to the touch hold much less than in a calm one."""

    def near_and_far(fast: bool) -> tuple[float, float]:
        depth = SyntheticDepth("MNQ", (8, 45), random.Random(1))
        near: list[int] = []
        far: list[int] = []
        for step in range(2_000):
            bid = 1000 + step % 7  # the touch wanders, so fresh levels keep arriving
            depth.step(step, (bid, bid + 1, 20, 20), fast=fast)
            near += [depth.bids[bid - d] for d in (1, 2, 3)]
            far += [depth.bids[bid - d] for d in (7, 8, 9)]
        return mean(near), mean(far)

    calm_near, calm_far = near_and_far(fast=False)
    fast_near, fast_far = near_and_far(fast=True)
    assert fast_near < calm_near / 2
    assert calm_far > calm_near
    assert fast_far > fast_near * 2


def test_the_same_seed_gives_the_same_book_and_another_seed_another() -> None:
    """Depth is deterministic per seed, and two seeds give different books."""
    one = SyntheticMarket(["MNQ"], seed=11, start_ns=START_NS)
    two = SyntheticMarket(["MNQ"], seed=11, start_ns=START_NS)
    other = SyntheticMarket(["MNQ"], seed=12, start_ns=START_NS)
    for market in (one, two, other):
        market.opening_quotes()
    assert one.opening_books() == two.opening_books() != other.opening_books()
    chunked = one.advance(START_NS + 2 * S) + one.advance(START_NS + 30 * S)
    assert chunked == two.advance(START_NS + 30 * S)


def test_depth_leaves_the_tape_of_quotes_and_prints_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Depth draws on its own random stream: with depth switched off the market prints the
    same quotes and prints, so seeds that tests and demos rely on tell the same story."""

    def tape() -> list[Event]:
        market = SyntheticMarket(["MNQ", "MGC"], seed=5, start_ns=START_NS)
        market.opening_quotes()
        market.opening_books()
        return [e for e in market.advance(START_NS + 60 * S) if not isinstance(e, DepthUpdated)]

    with_depth = tape()
    monkeypatch.setattr(SyntheticDepth, "step", lambda *args, **kwargs: None)
    monkeypatch.setattr(SyntheticDepth, "opening", lambda *args, **kwargs: None)
    assert tape() == with_depth
