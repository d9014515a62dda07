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
from cockpit.brokers.projectx_lookups import LostOrder
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

    def parsed[T](kind: str, rows: list[Any], parse: Callable[[Any], T | None]) -> list[T]:
        out: list[T] = []
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
    """Runs reconciles over REST, one at a time, and looks for orders whose answer was lost.

    ``Reconciled`` (order keys on) is emitted only when no such order is still being
    looked for. Such an order is looked for by its tag with one ``/Order/search`` at a
    time, on a schedule that backs off (projectx_lookups), until it shows up or its grace
    ends. Then one full re-read brings everything else in.
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
        self.lost: dict[str, LostOrder] = {}
        """Orders whose submission went unanswered, by tag."""
        self.needed = False
        self.next_at = 0
        """No re-read or look-up before this (a failed one backs off)."""
        self._gap = NS_PER_SECOND
        self._lock = asyncio.Lock()

    def look_for(self, tag: str) -> LostOrder:
        """An order's answer was lost: keep order keys off until its fate is known."""
        lost = self.lost[tag] = LostOrder.start(tag, self.clock.now_ns(), self.grace_seconds)
        self.feed.watched_tags.add(tag)
        return lost

    def due(self, now: int, hub_up: bool) -> bool:
        """Is a re-read (needs the user hub) or a look-up (does not) due now?"""
        if now < self.next_at:
            return False
        if self.needed and hub_up:
            return True
        return any(now >= lost.due_ns for lost in self.lost.values())

    async def run(self, *, urgent: bool = False) -> bool:
        """Re-read everything now; True when the account was declared reconciled.

        ``urgent`` (a flatten's re-read) does not queue behind a re-read already running:
        the mirror makes two at once safe (orders only move forward, fills count once,
        and a position the hub reported after a snapshot was asked for is kept).
        """
        if urgent:
            return await self._run()
        async with self._lock:
            return await self._run()

    async def _run(self) -> bool:
        feed = self.feed
        account = feed.account
        if account is None:
            raise BrokerError("no account to reconcile")
        self.needed = False
        self.show(LinkStatus.RECONCILING, "re-reading orders and positions")
        snapshot, marks, searched = await self._read(account.id, feed.mirror)
        result = reconcile_events(
            snapshot, feed.mirror, feed.book, marks, set(self.lost), self.clock.now_ns()
        )
        for kind, problem in result.malformed:
            feed.bad(kind, problem, "reconcile")
        for event in result.events:
            feed.track(event)
        self._settle_lost(searched)
        if self.lost:
            self._show_looking()
            return False
        if not self.hub_up():
            self.needed = True
            self.show(LinkStatus.DISCONNECTED, "user hub down: reconnecting (account re-read)")
            return False
        feed.emit(result.reconciled)
        name = feed.account.name if feed.account else "account"
        self.show(LinkStatus.CONNECTED, f"{name}: reconciled")
        return True

    async def look_up(self) -> None:
        """One ``/Order/search`` for the orders looked for; a full re-read once all are known."""
        feed = self.feed
        account = feed.account
        if account is None or not self.lost:
            return
        now = self.clock.now_ns()
        earliest = min(lost.since_ns for lost in self.lost.values())
        since = max(trading_day_start(now), earliest - 600 * NS_PER_SECOND)
        answer = await self.call(
            "/Order/search",
            {
                "accountId": account.id,
                "startTimestamp": datetime_from_ns(since).isoformat(),
                "endTimestamp": datetime_from_ns(now + 60 * NS_PER_SECOND).isoformat(),
            },
        )
        for row in rows(answer, "orders"):
            try:
                order = parse_order(row, feed.book)
            except MalformedPayload as exc:
                feed.bad("order", exc, "look-up")
                continue
            if order.account_id != account.id or order.tag not in self.lost:
                continue
            if feed.mirror.order(order):
                feed.track(OrderUpdated(order.updated_ns, order))
        self._settle_lost(now)
        if self.lost:
            self._show_looking()
        else:
            self.needed = True  # all known: one full re-read, then order keys return

    def settle_seen(self) -> None:
        """Orders looked for that the hub has shown meanwhile: known, no look-up needed."""
        if any(self.feed.mirror.by_tag(tag) is not None for tag in self.lost):
            self._settle_lost(None)
            if not self.lost:
                self.needed = True

    async def attempt(self) -> None:
        """What the supervisor found due: a re-read, else a look-up; failures back off."""
        reread = self.needed and self.hub_up()
        try:
            if reread:
                await self.run()
            else:
                await self.look_up()
            self._gap = NS_PER_SECOND
        except BrokerError as exc:
            self.needed = self.needed or reread
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

    async def _read(
        self, account_id: int, mirror: AccountMirror
    ) -> tuple[Snapshot, dict[str, int], int]:
        """The snapshot, the position marks, and when its ``/Order/search`` was asked."""
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
        searched = self.clock.now_ns()
        recent = await call("/Order/search", day)
        snapshot = Snapshot(
            account_rows=rows(accounts, "accounts"),
            open_orders=rows(open_orders, "orders"),
            recent_orders=rows(recent, "orders"),
            positions=rows(positions, "positions"),
            fills=rows(fills, "trades"),
        )
        return snapshot, marks, searched

    def _settle_lost(self, searched_ns: int | None) -> None:
        """Settle what the mirror shows, and what a look sent at ``searched_ns`` did not find."""
        now = self.clock.now_ns()
        for tag, lost in list(self.lost.items()):
            found = self.feed.mirror.by_tag(tag)
            if found is not None:
                self.feed.notice("warning", lost.found_text(found.id, now))
            elif searched_ns is not None:
                lost.looked(searched_ns)
                if not lost.absent_for_good():
                    continue
                self.feed.notice("warning", lost.absent_text())
            else:
                continue
            del self.lost[tag]
            self.feed.watched_tags.discard(tag)

    def _show_looking(self) -> None:
        tags = ", ".join(sorted(self.lost))
        due = min(lost.due_ns for lost in self.lost.values())
        wait = max(0.0, (due - self.clock.now_ns()) / NS_PER_SECOND)
        self.show(
            LinkStatus.RECONCILING,
            f"looking for order {tags} by its tag (its answer was lost); next look in {wait:.1f} s",
        )
