"""Every order of a session by id, with the ones that can still fill kept apart.

A flatten, ``is_flat`` and every exit check ask for the working orders; walking a long
day's finished orders for them would make the key slower by the hour, so the working
ones are indexed as each report lands (:meth:`Orders.put`).
"""

from __future__ import annotations

from collections.abc import Iterable

from cockpit.core.models import Order


class Orders(dict[int, Order]):
    """A ``dict`` of every order by id (readers use it as one); write with :meth:`put`."""

    __slots__ = ("working",)

    def __init__(self, orders: Iterable[Order] = ()) -> None:
        super().__init__((order.id, order) for order in orders)
        self.working: dict[int, Order] = {
            order.id: order for order in self.values() if order.status.is_working
        }
        """The orders that can still fill, by id, in the order they started working."""

    def put(self, order: Order) -> Order | None:
        """Keep ``order`` as its latest report says; returns what was known before."""
        before = self.get(order.id)
        self[order.id] = order
        if order.status.is_working:
            self.working[order.id] = order
        else:
            self.working.pop(order.id, None)
        return before
