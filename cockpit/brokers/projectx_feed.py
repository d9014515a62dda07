"""Hub messages in, cockpit events out.

The SDK hands each hub event to a callback as a plain dict: market events as
``{"contract_id", "data"}``, user events as the Gateway object. Here each one is parsed,
checked against what was already shown (the mirror) and emitted only if it is news.
A message that cannot be read is counted, logged (masked, truncated) and skipped; the
trader gets a notice at the 1st, 10th, 100th... and, since a lost account event leaves
the picture incomplete, the account is re-read.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from cockpit.brokers.projectx_depth import DepthBuffer
from cockpit.brokers.projectx_mirror import AccountMirror
from cockpit.brokers.projectx_payloads import (
    ContractBook,
    MalformedPayload,
    UnknownContract,
    parse_account,
    parse_fill,
    parse_order,
    parse_position,
    parse_prints,
    parse_quote,
    unwrap,
)
from cockpit.brokers.projectx_redact import REDACTOR
from cockpit.core.broker import EventSink
from cockpit.core.clock import Clock
from cockpit.core.events import (
    AccountUpdated,
    Event,
    FillReceived,
    Notice,
    OrderUpdated,
    PositionUpdated,
    QuoteUpdated,
)
from cockpit.core.models import Account

log = logging.getLogger(__name__)

NOTICE_AT = frozenset({1, 10, 100, 1000})


def _nothing() -> None:
    return None


class LiveFeed:
    """Parses hub events for one account; emits news; counts what it cannot read."""

    def __init__(self, clock: Clock, sink: EventSink, book: ContractBook) -> None:
        self.clock = clock
        self.sink = sink
        self.book = book
        self.mirror = AccountMirror(0)
        self.account: Account | None = None
        self.malformed: Counter[str] = Counter()
        self.quotes: dict[str, QuoteUpdated] = {}
        self.position_contract: dict[str, str] = {}
        """The contract each open position is in (a close must name it)."""
        self.watched_tags: set[str] = set()
        self.on_market_data: Callable[[], None] = _nothing
        self.on_account_gap: Callable[[], None] = _nothing
        """An account event was lost (malformed): the account must be re-read."""
        self.on_tag: Callable[[str], None] = lambda tag: None
        """An order carrying a watched tag appeared."""
        self._unknown: set[str] = set()
        self.depth = DepthBuffer(book, self.emit, clock.now_ns, self.bad)

    def use_account(self, account: Account) -> None:
        """Trade this account from now on (a warning if the gateway says it cannot trade)."""
        self.account = account
        self.mirror = AccountMirror(account.id)
        if not account.can_trade:
            self.notice("warning", f"the gateway says {account.name} cannot trade now")

    # Out ---------------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        try:
            self.sink(event)
        except Exception:  # a fault downstream must not break the hub's event loop
            log.exception("the engine failed on %s", type(event).__name__)

    def notice(self, level: str, text: str) -> None:
        self.emit(Notice(self.clock.now_ns(), level, REDACTOR.redact(text)))

    def track(self, event: Event) -> None:
        """Emit an event from a reconcile, remembering what the adapter needs from it."""
        if isinstance(event, PositionUpdated) and event.position.size:
            contract_id = self.book.contract_id(event.position.symbol)
            if contract_id and event.position.symbol not in self.position_contract:
                self.position_contract[event.position.symbol] = contract_id
        if isinstance(event, AccountUpdated):
            self.account = event.account
        self.emit(event)

    def bad(self, kind: str, problem: Exception | str, payload: Any) -> None:
        """Count and log a message the cockpit could not read; the feed goes on."""
        if isinstance(problem, UnknownContract):
            if str(problem) not in self._unknown:
                self._unknown.add(str(problem))
                self.notice(
                    "warning",
                    f"the account reports a product the cockpit does not trade ({problem}); "
                    "it is not shown and flatten cannot close it: check the broker's platform",
                )
            return
        self.malformed[kind] += 1
        if kind.startswith("GatewayUser"):
            self.on_account_gap()
        total = sum(self.malformed.values())
        shown = REDACTOR.redact(repr(payload))[:300]
        log.warning("malformed %s #%d skipped (%s): %s", kind, total, problem, shown)
        if total in NOTICE_AT or total % 10_000 == 0:
            self.notice("warning", f"{total} malformed gateway message(s) skipped ({kind})")

    # Market hub ---------------------------------------------------------------------------

    def quote(self, event: Any) -> None:
        self.on_market_data()
        try:
            contract_id = event["contract_id"]
            now = self.clock.now_ns()
            last = self.quotes.get(contract_id)
            quote = parse_quote(contract_id, event["data"], self.book, now, last)
        except (MalformedPayload, KeyError, TypeError) as exc:
            self.bad("GatewayQuote", exc, event)
            return
        self.quotes[contract_id] = quote
        self.emit(quote)

    def prints(self, event: Any) -> None:
        self.on_market_data()
        try:
            prints = parse_prints(event["contract_id"], event["data"], self.book)
        except (MalformedPayload, KeyError, TypeError) as exc:
            self.bad("GatewayTrade", exc, event)
            return
        for printed in prints:
            self.emit(printed)

    def depth_message(self, args: tuple[Any, ...]) -> None:
        """A GatewayDepth message, straight from the hub (see ``projectx_depth``)."""
        self.on_market_data()
        self.depth.message(args)

    # User hub -----------------------------------------------------------------------------

    def order(self, data: Any) -> None:
        try:
            order = parse_order(data, self.book)
        except (MalformedPayload, TypeError) as exc:
            self.bad("GatewayUserOrder", exc, data)
            return
        if order.account_id == self.mirror.account_id and self.mirror.order(order):
            self.emit(OrderUpdated(order.updated_ns, order))
            if order.tag in self.watched_tags:
                self.on_tag(order.tag)

    def fill(self, data: Any) -> None:
        try:
            fill = parse_fill(data, self.book)
        except (MalformedPayload, TypeError) as exc:
            self.bad("GatewayUserTrade", exc, data)
            return
        mine = fill is not None and fill.account_id == self.mirror.account_id
        if fill is not None and mine and self.mirror.fill(fill):
            self.emit(FillReceived(fill.ts, fill))

    def position(self, data: Any) -> None:
        try:
            position = parse_position(data, self.book, self.clock.now_ns())
            contract_id = unwrap(data).get("contractId")
        except (MalformedPayload, TypeError) as exc:
            self.bad("GatewayUserPosition", exc, data)
            return
        if position.account_id != self.mirror.account_id or not self.mirror.position(position):
            return
        if position.size and isinstance(contract_id, str):
            self.position_contract[position.symbol] = contract_id
        self.emit(PositionUpdated(position.ts, position))

    def account_event(self, data: Any) -> None:
        try:
            account = parse_account(data)
        except (MalformedPayload, TypeError) as exc:
            self.bad("GatewayUserAccount", exc, data)
            return
        if account.id == self.mirror.account_id and self.mirror.account_update(account):
            self.account = account
            self.emit(AccountUpdated(self.clock.now_ns(), account))
