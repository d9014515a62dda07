"""The REST side of the live links: the SDK's client, its token and the queue.

Every request the SDK sends waits its turn in the cockpit's request queue
(request_scheduler): exits first, with a reserve of the rate budget kept for them, then
entries, then reads. The lane comes from the endpoint, or from the caller's context (a
flatten's re-read runs in the exits' lane). Signing in also goes in the exits' lane:
an exit may be waiting for the new token.

The token is renewed before it expires, on the supervisor's timer (:meth:`renew_if_due`).
A read refused 401 signs in again and is retried once. A mutation that gets no clear
answer raises :class:`Uncertain`, and its caller decides (an exit refused 401 is sent
again, see ``ProjectXBroker._again_after_login``).

SDK internals touched (pinned to 4.4.1):
- ``ProjectX._make_request`` is called past its ``@handle_rate_limit`` wrapper: raw
  Gateway JSON with the SDK's retry and uncertainty rules, but no 60 s sleep on a 429;
- ``ProjectX.rate_limiter`` is replaced, so every request waits in the cockpit's queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
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

from cockpit.brokers import projectx_redact as redaction
from cockpit.brokers.projectx_config import LiveLogin, ProjectXSettings, ProjectXSetupError
from cockpit.brokers.projectx_links import token_expiring
from cockpit.brokers.projectx_orders import ERRORS
from cockpit.brokers.request_scheduler import Budget, Hold, Lane, RequestScheduler
from cockpit.core.broker import BrokerError, BrokerUnavailable
from cockpit.core.clock import NS_PER_SECOND, Clock

log = logging.getLogger(__name__)

RENEW_RETRY_NS = 5 * NS_PER_SECOND
MUTATIONS = frozenset(ERRORS)
"""The endpoints that change the account: the SDK never retries them."""
LANES = {
    "/Order/cancel": Lane.EXIT,
    "/Position/closeContract": Lane.EXIT,
    "/Position/partialCloseContract": Lane.EXIT,
    "/Order/place": Lane.ENTRY,
    "/Order/modify": Lane.ENTRY,
}
"""Each mutation's lane in the request queue; everything else is a read."""
LANE: ContextVar[Lane] = ContextVar("cockpit_gateway_lane", default=Lane.READ)
"""The lane of the requests made from here on (context-local: per task)."""


@contextlib.contextmanager
def lane(wanted: Lane) -> Iterator[None]:
    """Make the requests inside go in ``wanted`` (or a more urgent lane already in force)."""
    token = LANE.set(min(wanted, LANE.get()))
    try:
        yield
    finally:
        LANE.reset(token)


class Uncertain(Exception):
    """A mutation got no clear answer (timeout, 5xx, 401, 429): it may have happened."""

    def __init__(self, reason: str, *, unauthorized: bool = False) -> None:
        super().__init__(reason)
        self.unauthorized = unauthorized
        """The answer was 401: the Gateway refused the token."""


class _Gate:
    """Stands in for the SDK's own limiter, a first-come queue that would let look-ups hold
    up a close: every request the SDK sends waits here, in the lane of whoever asked."""

    def __init__(self, scheduler: RequestScheduler) -> None:
        self.scheduler = scheduler

    async def acquire(self) -> None:
        await self.scheduler.acquire(LANE.get())


