"""Required stop: every open position must have a protective stop within a grace period.

A position counts as protected when working stop orders on the other side cover its
whole size. Once it has been unprotected for ``grace_seconds``, the rule alerts, closes
the position, or places a stop ``stop_ticks`` from the average entry (closing instead
when that price is already through the market).
"""

from __future__ import annotations

import math

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.commands import ClosePosition, PlaceOrder
from cockpit.core.events import Event, OrderUpdated, PositionUpdated
from cockpit.core.models import OrderType, Side
from cockpit.core.state import State
from cockpit.core.text import countdown
from cockpit.risk.rules.base import Act, Env, Level, Reading, Rule, event_symbol

STOP_TYPES = frozenset({OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP})


class RequireStop(Rule):
    name = "require-stop"
    title = "Stop required"
    turn_on = "[risk.require_stop] grace_seconds"
    reacts_to = (OrderUpdated, PositionUpdated)
    timed = True

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = env.settings.require_stop
        self.grace = cfg.grace_seconds
        self.grace_ns = int(cfg.grace_seconds * NS_PER_SECOND) if cfg.grace_seconds else 0
        self.action = cfg.action
        self.stop_ticks = cfg.stop_ticks
        self.since: dict[str, int] = {}
        """Symbols with an unprotected position, and since when."""
        self.acted: set[str] = set()

    @property
    def enabled(self) -> bool:
        return self.grace is not None

    def protected(self, state: State, symbol: str) -> bool:
        held = state.position_size(symbol)
        if held == 0:
            return True
        side = Side.SELL if held > 0 else Side.BUY
        book = self.env.tally.working.get(symbol, {})
        covered = sum(o.remaining for o in book.values() if o.side is side and o.type in STOP_TYPES)
        return covered >= abs(held)

    def react(self, event: Event, state: State, now: int) -> list[Act]:
        symbol = event_symbol(event)
        if symbol is None:
            return []
        if self.protected(state, symbol):
            self.since.pop(symbol, None)
            self.acted.discard(symbol)
        elif symbol not in self.since:
            self.since[symbol] = now
        return []

    def on_time(self, state: State, now: int) -> list[Act]:
        acts = []
        for symbol, since in self.since.items():
            if symbol in self.acted or now - since < self.grace_ns:
                continue
            self.acted.add(symbol)
            acts.append(self._act(state, symbol, now - since))
        return acts

    def _act(self, state: State, symbol: str, waited: int) -> Act:
        held = state.position_size(symbol)
        detail = f"{symbol} {held:+d} has had no stop for {waited / NS_PER_SECOND:.0f} s"
        inputs = f"symbol={symbol} position={held} grace_s={self.grace}"
        if self.action == "alert":
            return Act(None, "alert", detail, inputs)
        close = Act(
            ClosePosition(symbol=symbol, origin="risk"),
            "close",
            detail,
            inputs,
            key=("close", symbol),
        )
        if self.action == "close" or self.stop_ticks is None:
            return close
        position = state.positions[symbol]
        spec = state.instruments[symbol]
        side = Side.SELL if held > 0 else Side.BUY
        average = position.average
        if held > 0:
            stop = math.floor(average) - self.stop_ticks
        else:
            stop = math.ceil(average) + self.stop_ticks
        quote = state.quotes.get(symbol)
        through = quote is None or (stop >= quote.bid if held > 0 else stop <= quote.ask)
        if through:
            return close
        return Act(
            PlaceOrder(
                symbol=symbol,
                side=side,
                type=OrderType.STOP,
                size=abs(held),
                stop_price=spec.to_price(stop),
                origin="risk",
            ),
            "place-stop",
            f"{detail}: stop placed at {spec.format(stop)}",
            inputs + f" stop_ticks={self.stop_ticks}",
        )

    def reading(self, state: State, now: int) -> Reading:
        waiting = {s: now - t for s, t in self.since.items() if state.position_size(s)}
        if not waiting:
            current, level = "all protected", Level.OK
        else:
            current = ", ".join(f"{s} {w / NS_PER_SECOND:.0f} s" for s, w in waiting.items())
            level = Level.WARN
        left = min((self.grace_ns - w for w in waiting.values()), default=None)
        return Reading(
            self.name,
            self.title,
            f"within {self.grace:g} s",
            current,
            countdown(left) if left is not None else "-",
            level,
            f"then {self.action}",
        )

    def describe(self) -> str:
        then = self.action
        if self.action == "place-stop":
            then = f"place a stop {self.stop_ticks} ticks from the entry"
        return f"a stop covering every position within {self.grace:g} s; otherwise {then}"
