"""Fills & events: one entry per fill, order working or cancelled, denial, flatten,
connection or risk decision.

An entry that does not fit the panel's width wraps onto continuation rows between words,
so a price or an amount is never cut; the rows are laid out again at each width, so a
wider terminal shows old entries on fewer rows.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

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
from cockpit.core.instruments import Instrument
from cockpit.core.models import Order, OrderStatus, OrderType, Side
from cockpit.core.state import State
from cockpit.core.text import ticks
from cockpit.ui.format import clock, money
from cockpit.ui.widgets.blotters import SHORT_TYPES
from cockpit.ui.widgets.lines import CachedLines


def closed_pnl(pnl: Decimal, spec: Instrument) -> str:
    """A closing fill's P&L in ticks and dollars, one phrase: ``+16t +8.00``."""
    count = spec.ticks_in(pnl)
    cash = money(pnl, sign=True)
    return f"{ticks(count)} {cash}" if count is not None else cash


def describe(event: Event, state: State) -> tuple[str, str, str]:
    """(tag, text, style) of one entry; the tag is a word, never just a colour. A double
    space separates phrases, where a narrow panel wraps first."""
    if isinstance(event, FillReceived):
        fill = event.fill
        spec = state.instruments[fill.symbol]
        pnl = f"  P&L {closed_pnl(fill.pnl, spec)}" if fill.pnl is not None else ""
        side = "bid" if fill.side.label == "BUY" else "ask"
        text = f"{fill.side.label} {fill.size} {fill.symbol} @ {spec.format(fill.price)}{pnl}"
        return "FILL", f"{text}  fee {money(fill.fee)}", side
    if isinstance(event, OrderDenied):
        return "DENIED", f"{event.command}: {event.reason}", "bad"
    if isinstance(event, BrokerFailed):
        tag = "UNCERTAIN" if event.uncertain else "BROKER"
        return tag, f"{event.command}: {event.reason}", "bad"
    if isinstance(event, OrderUpdated):
        return order_news(event.order, state)
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


ORDER_TAGS = {
    OrderStatus.OPEN: "WORKING",
    OrderStatus.CANCELLED: "CANCELLED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.REJECTED: "REJECTED",
}


def order_news(order: Order, state: State) -> tuple[str, str, str]:
    """An order started working, or ended without a fill: what, where, and for how many."""
    f = state.instruments[order.symbol].format
    what = f"{order.side.label} {order.remaining} {order.symbol}"
    kind = SHORT_TYPES.get(order.type, order.type.label)
    if order.type is OrderType.STOP_LIMIT:
        where = f"STP {f(order.stop)}  LMT {f(order.limit)}"
    elif order.price is not None:
        where = f"{kind} @ {f(order.price)}"
    else:
        where = kind
    tag = ORDER_TAGS.get(order.status, order.status.name)
    if order.status is OrderStatus.OPEN:
        style = "bid" if order.side is Side.BUY else "ask"
    else:
        style = "bad" if order.status is OrderStatus.REJECTED else "dim"
    return tag, f"{what} {where}", style


@dataclass(frozen=True, slots=True)
class Entry:
    """One fills & events entry, kept as words so it can be laid out at any width."""

    time: str
    tag: str
    style: str
    text: str


TAG_WIDTH = 9
"""Tags line up in a column (the longest, CANCELLED, fills it) so the eye runs down them."""
WHOLE_STYLES = frozenset({"bad", "warn"})
"""A denial, a failure or a warning is never shortened: its reason is the point."""
WORDS = re.compile(r"@ \S+|\S+")
"""Words to wrap between; "@ price" stays one."""
INDENT = 9
"""Continuation rows start under the tag, past the time."""