class RestLink:
    """The SDK's REST client with the cockpit's queue in front and its token kept fresh."""

    def __init__(
        self,
        clock: Clock,
        login: LiveLogin,
        settings: ProjectXSettings,
        *,
        on_signed_in: Callable[[], None],
        notice: Callable[[str, str], None],
    ) -> None:
        self.clock = clock
        self.login = login
        self.settings = settings
        self.on_signed_in = on_signed_in
        """A new login happened: the adapter re-reads the account and re-tokens the hubs."""
        self.notice = notice
        budget = Budget.per_minute(settings.requests_per_minute)
        self.scheduler = RequestScheduler(clock, budget, on_hold=self._rate_held)
        self.client: ProjectX | None = None
        self.login_ns = 0
        """When the current token was obtained (0: not signed in yet)."""
        self._renew_after = 0
        """No renewal attempt before this (the last one failed)."""
        self._lock = asyncio.Lock()

    def config(self) -> ProjectXConfig:
        return ProjectXConfig(
            api_url=self.login.api_url,
            user_hub_url=self.login.user_hub_url,
            market_hub_url=self.login.market_hub_url,
            timeout_seconds=self.settings.timeout_seconds,
            requests_per_minute=self.settings.requests_per_minute,  # its limiter is replaced
        )

    async def open(self) -> None:
        client = ProjectX(
            self.login.username, self.login.api_key, config=self.config(), account_name=None
        )
        client.rate_limiter = _Gate(self.scheduler)
        await client.__aenter__()
        self.client = client

    async def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.__aexit__(None, None, None)
            self.client = None
        self.scheduler.close()

    def require(self) -> ProjectX:
        if self.client is None:
            raise BrokerUnavailable("not connected to the gateway")
        return self.client

    @property
    def token(self) -> str:
        return self.client.session_token if self.client is not None else ""

    @property
    def signing_in(self) -> bool:
        return self._lock.locked()

    def keep_account(self, name: str) -> None:
        """A later sign-in selects this account again (the SDK picks by name)."""
        self.require().account_name = name.upper()

    # Signing in -------------------------------------------------------------------------

    async def sign_in(self) -> None:
        """The first login: a refusal is a setup error (wrong name or key)."""
        client = self.require()
        try:
            with lane(Lane.EXIT):
                await client.authenticate()
        except ProjectXError as exc:
            if isinstance(exc, ProjectXConnectionError | ProjectXServerError):
                raise BrokerUnavailable(f"cannot reach the gateway: {why(exc)}") from None
            raise ProjectXSetupError(
                "the gateway refused the login: check PROJECT_X_USERNAME and PROJECT_X_API_KEY"
            ) from None
        self._note_token()
        self.login_ns = self.clock.now_ns()

    async def relogin(self, reason: str, *, asked: int | None = None) -> None:
        """Sign in again unless that already happened after ``asked`` (default: now).

        In the exits' lane, and quick: the hubs get the new token afterwards, from the
        supervisor (a hub swap takes seconds, and an exit waiting on this must not)."""
        asked = self.clock.now_ns() if asked is None else asked
        async with self._lock:
            if self.login_ns > asked:
                return  # someone signed in again after the trouble began
            client = self.require()
            try:
                with lane(Lane.EXIT):
                    await client.authenticate()
            except ProjectXError as exc:
                raise BrokerUnavailable(f"signing in again failed: {why(exc)}") from None
            self._note_token()
            self.login_ns = self.clock.now_ns()
            log.info("signed in again: %s", reason)
        self.on_signed_in()

    async def renew_if_due(self) -> None:
        """Renew the token before it expires: on the supervisor's timer, not only
        on the next call (an idle cockpit would meet the 401 on its next exit)."""
        now = self.clock.now_ns()
        if now < self._renew_after or not self.token_expiring(now):
            return
        try:
            await self.relogin("renewing the token before it expires")
        except BrokerUnavailable as exc:
            self._renew_after = now + RENEW_RETRY_NS
            seconds = RENEW_RETRY_NS // NS_PER_SECOND
            self.notice("warning", f"{exc}; renewing the token again in {seconds} s")

    def token_expiring(self, now: int) -> bool:
        expiry = self.client.token_expiry if self.client is not None else None
        end = int(expiry.timestamp() * NS_PER_SECOND) if expiry is not None else 0
        return token_expiring(end, self.login_ns, now)

    def _note_token(self) -> None:
        if self.token:
            redaction.REDACTOR.add(self.token)

    # Calls ------------------------------------------------------------------------------

    async def call(self, endpoint: str, body: dict[str, Any]) -> Any:
        """One Gateway call through the SDK, in its lane of the request queue.

        A read refused for its token is retried once after a fresh login; a mutation
        without a clear answer raises :class:`Uncertain`; a 429 pauses reads."""
        with lane(LANES.get(endpoint, Lane.READ)):
            return await self._call_in_lane(endpoint, body)

    async def _call_in_lane(self, endpoint: str, body: dict[str, Any]) -> Any:
        client = self.require()
        if not self.signing_in:
            await self.renew_if_due()  # the timer's back-up; a failure keeps the old token
        for attempt in (1, 2):
            try:
                answer = await _request(client, endpoint, body)
            except OrderSubmissionUncertainError as exc:
                if "rate-limited" in str(exc):
                    self.scheduler.gateway_refused()
                raise Uncertain(_uncertain_reason(exc), unauthorized=_unauthorized(exc)) from None
            except ProjectXAuthenticationError:
                if attempt == 1 and endpoint not in MUTATIONS and self.login_ns:
                    await self.relogin("the gateway refused the token")
                    continue
                raise BrokerUnavailable(f"{endpoint}: the gateway rejected our token") from None
            except ProjectXRateLimitError:
                hold = self.scheduler.gateway_refused()
                raise BrokerUnavailable(
                    f"{endpoint}: rate limited by the gateway (429); reads paused "
                    f"{hold.seconds:g} s"
                ) from None
            except (ProjectXConnectionError, ProjectXServerError) as exc:
                raise BrokerUnavailable(f"{endpoint}: {why(exc)}") from None
            except ProjectXError as exc:
                raise BrokerError(f"{endpoint}: {why(exc)}") from None
            self.scheduler.gateway_answered()
            self._note_token()
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def _rate_held(self, hold: Hold) -> None:
        """The rate budget is what holds something up: say so on screen."""
        text = hold.describe(self.settings.requests_per_minute)
        log.warning("%s", text)
        self.notice("warning", text)


def why(exc: BaseException) -> str:
    """An exception as one masked line (tokens and credentials never shown)."""
    return redaction.REDACTOR.redact(str(exc) or type(exc).__name__)[:300]


async def _request(client: ProjectX, endpoint: str, body: dict[str, Any]) -> Any:
    """``POST`` through the SDK past its ``@handle_rate_limit``, whose answer to a 429 on a
    read is to sleep 60 s and retry: the cockpit pauses its reads itself and exits go on."""
    send = getattr(type(client)._make_request, "__wrapped__", None)
    if send is None:  # pragma: no cover - a future SDK without the decorator
        return await client._make_request("POST", endpoint, data=body)
    return await send(client, "POST", endpoint, data=body)


def _unauthorized(exc: OrderSubmissionUncertainError) -> bool:
    """The SDK's "Mutating request received 401" (no transport error behind it)."""
    return "401" in str(exc) and exc.__cause__ is None


def _uncertain_reason(exc: OrderSubmissionUncertainError) -> str:
    """Why the SDK could not tell whether a mutation happened, in a trader's words."""
    text, cause = str(exc), exc.__cause__
    if "401" in text:
        return "the gateway answered 401 (unauthorized)"
    if "rate-limited" in text:
        return "the gateway answered 429 (rate limited)"
    if isinstance(cause, ProjectXServerError):
        return "the gateway answered a server error"
    if isinstance(cause, ProjectXConnectionError):
        return "no answer from the gateway in time"
    return "no clear answer from the gateway"
