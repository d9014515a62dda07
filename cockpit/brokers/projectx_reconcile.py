"""A reconcile: the Gateway's REST answers turned into the events the cockpit missed.

At start this brings in the day's fills (so realized P&L and daily limits are right
after a restart), working orders, open positions and the balance. After a reconnect it
fills the gap: orders that finished or were placed elsewhere while the hub was down
(``/Order/search`` over the trading day), fills, positions that moved or closed.
Positions the hub reported while the REST calls were in flight are fresher than the
snapshot and are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from cockpit.brokers.projectx_mirror import AccountMirror
from cockpit.brokers.projectx_payloads import (
    ContractBook,
    MalformedPayload,
    parse_account,
    parse_fill,
    parse_order,
    parse_position,
)
from cockpit.core.events import (
    AccountUpdated,
    Event,
    FillReceived,
    OrderUpdated,
    PositionUpdated,
    Reconciled,
)
from cockpit.core.models import Fill, Order, Position


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The raw rows of one reconcile's REST answers."""

    account_rows: list[Any]
    open_orders: list[Any]
    recent_orders: list[Any]
    positions: list[Any]
    fills: list[Any]


@dataclass(slots=True)
class Result:
    events: list[Event] = field(default_factory=list)
    malformed: list[tuple[str, MalformedPayload]] = field(default_factory=list)
    reconciled: Reconciled = field(default_factory=lambda: Reconciled(0))


def reconcile_events(
    snapshot: Snapshot,
    mirror: AccountMirror,
    book: ContractBook,
    marks: Mapping[str, int],
    uncertain_tags: Set[str],
    now: int,
) -> Result:
    """The news in a snapshot, in the order the cockpit should hear it."""
    result = Result()
    mine = mirror.account_id

    def parsed[T](kind: str, rows: list[Any], parse: Any) -> list[T]:
        out = []
        for row in rows:
            try:
                item = parse(row)
            except MalformedPayload as exc:
                result.malformed.append((kind, exc))
                continue
            if item is not None:
                out.append(item)
        return out

    open_orders: list[Order] = [
        o
        for o in parsed("order", snapshot.open_orders, lambda r: parse_order(r, book))
        if o.account_id == mine
    ]
    open_ids = {o.id for o in open_orders}
    vanished = {o.id for o in mirror.working()} - open_ids
    recent: list[Order] = parsed("order", snapshot.recent_orders, lambda r: parse_order(r, book))
    for order in recent:
        if order.account_id != mine:
            continue
        unseen = order.id not in mirror.orders
        wanted = unseen or order.id in vanished or order.tag in uncertain_tags
        if wanted and mirror.order(order):
            result.events.append(OrderUpdated(order.updated_ns, order))
    for order in open_orders:
        if mirror.order(order):
            result.events.append(OrderUpdated(order.updated_ns, order))

    fills: list[Fill] = parsed("fill", snapshot.fills, lambda r: parse_fill(r, book))
    new_fills = 0
    for fill in sorted(fills, key=lambda f: (f.ts, f.id)):
        if fill.account_id == mine and mirror.fill(fill):
            new_fills += 1
            result.events.append(FillReceived(fill.ts, fill))

    held: dict[str, Position] = {
        p.symbol: p
        for p in parsed("position", snapshot.positions, lambda r: parse_position(r, book, now))
        if p.account_id == mine
    }
    for symbol in sorted(set(held) | set(mirror.positions)):
        if mirror.moved(symbol, marks):
            continue  # the hub spoke after the snapshot was asked for: it is fresher
        position = held.get(symbol) or Position(mine, symbol, 0, 0, now)
        if mirror.position(position):
            result.events.append(PositionUpdated(now, position))

    for account in parsed("account", snapshot.account_rows, parse_account):
        if account.id == mine and mirror.account_update(account):
            result.events.append(AccountUpdated(now, account))

    detail = (
        f"{len(open_orders)} working order(s), {len(held)} open position(s), "
        f"{new_fills} new fill(s)"
    )
    result.reconciled = Reconciled(now, detail)
    return result
