"""Symbol block: instruments a trader must not enter, with ``*`` and ``?`` wildcards.

``block = ["CL", "MCL"]`` keeps crude oil off limits; ``allow = ["MNQ", "MES"]`` lets
nothing else in. Working orders that would enter a blocked symbol (placed elsewhere)
are cancelled; an open position there may still be closed.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from cockpit.core.events import Event, OrderUpdated
from cockpit.core.state import State
from cockpit.risk.exposure import cancellable, order_increases
from cockpit.risk.rules.base import Act, Env, Intent, Level, Reading, Rule, RuleDenial


class SymbolBlock(Rule):
    name = "symbol-block"
    title = "Blocked symbols"
    turn_on = "[risk.symbols] block or allow"
    reacts_to = (OrderUpdated,)

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = env.settings.symbols
        self.block = list(cfg.block)
        self.allow = list(cfg.allow)
        self._cache: dict[str, str | None] = {}

    @property
    def enabled(self) -> bool:
        return bool(self.block or self.allow)

    def why_blocked(self, symbol: str) -> str | None:
        """Why ``symbol`` may not be entered, or ``None``."""
        if symbol in self._cache:
            return self._cache[symbol]
        why = None
        hit = next((p for p in self.block if fnmatchcase(symbol, p)), None)
        if hit is not None:
            why = f"{symbol} is blocked (matches {hit!r} in [risk.symbols] block)"
        elif self.allow and not any(fnmatchcase(symbol, p) for p in self.allow):
            why = f"{symbol} is not in the allowed symbols ({', '.join(self.allow)})"
        self._cache[symbol] = why
        return why

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        why = self.why_blocked(intent.request.symbol)
        return RuleDenial(why, f"symbol={intent.request.symbol}") if why else None

    def react(self, event: Event, state: State, now: int) -> list[Act]:
        assert isinstance(event, OrderUpdated)
        order = event.order
        if not order.status.is_working or self.why_blocked(order.symbol) is None:
            return []
        if not cancellable(order):
            return []
        if not order_increases(state, order):
            return []
        return [
            Act.cancel(
                order,
                f"order {order.id}: {self.why_blocked(order.symbol)}",
                f"symbol={order.symbol} order={order.id}",
            )
        ]

    def reading(self, state: State, now: int) -> Reading:
        return Reading(self.name, self.title, self.describe(), "-", "-", Level.OK)

    def describe(self) -> str:
        parts = []
        if self.block:
            parts.append("block " + ", ".join(self.block))
        if self.allow:
            parts.append("allow only " + ", ".join(self.allow))
        return "; ".join(parts)
