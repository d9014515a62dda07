"""GatewayDepth folded into DepthUpdated: DomTypes, volume not currentVolume, Reset,
removals, bursts coalesced, bad entries counted while the good ones apply."""

from __future__ import annotations

import asyncio
from typing import Any

from cockpit.brokers.projectx_depth import DepthBuffer
from cockpit.brokers.projectx_payloads import ContractBook
from cockpit.core.events import DepthUpdated
from cockpit.core.instruments import INSTRUMENTS

ES = "CON.F.US.EP.Z26"


class Harness:
    def __init__(self) -> None:
        book = ContractBook()
        book.add(INSTRUMENTS["ES"], ES, "ESZ6")
        self.sent: list[DepthUpdated] = []
        self.bad: list[tuple[str, str]] = []
        self.buffer = DepthBuffer(
            book, self.sent.append, lambda: 42, lambda k, p, _: self.bad.append((k, str(p)))
        )

    def message(self, *entries: dict[str, Any]) -> None:
        self.buffer.message((ES, list(entries)))


def entry(kind: int, price: float, volume: int, current: int = 999) -> dict[str, Any]:
    return {
        "timestamp": "2026-11-30T14:00:00Z",
        "type": kind,
        "price": price,
        "volume": volume,
        "currentVolume": current,
    }


def test_dom_types_set_bids_and_asks_from_volume() -> None:
    """Bid, BestBid, NewBestBid set bids; Ask, BestAsk, NewBestAsk asks; the size is
    ``volume``, never ``currentVolume``; Trade, Low, High and Fill set nothing."""
    h = Harness()
    h.message(
        entry(2, 6890.0, 5),
        entry(4, 6890.25, 6),
        entry(9, 6890.5, 7),
        entry(1, 6891.0, 8),
        entry(3, 6890.75, 9),
        entry(10, 6891.25, 10),
        entry(5, 6890.5, 3),
        entry(7, 6880.0, 0),
        entry(8, 6899.0, 0),
        entry(11, 6890.5, 2),
    )
    [sent] = h.sent
    assert sent == DepthUpdated(
        42, "ES", ((27560, 5), (27561, 6), (27562, 7)), ((27564, 8), (27563, 9), (27565, 10))
    )
    assert h.bad == []


def test_a_reset_voids_what_came_before_it_and_volume_zero_removes() -> None:
    """Entries before a Reset in the same message are dropped; after it the levels count;
    a volume of 0 is sent as a removal."""
    h = Harness()
    h.message(entry(2, 6890.0, 5), entry(6, 0.0, 0), entry(2, 6889.75, 4), entry(1, 6890.5, 0))
    assert h.sent == [DepthUpdated(42, "ES", ((27559, 4),), ((27562, 0),), reset=True)]


async def test_a_burst_before_the_loop_comes_round_is_one_update_with_the_latest_sizes() -> None:
    """Three messages in one loop turn give one DepthUpdated holding each level's last size."""
    h = Harness()
    h.message(entry(2, 6890.0, 5))
    h.message(entry(2, 6890.0, 3), entry(1, 6890.25, 2))
    h.message(entry(2, 6890.0, 1))
    assert h.sent == []
    await asyncio.sleep(0)
    assert h.sent == [DepthUpdated(42, "ES", ((27560, 1),), ((27561, 2),))]


def test_bad_entries_are_counted_and_the_good_ones_still_apply() -> None:
    """A DomType that is not a number, a negative volume or a missing price is one counted
    problem for the message; its well-formed entries still reach the book."""
    h = Harness()
    h.message(
        {"type": "bid", "price": 1.0, "volume": 1},
        entry(2, 6890.0, -3),
        {"type": 2, "volume": 4},
        entry(2, 6889.0, 4),
    )
    assert [kind for kind, _ in h.bad] == ["GatewayDepth"]
    assert h.sent == [DepthUpdated(42, "ES", ((27556, 4),), ())]


def test_an_unknown_contract_or_a_bad_shape_is_counted_not_raised() -> None:
    """A message for a contract the cockpit does not trade, or with one argument that is
    not ``[contractId, data]``, is counted as malformed and nothing is sent."""
    h = Harness()
    h.buffer.message(("CON.F.US.XX.Z26", [entry(2, 1.0, 1)]))
    h.buffer.message(({"oops": 1},))
    assert len(h.bad) == 2
    assert h.sent == []


def test_a_lost_message_names_the_book_that_may_be_wrong() -> None:
    """A bad entry names its contract, a message that names none says every book, and a
    message about a product the cockpit does not trade names nothing; good ones neither."""
    h = Harness()
    gaps: list[str | None] = []
    h.buffer.on_gap = gaps.append
    h.message(entry(2, 6890.0, 5))
    h.message(entry(2, 6890.0, -3))
    h.buffer.message(({"oops": 1},))
    h.buffer.message(("CON.F.US.XX.Z26", [entry(2, 1.0, 1)]))
    assert gaps == [ES, None]


def test_the_sdks_single_list_argument_form_is_read() -> None:
    """pysignalr may hand the handler one list ``[contractId, data]``: read the same."""
    h = Harness()
    h.buffer.message(([ES, [entry(2, 6890.0, 5)]],))
    assert h.sent == [DepthUpdated(42, "ES", ((27560, 5),), ())]


def test_reset_all_voids_every_book() -> None:
    """After the market hub reopens every instrument's book is reset to empty."""
    h = Harness()
    h.buffer.reset_all()
    assert h.sent == [DepthUpdated(42, "ES", (), (), reset=True)]