def layout(entry: Entry, width: int) -> list[list[tuple[str, str]]]:
    """The rows of ``entry`` at ``width`` cells: numbers are never cut.

    Phrases (separated by two spaces) move to the next row whole when they fit there;
    a longer phrase breaks between its words ("@ price" is one). Once what is left of
    a routine entry has no number in it, it is shortened with "…" instead of taking
    more rows (a denial or a warning keeps every word): the words are in the journal,
    and the panel keeps room for more entries. A single word wider
    than a whole row (nothing a price comes near) is the only number a row could cut.
    """
    tag = f"{entry.tag:<{TAG_WIDTH}} "
    first = [(f"{entry.time} ", "fills-events--time"), (tag, f"fills-events--{entry.style}")]
    rooms = [max(1, width - len(entry.time) - 1 - len(tag))]
    next_room = max(1, width - INDENT)
    phrases = [WORDS.findall(phrase) for phrase in entry.text.split("  ") if phrase.strip()]
    lines = [""]

    def rest(p: int, w: int) -> str:
        """Phrase ``p`` from word ``w`` on, and every phrase after it."""
        return "  ".join([" ".join(phrases[p][w:]), *(" ".join(x) for x in phrases[p + 1 :])])

    def add(text: str, gap: str) -> bool:
        joined = f"{lines[-1]}{gap}{text}" if lines[-1] else text
        if len(joined) > rooms[-1]:
            return False
        lines[-1] = joined
        return True

    def shortened(p: int, w: int, gap: str) -> bool:
        """End on this row with "…" when nothing left has a number in it (nor is the
        word that says what a number counts: "0 cancelled" stays whole)."""
        if entry.style in WHOLE_STYLES:
            return False
        before = phrases[p][w - 1] if w else (phrases[p - 1][-1] if p else "")
        tail = rest(p, w)
        if any(ch.isdigit() for ch in tail + before):
            return False
        joined = f"{lines[-1]}{gap}{tail}" if lines[-1] else tail
        lines[-1] = joined[: rooms[-1] - 1].rstrip() + "…"
        return True

    def new_row() -> None:
        lines.append("")
        rooms.append(next_room)

    def build() -> list[list[tuple[str, str]]]:
        rows = [[*first, (lines[0], "")]]
        rows.extend([(" " * INDENT + line, "")] for line in lines[1:])
        return rows

    for p, words in enumerate(phrases):
        if add(" ".join(words), "  "):
            continue
        if (
            lines[-1]
            and len(" ".join(words)) <= next_room
            and any(ch.isdigit() for ch in rest(p, 0))
        ):
            new_row()
            add(" ".join(words), "")
            continue
        for w, word in enumerate(words):
            gap = "  " if w == 0 else " "
            if add(word, gap):
                continue
            if shortened(p, w, gap):
                return build()
            if lines[-1] or len(lines) == 1:
                new_row()
            if not add(word, ""):
                lines[-1] = word  # wider than a whole row: the one cut there can be
    return build()


class FillsAndEvents(CachedLines):
    """The newest entries at the bottom, on the Line API: a new entry repaints rows of a
    fixed-size panel and never asks for a layout of the screen (a growing scrollable
    log did, 30 ms a line, right when a flatten key is most likely to be pressed).
    Frozen while the blotters are paused, catching up after; the whole day is in the
    journal and its review (``v``)."""

    COMPONENT_CLASSES = {
        "fills-events--time",
        "fills-events--bid",
        "fills-events--ask",
        "fills-events--good",
        "fills-events--bad",
        "fills-events--warn",
        "fills-events--dim",
    }

    def __init__(self, *, id: str | None = None, keep: int = 500) -> None:
        super().__init__(id=id)
        self.entries: deque[Entry] = deque(maxlen=keep)
        self.seen = 0
        self._rows: list[list[tuple[str, str]]] = []
        self._laid_out: tuple[int, int, int] | None = None
        """(width, height, entries added) the rows were laid out for."""
        self._added = 0

    def reset(self) -> None:
        """Start over (a replay jumped back and rebuilt the state)."""
        self.entries.clear()
        self.seen = 0
        self._added += 1
        self.invalidate_rows()

    def catch_up(self, state: State) -> None:
        """Add every entry since the last call."""
        new = state.fills_and_events_count - self.seen
        if new <= 0:
            return
        events: Iterable[Event] = list(state.fills_and_events)[
            -min(new, len(state.fills_and_events)) :
        ]
        for event in events:
            tag, text, style = describe(event, state)
            self.entries.append(Entry(clock(event.ts), tag, style, text))
        self.seen = state.fills_and_events_count
        self._added += 1
        self.invalidate_rows()

    def visible_rows(self, width: int, height: int) -> list[list[tuple[str, str]]]:
        """The newest entries' rows that fill ``height`` rows at ``width``, oldest first."""
        key = (width, height, self._added)
        if self._laid_out != key:
            rows: list[list[tuple[str, str]]] = []
            for entry in reversed(self.entries):
                if len(rows) >= height:
                    break
                rows[:0] = layout(entry, width)
            self._rows = rows[-height:] if height else []
            self._laid_out = key
        return self._rows

    def render_row(self, y: int, width: int) -> list[tuple[str, str]]:
        rows = self.visible_rows(width, self.size.height)
        index = len(rows) - self.size.height + y
        return rows[index] if 0 <= index < len(rows) else []
