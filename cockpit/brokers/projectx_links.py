"""The live links' health: what the header shows, and when to rebuild the links.

The SDK emits no connect/disconnect events and its own stale-feed watchdog tears both
hubs down every few seconds while a market is quiet. So the adapter watches for itself:
it tells this object what it sees (hubs up or down, hubs dead for good, market data
arriving) and this object turns that into ``ConnectionChanged`` events, only on change,
and says when the links must be rebuilt (new login, new token to the hubs). Rebuilds
back off (doubling up to a ceiling), so a market that is simply closed costs a rebuild
every few minutes at most, never a churn.

Pure logic over an injected clock: the tests drive it without a network.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.core.broker import EventSink
from cockpit.core.clock import NS_PER_SECOND, Clock
from cockpit.core.events import ConnectionChanged, Link, LinkStatus

MAX_REBUILD_GAP_NS = 600 * NS_PER_SECOND
TOKEN_MARGIN_NS = 5 * 60 * NS_PER_SECOND
FIRST_RETRY_NS = 2 * NS_PER_SECOND


@dataclass(frozen=True, slots=True)
class HubView:
    """One look at the two hubs. ``dead``: its transport gave up and will not come back."""

    user_up: bool
    market_up: bool
    user_dead: bool = False
    market_dead: bool = False


@dataclass(frozen=True, slots=True)
class Todo:
    """What the supervisor should do after a look."""

    rebuild: str | None = None
    """Why the links must be rebuilt now (``None``: no need, or backing off)."""
    reconcile: bool = False
    """The user hub came back: re-read the account before order keys work again."""


class LinkWatch:
    """Link statuses from observations; rebuild decisions with back-off."""

    def __init__(
        self,
        clock: Clock,
        sink: EventSink,
        *,
        stale_after: float,
        rebuild_after: float,
    ) -> None:
        self.clock = clock
        self.sink = sink
        self.stale_after_ns = int(stale_after * NS_PER_SECOND)
        self.rebuild_after_ns = int(rebuild_after * NS_PER_SECOND)
        self.status: dict[Link, LinkStatus] = dict.fromkeys(Link, LinkStatus.CONNECTING)
        self.detail: dict[Link, str] = dict.fromkeys(Link, "")
        self.market_seen_ns = clock.now_ns()
        self._data_since_open = False
        self._down_since: dict[str, int | None] = {"user": None, "market": None}
        self._stale_since: int | None = None
        self._next_rebuild_ns = 0
        self._gap_ns = FIRST_RETRY_NS

    # What the adapter reports ------------------------------------------------------------

    def set(self, link: Link, status: LinkStatus, detail: str) -> None:
        """Show a link's status; nothing is emitted when it did not change."""
        if self.status[link] is status and self.detail[link] == detail:
            return
        self.status[link] = status
        self.detail[link] = detail
        self.sink(ConnectionChanged(self.clock.now_ns(), link, status, detail))

    def market_data(self) -> None:
        """A quote or a print arrived (the hot path: two attribute writes)."""
        self.market_seen_ns = self.clock.now_ns()
        self._data_since_open = True

    def hub_opened(self, hub: str) -> None:
        if hub == "market":
            self._reopened()

    def _reopened(self) -> None:
        """Silence is timed from the (re)opening; the link is up only once data arrives."""
        self.market_seen_ns = self.clock.now_ns()
        self._data_since_open = False

    def rebuilt(self) -> None:
        """A rebuild finished: trouble must now persist afresh before the next one."""
        now = self.clock.now_ns()
        self._down_since = {
            hub: None if since is None else now for hub, since in self._down_since.items()
        }
        self._stale_since = None
        self._reopened()

    # One look --------------------------------------------------------------------------

    def observe(self, view: HubView) -> Todo:
        now = self.clock.now_ns()
        reconcile = self._account(view, now)
        reason = self._market(view, now)
        for hub, up, dead in (
            ("user", view.user_up, view.user_dead),
            ("market", view.market_up, view.market_dead),
        ):
            if dead:
                reason = reason or f"the {hub} hub stopped reconnecting"
            elif not up:
                since = self._down_since[hub]
                if since is not None and now - since >= self.rebuild_after_ns:
                    seconds = (now - since) // NS_PER_SECOND
                    reason = reason or f"the {hub} hub has been down for {seconds} s"
        if view.user_up and self.status[Link.MARKET] is LinkStatus.CONNECTED:
            self._gap_ns = FIRST_RETRY_NS  # healthy again: the next trouble starts over
        if reason is None or now < self._next_rebuild_ns:
            return Todo(None, reconcile)
        self._next_rebuild_ns = now + self._gap_ns
        self._gap_ns = min(self._gap_ns * 2, MAX_REBUILD_GAP_NS)
        return Todo(reason, reconcile)

    def _account(self, view: HubView, now: int) -> bool:
        if not view.user_up:
            if self._down_since["user"] is None:
                self._down_since["user"] = now
            if self.status[Link.ACCOUNT] is not LinkStatus.DISCONNECTED:
                self.set(Link.ACCOUNT, LinkStatus.DISCONNECTED, "user hub down: reconnecting")
            return False
        self._down_since["user"] = None
        return self.status[Link.ACCOUNT] is LinkStatus.DISCONNECTED

    def _market(self, view: HubView, now: int) -> str | None:
        if not view.market_up:
            if self._down_since["market"] is None:
                self._down_since["market"] = now
            self._stale_since = None
            self.set(Link.MARKET, LinkStatus.DISCONNECTED, "market hub down: reconnecting")
            return None
        self._down_since["market"] = None
        quiet = now - self.market_seen_ns
        if quiet < self.stale_after_ns:
            self._stale_since = None
            if self._data_since_open:
                self.set(Link.MARKET, LinkStatus.CONNECTED, "market data flowing")
            elif self.status[Link.MARKET] is not LinkStatus.CONNECTED:
                self.set(Link.MARKET, LinkStatus.CONNECTING, "market hub open: waiting for data")
            return None
        if self._stale_since is None:
            self._stale_since = now
            seconds = quiet // NS_PER_SECOND
            self.set(Link.MARKET, LinkStatus.STALE, f"no market data for {seconds} s")
        if quiet >= self.rebuild_after_ns:
            return f"no market data for {quiet // NS_PER_SECOND} s"
        return None


def token_expiring(end_ns: int, login_ns: int, now_ns: int) -> bool:
    """Renew now: within five minutes (or a fifth of a short token's life) of its end."""
    if not end_ns or not login_ns:
        return False
    return end_ns - now_ns < min(TOKEN_MARGIN_NS, (end_ns - login_ns) // 5)
