"""Fills & events: one line per fill, denial, flatten, connection or risk decision."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from cockpit.core.events import (
    BrokerFailed,
    ConnectionChanged,
    EnforcementTaken,
    Event,
    FillReceived,
    FlattenCompleted,
    FlattenStarted,
    LockoutEnded,
    LockoutStarted,
    Notice,
    OrderDenied,
    OrderUpdated,
    Reconciled,
    RiskStateChanged,
)
from cockpit.core.state import State
from cockpit.ui.format import clock, money
from cockpit.ui.widgets.lines import CachedLines


def describe(event: Event, state: State) -> tuple[str, str, str]:
    """(tag, text, style) of one activity line; the tag is a word, never just a colour."""
    if isinstance(event, FillReceived):
        fill = event.fill
        spec = state.instruments[fill.symbol]
        pnl = f"  P&L {money(fill.pnl, sign=True)}" if fill.pnl is not None else ""
        side = "bid" if fill.side.label == "BUY" else "ask"
        text = f"{fill.side.label} {fill.size} {fill.symbol} @ {spec.format(fill.price)}{pnl}"
        return "FILL", f"{text}  fee {money(fill.fee)}", side
    if isinstance(event, OrderDenied):
        return "DENIED", f"{event.command}: {event.reason}", "bad"
    if isinstance(event, BrokerFailed):
        tag = "UNCERTAIN" if event.uncertain else "BROKER"
        return tag, f"{event.command}: {event.reason}", "bad"
    if isinstance(event, OrderUpdated):
        order = event.order
        return "REJECTED", f"order {order.id} {order.side.label} {order.size} {order.symbol}", "bad"
    if isinstance(event, FlattenStarted):
        text = f"{event.reason}: {event.working_orders} orders, {event.open_positions} positions"
        return "FLATTEN", text, "warn"
    if isinstance(event, FlattenCompleted):
        return ("FLAT ✓", event.detail, "good") if event.flat else ("NOT FLAT", event.detail, "bad")
    if isinstance(event, ConnectionChanged):
        detail = f" ({event.detail})" if event.detail else ""
        good = event.status.value == "connected"
        return event.link.value.upper(), f"{event.status.value}{detail}", "good" if good else "bad"
    if isinstance(event, Reconciled):
        return "SYNCED", event.detail or "orders, positions and account read", "good"
    if isinstance(event, RiskStateChanged):
        return "RISK", f"{event.previous} → {event.state}: {event.reason}", "warn"
    if isinstance(event, LockoutStarted):
        return "LOCKED", f"until {clock(event.until_ns)} CT: {event.reason}", "bad"
    if isinstance(event, LockoutEnded):
        return "UNLOCKED", event.reason, "good"
    if isinstance(event, EnforcementTaken):
        return "ENFORCED", f"{event.rule}: {event.action} {event.detail}".strip(), "bad"
    if isinstance(event, Notice):
        return "NOTE", event.text, "dim"
    return type(event).__name__, "", "dim"


class ActivityLog(CachedLines):
    """The newest lines at the bottom, on the Line API: a new line repaints rows of a
    fixed-size panel and never asks for a layout of the screen (a growing scrollable
    log did, 30 ms a line, right when a flatten key is most likely to be pressed).
    Frozen while the blotters are paused, catching up after; the whole day is in the
    journal and its review (``v``)."""

    COMPONENT_CLASSES = {
        "activity--time",
        "activity--bid",
        "activity--ask",
        "activity--good",
        "activity--bad",
        "activity--warn",
        "activity--dim",
    }

    def __init__(self, *, id: str | None = None, keep: int = 500) -> None:
        super().__init__(id=id)
        self.lines: deque[list[tuple[str, str]]] = deque(maxlen=keep)
        self.seen = 0

    def reset(self) -> None:
        """Start over (a replay jumped back and rebuilt the state)."""
        self.lines.clear()
        self.seen = 0
        self.invalidate_rows()

    def catch_up(self, state: State) -> None:
        """Add every activity line since the last call."""
        new = state.activity_count - self.seen
        if new <= 0:
            return
        events: Iterable[Event] = list(state.activity)[-min(new, len(state.activity)) :]
        for event in events:
            tag, text, style = describe(event, state)
            self.lines.append(
                [
                    (f"{clock(event.ts)} ", "activity--time"),
                    (f"{tag:<9} ", f"activity--{style}"),
                    (text, ""),
                ]
            )
        self.seen = state.activity_count
        self.invalidate_rows()

    def render_row(self, y: int, width: int) -> list[tuple[str, str]]:
        index = len(self.lines) - self.size.height + y
        if 0 <= index < len(self.lines):
            return self.lines[index]
        return []
