"""Stale feed and account guard: do not add exposure on market data that may be out of date.

On by default. An entry waits while the market link is down or stale (what the broker
adapter reports, and what the banner shows as "order keys wait"), while no market data
at all arrived for longer than ``feed_seconds`` (measured on the engine clock when each
quote or print arrived, so broker clock skew cannot hide it), and in a symbol that has
had no market data yet. The age is the feed's, not the symbol's: a quiet instrument alone
is not a stale feed. Exits never wait: the gate only judges orders that add exposure.

``account`` (off by default) also holds the whole cockpit REDUCE-ONLY while the market or
account link is down or the account has not been reconciled since (re)connecting.
"""

from __future__ import annotations

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import (
    ConnectionChanged,
    Link,
    LinkStatus,
    Reconciled,
)
from cockpit.core.state import State
from cockpit.risk.rules.base import Env, Intent, Level, Reading, Rule, RuleDenial

FEED_DOWN = frozenset({LinkStatus.DISCONNECTED, LinkStatus.STALE})
"""Market link statuses on which the banner says order keys wait."""
WAIT = "entries wait; exits pass"


class Stale(Rule):
    name = "stale"
    title = "Feed and account"
    turn_on = "[risk.stale] feed_seconds or account"
    events = (ConnectionChanged, Reconciled)
    action = "reduce-only"
    cancels_entries = False
    """A link that is down cannot be trusted to say which orders to cancel."""

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = env.settings.stale
        self.feed_seconds = cfg.feed_seconds or None
        """``None`` (or 0 in the config): the feed guard is off."""
        self.feed_ns = int(cfg.feed_seconds * NS_PER_SECOND) if cfg.feed_seconds else 0
        self.account = cfg.account
        self.tally = env.tally
        """Where the risk engine notes when market data arrived (``market_seen``)."""

    @property
    def enabled(self) -> bool:
        return self.feed_seconds is not None or self.account

    @property
    def is_limit(self) -> bool:
        return self.account

    # The feed ----------------------------------------------------------------------------

    def feed_problem(self, symbol: str | None, state: State, now: int) -> tuple[str, str] | None:
        """(reason, inputs) while entries in ``symbol`` must wait for the feed, else ``None``."""
        if not self.feed_ns:
            return None
        status = state.links[Link.MARKET]
        if status in FEED_DOWN:
            detail = state.link_detail[Link.MARKET]
            said = f" ({detail})" if detail else ""
            return f"market feed {status.value}{said}: {WAIT}", f"market={status.value}"
        latest = self.tally.market_latest
        if latest is None or (symbol is not None and symbol not in self.tally.market_seen):
            what = f"for {symbol} " if symbol is not None else ""
            return f"no market data {what}yet: {WAIT}", f"symbol={symbol} seen=none"
        age = now - latest
        if age <= self.feed_ns:
            return None
        return (
            f"market data stale: none for {age / NS_PER_SECOND:.1f} s "
            f"(limit {self.feed_seconds:g} s): {WAIT}",
            f"age_ns={age} limit_s={self.feed_seconds:g} market={status.value}",
        )

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        problem = self.feed_problem(intent.request.symbol, state, now)
        return None if problem is None else RuleDenial(*problem)

    # The links (``account``) -------------------------------------------------------------

    def _links_down(self, state: State) -> list[str]:
        down = [
            f"{link.value} {state.links[link].value}"
            for link in (Link.MARKET, Link.ACCOUNT)
            if not state.links[link].healthy
        ]
        if not state.reconciled:
            down.append("account not reconciled")
        return down

    def level(self, state: State, now: int) -> Level:
        if self.account and self._links_down(state):
            return Level.BREACH
        return Level.OK

    def reason(self, state: State, now: int) -> str:
        down = self._links_down(state)
        if down:
            return f"not trusted while {', '.join(down)}: exits only"
        return "market and account links healthy"

    def cleared(self, state: State, now: int) -> str:
        return "market and account links healthy and the account reconciled"

    def inputs(self, state: State, now: int) -> str:
        return " ".join(f"{link.value}={state.links[link].value}" for link in Link) + (
            f" reconciled={state.reconciled}"
        )

    # Display -----------------------------------------------------------------------------

    def reading(self, state: State, now: int) -> Reading:
        latest = self.tally.market_latest
        current = (
            f"last data {(now - latest) / NS_PER_SECOND:.1f} s ago"
            if latest is not None
            else "no data yet"
        )
        down = self._links_down(state)
        if down:
            current += "; " + ", ".join(down)
        limits = []
        if self.feed_seconds is not None:
            limits.append(f"data within {self.feed_seconds:g} s")
        if self.account:
            limits.append("links up")
        problem = self.feed_problem(None, state, now)
        if problem is not None:
            detail = problem[0]
        elif self.account and down:
            detail = self.reason(state, now)
        else:
            detail = "entries wait while the feed is down or silent; exits pass"
        return Reading(
            self.name,
            self.title,
            ", ".join(limits),
            current,
            "-",
            Level.BREACH if (self.account and down) or problem is not None else Level.OK,
            detail,
        )

    def describe(self) -> str:
        parts = []
        if self.feed_seconds is not None:
            parts.append(f"market feed up with data in the last {self.feed_seconds:g} s")
        if self.account:
            parts.append("links up and account reconciled (else REDUCE-ONLY)")
        return ", ".join(parts) + "; otherwise no new entries"
