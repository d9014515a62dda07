"""No adding to a losing position: averaging down is how small losses become big ones.

An order on the same side as an open position is denied while that position shows an
open loss at the mark. Adding to a winner, or reducing a loser, is fine.
"""

from __future__ import annotations

from cockpit.core.state import State
from cockpit.core.text import dollars
from cockpit.risk.rules.base import Env, Intent, Level, Reading, Rule, RuleDenial


class NoAddingToLoser(Rule):
    name = "no-adding-to-loser"
    title = "No adding to a loser"
    turn_on = "[risk.no_adding_to_loser] enabled = true"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.on = env.settings.no_adding_to_loser.enabled

    @property
    def enabled(self) -> bool:
        return self.on

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        request = intent.request
        held = state.position_size(request.symbol)
        if held == 0 or request.side.sign * held < 0:
            return None
        if intent.replaces is not None and request.size <= intent.replaces.size:
            return None
        open_pnl = state.open_pnl(request.symbol)
        if open_pnl >= 0:
            return None
        return RuleDenial(
            f"{request.symbol} {held:+d} is losing {dollars(open_pnl)}: "
            "no adding to a losing position",
            f"symbol={request.symbol} position={held} open_pnl={open_pnl}",
        )

    def reading(self, state: State, now: int) -> Reading:
        losers = [p.symbol for p in state.positions.values() if state.open_pnl(p.symbol) < 0]
        return Reading(
            self.name,
            self.title,
            "on",
            ", ".join(losers) + " losing" if losers else "no loser open",
            "-",
            Level.OK,
        )

    def describe(self) -> str:
        return "deny orders that add to a position showing an open loss"
