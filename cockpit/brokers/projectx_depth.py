"""``GatewayDepth`` in, ``DepthUpdated`` out: the ProjectX market hub's book.

Each message is ``[contractId, [entry, ...]]`` (reference sections 4 and 6.3). An
entry's ``type`` is a DomType: 2 Bid, 4 BestBid and 9 NewBestBid set a bid level; 1
Ask, 3 BestAsk and 10 NewBestAsk an ask level; 6 Reset empties the book; 5 Trade, 7
Low, 8 High and 11 Fill carry no level and are skipped (prints come from GatewayTrade).
The size is ``volume`` (0 removes the level); ``currentVolume``, whose meaning the
Gateway leaves undocumented, is never read.

The book is built from increments, so every message must be seen in order. The SDK
keeps only the latest depth message per contract under load, which would lose levels,
so the adapter's hub client hands each one here directly (``projectx._Realtime``).

A burst of messages is coalesced: changes wait in :class:`DepthBuffer` until the event
loop comes round (a ``TurnBatch``), then go out as one ``DepthUpdated`` per instrument
holding each level's latest size, a Reset first when one came.

A message that cannot be read loses its changes, so the book may be wrong from then on:
the buffer names the contract (``on_gap``; None when the message did not say which) and
the adapter asks the gateway for that book anew.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from cockpit.brokers.projectx_payloads import (
    ContractBook,
    MalformedPayload,
    UnknownContract,
    ticks,
)
from cockpit.core.events import DepthUpdated
from cockpit.core.instruments import Instrument
from cockpit.core.turnbatch import TurnBatch

BID_TYPES = frozenset({2, 4, 9})
ASK_TYPES = frozenset({1, 3, 10})
RESET = 6
LEVELLESS = frozenset({0, 5, 7, 8, 11})
"""Unknown, Trade, Low, High, Fill: no resting size to show."""


class Levels:
    """Net changes to one instrument's book since the last flush."""

    __slots__ = ("asks", "bids", "reset")

    def __init__(self) -> None:
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.reset = False

    def clear(self) -> None:
        """A Reset: what came before it in the burst no longer matters."""
        self.bids.clear()
        self.asks.clear()
        self.reset = True


def market_arguments(args: tuple[Any, ...]) -> tuple[Any, Any]:
    """``(contractId, data)`` from a market hub handler's arguments, as the SDK reads them:
    two arguments, or one list holding both."""
    if len(args) == 2:
        return args[0], args[1]
    if len(args) == 1 and isinstance(args[0], list) and len(args[0]) == 2:
        return args[0][0], args[0][1]
    raise MalformedPayload(f"depth message has {len(args)} argument(s)")


def parse_depth(spec: Instrument, data: Any, into: Levels) -> list[str]:
    """Fold a message's entries into ``into``; the problems of entries that could not be
    read (they are skipped, the rest apply)."""
    rows: Iterable[Any] = data if isinstance(data, list) else [data]
    problems: list[str] = []
    for entry in rows:
        try:
            _entry(spec, entry, into)
        except MalformedPayload as exc:
            problems.append(str(exc))
    return problems


def _entry(spec: Instrument, entry: Any, into: Levels) -> None:
    if not isinstance(entry, dict):
        raise MalformedPayload(f"depth entry is not an object: {entry!r}")
    kind = entry.get("type")
    if type(kind) is not int:
        raise MalformedPayload(f"depth type is not a DomType: {kind!r}")
    if kind == RESET:
        into.clear()
        return
    if kind in LEVELLESS:
        return
    if kind in BID_TYPES:
        side = into.bids
    elif kind in ASK_TYPES:
        side = into.asks
    else:
        raise MalformedPayload(f"depth type {kind} is not a DomType")
    size = entry.get("volume")
    if type(size) is not int or size < 0:
        raise MalformedPayload(f"depth volume is not a size: {size!r}")
    price = entry.get("price")
    if isinstance(price, float) and not math.isfinite(price):
        raise MalformedPayload(f"depth price is not a price: {price!r}")
    side[ticks(spec, price, "price")] = size


class DepthBuffer:
    """Depth messages of a burst, netted per instrument and sent once the loop comes round."""

    def __init__(
        self,
        book: ContractBook,
        emit: Callable[[DepthUpdated], None],
        now_ns: Callable[[], int],
        bad: Callable[[str, Exception | str, Any], None],
    ) -> None:
        self.book = book
        self.emit = emit
        self.now_ns = now_ns
        self.bad = bad
        self.pending: dict[str, Levels] = {}
        self.on_gap: Callable[[str | None], None] = lambda contract_id: None
        """A message was lost: this contract's book (every book, for None) may be wrong."""
        self._batch = TurnBatch(self.flush)

    def message(self, args: tuple[Any, ...]) -> None:
        """One GatewayDepth message: fold it, and flush when the loop comes round."""
        try:
            contract_id, data = market_arguments(args)
            spec = self.book.spec(contract_id)
        except (MalformedPayload, TypeError) as exc:
            self.bad("GatewayDepth", exc, args)
            if not isinstance(exc, UnknownContract):  # a book we do not keep is not wrong
                self.on_gap(None)
            return
        levels = self.pending.get(spec.symbol)
        if levels is None:
            levels = self.pending[spec.symbol] = Levels()
        problems = parse_depth(spec, data, levels)
        if problems:
            self.bad("GatewayDepth", "; ".join(problems[:3]), args)
            self.on_gap(contract_id)
        self._batch.soon()

    def reset_all(self) -> None:
        """The market hub reopened: every book is void until the gateway sends it again."""
        for spec in self.book.specs.values():
            levels = self.pending.get(spec.symbol)
            if levels is None:
                levels = self.pending[spec.symbol] = Levels()
            levels.clear()
        self._batch.soon()

    def flush(self) -> None:
        """Send what waits: one DepthUpdated per instrument that changed."""
        pending, self.pending = self.pending, {}
        now = self.now_ns()
        for symbol, levels in pending.items():
            if levels.bids or levels.asks or levels.reset:
                bids = tuple(levels.bids.items())
                asks = tuple(levels.asks.items())
                self.emit(DepthUpdated(now, symbol, bids, asks, levels.reset))
