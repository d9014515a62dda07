"""Max risk per trade: an entry may risk at most a dollar amount, and must have a stop.

The risk of an entry is its stop's distance from the entry price x its size x the tick
value. The stop is the one the entry will get: the active bracket template's (the
cockpit places it on the fill), which the risk engine learns through
``Env.planned_stop``. An entry with no planned stop is denied while the rule is on:
its risk has no bound.
"""

from __future__ import annotations

from cockpit.core.commands import PlaceOrder
from cockpit.core.state import State
from cockpit.core.text import dollars
from cockpit.risk.rules.base import Env, Intent, Level, Reading, Rule, RuleDenial


class MaxRiskPerTrade(Rule):
    name = "max-risk-per-trade"
    title = "Max risk per trade"
    turn_on = "[risk.max_risk_per_trade] amount"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.amount = env.settings.max_risk_per_trade.amount

    @property
    def enabled(self) -> bool:
        return self.amount is not None

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        amount = self.amount
        command = intent.command
        request = intent.request
        if amount is None or not isinstance(command, PlaceOrder) or command.origin != "key":
            return None  # the risk engine's and the brackets' own orders protect
        spec = state.instruments[request.symbol]
        ticks = self.env.planned_stop(request)
        inputs = f"symbol={request.symbol} size={request.size} limit={amount}"
        if ticks is None:
            return RuleDenial(
                f"{command.label} has no stop: choose a bracket template "
                f"(max risk per trade {dollars(amount)})",
                inputs + " stop_ticks=none",
            )
        risk = spec.money(ticks, request.size)
        if risk <= amount:
            return None
        most = int(amount / (spec.tick_value * ticks))
        return RuleDenial(
            f"{command.label} risks {dollars(risk)} ({ticks} ticks x {request.size} x "
            f"{dollars(spec.tick_value)}), over the {dollars(amount)} per trade"
            + (f": at most {most} at this stop" if most else ""),
            inputs + f" stop_ticks={ticks} risk={risk}",
        )

    def reading(self, state: State, now: int) -> Reading:
        assert self.amount is not None
        return Reading(self.name, self.title, dollars(self.amount), "per entry", "-", Level.OK)

    def describe(self) -> str:
        assert self.amount is not None
        return f"{dollars(self.amount)} an entry may risk to its stop; an entry needs a stop"
