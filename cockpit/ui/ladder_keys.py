"""The price ladder and time & sales in the cockpit: their toggles, and the order keys
that act at the ladder's cursor (a mixin for :class:`~cockpit.ui.app.CockpitApp`).

``d`` turns the chart into the ladder and gives it the keys; while it has them, ``b s``
are limits and ``B S`` stops at the cursor, never market orders, and the footer says so
in words (``▸ LADDER 25480.25``). ``esc``, ``tab`` or ``d`` again give the keys back;
``d`` on the ladder with the keys goes back to the chart. ``T`` swaps time & sales with
fills & events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.core.commands import CancelOrder, Command, ModifyOrder, PlaceOrder
from cockpit.core.models import OrderType, Side
from cockpit.core.state import Changes
from cockpit.ui.laddergrid import row_price
from cockpit.ui.widgets.ladder import PriceLadder
from cockpit.ui.widgets.tape import TimeAndSales

if TYPE_CHECKING:
    from cockpit.core.clock import Clock
    from cockpit.core.engine import Verdict
    from cockpit.core.state import State
    from cockpit.ui.seat import Seat
    from cockpit.ui.widgets.blotters import WorkingOrdersTable
    from cockpit.ui.widgets.chart import CandleChart
    from cockpit.ui.widgets.fills_events import FillsAndEvents

LADDER_FOOTER = (
    ("ladder-buy", "buy lmt"),
    ("ladder-sell", "sell lmt"),
    ("flatten-all", "flatten"),
    ("ladder-buy-stop", "buy stp"),
    ("ladder-sell-stop", "sell stp"),
    ("ladder-cancel", "cancel row"),
    ("ladder-move", "move here"),
    ("ladder-leave", "keys back"),
)
"""The footer's keys while the ladder has them, most important first (and left to right)."""
LADDER_EVERY = 2
"""Drain ticks between ladder repaints (15 Hz / 2: 7.5 a second, a print or a touch
shown within 133 ms); the trader's own orders and keys repaint it at once."""
SIZES_EVERY = 4
"""Drain ticks between repaints of the book's sizes away from the touch (15 Hz / 4:
about four a second, as fast as a trader reads a changing number). The touch, the
volume, the trader's orders, the last print and levels appearing or going repaint at
every ladder repaint. A book changing two thousand times a second changes nearly every
size between two repaints: repainting them all each time was most of the ladder's bytes."""


