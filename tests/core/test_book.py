"""The order book: exact levels, best bid and ask, resets, volume at price, changed rows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.book import Book
from cockpit.core.events import DepthUpdated, Printed
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Side
from cockpit.core.state import State

levels = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5)), max_size=12)
batches = st.lists(st.tuples(levels, levels, st.booleans()), max_size=30)


@given(batches)
def test_book_matches_a_plain_model_after_any_batches(steps: list) -> None:
    """After any sequence of batches and resets the book equals a dict model, best prices too."""
    book = Book()
    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    for new_bids, new_asks, reset in steps:
        if reset:
            book.reset()
            bids.clear()
            asks.clear()
        book.apply(new_bids, new_asks)
        for model, changes in ((bids, new_bids), (asks, new_asks)):
            for price, size in changes:
                if size:
                    model[price] = size
                else:
                    model.pop(price, None)
        assert book.bids == bids
        assert book.asks == asks
        assert book.best_bid == max(bids, default=None)
        assert book.best_ask == min(asks, default=None)


def test_levels_run_from_the_touch_outwards() -> None:
    """Bids read highest first, asks lowest first, cut at the depth asked for."""
    book = Book()
    book.apply([(98, 3), (100, 1), (99, 2)], [(103, 6), (101, 4), (102, 5)])
    assert book.levels(Side.BUY) == [(100, 1), (99, 2), (98, 3)]
    assert book.levels(Side.SELL, 2) == [(101, 4), (102, 5)]
    assert book.size_at(Side.BUY, 99) == 2
    assert book.size_at(Side.SELL, 99) == 0


def test_removing_the_touch_moves_the_best_price_out() -> None:
    """Size 0 at the best bid makes the next bid the best; emptying a side gives None."""
    book = Book()
    book.apply([(100, 1), (99, 2)], [(101, 1)])
    book.apply([(100, 0)], [(101, 0)])
    assert book.best_bid == 99
    assert book.best_ask is None


def test_changed_names_every_repainted_row_once_then_empties() -> None:
    """Changed prices cover levels set, removed, reset away and printed at; taking clears."""
    book = Book()
    book.apply([(100, 1), (99, 2)], [(101, 1)])
    assert book.take_changed() == {99, 100, 101}
    assert book.take_changed() == set()
    version = book.version
    book.reset()
    book.apply([(98, 1)], [])
    book.on_print(Printed(1, "MNQ", 102, 3, Side.BUY))
    assert book.take_changed() == {98, 99, 100, 101, 102}
    assert book.version == version + 3


def test_prints_count_volume_at_price_and_survive_a_reset() -> None:
    """Volume at each price adds up prints; a depth reset keeps the session's volume."""
    book = Book(tape_size=2)
    for size in (1, 2, 3):
        book.on_print(Printed(size, "MNQ", 100, size, Side.SELL))
    book.on_print(Printed(4, "MNQ", 101, 5, Side.BUY))
    book.reset()
    assert book.traded == {100: 6, 101: 5}
    assert book.volume == 11
    assert [p.ts for p in book.tape] == [3, 4]


def test_state_folds_depth_into_the_symbols_book_and_notes_the_change() -> None:
    """DepthUpdated sets levels in ``state.books``, a reset empties first, and the symbol
    is in ``changes.books``."""
    state = State(INSTRUMENTS, ["MNQ"])
    state.apply(DepthUpdated(1, "MNQ", bids=((100, 4),), asks=((101, 2),)))
    state.apply(DepthUpdated(2, "MNQ", bids=((99, 7),), reset=True))
    book = state.books["MNQ"]
    assert book.bids == {99: 7}
    assert book.asks == {}
    assert state.take_changes().books == {"MNQ"}
    assert state.market_ns == 2


def test_state_counts_prints_into_the_book_and_the_session_volume() -> None:
    """A print of a symbol off the watchlist gets a book; ``state.volume`` sums the books."""
    state = State(INSTRUMENTS, ["MNQ"])
    state.apply(Printed(1, "MES", 500, 3, Side.BUY))
    state.apply(Printed(2, "MES", 501, 2, Side.SELL))
    assert state.books["MES"].traded == {500: 3, 501: 2}
    assert state.volume == {"MNQ": 0, "MES": 5}
    assert "MES" in state.take_changes().books
