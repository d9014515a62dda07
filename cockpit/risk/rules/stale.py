"""Stale feed and account guard: do not trust the cockpit while it may be out of date.

``feed_seconds`` refuses an entry in a symbol whose last quote arrived longer ago than
that (measured on the engine clock when it arrived, so broker clock skew cannot hide
it). ``account`` puts the cockpit in REDUCING while the market or account link is down
or the account has not been reconciled since (re)connecting.
"""

from __future__ import annotations

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import (
    ConnectionChanged,
    Event,
    Link,
    QuoteUpdated,
    Reconciled,
)
from cockpit.core.state import State
from cockpit.risk.rules.base import Act, Env, Intent, Level, Reading, Refusal, Rule

NONE: list[Act] = []


class Stale(Rule):
    name = "stale"
    title = "Feed and account"
    turn_on = "[risk.stale] feed_seconds or account"
    reacts_to = (QuoteUpdated,)
    events = (ConnectionChanged, Reconciled)
    action = "reduce-only"
    cancels_entries = False
    """A link that is down cannot be trusted to say which orders to cancel."""

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = env.settings.stale
        self.feed_seconds = cfg.feed_seconds
        self.feed_ns = int(cfg.feed_seconds * NS_PER_SECOND) if cfg.feed_seconds else 0
        self.account = cfg.account
        self.seen: dict[str, int] = {}
        """When (engine time) each symbol's latest quote arrived."""

    @property
    def enabled(self) -> bool:
        return self.feed_seconds is not None or self.account

    @property
    def is_limit(self) -> bool:  # type: ignore[override]
        return self.account

    def react(self, event: Event, state: State, now: int) -> list[Act]:
        self.seen[event.symbol] = now  # type: ignore[attr-defined]
        return NONE

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

    def inputs(self, state: State, now: int) -> str:
        return " ".join(f"{link.value}={state.links[link].value}" for link in Link) + (
            f" reconciled={state.reconciled}"
        )

    def check(self, intent: Intent, state: State, now: int) -> Refusal | None:
        if not self.feed_ns:
            return None
        symbol = intent.request.symbol
        seen = self.seen.get(symbol)
        if seen is None:
            return Refusal(f"no quote for {symbol} yet: the feed may be down", f"symbol={symbol}")
        age = now - seen
        if age <= self.feed_ns:
            return None
        return Refusal(
            f"{symbol} quotes are stale: the last one came {age / NS_PER_SECOND:.1f} s ago "
            f"(limit {self.feed_seconds:g} s)",
            f"symbol={symbol} age_ns={age} limit_s={self.feed_seconds}",
        )

    def reading(self, state: State, now: int) -> Reading:
        ages = [now - ns for symbol, ns in self.seen.items() if symbol in state.watchlist]
        oldest = max(ages) / NS_PER_SECOND if ages else None
        current = f"oldest quote {oldest:.1f} s" if oldest is not None else "no quotes yet"
        down = self._links_down(state)
        if down:
            current += "; " + ", ".join(down)
        stale = self.feed_ns and (oldest is None or oldest * NS_PER_SECOND > self.feed_ns)
        return Reading(
            self.name,
            self.title,
            self.describe(),
            current,
            "-",
            Level.BREACH if (self.account and down) or stale else Level.OK,
        )

    def describe(self) -> str:
        parts = []
        if self.feed_seconds is not None:
            parts.append(f"quotes younger than {self.feed_seconds:g} s")
        if self.account:
            parts.append("links up and account reconciled")
        return ", ".join(parts) + "; otherwise no new entries"
