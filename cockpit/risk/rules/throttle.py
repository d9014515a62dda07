"""Order rate throttle: at most N new or changed orders per window.

A guard against a runaway key or script, counted on orders that add exposure (exits
are never throttled).
"""

from __future__ import annotations

from collections import deque

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.state import State
from cockpit.risk.rules.base import Env, Intent, Level, Reading, Rule, RuleDenial, pct


class Throttle(Rule):
    name = "throttle"
    title = "Order rate"
    turn_on = "[risk.throttle] orders"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = env.settings.throttle
        self.orders = cfg.orders
        self.seconds = cfg.seconds
        self.window = int(cfg.seconds * NS_PER_SECOND)
        self.sent: deque[int] = deque()

    @property
    def enabled(self) -> bool:
        return self.orders is not None

    def _recent(self, now: int) -> int:
        sent = self.sent
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        return len(sent)

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        assert self.orders is not None
        recent = self._recent(now)
        if recent < self.orders:
            return None
        return RuleDenial(
            f"order rate: {recent} orders in the last {self.seconds:g} s (limit {self.orders})",
            f"recent={recent} limit={self.orders} window_s={self.seconds}",
        )

    def accepted(self, intent: Intent, now: int) -> None:
        self.sent.append(now)

    def reading(self, state: State, now: int) -> Reading:
        assert self.orders is not None
        recent = self._recent(now)
        return Reading(
            self.name,
            self.title,
            f"{self.orders} per {self.seconds:g} s",
            str(recent),
            str(self.orders - recent),
            Level.WARN if recent >= self.orders else Level.OK,
            fraction=pct(recent, self.orders),
        )

    def describe(self) -> str:
        return f"{self.orders} new or changed orders per {self.seconds:g} s; deny"
