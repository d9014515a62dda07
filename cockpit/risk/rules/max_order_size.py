"""Max order size: no single order larger than this (per symbol if configured).

On what the broker reports, a larger working order that adds exposure is cancelled.
"""

from __future__ import annotations

from cockpit.core.events import Event, OrderUpdated
from cockpit.core.state import State
from cockpit.risk.exposure import cancellable, order_increases
from cockpit.risk.rules.base import Act, Intent, Level, Reading, RuleDenial
from cockpit.risk.rules.limits import PerSymbolLimit


class MaxOrderSize(PerSymbolLimit):
    name = "max-order-size"
    title = "Max order size"
    turn_on = "[risk.max_order_size] contracts"
    section = "max_order_size"
    reacts_to = (OrderUpdated,)

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        request = intent.request
        limit = self.limit_for(request.symbol)
        if limit is None or request.size <= limit:
            return None
        if intent.replaces is not None and request.size <= intent.replaces.size:
            return None  # shrinking an order is always fine
        return RuleDenial(
            f"order size {request.size} is above the {limit}-contract maximum for {request.symbol}",
            f"symbol={request.symbol} size={request.size} limit={limit}",
        )

    def react(self, event: Event, state: State, now: int) -> list[Act]:
        assert isinstance(event, OrderUpdated)
        order = event.order
        limit = self.limit_for(order.symbol)
        if limit is None or not order.status.is_working or order.remaining <= limit:
            return []
        if not cancellable(order):
            return []
        if not order_increases(state, order):
            return []
        return [
            Act.cancel(
                order,
                f"{order.symbol} order {order.id} for {order.remaining} is above the "
                f"{limit}-contract maximum",
                f"order={order.id} size={order.remaining} limit={limit}",
            )
        ]

    def reading(self, state: State, now: int) -> Reading:
        return Reading(self.name, self.title, self.describe_limit(), "-", "-", Level.OK)

    def describe_limit(self) -> str:
        text = str(self.contracts) if self.contracts is not None else "-"
        if self.per_symbol:
            text += " (" + ", ".join(f"{s} {n}" for s, n in self.per_symbol.items()) + ")"
        return text

    def describe(self) -> str:
        return f"{self.describe_limit()} contracts per order; deny"