class LadderKeys:
    """Owns ``self.ladder`` and ``self.tape``; the app calls :meth:`build_ladder` once,
    :meth:`drain_ladder` from its drain and :meth:`ladder_footer` for the footer."""

    if TYPE_CHECKING:
        state: State
        session: Seat
        clock: Clock
        symbol: str
        ticket_size: int
        paused: bool
        chart: CandleChart
        orders: WorkingOrdersTable
        fills_and_events: FillsAndEvents

        def submit(self, command: Command) -> Verdict: ...
        def say(self, message: str) -> None: ...
        def key_for(self, binding_id: str) -> str: ...
        def _update_footer(self, now: int) -> None: ...

    def build_ladder(self) -> None:
        """The ladder and the tape, hidden until their keys show them."""
        ui = self.session.settings.ui
        self.ladder = PriceLadder(
            self.state,
            self.symbol,
            hold_ns=int(ui.ladder_hold_seconds * 1_000_000_000),
            now=lambda: self.clock.now_ns(),
            id="ladder",
        )
        self.ladder.display = False
        self.tape = TimeAndSales(self.state, self.symbol, big=ui.tape_big_size, id="tape")
        self.tape.display = False
        self._ladder_drains = 0

    @property
    def aiming(self) -> bool:
        """The ladder is shown and has the keys: ``b s B S x m`` act at its cursor."""
        return bool(self.ladder.display and self.ladder.has_focus)

    # The drain ------------------------------------------------------------------------

    def drain_ladder(self, changes: Changes, blotters_due: bool, force: bool = False) -> None:
        """The ladder every :data:`LADDER_EVERY` drains and when the trader's orders
        changed (its cells are diffed, so a quiet book sends nothing; sizes away from the
        touch every :data:`SIZES_EVERY`), the tape at the blotters' pace; each follows
        the selected instrument. The trader's own keys repaint the ladder at once."""
        ladder, tape = self.ladder, self.tape
        self._ladder_drains += 1
        drains = self._ladder_drains
        if ladder.display:
            if ladder.symbol != self.symbol:
                ladder.show(self.symbol)
            elif force or changes.orders or drains % LADDER_EVERY == 0:
                ladder.refresh_from(sizes=force or drains % SIZES_EVERY == 0)
        tape_due = blotters_due or force or tape.symbol != self.symbol
        if tape.display and tape_due and not self.paused:
            tape.show(self.symbol)

    def rebind_ladder(self, state: State) -> None:
        """A replay rebuilt its state: show the new one."""
        self.ladder.state = self.tape.state = state
        self.tape.reset()

    def ladder_footer(self) -> tuple[str, list[tuple[int, str, str]]] | None:
        """While aiming: the footer's words (``▸ LADDER 25480.25``) and the ladder's keys."""
        if not self.aiming:
            return None
        cursor = self.ladder.cursor
        spec = self.state.instruments[self.symbol]
        where = spec.format(cursor) if cursor is not None else "no price yet"
        ids = [binding_id for binding_id, _ in LADDER_FOOTER]
        keys = [(ids.index(i), self.key_for(i), label) for i, label in LADDER_FOOTER]
        return f"▸ LADDER {where} · b s B S at cursor", keys

    # Toggles ---------------------------------------------------------------------------

    def action_ladder_toggle(self) -> None:
        """Chart -> ladder with the keys; ladder without the keys -> the keys; ladder with
        the keys -> back to the chart."""
        ladder, chart = self.ladder, self.chart
        if not ladder.display:
            chart.display = False
            ladder.display = True
            ladder.show(self.symbol)
            ladder.focus()
        elif not ladder.has_focus:
            ladder.focus()
        else:
            ladder.screen.set_focus(None)
            ladder.display = False
            chart.display = True
            chart.redraw()
        self._update_footer(self.clock.now_ns())

    def action_tape_toggle(self) -> None:
        """Time & sales in the place of fills & events, and back."""
        tape, log = self.tape, self.fills_and_events
        showing = not tape.display
        tape.display = showing
        log.display = not showing
        if showing:
            tape.show(self.symbol)
        else:
            log.catch_up(self.state)

    # Orders at the cursor -------------------------------------------------------------

    def action_ladder_order(self, side: str, kind: str) -> None:
        """A limit or a stop at the cursor, ticket size. A stop on the wrong side of the
        market would trigger at once, a market order in effect, so it is denied here."""
        price = self._aimed("send an order")
        if price is None:
            return
        order_side = Side.BUY if side == "buy" else Side.SELL
        spec = self.state.instruments[self.symbol]
        if kind == "stop":
            problem = self._stop_problem(order_side, price)
            if problem:
                self.say(f"✕ {problem}")
                return
            command = PlaceOrder(
                symbol=self.symbol,
                side=order_side,
                type=OrderType.STOP,
                size=self.ticket_size,
                stop_price=spec.to_price(price),
            )
        else:
            command = PlaceOrder(
                symbol=self.symbol,
                side=order_side,
                type=OrderType.LIMIT,
                size=self.ticket_size,
                limit_price=spec.to_price(price),
            )
        self.submit(command)

    def action_ladder_cancel(self) -> None:
        """Cancel every working order of this instrument on the cursor's row."""
        price = self._aimed("cancel")
        if price is None:
            return
        here = [o for o in self.state.working_orders(self.symbol) if row_price(o) == price]
        if not here:
            spec = self.state.instruments[self.symbol]
            self.say(f"no working order at {spec.format(price)}")
            return
        for order in here:
            self.submit(CancelOrder(order_id=order.id))

    def action_ladder_move(self) -> None:
        """Move the highlighted working order (the working orders' cursor) to the cursor's
        row; a stop-limit keeps the distance between its stop and its limit."""
        price = self._aimed("move an order")
        if price is None:
            return
        order_id = self.orders.highlighted_order
        order = self.state.orders.get(order_id) if order_id is not None else None
        if order is None or not order.status.is_working:
            self.say("✕ no working order highlighted (tab picks one)")
            return
        if order.symbol != self.symbol:
            self.say(f"✕ the highlighted order is {order.symbol}; the ladder shows {self.symbol}")
            return
        spec = self.state.instruments[self.symbol]
        limit = stop = None
        if order.type is OrderType.STOP_LIMIT and order.stop is not None:
            stop = spec.to_price(price)
            if order.limit is not None:
                limit = spec.to_price(order.limit + price - order.stop)
        elif order.stop is not None and order.limit is None:
            stop = spec.to_price(price)
        else:
            limit = spec.to_price(price)
        if order.stop is not None and self._stop_problem(order.side, price):
            self.say(f"✕ {self._stop_problem(order.side, price)}")
            return
        self.submit(ModifyOrder(order_id=order.id, limit_price=limit, stop_price=stop))

    def _aimed(self, what: str) -> int | None:
        """The cursor's price, when the ladder has the keys and a price to show."""
        if not self.aiming:
            self.say(f"✕ {what} at the ladder: press {self.key_for('ladder-toggle')} first")
            return None
        price = self.ladder.cursor
        if price is None:
            self.say(f"✕ no price for {self.symbol} yet")
        return price

    def _stop_problem(self, side: Side, price: int) -> str:
        """Why a stop at ``price`` would trigger at once (empty when it would not)."""
        quote = self.state.quotes.get(self.symbol)
        if quote is None:
            return ""
        spec = self.state.instruments[self.symbol]
        at = spec.format(price)
        if side is Side.BUY and price <= quote.ask:
            return (
                f"a buy stop at {at} is not above the ask {spec.format(quote.ask)}: "
                "it would trigger at once"
            )
        if side is Side.SELL and price >= quote.bid:
            return (
                f"a sell stop at {at} is not below the bid {spec.format(quote.bid)}: "
                "it would trigger at once"
            )
        return ""
