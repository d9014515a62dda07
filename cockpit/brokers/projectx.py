"""Live trading on a ProjectX Gateway through project-x-py: the only module importing the SDK.

The SDK does what it is good at: login, REST calls (with its "never retry a mutation"
rule) and the two SignalR hubs. Bars are built by the cockpit's core from prints (the
SDK's bar builder manages a few hundred ticks a second); history comes from
``/History/retrieveBars``. Around the SDK the adapter adds what a funded account needs
on a bad day:

* the account is chosen by name, never "the first of several";
* the front month is chosen by calendar and Gateway root (``EP`` for ES), not by the
  SDK's alphabetical pick;
* orders, positions, fills and balance are re-read over REST at start and after every
  reconnect, and order keys stay off (``State.reconciled``) until that is done;
* an order whose submission went unanswered is looked for by its tag (``customTag``)
  before anything else happens: never a duplicate;
* dropped hubs, a silent feed, ``GatewayLogout`` and a dead token are noticed by the
  link supervisor and repaired (new login, new token to the hubs, resubscribe, reconcile);
* malformed messages are counted and logged, never a crash; credentials never reach a
  log line, an event or an error message.

SDK internals this module touches (pinned to 4.4.1): ``ProjectX._make_request`` (raw
Gateway JSON, with the SDK's retry and uncertainty rules), the realtime client's hub
open/close/logout hooks, and each hub connection's ``_run_task`` (is the transport alive).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from project_x_py import ProjectX
from project_x_py.exceptions import (
    OrderSubmissionUncertainError,
    ProjectXAuthenticationError,
    ProjectXConnectionError,
    ProjectXError,
    ProjectXRateLimitError,
    ProjectXServerError,
)
from project_x_py.models import ProjectXConfig
from project_x_py.realtime import ProjectXRealtimeClient

from cockpit.brokers import projectx_redact as redaction
from cockpit.brokers.projectx_config import (
    LiveLogin,
    ProjectXSettings,
    ProjectXSetupError,
    choose_account,
    resolve_login,
)
from cockpit.brokers.projectx_contracts import NoContract, front_month
from cockpit.brokers.projectx_links import HubView, LinkWatch
from cockpit.brokers.projectx_mirror import AccountMirror
from cockpit.brokers.projectx_orders import modify_body, place_body, refusal
from cockpit.brokers.projectx_payloads import (
    ContractBook,
    MalformedPayload,
    UnknownContract,
    parse_account,
    parse_bars,
    parse_fill,
    parse_order,
    parse_position,
    parse_prints,
    parse_quote,
)
from cockpit.brokers.projectx_reconcile import Snapshot, reconcile_events
from cockpit.core.bars import ONE_MINUTE, ONE_SECOND
from cockpit.core.broker import (
    BrokerError,
    BrokerUnavailable,
    EventSink,
    OrderRejected,
    SubmissionUncertain,
)
from cockpit.core.clock import NS_PER_SECOND, Clock, datetime_from_ns, exchange_time
from cockpit.core.events import (
    AccountUpdated,
    BarsLoaded,
    ConnectionChanged,
    Event,
    FillReceived,
    Link,
    LinkStatus,
    Notice,
    OrderUpdated,
    PositionUpdated,
    QuoteUpdated,
    SessionStatsUpdated,
)
from cockpit.core.instruments import INSTRUMENTS, Instrument
from cockpit.core.models import Account, Mode, OrderRequest
from cockpit.core.tradingday import trading_day_start

log = logging.getLogger(__name__)
redaction.install()

HISTORY_MINUTES = 26 * 60
HISTORY_SECONDS = 30 * 60
TOKEN_MARGIN_NS = 5 * 60 * NS_PER_SECOND
HUB_SWAP_SECONDS = 20.0
RECONCILE_RETRY_MAX_NS = 30 * NS_PER_SECOND
MUTATIONS = frozenset(
    {
        "/Order/place",
        "/Order/cancel",
        "/Order/modify",
        "/Position/closeContract",
        "/Position/partialCloseContract",
    }
)


class _Uncertain(Exception):
    """A mutation got no clear answer (timeout, 5xx, 401, 429): it may have happened."""


class _Realtime(ProjectXRealtimeClient):
    """The SDK's hub client, telling the adapter when a hub opens, closes or logs out."""

    adapter: ProjectXBroker | None = None

    def _on_user_hub_open(self) -> None:
        super()._on_user_hub_open()
        if self.adapter is not None:
            self.adapter._hub_changed("user", "opened")

    def _on_user_hub_close(self) -> None:
        super()._on_user_hub_close()
        if self.adapter is not None:
            self.adapter._hub_changed("user", "closed")

    def _on_market_hub_open(self) -> None:
        super()._on_market_hub_open()
        if self.adapter is not None:
            self.adapter._hub_changed("market", "opened")

    def _on_market_hub_close(self) -> None:
        super()._on_market_hub_close()
        if self.adapter is not None:
            self.adapter._hub_changed("market", "closed")

    def _on_gateway_logout(self, *args: Any) -> None:
        super()._on_gateway_logout(*args)
        if self.adapter is not None:
            self.adapter._hub_changed("user", "logout")


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
        self.malformed: Counter[str] = Counter()
        """Gateway messages that could not be read, by kind (the UI may show the total)."""
        self.account: Account | None = None
        self._sink: EventSink | None = None
        self._client: ProjectX | None = None
        self._realtime: _Realtime | None = None
        self._mirror = AccountMirror(0)
        self._links: LinkWatch | None = None
        self._quotes: dict[str, QuoteUpdated] = {}
        self._uncertain: dict[str, int] = {}
        """Tags of orders whose submission went unanswered, with when to stop looking."""
        self._position_contract: dict[str, str] = {}
        self._needs_reconcile = False
        self._reconcile_at = 0
        self._reconcile_gap = NS_PER_SECOND
        self._poll_at = 0
        self._logout: tuple[str, int] | None = None
        """Why and when the gateway ended the session (``GatewayLogout``)."""
        self._hub_token = ""
        self._login_ns = 0
        self._reconcile_lock = asyncio.Lock()
        self._login_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None

    # Lifecycle ---------------------------------------------------------------------------

    async def start(self, sink: EventSink) -> None:
        """Log in, pick the account and contracts, load history, open the hubs, reconcile."""
        self._sink = sink
        self._links = LinkWatch(
            self.clock,
            self._emit,
            stale_after=self.settings.stale_after_seconds,
            rebuild_after=self.settings.reconnect_after_seconds,
        )
        where = self.login.api_url
        self._links.set(Link.ACCOUNT, LinkStatus.CONNECTING, f"signing in at {where}")
        self._links.set(Link.MARKET, LinkStatus.CONNECTING, "waiting for the account")
        self._client = ProjectX(
            self.login.username, self.login.api_key, config=self._sdk_config(), account_name=None
        )
        await self._client.__aenter__()
        try:
            await self._sign_in()
            await self._resolve_contracts()
            await self._load_history()
            await self._open_hubs()
            await self._reconcile()
        except BaseException as exc:
            reason = self._why(exc) if isinstance(exc, Exception) else "cancelled"
            self._links.set(Link.ACCOUNT, LinkStatus.DISCONNECTED, reason)
            self._links.set(Link.MARKET, LinkStatus.DISCONNECTED, reason)
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
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.__aexit__(None, None, None)
            self._client = None

    def _sdk_config(self) -> ProjectXConfig:
        return ProjectXConfig(
            api_url=self.login.api_url,
            user_hub_url=self.login.user_hub_url,
            market_hub_url=self.login.market_hub_url,
            timeout_seconds=self.settings.timeout_seconds,
            requests_per_minute=self.settings.requests_per_minute,
        )

    async def _sign_in(self) -> None:
        client = self._require_client()
        try:
            await client.authenticate()
        except ProjectXError as exc:
            if isinstance(exc, ProjectXConnectionError | ProjectXServerError):
                raise BrokerUnavailable(f"cannot reach the gateway: {self._why(exc)}") from None
            raise ProjectXSetupError(
                "the gateway refused the login: check PROJECT_X_USERNAME and PROJECT_X_API_KEY"
            ) from None
        self._note_token()
        rows = _rows(await self._call("/Account/search", {"onlyActiveAccounts": True}), "accounts")
        accounts = [parse_account(row) for row in rows]
        account = choose_account(accounts, self.login.account)
        client.account_name = account.name.upper()  # a later re-login selects the same one
        self.account = account
        self._mirror = AccountMirror(account.id)
        self._login_ns = self.clock.now_ns()

    async def _resolve_contracts(self) -> None:
        today = exchange_time(self.clock.now_ns()).date()
        for symbol in self.symbols:
            spec = self.instruments[symbol]
            answer = await self._call("/Contract/search", {"searchText": symbol, "live": False})
            try:
                contract = front_month(spec, _rows(answer, "contracts"), today)
            except NoContract as exc:
                self._notice("warning", f"{symbol} is not tradable here: {exc}")
                continue
            if contract.tick_size is not None and contract.tick_size != spec.tick_size:
                self._notice(
                    "warning",
                    f"{symbol} skipped: the gateway's tick size {contract.tick_size} "
                    f"differs from {spec.tick_size}",
                )
                continue
            self.book.add(spec, contract.id, contract.name)

    async def _load_history(self) -> None:
        """Closed 1-minute bars for a day and more, 1-second bars for the last half hour."""
        now = self.clock.now_ns()
        day_start = trading_day_start(now)
        for symbol, contract_id in list(self.book.ids.items()):
            spec = self.book.specs[contract_id]
            minutes = await self._bars(contract_id, spec, 2, HISTORY_MINUTES * 60, now, True)
            seconds = await self._bars(contract_id, spec, 1, HISTORY_SECONDS, now, False)
            self._emit(BarsLoaded(now, symbol, ONE_MINUTE.label, minutes))
            self._emit(BarsLoaded(now, symbol, ONE_SECOND.label, seconds))
            before = [bar for bar in minutes if bar.start < day_start]
            if before:
                self._emit(SessionStatsUpdated(now, symbol, before[-1].close))

    async def _bars(
        self, contract_id: str, spec: Instrument, unit: int, span_s: int, now: int, partial: bool
    ) -> tuple[Any, ...]:
        body = {
            "contractId": contract_id,
            "live": False,
            "startTime": datetime_from_ns(now - span_s * NS_PER_SECOND).isoformat(),
            "endTime": datetime_from_ns(now).isoformat(),
            "unit": unit,
            "unitNumber": 1,
            "limit": span_s // (60 if unit == 2 else 1) + 1,
            "includePartialBar": partial,
        }
        answer = await self._call("/History/retrieveBars", body)
        try:
            return parse_bars(_rows(answer, "bars"), spec)
        except MalformedPayload as exc:
            self._bad("bars", exc, contract_id)
            return ()

    async def _open_hubs(self) -> None:
        client = self._require_client()
        assert self.account is not None
        realtime = _Realtime(
            client.session_token,
            str(self.account.id),
            user_hub_url=self.login.user_hub_url,
            market_hub_url=self.login.market_hub_url,
            config=self._sdk_config(),
        )
        realtime.adapter = self
        # The cockpit watches staleness itself (LinkWatch): the SDK's watchdog would tear
        # both hubs down every few seconds while a market is quiet, and its heartbeat
        # invokes a method the Gateway does not document.
        realtime.stale_feed_seconds = math.inf
        await realtime.configure_health_monitoring(heartbeat_interval=3600.0)
        for kind, handler in (
            ("quote_update", self._on_quote),
            ("market_trade", self._on_prints),
            ("order_update", self._on_order),
            ("trade_execution", self._on_fill),
            ("position_update", self._on_position),
            ("account_update", self._on_account),
        ):
            await realtime.add_callback(kind, handler)
        self._realtime = realtime
        self._hub_token = client.session_token
        if not await realtime.connect():
            raise BrokerUnavailable("the gateway's hubs did not accept a connection")
        await realtime.subscribe_user_updates()
        if self.book.ids:
            await realtime.subscribe_market_data(list(self.book.ids.values()))
        count = len(self.book.ids)
        self._set(Link.MARKET, LinkStatus.CONNECTING, f"market hub open: {count} contract(s)")

    # The Broker protocol -----------------------------------------------------------------

    async def place_order(self, request: OrderRequest) -> int:
        account = self._require_account()
        contract_id = self._contract(request.symbol)
        spec = self.book.specs[contract_id]
        body = place_body(account.id, contract_id, spec, request)
        try:
            answer = await self._call("/Order/place", body)
        except _Uncertain as exc:
            return await self._settle_uncertain(request, str(exc))
        if not answer.get("success"):
            raise OrderRejected(f"{_label(request)}: {refusal('/Order/place', answer)}")
        order_id = answer.get("orderId")
        if not isinstance(order_id, int):
            raise BrokerError(f"{_label(request)}: the gateway accepted it without an order id")
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
        known = self._mirror.orders.get(order_id)
        if known is None:
            raise OrderRejected(f"order {order_id} is not known to this session")
        spec = self.instruments[known.symbol]
        body = modify_body(account.id, order_id, spec, size=size, limit=limit, stop=stop)
        await self._mutate("/Order/modify", body, f"change of order {order_id}")

    async def close_position(self, symbol: str) -> None:
        account = self._require_account()
        contract_id = self._position_contract.get(symbol) or self._contract(symbol)
        body = {"accountId": account.id, "contractId": contract_id}
        await self._mutate("/Position/closeContract", body, f"close of {symbol}")

    async def partial_close(self, symbol: str, size: int) -> None:
        """Close ``size`` contracts of the position at market (the Gateway sizes the side)."""
        account = self._require_account()
        contract_id = self._position_contract.get(symbol) or self._contract(symbol)
        body = {"accountId": account.id, "contractId": contract_id, "size": size}
        await self._mutate("/Position/partialCloseContract", body, f"partial close of {symbol}")

    async def reconcile(self) -> None:
        await self._reconcile()

    async def _mutate(self, endpoint: str, body: dict[str, Any], what: str) -> None:
        try:
            answer = await self._call(endpoint, body)
        except _Uncertain as exc:
            self._needs_reconcile = True
            self._set(Link.ACCOUNT, LinkStatus.RECONCILING, f"{what}: {exc}; re-reading")
            self._wake.set()
            raise SubmissionUncertain(
                f"{what}: {exc}. Nothing was re-sent; the account is being re-read"
            ) from None
        if not answer.get("success"):
            self._needs_reconcile = True  # our picture may be behind the gateway's
            self._wake.set()
            raise OrderRejected(f"{what}: {refusal(endpoint, answer)}")

    async def _settle_uncertain(self, request: OrderRequest, reason: str) -> int:
        """The place went unanswered: find it by its tag before anyone may send again."""
        tag = request.tag
        label = _label(request)
        if tag is None:
            self._needs_reconcile = True
            raise SubmissionUncertain(f"{label}: {reason}; nothing was re-sent")
        grace = int(self.settings.uncertain_grace_seconds * NS_PER_SECOND)
        self._uncertain[tag] = self.clock.now_ns() + grace
        self._set(
            Link.ACCOUNT,
            LinkStatus.RECONCILING,
            f"order {tag}: {reason}; checking whether it reached the broker",
        )
        with contextlib.suppress(BrokerError):
            await self._reconcile()
        found = self._mirror.by_tag(tag)
        if found is not None:
            return found.id
        self._wake.set()
        raise SubmissionUncertain(
            f"{label} ({tag}): {reason}. It is not at the broker yet; nothing was re-sent "
            "and order keys wait until the account is re-read"
        )

    # Reconcile ---------------------------------------------------------------------------

    async def _reconcile(self) -> None:
        """Re-read account, orders, fills and positions; ``Reconciled`` when nothing is open.

        Emits only news (the mirror drops what the hub already said), and leaves order keys
        off while an unanswered order is still being looked for.
        """
        account = self._require_account()
        async with self._reconcile_lock:
            self._needs_reconcile = False
            self._set(Link.ACCOUNT, LinkStatus.RECONCILING, "re-reading orders and positions")
            marks = self._mirror.position_marks()
            now = self.clock.now_ns()
            since = max(trading_day_start(now), self._mirror.last_fill_ns - 600 * NS_PER_SECOND)
            window = {
                "accountId": account.id,
                "startTimestamp": datetime_from_ns(since).isoformat(),
                "endTimestamp": datetime_from_ns(now + 60 * NS_PER_SECOND).isoformat(),
            }
            accounts = await self._call("/Account/search", {"onlyActiveAccounts": True})
            open_orders = await self._call("/Order/searchOpen", {"accountId": account.id})
            positions = await self._call("/Position/searchOpen", {"accountId": account.id})
            fills = await self._call("/Trade/search", window)
            day_start = datetime_from_ns(trading_day_start(now)).isoformat()
            recent = await self._call("/Order/search", dict(window, startTimestamp=day_start))
            snapshot = Snapshot(
                account_rows=_rows(accounts, "accounts"),
                open_orders=_rows(open_orders, "orders"),
                recent_orders=_rows(recent, "orders"),
                positions=_rows(positions, "positions"),
                fills=_rows(fills, "trades"),
            )
            result = reconcile_events(
                snapshot, self._mirror, self.book, marks, set(self._uncertain), self.clock.now_ns()
            )
            for kind, problem in result.malformed:
                self._bad(kind, problem, "reconcile")
            for event in result.events:
                self._track(event)
                self._emit(event)
            self._settle_tags()
            if self._uncertain:
                tags = ", ".join(sorted(self._uncertain))
                self._set(
                    Link.ACCOUNT,
                    LinkStatus.RECONCILING,
                    f"looking for order {tags}: its submission went unanswered",
                )
                self._needs_reconcile = True
                self._reconcile_at = self.clock.now_ns() + NS_PER_SECOND // 2
                return
            self._emit(result.reconciled)
            name = self.account.name if self.account else "account"
            self._set(Link.ACCOUNT, LinkStatus.CONNECTED, f"{name}: reconciled")

    def _settle_tags(self) -> None:
        now = self.clock.now_ns()
        for tag, deadline in list(self._uncertain.items()):
            found = self._mirror.by_tag(tag)
            if found is not None:
                del self._uncertain[tag]
                self._notice(
                    "warning",
                    f"order {tag} reached the broker as order {found.id} although its "
                    "answer was lost; it was placed once and not re-sent",
                )
            elif now >= deadline:
                del self._uncertain[tag]
                self._notice(
                    "warning",
                    f"order {tag} is not at the broker "
                    f"{self.settings.uncertain_grace_seconds:g} s after its submission went "
                    "unanswered: it was not placed (nothing was re-sent)",
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
        if links is None or realtime is None or self._login_lock.locked():
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
        if todo.reconcile:
            self._needs_reconcile = True
        client = self._require_client()
        if client.session_token != self._hub_token:
            await self._swap_token("the session token was renewed")
        now = self.clock.now_ns()
        user_up = realtime.user_connected
        if (self._needs_reconcile or self._uncertain) and user_up and now >= self._reconcile_at:
            try:
                await self._reconcile()
                self._reconcile_gap = NS_PER_SECOND
            except BrokerError as exc:
                self._needs_reconcile = True
                self._reconcile_at = now + self._reconcile_gap
                seconds = self._reconcile_gap // NS_PER_SECOND
                self._reconcile_gap = min(self._reconcile_gap * 2, RECONCILE_RETRY_MAX_NS)
                self._set(
                    Link.ACCOUNT,
                    LinkStatus.RECONCILING,
                    f"re-reading the account failed ({exc}); retrying in {seconds} s",
                )
        poll = self.settings.account_poll_seconds
        if poll > 0 and now >= self._poll_at and links.status[Link.ACCOUNT].healthy:
            self._poll_at = now + int(poll * NS_PER_SECOND)
            with contextlib.suppress(BrokerError):
                await self._poll_account()

    @staticmethod
    def _hub_view(realtime: _Realtime) -> HubView:
        def dead(connection: Any) -> bool:
            task = getattr(connection, "_run_task", None)
            if connection is None or task is None:
                return True
            if not task.done():
                return False
            if not task.cancelled() and not getattr(task, "_cockpit_seen", False):
                task._cockpit_seen = True  # type: ignore[attr-defined]
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
        log.warning("rebuilding the live session: %s", reason)
        self._set(Link.ACCOUNT, LinkStatus.DISCONNECTED, f"{reason}: signing in again")
        try:
            await self._relogin(reason, asked=since)
        except BrokerError as exc:
            self._set(Link.ACCOUNT, LinkStatus.DISCONNECTED, f"{reason}: {exc}")
        finally:
            if self._links is not None:
                self._links.rebuilt()
        self._needs_reconcile = True
        self._reconcile_at = 0
        self._wake.set()

    async def _relogin(self, reason: str, *, asked: int | None = None) -> None:
        """Sign in again unless that already happened after ``asked`` (default: now)."""
        asked = self.clock.now_ns() if asked is None else asked
        async with self._login_lock:
            if self._login_ns > asked:
                return  # someone signed in again after the trouble began
            client = self._require_client()
            try:
                await client.authenticate()
            except ProjectXError as exc:
                raise BrokerUnavailable(f"signing in again failed: {self._why(exc)}") from None
            self._note_token()
            self._login_ns = self.clock.now_ns()
            self._needs_reconcile = True
            await self._swap_token(reason)

    async def _swap_token(self, reason: str) -> None:
        """Give the hubs the current token: they reconnect with it and resubscribe once."""
        client = self._require_client()
        realtime = self._realtime
        token = client.session_token
        if realtime is None or token == self._hub_token:
            return
        self._hub_token = token
        log.info("handing the hubs a new session token (%s)", reason)
        # SDK 4.4.1: disconnect() leaves the hubs' "ready" events set, so the reconnect
        # inside update_jwt_token() would not wait for the new sockets and report failure.
        realtime.user_hub_ready.clear()
        realtime.market_hub_ready.clear()
        ok = await realtime.update_jwt_token(token, timeout=HUB_SWAP_SECONDS)
        if not ok:
            log.warning("the hubs did not come back with the new token")

    async def _poll_account(self) -> None:
        answer = await self._call("/Account/search", {"onlyActiveAccounts": True})
        for row in _rows(answer, "accounts"):
            self._on_account(row)

    # REST --------------------------------------------------------------------------------

    async def _call(self, endpoint: str, body: dict[str, Any]) -> Any:
        """One Gateway call through the SDK. A read refused for its token is retried once
        after a fresh login; a mutation without a clear answer raises :class:`_Uncertain`."""
        client = self._require_client()
        expiry = client.token_expiry
        if expiry is not None and self._login_ns:
            left = int(expiry.timestamp() * NS_PER_SECOND) - self.clock.now_ns()
            if left < TOKEN_MARGIN_NS and not self._login_lock.locked():
                await self._relogin("the session token is about to expire")
        for attempt in (1, 2):
            try:
                answer = await client._make_request("POST", endpoint, data=body)
            except OrderSubmissionUncertainError as exc:
                raise _Uncertain(_uncertain_reason(exc)) from None
            except ProjectXAuthenticationError:
                if attempt == 1 and endpoint not in MUTATIONS and self._login_ns:
                    await self._relogin("the gateway refused the session token")
                    continue
                raise BrokerUnavailable(f"{endpoint}: the gateway refused our session") from None
            except ProjectXRateLimitError:
                raise BrokerUnavailable(f"{endpoint}: rate limited by the gateway") from None
            except (ProjectXConnectionError, ProjectXServerError) as exc:
                raise BrokerUnavailable(f"{endpoint}: {self._why(exc)}") from None
            except ProjectXError as exc:
                raise BrokerError(f"{endpoint}: {self._why(exc)}") from None
            self._note_token()
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def _note_token(self) -> None:
        client = self._client
        if client is not None and client.session_token:
            redaction.REDACTOR.add(client.session_token)

    # Hub events --------------------------------------------------------------------------

    def _hub_changed(self, hub: str, change: str) -> None:
        links = self._links
        if links is None:
            return
        if change == "logout":
            reason = "the gateway ended this session (GatewayLogout)"
            self._logout = (reason, self.clock.now_ns())
            self._set(Link.ACCOUNT, LinkStatus.DISCONNECTED, f"{reason}: signing in again")
        elif change == "closed" and hub == "user":
            self._set(Link.ACCOUNT, LinkStatus.DISCONNECTED, "user hub dropped: reconnecting")
        elif change == "closed":
            self._set(Link.MARKET, LinkStatus.DISCONNECTED, "market hub dropped: reconnecting")
        elif change == "opened":
            links.hub_opened(hub)
            if hub == "user" and links.status[Link.ACCOUNT] is LinkStatus.DISCONNECTED:
                self._needs_reconcile = True
        self._wake.set()

    def _on_quote(self, event: Any) -> None:
        if self._links is not None:
            self._links.market_data()
        try:
            contract_id = event["contract_id"]
            quote = parse_quote(
                contract_id,
                event["data"],
                self.book,
                self.clock.now_ns(),
                self._quotes.get(contract_id),
            )
        except (MalformedPayload, KeyError, TypeError) as exc:
            self._bad("GatewayQuote", exc, event)
            return
        self._quotes[contract_id] = quote
        self._emit(quote)

    def _on_prints(self, event: Any) -> None:
        if self._links is not None:
            self._links.market_data()
        try:
            prints = parse_prints(event["contract_id"], event["data"], self.book)
        except (MalformedPayload, KeyError, TypeError) as exc:
            self._bad("GatewayTrade", exc, event)
            return
        for printed in prints:
            self._emit(printed)

    def _on_order(self, data: Any) -> None:
        try:
            order = parse_order(data, self.book)
        except (MalformedPayload, TypeError) as exc:
            self._bad("GatewayUserOrder", exc, data)
            return
        if order.account_id == self._mirror.account_id and self._mirror.order(order):
            self._emit(OrderUpdated(order.updated_ns, order))
            if order.tag in self._uncertain:
                self._wake.set()

    def _on_fill(self, data: Any) -> None:
        try:
            fill = parse_fill(data, self.book)
        except (MalformedPayload, TypeError) as exc:
            self._bad("GatewayUserTrade", exc, data)
            return
        mine = fill is not None and fill.account_id == self._mirror.account_id
        if fill is not None and mine and self._mirror.fill(fill):
            self._emit(FillReceived(fill.ts, fill))

    def _on_position(self, data: Any) -> None:
        try:
            position = parse_position(data, self.book, self.clock.now_ns())
            contract_id = data.get("contractId") if isinstance(data, dict) else None
        except (MalformedPayload, TypeError) as exc:
            self._bad("GatewayUserPosition", exc, data)
            return
        if position.account_id != self._mirror.account_id:
            return
        if self._mirror.position(position):
            if position.size and isinstance(contract_id, str):
                self._position_contract[position.symbol] = contract_id
            self._emit(PositionUpdated(position.ts, position))

    def _on_account(self, data: Any) -> None:
        try:
            account = parse_account(data)
        except (MalformedPayload, TypeError) as exc:
            self._bad("GatewayUserAccount", exc, data)
            return
        if account.id == self._mirror.account_id and self._mirror.account_update(account):
            self.account = account
            self._emit(AccountUpdated(self.clock.now_ns(), account))

    # Helpers -----------------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        sink = self._sink
        if sink is None:
            return
        try:
            sink(event)
        except Exception:  # a fault downstream must not break the hub's event loop
            log.exception("the engine failed on %s", type(event).__name__)

    def _track(self, event: Event) -> None:
        """Remember which contract a reconciled position is in (for its close)."""
        if isinstance(event, PositionUpdated) and event.position.size:
            contract_id = self.book.contract_id(event.position.symbol)
            if contract_id and event.position.symbol not in self._position_contract:
                self._position_contract[event.position.symbol] = contract_id
        if isinstance(event, AccountUpdated):
            self.account = event.account

    def _set(self, link: Link, status: LinkStatus, detail: str) -> None:
        if self._links is not None:
            self._links.set(link, status, redaction.REDACTOR.redact(detail))
        else:
            self._emit(ConnectionChanged(self.clock.now_ns(), link, status, detail))

    def _notice(self, level: str, text: str) -> None:
        self._emit(Notice(self.clock.now_ns(), level, redaction.REDACTOR.redact(text)))

    def _bad(self, kind: str, problem: Exception | str, payload: Any) -> None:
        """Count and log a message the cockpit could not read; the feed goes on."""
        if isinstance(problem, UnknownContract):
            log.info("skipping %s for a product the cockpit does not trade: %s", kind, problem)
            return
        self.malformed[kind] += 1
        if kind.startswith("GatewayUser"):
            self._needs_reconcile = True  # an account report was lost: re-read the account
            self._wake.set()
        total = sum(self.malformed.values())
        shown = redaction.REDACTOR.redact(repr(payload))[:300]
        log.warning("malformed %s #%d skipped (%s): %s", kind, total, problem, shown)
        if total in (1, 10, 100, 1000) or total % 10_000 == 0:
            self._notice("warning", f"{total} malformed gateway message(s) skipped ({kind})")

    def _why(self, exc: BaseException) -> str:
        return redaction.REDACTOR.redact(str(exc) or type(exc).__name__)[:300]

    def _require_client(self) -> ProjectX:
        if self._client is None:
            raise BrokerUnavailable("not connected to the gateway")
        return self._client

    def _require_account(self) -> Account:
        if self.account is None or self._client is None:
            raise BrokerUnavailable("not connected to the gateway")
        return self.account

    def _contract(self, symbol: str) -> str:
        contract_id = self.book.contract_id(symbol)
        if contract_id is None:
            raise OrderRejected(f"{symbol} is not tradable in this session")
        return contract_id


def _rows(answer: Any, key: str) -> list[Any]:
    """The payload list of an answer (``{"success": true, key: [...]}`` or a bare list)."""
    if isinstance(answer, list):
        return answer
    if not isinstance(answer, dict) or not answer.get("success", False):
        message = answer.get("errorMessage") if isinstance(answer, dict) else None
        raise BrokerError(f"the gateway could not list {key}: {message or 'no success'}")
    rows = answer.get(key) or []
    return rows if isinstance(rows, list) else []


def _label(request: OrderRequest) -> str:
    return f"{request.side.label} {request.size} {request.symbol} {request.type.label}"


def _uncertain_reason(exc: OrderSubmissionUncertainError) -> str:
    text = str(exc)
    cause = exc.__cause__
    if "401" in text:
        return "the gateway answered 401 (unauthorized)"
    if "rate-limited" in text:
        return "the gateway answered 429 (rate limited)"
    if isinstance(cause, ProjectXServerError):
        return "the gateway answered a server error"
    if isinstance(cause, ProjectXConnectionError):
        return "no answer from the gateway in time"
    if "cancelled" in text:
        return "the request was cancelled in flight"
    return "no clear answer from the gateway"
