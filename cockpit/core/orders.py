"""Every order of a session by id, with the ones that can still fill kept apart.

A flatten, ``is_flat`` and every exit check ask for the working orders; walking a long
day's finished orders for them would make the key slower by the hour, so the working
ones are indexed as each report lands (:meth:`Orders.put`). What is still on its way to
the broker is kept beside them (:class:`Pending`): orders, closes and new sizes.
"""

from __future__ import annotations

from collections.abc import Iterable

from cockpit.core.models import Order, OrderRequest


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


class Pending(dict[str, OrderRequest]):
    """What is on its way to the broker: orders not yet acknowledged, by tag (readers use
    it as that ``dict``), closes (:attr:`closing`) and new sizes (:attr:`sizes`) whose
    result the broker has not reported yet."""

    __slots__ = ("closing", "sizes")

    def __init__(self, orders: Iterable[tuple[str, OrderRequest]] = ()) -> None:
        super().__init__(orders)
        self.closing: dict[str, bool] = {}
        """Symbols whose close is on its way (``False``), or answered with no position
        reported since (``True``): the position may already be flat."""
        self.sizes: dict[int, tuple[int, bool]] = {}
        """Orders whose new size is on its way, by id: (the size, answered with no report
        of the order since): the order may already be that size."""

    def remaining(self, order: Order) -> int:
        """What ``order`` could still fill: at the larger of its size and a new size on
        its way (a modify that grows it counts before the broker reports it)."""
        resized = self.sizes.get(order.id) if self.sizes else None
        if resized is None:
            return order.remaining
        return max(order.remaining, resized[0] - order.filled)
