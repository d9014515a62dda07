"""The order keys: move the highlighted working order, close or reverse the selected
instrument's position (mixed into :class:`~cockpit.ui.app.CockpitApp`).

* ``shift+up`` / ``shift+down`` move the highlighted order one tick times the ticket
  size (size 3: three ticks), a stop-limit's stop and limit together; a move that would
  cross the market is denied by the engine with the prices, and a nudge that would make
  a limit fill at once (a buy limit to the ask) is denied here: that is ``M``'s job.
* ``M`` moves it to the market (a limit to the touch; a stop goes at market once its
  cancel is confirmed: cockpit/core/composite.py).
* ``r`` reverses the position; ``h`` closes half of it (rounded down, at least one
  contract), ``o`` one contract, ``c`` all of it.

The moves and the reverse are trading keys: armed only. The closes are exits, like
``x``, ``C`` and ``F``: they work disarmed, in REDUCE-ONLY and locked, because a key that
only makes a position smaller must never be the one that does nothing.

"Highlighted" is the working orders cursor: the row picked after ``tab``, else the first.
"""

from __future__ import annotations

from typing import Protocol

from cockpit.core.commands import (
    CloseContracts,
    Command,
    ModifyOrder,
    MoveToMarket,
    ReversePosition,
)
from cockpit.core.engine import Verdict
from cockpit.core.models import Order, Side
from cockpit.core.moves import fills_at_once, moved
from cockpit.core.state import State
from cockpit.ui.widgets.blotters import WorkingOrdersTable


class Trading(Protocol):
    """What the order keys need of the app."""

    state: State
    symbol: str
    ticket_size: int
    orders: WorkingOrdersTable

    def submit(self, command: Command) -> Verdict: ...

    def say(self, message: str) -> None: ...

    def key_words(self, binding_id: str) -> str: ...


def highlighted(app: Trading, what: str) -> Order | None:
    """The working order under the cursor, or ``None`` having said there is none."""
    order_id = app.orders.highlighted_order
    order = app.state.orders.get(order_id) if order_id is not None else None
    if order is None or not order.status.is_working:
        app.say(f"no working order to {what}")
        return None
    return order


def ticks_word(ticks: int) -> str:
    return f"{ticks} tick" + ("s" if ticks != 1 else "")


class OrderKeys:
    """Actions of the order keys (bindings in :data:`cockpit.ui.bindings.ORDER_KEYS`)."""

    def action_order_step(self: Trading, direction: int) -> None:
        """Move the highlighted order ``direction`` ticks times the ticket size."""
        order = highlighted(self, "move")
        if order is None:
            return
        ticks = direction * self.ticket_size
        prices = moved(order, ticks)
        if prices is None:
            self.say(f"✕ order {order.id} is a market order: it has no price to move")
            return
        limit, stop = prices
        spec = self.state.instruments[order.symbol]
        if fills_at_once(order, limit, self.state.quotes.get(order.symbol)):
            touch = "ask" if order.side is Side.BUY else "bid"
            self.say(
                f"✕ order {order.id} at {spec.format(limit)} would reach the {touch} and fill "
                f"at once: {self.key_words('order-to-market')} moves it to the market"
            )
            return
        command = ModifyOrder(
            order_id=order.id,
            limit_price=spec.to_price(limit) if limit is not None else None,
            stop_price=spec.to_price(stop) if stop is not None else None,
        )
        verdict = self.submit(command)
        if verdict.accepted and not verdict.reason:
            where = spec.format(stop if stop is not None else limit)
            way = "up" if ticks > 0 else "down"
            self.say(f"order {order.id} {way} {ticks_word(abs(ticks))} to {where}")

    def action_order_to_market(self: Trading) -> None:
        order = highlighted(self, "move to the market")
        if order is not None:
            self.submit(MoveToMarket(order_id=order.id))

    def action_reverse_position(self: Trading) -> None:
        self.submit(ReversePosition(symbol=self.symbol))

    def action_close_half(self: Trading) -> None:
        held = abs(self.state.position_size(self.symbol))
        self.submit(CloseContracts(symbol=self.symbol, size=max(1, held // 2)))

    def action_close_one(self: Trading) -> None:
        self.submit(CloseContracts(symbol=self.symbol, size=1))

    def action_close_position(self: Trading) -> None:
        """All of it: the broker's own close (a close during a reverse also stops its entry)."""
        held = abs(self.state.position_size(self.symbol))
        self.submit(CloseContracts(symbol=self.symbol, size=max(1, held)))
