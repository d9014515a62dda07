"""The benchmark tape: seeded, on the tick grid, with the share of prints asked for."""

from __future__ import annotations

from benchmarks._storm import STORM_SYMBOLS, moves, tape
from cockpit.core.events import Printed, QuoteUpdated


def test_the_same_seed_gives_the_same_tape() -> None:
    """Benchmarks compare runs, so a tape must not change between them."""
    assert moves(STORM_SYMBOLS, 500, seed=3) == moves(STORM_SYMBOLS, 500, seed=3)


def test_prints_come_in_the_share_asked_for() -> None:
    """About 40% prints when asked for 40%, across all six instruments."""
    events = tape(STORM_SYMBOLS, 10_000, start_ns=0, rate=20_000, print_share=0.4)
    prints = sum(isinstance(e, Printed) for e in events)
    assert 3_700 < prints < 4_300
    assert {e.symbol for e in events} == set(STORM_SYMBOLS)  # type: ignore[attr-defined]


def test_a_tape_is_stamped_at_its_rate() -> None:
    """20,000 events a second are 50 microseconds apart."""
    events = tape(STORM_SYMBOLS, 3, start_ns=1_000, rate=20_000)
    assert [e.ts for e in events] == [1_000, 51_000, 101_000]


def test_quotes_start_from_the_touch_given() -> None:
    """A paced tape continues the market the chart shows, not the profile's price."""
    first = moves(["MNQ"], 1, start_bids={"MNQ": 100_000})[0].event(0)
    assert isinstance(first, QuoteUpdated)
    assert abs(first.bid - 100_000) <= 1
    assert first.ask == first.bid + 1
