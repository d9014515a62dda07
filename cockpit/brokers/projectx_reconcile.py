"""A reconcile: the Gateway's REST answers turned into the events the cockpit missed.

At start this brings in the day's fills (so realized P&L and daily limits are right
after a restart), working orders, open positions and the balance. After a reconnect it
fills the gap: orders that finished or were placed elsewhere while the hub was down
(``/Order/search`` over the trading day), fills, positions that moved or closed.
Positions the hub reported while the REST calls were in flight are fresher than the
snapshot and are left alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from cockpit.brokers.projectx_feed import LiveFeed
from cockpit.brokers.projectx_mirror import AccountMirror
from cockpit.brokers.projectx_payloads import (
    Call,
    ContractBook,
    MalformedPayload,
    parse_account,
    parse_fill,
    parse_order,
    parse_position,
    rows,
)
from cockpit.core.broker import BrokerError
from cockpit.core.clock import NS_PER_SECOND, Clock, datetime_from_ns
from cockpit.core.events import (
    AccountUpdated,
    Event,
    FillReceived,
    LinkStatus,
    OrderUpdated,
    PositionUpdated,
    Reconciled,
)
from cockpit.core.models import Fill, Order, Position
from cockpit.core.tradingday import trading_day_start

RETRY_MAX_NS = 30 * NS_PER_SECOND


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


class Reconciler:
    """Runs reconciles over REST, one at a time, and tracks orders whose answer was lost.

    ``Reconciled`` (order keys on) is emitted only when no such order is still being
    looked for; an order is looked for by its tag until it shows up or its grace ends.
    """

    def __init__(
        self,
        call: Call,
        feed: LiveFeed,
        clock: Clock,
        show: Callable[[LinkStatus, str], None],
        grace_seconds: float,
        hub_up: Callable[[], bool] = lambda: True,
    ) -> None:
        self.call = call
        self.hub_up = hub_up
        """Is the user hub delivering? Without it, a re-read is not enough for order keys."""
        self.feed = feed
        self.clock = clock
        self.show = show
        """Show the account link's status (the adapter's LinkWatch)."""
        self.grace_seconds = grace_seconds
        self.lost: dict[str, int] = {}
        """Tags of orders whose submission went unanswered, with when to stop looking."""
        self.needed = False
        self.next_at = 0
        self._gap = NS_PER_SECOND
        self._lock = asyncio.Lock()

    def look_for(self, tag: str) -> None:
        """An order's answer was lost: keep order keys off until its fate is known."""
        self.lost[tag] = self.clock.now_ns() + int(self.grace_seconds * NS_PER_SECOND)
        self.feed.watched_tags.add(tag)

    async def run(self) -> bool:
        """Re-read everything now; True when the account was declared reconciled."""
        feed = self.feed
        account = feed.account
        if account is None:
            raise BrokerError("no account to reconcile")
        async with self._lock:
            self.needed = False
            self.show(LinkStatus.RECONCILING, "re-reading orders and positions")
            snapshot, marks = await self._read(account.id, feed.mirror)
            result = reconcile_events(
                snapshot, feed.mirror, feed.book, marks, set(self.lost), self.clock.now_ns()
            )
            for kind, problem in result.malformed:
                feed.bad(kind, problem, "reconcile")
            for event in result.events:
                feed.track(event)
            self._settle_lost()
            if self.lost:
                tags = ", ".join(sorted(self.lost))
                self.show(
                    LinkStatus.RECONCILING,
                    f"looking for order {tags}: its submission went unanswered",
                )
                self.needed = True
                self.next_at = self.clock.now_ns() + NS_PER_SECOND // 2
                return False
            if not self.hub_up():
                self.needed = True
                self.show(LinkStatus.DISCONNECTED, "user hub down: reconnecting (account re-read)")
                return False
            feed.emit(result.reconciled)
            name = feed.account.name if feed.account else "account"
            self.show(LinkStatus.CONNECTED, f"{name}: reconciled")
            return True

    async def attempt(self) -> None:
        """A reconcile the supervisor asked for; on failure retry later, backing off."""
        try:
            await self.run()
            self._gap = NS_PER_SECOND
        except BrokerError as exc:
            self.needed = True
            self.next_at = self.clock.now_ns() + self._gap
            seconds = self._gap // NS_PER_SECOND
            self._gap = min(self._gap * 2, RETRY_MAX_NS)
            self.show(
                LinkStatus.RECONCILING,
                f"re-reading the account failed ({exc}); retrying in {seconds} s",
            )

    async def poll_account(self) -> None:
        """Re-read the balance (between reconciles; account events can be missed)."""
        answer = await self.call("/Account/search", {"onlyActiveAccounts": True})
        for row in rows(answer, "accounts"):
            self.feed.account_event(row)

    async def _read(self, account_id: int, mirror: AccountMirror) -> tuple[Snapshot, dict]:
        marks = mirror.position_marks()
        now = self.clock.now_ns()
        day_start = trading_day_start(now)
        since = max(day_start, mirror.last_fill_ns - 600 * NS_PER_SECOND)
        window = {
            "accountId": account_id,
            "startTimestamp": datetime_from_ns(since).isoformat(),
            "endTimestamp": datetime_from_ns(now + 60 * NS_PER_SECOND).isoformat(),
        }
        day = dict(window, startTimestamp=datetime_from_ns(day_start).isoformat())
        call = self.call
        accounts = await call("/Account/search", {"onlyActiveAccounts": True})
        open_orders = await call("/Order/searchOpen", {"accountId": account_id})
        positions = await call("/Position/searchOpen", {"accountId": account_id})
        fills = await call("/Trade/search", window)
        recent = await call("/Order/search", day)
        snapshot = Snapshot(
            account_rows=rows(accounts, "accounts"),
            open_orders=rows(open_orders, "orders"),
            recent_orders=rows(recent, "orders"),
            positions=rows(positions, "positions"),
            fills=rows(fills, "trades"),
        )
        return snapshot, marks

    def _settle_lost(self) -> None:
        now = self.clock.now_ns()
        for tag, deadline in list(self.lost.items()):
            found = self.feed.mirror.by_tag(tag)
            if found is not None:
                del self.lost[tag]
                self.feed.notice(
                    "warning",
                    f"order {tag} reached the broker as order {found.id} although its "
                    "answer was lost; it was placed once and not re-sent",
                )
            elif now >= deadline:
                del self.lost[tag]
                self.feed.notice(
                    "warning",
                    f"order {tag} is not at the broker {self.grace_seconds:g} s after its "
                    "submission went unanswered: it was not placed (nothing was re-sent)",
                )
            else:
                continue
            self.feed.watched_tags.discard(tag)
