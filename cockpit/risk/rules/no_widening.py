"""No widening: a working stop may move toward the market, never away from it.

Moving a stop farther away after the entry turns a planned loss into a bigger one, the
habit traders most often ask a platform to forbid. The rule judges a change of a working
stop on the exit side of a position (it reduces exposure, so it is judged before the
risk engine lets exits through): a sell stop under a long may only move up, a buy stop
over a short only down. Placing a new stop, or moving a target, is not judged.
"""

from __future__ import annotations

from cockpit.core.commands import ModifyOrder
from cockpit.core.models import OrderType
from cockpit.core.state import State
from cockpit.risk.rules.base import Env, Intent, Level, Reading, Rule, RuleDenial

STOPS = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})


class NoWidening(Rule):
    name = "no-widening"
    title = "No widening a stop"
    turn_on = "[risk.no_widening] enabled = true"
    judges_exits = True

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.on = env.settings.no_widening.enabled

    @property
    def enabled(self) -> bool:
        return self.on

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        order = intent.replaces
        request = intent.request
        if not isinstance(intent.command, ModifyOrder) or order is None:
            return None
        if order.type not in STOPS or order.stop is None or request.stop is None:
            return None
        held = state.position_size(order.symbol)
        if held == 0 or order.side.sign * held > 0:
            return None  # not protecting a position (an entry stop may go anywhere)
        farther = (order.stop - request.stop) * (1 if held > 0 else -1)
        if farther <= 0:
            return None
        spec = state.instruments[order.symbol]
        return RuleDenial(
            f"{order.symbol} stop {spec.format(order.stop)} -> {spec.format(request.stop)} "
            f"is {farther} tick{'s' if farther != 1 else ''} farther from the market: "
            "a stop may only tighten",
            f"symbol={order.symbol} position={held} stop={order.stop} asked={request.stop}",
        )

    def reading(self, state: State, now: int) -> Reading:
        return Reading(self.name, self.title, "on", "stops only tighten", "-", Level.OK)

    def describe(self) -> str:
        return "deny moving a working stop farther from the market"
