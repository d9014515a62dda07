"""The emulator's GatewayDepth entries: DomType codes, coalesced ticks, Reset, snapshots."""

from __future__ import annotations

from cockpit.core.events import DepthUpdated, Printed
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Side
from cockpit.gateway.depth import ASK, BEST_ASK, BEST_BID, BID, RESET, DepthFeed

MNQ = INSTRUMENTS["MNQ"]


def feed() -> DepthFeed:
    depth = DepthFeed({"MNQ": MNQ})
    depth.on_depth(DepthUpdated(1, "MNQ", ((100, 5), (99, 6)), ((101, 4), (102, 7)), reset=True))
    depth.take("MNQ")
    return depth


def entries(depth: DepthFeed, spread: int = 0) -> list[tuple[int, float, int]]:
    pending = depth.take("MNQ")
    assert pending is not None
    return [(e["type"], e["price"], e["volume"]) for e in depth.changes("MNQ", pending, 9, spread)]


def test_a_tick_sends_each_changed_level_once_with_its_latest_size() -> None:
    """Three changes to one level in a tick go out as one entry; the touch is Best*, 0 removes."""
    depth = feed()
    for size in (3, 2, 9):
        depth.on_depth(DepthUpdated(2, "MNQ", bids=((100, size),)))
    depth.on_depth(DepthUpdated(3, "MNQ", asks=((102, 0),)))
    assert entries(depth) == [(BEST_BID, 25.0, 9), (ASK, 25.5, 0)]
    assert depth.take("MNQ") is None


def test_a_reset_voids_the_tick_before_it_and_goes_out_first() -> None:
    """After a reset the entries are a Reset then the new levels, nothing older."""
    depth = feed()
    depth.on_depth(DepthUpdated(2, "MNQ", bids=((99, 1),)))
    depth.on_depth(DepthUpdated(3, "MNQ", ((98, 2),), ((103, 3),), reset=True))
    assert entries(depth) == [(RESET, 0.0, 0), (BEST_BID, 24.5, 2), (BEST_ASK, 25.75, 3)]


def test_a_new_subscriber_gets_the_whole_book_and_a_later_month_its_spread() -> None:
    """The snapshot is a Reset and every level, prices shifted by the listing's spread;
    ``currentVolume`` carries the volume traded at the price, never the resting size."""
    depth = feed()
    depth.on_print(Printed(2, "MNQ", 101, 3, Side.BUY))
    snapshot = depth.snapshot("MNQ", 9, spread=4)
    assert [(e["type"], e["price"], e["volume"]) for e in snapshot] == [
        (RESET, 0.0, 0),
        (BEST_BID, 26.0, 5),
        (BID, 25.75, 6),
        (BEST_ASK, 26.25, 4),
        (ASK, 26.5, 7),
    ]
    assert [e["currentVolume"] for e in snapshot] == [0, 0, 0, 3, 0]
