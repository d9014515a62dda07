"""Live trading on a ProjectX Gateway through project-x-py: the SDK seam and the supervisor.

The SDK logs in, makes the REST calls (never retrying a mutation) and holds the two
SignalR hubs. Everything else is the cockpit's, in SDK-free modules: bars are built by
the core from prints, history comes from ``/History/retrieveBars`` (projectx_history),
the account is chosen by name and the front month by calendar (projectx_config,
projectx_contracts), hub messages become events once each (projectx_feed), the account is
re-read at start and after every reconnect with order keys off until then, and an order
whose answer was lost is looked for by its tag, never re-sent (projectx_reconcile,
projectx_lookups). REST requests wait their turn in one queue the cockpit owns, exits
first (projectx_rest, request_scheduler).

Here: the Broker methods, the hubs, and the supervisor. The supervisor renews the sign-in
token before it expires and notices dropped hubs, a silent feed, ``GatewayLogout`` and
dead tokens (projectx_links). It repairs them with a new login, the new token to the hubs
(which resubscribe), and a reconcile.

SDK internals touched here (pinned to 4.4.1): the realtime client's hub open/close/logout
hooks, its hubs' "ready" events, and each hub connection's ``_run_task`` (is the
transport alive). projectx_rest touches the REST client's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from project_x_py.realtime import ProjectXRealtimeClient
from project_x_py.realtime.async_hub import invoke_maybe

from cockpit.brokers import projectx_redact as redaction
from cockpit.brokers.projectx_config import (
    LiveLogin,
    ProjectXSettings,
    choose_account,
    resolve_login,
)
from cockpit.brokers.projectx_contracts import resolve_contracts
from cockpit.brokers.projectx_feed import LiveFeed
from cockpit.brokers.projectx_history import load_history
from cockpit.brokers.projectx_links import HubView, LinkWatch
from cockpit.brokers.projectx_orders import accepted, label, modify_body, place_body, refusal
from cockpit.brokers.projectx_payloads import ContractBook, parse_account, rows
from cockpit.brokers.projectx_reconcile import Reconciler
from cockpit.brokers.projectx_rest import RestLink, Uncertain, lane, why
from cockpit.brokers.request_scheduler import Lane
from cockpit.core.broker import (
    BrokerError,
    BrokerUnavailable,
    EventSink,
    OrderRejected,
    SubmissionUncertain,
)
from cockpit.core.clock import NS_PER_SECOND, Clock, exchange_time
from cockpit.core.events import Link, LinkStatus
from cockpit.core.instruments import INSTRUMENTS, Instrument
from cockpit.core.models import Account, Mode, OrderRequest

log = logging.getLogger(__name__)
redaction.install()

HUB_SWAP_SECONDS = 20.0
BOOK_RESEND_SECONDS = 1.0
"""At most one request for books anew per this long: a run of garbled depth messages
must not turn into a run of resubscriptions."""
RESENT_AFTER_401 = frozenset({"/Order/cancel", "/Position/closeContract"})
"""Exits sent again after a 401 and a new login (see ``_again_after_login`` for why)."""


class _Realtime(ProjectXRealtimeClient):
    """The SDK's hub client, telling the adapter when a hub opens, closes or logs out.

    The SDK types these hooks' ``self`` as its ``ProjectXRealtimeClientProtocol``, which its
    own client class does not satisfy (the protocol's ``user_connection: Any | None`` against
    the class's ``AsyncHubConnection``), so mypy rejects every call of them: ``misc`` below.
    """

    adapter: ProjectXBroker | None = None

    def _tell(self, hub: str, change: str) -> None:
        if self.adapter is not None:
            self.adapter._hub_changed(hub, change)

    def _on_user_hub_open(self) -> None:
        super()._on_user_hub_open()  # type: ignore[misc]  # the SDK's self-type, see above
        self._tell("user", "opened")

    def _on_user_hub_close(self) -> None:
        super()._on_user_hub_close()  # type: ignore[misc]  # the SDK's self-type, see above
        self._tell("user", "closed")

    def _on_market_hub_open(self) -> None:
        super()._on_market_hub_open()  # type: ignore[misc]  # the SDK's self-type, see above
        if self.adapter is not None:  # books held over a gap are void until resent
            self.adapter.feed.depth.reset_all()
            self.adapter.book_gaps.clear()  # the reopened hub resubscribes every book
        self._tell("market", "opened")

    async def resend_books(self, contract_ids: Sequence[str]) -> bool:
        """Ask the market hub for these books anew (False when it is not connected): a
        fresh depth subscription is answered with the whole book, a Reset then every level.
        Quotes and trades stay subscribed, so no print is lost meanwhile."""
        if not self.market_connected:
            return False
        connection = self.market_connection
        for contract_id in contract_ids:
            await invoke_maybe(connection.send, "UnsubscribeContractMarketDepth", [contract_id])
            await invoke_maybe(connection.send, "SubscribeContractMarketDepth", [contract_id])
        return True

    def _forward_market_depth(self, *args: Any) -> None:
        """Every GatewayDepth, in order, to the feed: the SDK would keep only the latest
        message per contract under load, and a book built from changes needs them all."""
        self._mark_hub_message("market")
        if self.adapter is not None:
            self.adapter.feed.depth_message(args)

    def _on_market_hub_close(self) -> None:
        super()._on_market_hub_close()  # type: ignore[misc]  # the SDK's self-type, see above
        self._tell("market", "closed")

    def _on_gateway_logout(self, *args: Any) -> None:
        super()._on_gateway_logout(*args)  # type: ignore[misc]  # the SDK's self-type, see above
        self._tell("user", "logout")


class ProjectXBroker:
    """The Broker protocol over a ProjectX Gateway account."""

    mode = Mode.LIVE

    def __init__(
        self,
        clock: Clock,
        symbols: Sequence[str],
        settings: ProjectXSettings,
        *,
        login: LiveLogin | None = None,
        instruments: dict[str, Instrument] = INSTRUMENTS,
    ) -> None:
        self.clock = clock
        self.symbols = list(symbols)
        self.settings = settings
        self.login = login or resolve_login(settings)
        redaction.REDACTOR.add(*self.login.secrets)
        self.instruments = instruments
        self.book = ContractBook()
        self.feed = LiveFeed(clock, lambda event: None, self.book)
        self.rest = RestLink(
            clock, self.login, settings, on_signed_in=self._signed_in, notice=self.feed.notice
        )
        grace = settings.uncertain_grace_seconds
        self.reconciler = Reconciler(self.rest.call, self.feed, clock, self._show_account, grace)
        self.reconciler.hub_up = lambda: bool(self._realtime and self._realtime.user_connected)
        self._realtime: _Realtime | None = None
        self._links: LinkWatch | None = None
        self._poll_at = 0
        self._logout: tuple[str, int] | None = None
        """Why and when the gateway signed us out (``GatewayLogout``)."""
        self._hub_token = ""
        self.book_gaps: set[str | None] = set()
        """Contracts whose book lost a message (None: one that did not say which)."""
        self._books_resent_at = -math.inf
        self._wake = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None

    @property
    def account(self) -> Account | None:
        """The account traded, as last reported."""
        return self.feed.account

    @property
    def account_name(self) -> str:
        """The account chosen at login; before it, the one named by the environment or
        ``[projectx] account`` (``projectx`` when none was named)."""
        account = self.feed.account
        if account is not None:
            return account.name
        return self.login.account or "projectx"

    @property
    def malformed(self) -> Counter[str]:
        """Gateway messages that could not be read, by kind (the UI may show the total)."""
        return self.feed.malformed

    # Lifecycle ---------------------------------------------------------------------------

    async def start(self, sink: EventSink) -> None:
        """Log in, pick the account and contracts, load history, open the hubs, reconcile."""
        redaction.install()  # again: handlers added since import get the mask too
        feed = self.feed
        feed.sink = sink
        feed.on_account_gap = self._account_gap
        feed.depth.on_gap = self._book_gap
        feed.on_tag = lambda tag: self._wake.set()
        links = self._links = LinkWatch(
            self.clock,
            feed.emit,
            stale_after=self.settings.stale_after_seconds,
            rebuild_after=self.settings.reconnect_after_seconds,
        )
        feed.on_market_data = links.market_data
        where = self.login.api_url
        links.set(Link.ACCOUNT, LinkStatus.CONNECTING, f"signing in at {where}")
        links.set(Link.MARKET, LinkStatus.CONNECTING, "waiting for the account")
        await self.rest.open()
        try:
            await self._sign_in()
            today = exchange_time(self.clock.now_ns()).date()
            specs = [self.instruments[symbol] for symbol in self.symbols]
            call = self.rest.call
            await resolve_contracts(call, specs, today, self.book, feed.notice)
            await load_history(call, self.book, self.clock.now_ns(), feed.emit, feed.bad)
            await self._open_hubs()
            await self.reconciler.run()
        except BaseException as exc:
            reason = why(exc) if isinstance(exc, Exception) else "cancelled"
            links.set(Link.ACCOUNT, LinkStatus.DISCONNECTED, reason)
            links.set(Link.MARKET, LinkStatus.DISCONNECTED, reason)
            await self._close_sdk()
            if isinstance(exc, BrokerError) or not isinstance(exc, Exception):
                raise
            raise BrokerUnavailable(f"cannot start live trading at {where}: {reason}") from None
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise())

    async def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        await self._close_sdk()
        self._sink = None

    async def _close_sdk(self) -> None:
        if self._realtime is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._realtime.cleanup(), 10)
            self._realtime = None
        await self.rest.close()

    async def _sign_in(self) -> None:
        await self.rest.sign_in()
        answer = await self.rest.call("/Account/search", {"onlyActiveAccounts": True})
        account = choose_account(
            [parse_account(row) for row in rows(answer, "accounts")], self.login.account
        )
        self.rest.keep_account(account.name)
        self.feed.use_account(account)

    async def _open_hubs(self) -> None:
        account = self._require_account()
        token = self.rest.token
        realtime = _Realtime(
            token,
            str(account.id),
            user_hub_url=self.login.user_hub_url,
            market_hub_url=self.login.market_hub_url,
            config=self.rest.config(),
        )
        realtime.adapter = self
        # The cockpit watches staleness itself (LinkWatch): the SDK's watchdog would tear
        # both hubs down every few seconds while a market is quiet, and its heartbeat
        # invokes a method the Gateway does not document.
        realtime.stale_feed_seconds = math.inf
        await realtime.configure_health_monitoring(heartbeat_interval=3600.0)
        feed = self.feed
        for kind, handler in (
            ("quote_update", feed.quote),
            ("market_trade", feed.prints),
            ("order_update", feed.order),
            ("trade_execution", feed.fill),
            ("position_update", feed.position),
            ("account_update", feed.account_event),
        ):
            await realtime.add_callback(kind, handler)
        self._realtime = realtime
        self._hub_token = token
        if not await realtime.connect():
            raise BrokerUnavailable("the gateway's hubs did not accept a connection")
        await realtime.subscribe_user_updates()
        if self.book.ids:
            await realtime.subscribe_market_data(list(self.book.ids.values()))
        count = len(self.book.ids)
        if self._links is not None:
            self._links.set(
                Link.MARKET, LinkStatus.CONNECTING, f"market hub open: {count} contract(s)"
            )

    # The Broker protocol -----------------------------------------------------------------

    async def place_order(self, request: OrderRequest) -> int:
        account = self._require_account()
        contract_id = self._contract(request.symbol)
        spec = self.book.specs[contract_id]
        body = place_body(account.id, contract_id, spec, request)
        try:
            answer = await self.rest.call("/Order/place", body)
        except Uncertain as exc:
            return await self._settle_uncertain(request, str(exc))
        order_id = answer.get("orderId") if accepted(answer) else None
        if not isinstance(order_id, int):
            raise OrderRejected(f"{label(request)}: {refusal('/Order/place', answer)}")
        return order_id

    async def cancel_order(self, order_id: int) -> None:
        account = self._require_account()
        body = {"accountId": account.id, "orderId": order_id}
        await self._mutate("/Order/cancel", body, f"cancel of order {order_id}")

    async def modify_order(
        self,
        order_id: int,
        *,
        size: int | None = None,
        limit: int | None = None,
        stop: int | None = None,
    ) -> None:
        account = self._require_account()
        known = self.feed.mirror.orders.get(order_id)
        if known is None:
            raise OrderRejected(f"order {order_id} is not known to this run")
        spec = self.instruments[known.symbol]
        body = modify_body(account.id, order_id, spec, size=size, limit=limit, stop=stop)
        await self._mutate("/Order/modify", body, f"change of order {order_id}")

    async def close_position(self, symbol: str) -> None:
        await self.partial_close(symbol, None)

    async def partial_close(self, symbol: str, size: int | None) -> None:
        """Close ``size`` contracts (all when ``None``) at market; the Gateway picks the side."""
        account = self._require_account()
        contract_id = self.feed.position_contract.get(symbol) or self._contract(symbol)
        body: dict[str, Any] = {"accountId": account.id, "contractId": contract_id}
        if size is None:
            await self._mutate("/Position/closeContract", body, f"close of {symbol}")
        else:
            body["size"] = size
            await self._mutate("/Position/partialCloseContract", body, f"close of {size} {symbol}")

    async def reconcile(self) -> None:
        """A flatten's re-read: in the exits' lane, never queued behind look-ups."""
        with lane(Lane.EXIT):
            await self.reconciler.run(urgent=True)

    async def _mutate(self, endpoint: str, body: dict[str, Any], what: str) -> None:
        asked = self.clock.now_ns()
        try:
            answer = await self.rest.call(endpoint, body)
        except Uncertain as exc:
            if not (exc.unauthorized and endpoint in RESENT_AFTER_401):
                raise self._uncertain(what, str(exc)) from None
            answer = await self._again_after_login(endpoint, body, what, asked)
        if not accepted(answer):
            self.reconciler.needed = True  # our picture may be behind the gateway's
            self._wake.set()
            raise OrderRejected(f"{what}: {refusal(endpoint, answer)}")

    def _uncertain(self, what: str, reason: str) -> SubmissionUncertain:
        """A mutation without a clear answer: re-read the account; nothing is re-sent."""
        self.reconciler.needed = True
        self._show_account(LinkStatus.RECONCILING, f"{what}: {reason}; re-reading")
        self._wake.set()
        return SubmissionUncertain(
            f"{what}: {reason}. Nothing was re-sent; the account is being re-read"
        )

    async def _again_after_login(
        self, endpoint: str, body: dict[str, Any], what: str, asked: int
    ) -> Any:
        """An exit refused 401: sign in again and send it again at once.

        Resending is safe. A 401 is the Gateway's authentication refusing the request
        before any order code runs (ASP.NET Core authenticates before the endpoint
        executes), so the cancel or close was not executed. Even if it had been, resending
        these two is harmless: a cancel of an order no longer working is refused, and
        ``closeContract`` closes whatever is open, sized by the Gateway, so a second one
        finds nothing and is refused ("position not found"); it cannot overshoot. A
        placement, a modify or a partial close is never re-sent: each would act twice.
        """
        log.warning("%s: the gateway refused the token (401); signing in again", what)
        self.feed.notice(
            "info",
            f"{what}: the gateway refused the token (401, not executed); signing in "
            "again and sending it again",
        )
        try:
            await self.rest.relogin("the gateway refused the token on an exit", asked=asked)
        except BrokerUnavailable as exc:
            self.reconciler.needed = True
            self._wake.set()
            raise BrokerUnavailable(f"{what}: refused 401 (not executed) and {exc}") from None
        try:
            return await self.rest.call(endpoint, body)
        except Uncertain as exc:
            raise self._uncertain(what, str(exc)) from None

    async def _settle_uncertain(self, request: OrderRequest, reason: str) -> int:
        """The place went unanswered: find it by its tag before anyone may send again."""
        tag = request.tag
        what = label(request)
        if tag is None:
            self.reconciler.needed = True
            raise SubmissionUncertain(f"{what}: {reason}; nothing was re-sent")
        lost = self.reconciler.look_for(tag)
        self._show_account(
            LinkStatus.RECONCILING, f"order {tag}: {reason}; looking for it by its tag"
        )
        with contextlib.suppress(BrokerError):
            await self.reconciler.look_up()
        found = self.feed.mirror.by_tag(tag)
        if found is not None:
            return found.id
        self._wake.set()
        raise SubmissionUncertain(
            f"{what} ({tag}): {reason}. It was not at the broker at the first look; nothing "
            f"was re-sent and order keys wait. {lost.plan_text()}"
        )

    # Supervision -------------------------------------------------------------------------

    async def _supervise(self) -> None:
        interval = self.settings.check_interval_seconds
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()
            try:
                await self._look()
            except asyncio.CancelledError:
                raise
            except Exception:  # the supervisor must outlive any one failure
                log.exception("live link supervisor: one look failed")

    async def _look(self) -> None:
        links = self._links
        realtime = self._realtime
        if links is None or realtime is None or self.rest.signing_in:
            return
        todo = links.observe(self._hub_view(realtime))
        if self._logout is not None:
            reason, since = self._logout
            self._logout = None
            await self._rebuild(reason, since)
            return
        if todo.rebuild is not None:
            await self._rebuild(todo.rebuild, self.clock.now_ns())
            return
        await self._resend_books(realtime)
        reconciler = self.reconciler
        if todo.reconcile:
            reconciler.needed = True
        await self.rest.renew_if_due()
        if self.rest.token != self._hub_token:
            await self._swap_token("the token was renewed")
        reconciler.settle_seen()
        now = self.clock.now_ns()
        if reconciler.due(now, realtime.user_connected):
            await reconciler.attempt()
        poll = self.settings.account_poll_seconds
        if poll > 0 and now >= self._poll_at and links.status[Link.ACCOUNT].healthy:
            self._poll_at = now + int(poll * NS_PER_SECOND)
            with contextlib.suppress(BrokerError):
                await self.reconciler.poll_account()

    @staticmethod
    def _hub_view(realtime: _Realtime) -> HubView:
        def dead(connection: Any) -> bool:
            task = getattr(connection, "_run_task", None)
            if connection is None or task is None:
                return True
            if not task.done():
                return False
            if not task.cancelled() and not getattr(task, "_cockpit_seen", False):
                task._cockpit_seen = True
                problem = task.exception()  # retrieved: asyncio will not report it again
                log.warning("the %s transport ended: %r", task.get_name(), problem)
            return True

        user_dead = dead(realtime.user_connection)
        market_dead = dead(realtime.market_connection)
        return HubView(
            user_up=realtime.user_connected and not user_dead,
            market_up=realtime.market_connected and not market_dead,
            user_dead=user_dead,
            market_dead=market_dead,
        )

    async def _rebuild(self, reason: str, since: int) -> None:
        """New login (unless one happened after ``since``), new token to both hubs (which
        resubscribe), then reconcile."""
        log.warning("rebuilding the live links: %s", reason)
        self._show_account(LinkStatus.DISCONNECTED, f"{reason}: signing in again")
        try:
            await self.rest.relogin(reason, asked=since)
            await self._swap_token(reason)
        except BrokerError as exc:
            self._show_account(LinkStatus.DISCONNECTED, f"{reason}: {exc}")
        finally:
            if self._links is not None:
                self._links.rebuilt()
        self.reconciler.needed = True
        self.reconciler.next_at = 0
        self._wake.set()

    def _signed_in(self) -> None:
        """A new login: re-read the account; the supervisor gives the hubs the token."""
        self.reconciler.needed = True
        self._wake.set()

    async def _swap_token(self, reason: str) -> None:
        """Give the hubs the current token: they reconnect with it and resubscribe once."""
        realtime = self._realtime
        token = self.rest.token
        if realtime is None or token == self._hub_token:
            return
        self._hub_token = token
        log.info("handing the hubs a new token (%s)", reason)
        # SDK 4.4.1: disconnect() leaves the hubs' "ready" events set, so the reconnect
        # inside update_jwt_token() would not wait for the new sockets and report failure.
        realtime.user_hub_ready.clear()
        realtime.market_hub_ready.clear()
        ok = await realtime.update_jwt_token(token, timeout=HUB_SWAP_SECONDS)
        if not ok:
            log.warning("the hubs did not come back with the new token")

    # Hub events --------------------------------------------------------------------------

    def _hub_changed(self, hub: str, change: str) -> None:
        links = self._links
        if links is None:
            return
        if change == "logout":
            reason = "the gateway signed us out (GatewayLogout)"
            self._logout = (reason, self.clock.now_ns())
            self._show_account(LinkStatus.DISCONNECTED, f"{reason}: signing in again")
        elif change == "closed" and hub == "user":
            self._show_account(LinkStatus.DISCONNECTED, "user hub dropped: reconnecting")
        elif change == "closed":
            links.set(Link.MARKET, LinkStatus.DISCONNECTED, "market hub dropped: reconnecting")
        elif change == "opened":
            links.hub_opened(hub)
            if hub == "user" and links.status[Link.ACCOUNT] is LinkStatus.DISCONNECTED:
                self.reconciler.needed = True
        self._wake.set()

    def _account_gap(self) -> None:
        """An account event was lost: re-read the account soon."""
        self.reconciler.needed = True
        self._wake.set()

    def _book_gap(self, contract_id: str | None) -> None:
        """A depth message was lost: ask for the book anew soon."""
        self.book_gaps.add(contract_id)
        self._wake.set()

    async def _resend_books(self, realtime: _Realtime) -> None:
        """Books that lost a message are asked for anew, at most once a
        ``BOOK_RESEND_SECONDS`` (a garbled answer is itself a new gap)."""
        now = asyncio.get_running_loop().time()
        if not self.book_gaps or now < self._books_resent_at + BOOK_RESEND_SECONDS:
            return
        watched = list(self.book.ids.values())
        gaps, self.book_gaps = self.book_gaps, set()
        wanted = watched if None in gaps else [c for c in watched if c in gaps]
        self._books_resent_at = now
        if wanted and await realtime.resend_books(wanted):
            log.info("asked the gateway for %d book(s) anew after a lost message", len(wanted))

    # Helpers -----------------------------------------------------------------------------

    def _show_account(self, status: LinkStatus, detail: str) -> None:
        if self._links is not None:
            self._links.set(Link.ACCOUNT, status, redaction.REDACTOR.redact(detail))

    def _require_account(self) -> Account:
        if self.account is None or self.rest.client is None:
            raise BrokerUnavailable("not connected to the gateway")
        return self.account

    def _contract(self, symbol: str) -> str:
        contract_id = self.book.contract_id(symbol)
        if contract_id is None:
            raise OrderRejected(f"{symbol} is not tradable on this connection")
        return contract_id
