"""The order ticket for limit, stop and stop-limit orders.

Opened with ``l``, prefilled at the touch. ``b`` sends a buy, ``s`` a sell; arrows move
the price a tick, page keys ten. Enter never sends: a stray Enter in a fast market must
not become an order. A denied order keeps the ticket open with the reason on it. The
bid and ask stay live while it is open (the app's drain hands it each new quote), and
every field is labelled: type, size, stop price, limit price.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from cockpit.core.commands import PlaceOrder
from cockpit.core.instruments import Instrument
from cockpit.core.models import OrderType, Side
from cockpit.ui.host import cockpit_app
from cockpit.ui.widgets.inputs import price_input

TYPES = (OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT)


class OrderTicket(ModalScreen[None]):
    """Price, type and size for one order; the app's engine judges it on ``b`` / ``s``."""

    BINDINGS = [
        Binding("b", "send('buy')", "send buy", priority=True, id="ticket-buy"),
        Binding("s", "send('sell')", "send sell", priority=True, id="ticket-sell"),
        Binding("t", "cycle_type", "order type", priority=True, id="ticket-type"),
        Binding("up", "nudge(1)", "+1 tick", priority=True, show=False),
        Binding("down", "nudge(-1)", "-1 tick", priority=True, show=False),
        Binding("pageup", "nudge(10)", "+10 ticks", priority=True, show=False),
        Binding("pagedown", "nudge(-10)", "-10 ticks", priority=True, show=False),
        Binding("plus", "size(1)", "size +1", priority=True, show=False),
        Binding("minus", "size(-1)", "size -1", priority=True, show=False),
        Binding("escape", "dismiss", "close", priority=True, id="ticket-close"),
    ]

    def __init__(self, spec: Instrument, price_ticks: int, size: int, bid: int, ask: int):
        super().__init__()
        self.spec = spec
        self.quantity = size
        self.bid = bid
        self.ask = ask
        self.kind = OrderType.LIMIT
        self._start = spec.format(price_ticks)

    def compose(self) -> ComposeResult:
        with Vertical(id="ticket-box"):
            yield Label(id="ticket-title")
            yield Label(id="ticket-touch")
            yield price_input(self._start, id="ticket-price")
            limit = price_input(self._start, id="ticket-limit")
            limit.border_title = "limit price"
            yield limit
            yield Static(
                "b buy · s sell · t type · ↑↓ ±1 tick · PgUp/PgDn ±10 · +/- size · esc close\n"
                "Enter never sends an order.",
                id="ticket-help",
            )
            yield Label(id="ticket-error", markup=False)

    def on_mount(self) -> None:
        box = self.query_one("#ticket-box")
        box.border_title = f"order ticket · {self.spec.symbol}"
        self.query_one("#ticket-price", Input).focus()
        self._show()

    def _show(self) -> None:
        f = self.spec.format
        self.query_one("#ticket-title", Label).update(
            f"type {self.kind.label.upper()}  ·  size {self.quantity}"
        )
        self.query_one("#ticket-touch", Label).update(f"bid {f(self.bid)}   ask {f(self.ask)}")
        limit = self.query_one("#ticket-limit", Input)
        limit.display = self.kind is OrderType.STOP_LIMIT
        price = self.query_one("#ticket-price", Input)
        price.border_title = "stop price" if self.kind.needs_stop else "limit price"

    def touch_moved(self, bid: int, ask: int) -> None:
        """A new quote for this instrument: the bid and ask shown follow it."""
        if (bid, ask) != (self.bid, self.ask):
            self.bid, self.ask = bid, ask
            f = self.spec.format
            self.query_one("#ticket-touch", Label).update(f"bid {f(bid)}   ask {f(ask)}")

    def action_cycle_type(self) -> None:
        self.kind = TYPES[(TYPES.index(self.kind) + 1) % len(TYPES)]
        self._show()

    def action_size(self, step: int) -> None:
        self.quantity = max(1, self.quantity + step)
        self._show()

    def action_nudge(self, ticks: int) -> None:
        focused = self.focused if isinstance(self.focused, Input) else None
        field = focused or self.query_one("#ticket-price", Input)
        try:
            current = self.spec.nearest_ticks(Decimal(field.value))
        except InvalidOperation:
            current = self.bid
        field.value = self.spec.format(current + ticks)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter is ignored on purpose, and says so."""
        event.stop()
        self.query_one("#ticket-error", Label).update("Enter never sends: press b or s")

    def action_send(self, side: str) -> None:
        price_text = self.query_one("#ticket-price", Input).value.strip()
        limit_text = self.query_one("#ticket-limit", Input).value.strip()
        try:
            price = Decimal(price_text)
            limit = Decimal(limit_text) if self.kind is OrderType.STOP_LIMIT else None
        except InvalidOperation:
            self.show_error(f"not a price: {price_text!r}")
            return
        command = PlaceOrder(
            symbol=self.spec.symbol,
            side=Side.BUY if side == "buy" else Side.SELL,
            type=self.kind,
            size=self.quantity,
            limit_price=limit
            if self.kind is OrderType.STOP_LIMIT
            else (price if self.kind is OrderType.LIMIT else None),
            stop_price=price if self.kind.needs_stop else None,
        )
        verdict = cockpit_app(self).submit(command)
        if verdict.accepted:
            self.dismiss(None)
        else:
            self.show_error(self.app.denial_text(verdict))  # type: ignore[attr-defined]

    def show_error(self, reason: str) -> None:
        self.query_one("#ticket-error", Label).update(f"✕ {reason}")
