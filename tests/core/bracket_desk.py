"""A paper desk with the bracket manager on it: the risk tests' desk plus brackets."""

from __future__ import annotations

from typing import Any

from cockpit.core.bracket_plan import Breakeven, Target, Template, Trail
from cockpit.core.brackets import BracketManager, leg_of
from cockpit.core.events import Event
from cockpit.core.models import Order, OrderType
from tests.risk.conftest import Desk

SCALP = Template("scalp", stop=8, targets=(Target(16),))
RUNNER = Template(
    "runner",
    stop=12,
    targets=(Target(8, 1), Target(24, 1)),
    breakeven=Breakeven(8, 1),
    trail=Trail(16, 8, 2),
)


class BracketDesk(Desk):
    """Engine, paper broker, risk engine and bracket manager, on a market moved by hand."""

    def __init__(self, *templates: Template, active: str | None = "scalp", **kw: Any) -> None:
        super().__init__(kw.pop("risk", None), **kw)
        self.brackets = BracketManager(templates or (SCALP,), active, run_tag="ck1")
        self.brackets.attach(self.engine)
        self.risk.env.planned_stop = self.brackets.planned_stop

    def send(self, event: Event) -> None:
        """The paper account sees the market first, as a broker does before it reports it
        (a stop moved on a quote is judged by the broker against that quote)."""
        self.broker.account.on_market(event)
        self.broker._flush()
        self.engine.on_event(event)

    def legs(self, symbol: str = "MNQ") -> dict[str, Order]:
        """Working bracket legs by leg name (``SL``, ``TP1``...)."""
        found = {}
        for order in self.state.working_orders(symbol):
            parts = leg_of(order.tag)
            if parts is not None:
                found[parts[1]] = order
        return found

    def stop(self, symbol: str = "MNQ") -> Order:
        order = self.legs(symbol)["SL"]
        assert order.type is OrderType.STOP
        return order


async def bracket_desk(*templates: Template, **kw: Any) -> BracketDesk:
    desk = BracketDesk(*templates, **kw)
    await desk.start()
    return desk
