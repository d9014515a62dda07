"""Fat-finger guard: a price far from the market, or an unusually large size.

``max_ticks`` denies a limit or stop price further than that from the touch (the ask
for a buy, the bid for a sell). ``confirm_above`` asks for a second keystroke: an order
larger than that is denied once with rule ``confirm-size``, and the very same order
sent again within ``confirm_seconds`` passes. Headless, the second keystroke is simply
the identical command submitted again.
"""

from __future__ import annotations

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.commands import Command
from cockpit.core.models import Side
from cockpit.core.state import State
from cockpit.risk.rules.base import Env, Intent, Level, Reading, Rule, RuleDenial


class FatFinger(Rule):
    name = "fat-finger"
    title = "Price far from market"
    turn_on = "[risk.fat_finger] max_ticks"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = env.settings.fat_finger
        self.max_ticks = cfg.max_ticks
        self.per_symbol = dict(cfg.symbols)

    @property
    def enabled(self) -> bool:
        return self.max_ticks is not None or bool(self.per_symbol)

    def limit_for(self, symbol: str) -> int | None:
        return self.per_symbol.get(symbol, self.max_ticks)

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        request = intent.request
        limit = self.limit_for(request.symbol)
        if limit is None:
            return None
        reference = _reference(state, request.symbol, request.side)
        if reference is None:
            return None
        spec = state.instruments[request.symbol]
        for kind, price in (("limit", request.limit), ("stop", request.stop)):
            if price is None:
                continue
            distance = abs(price - reference)
            if distance > limit:
                return RuleDenial(
                    f"{kind} price {spec.format(price)} is {distance} ticks from the market "
                    f"({spec.format(reference)}); the guard allows {limit}",
                    f"symbol={request.symbol} price={price} market={reference} "
                    f"distance={distance} limit={limit}",
                )
        return None

    def describe_limit(self) -> str:
        text = f"{self.max_ticks} ticks" if self.max_ticks is not None else "-"
        if self.per_symbol:
            text += " (" + ", ".join(f"{s} {n}" for s, n in self.per_symbol.items()) + ")"
        return text

    def reading(self, state: State, now: int) -> Reading:
        return Reading(self.name, self.title, self.describe_limit(), "-", "-", Level.OK)

    def describe(self) -> str:
        return f"limit and stop prices within {self.describe_limit()} of the market; deny"


class ConfirmSize(Rule):
    name = "confirm-size"
    title = "Large size needs a second press"
    turn_on = "[risk.fat_finger] confirm_above"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = env.settings.fat_finger
        self.above = cfg.confirm_above
        self.seconds = cfg.confirm_seconds
        self.window = int(cfg.confirm_seconds * NS_PER_SECOND)
        self.waiting: tuple[Command, int] | None = None
        """The large order denied once, and when: the same one again confirms it."""

    @property
    def enabled(self) -> bool:
        return self.above is not None

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        assert self.above is not None
        size = intent.request.size
        if size <= self.above:
            return None
        waiting = self.waiting
        if waiting is not None and waiting[0] == intent.command and now - waiting[1] <= self.window:
            return None
        self.waiting = (intent.command, now)
        return RuleDenial(
            f"size {size} is above {self.above}: send the same order again within "
            f"{self.seconds:g} s to confirm",
            f"size={size} confirm_above={self.above}",
        )

    def accepted(self, intent: Intent, now: int) -> None:
        if self.waiting is not None and self.waiting[0] == intent.command:
            self.waiting = None

    def reading(self, state: State, now: int) -> Reading:
        return Reading(self.name, self.title, f"above {self.above}", "-", "-", Level.OK)

    def describe(self) -> str:
        return (
            f"orders above {self.above} contracts need the same order again within "
            f"{self.seconds:g} s"
        )


def _reference(state: State, symbol: str, side: Side) -> int | None:
    quote = state.quotes.get(symbol)
    if quote is not None:
        return quote.ask if side is Side.BUY else quote.bid
    return state.last.get(symbol)
