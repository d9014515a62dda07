"""Positions and working orders: keyed tables on the Line API.

A table keeps one cached strip per row and repaints only the rows whose text changed:
a quote moving open P&L repaints one line, at the blotter's own pace. Its size never
depends on its rows, so a row coming or going never asks for a layout of the screen (a
DataTable did, and its frames were most of what a key waited behind).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich.style import Style
from textual.binding import Binding
from textual.reactive import reactive

from cockpit.core.bracket_legs import leg_of
from cockpit.core.models import Order, OrderType, Side
from cockpit.core.state import State
from cockpit.ui.format import average
from cockpit.ui.pnl import PnlView, pnl_view
from cockpit.ui.widgets.lines import CachedLines


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    style: str = ""
    """A ``blotter--*`` component class, or empty."""
    right: bool = False


class KeyedTable(CachedLines):
    """Rows by key, in the order they arrived; an optional cursor picks one."""

    COMPONENT_CLASSES = {
        "blotter--header",
        "blotter--cursor",
        "blotter--cursor-blurred",
        "blotter--up",
        "blotter--down",
        "blotter--bid",
        "blotter--ask",
        "blotter--dim",
    }
    BINDINGS = [
        Binding("up", "move(-1)", "previous row", show=False),
        Binding("down", "move(1)", "next row", show=False),
        Binding("escape", "leave", "back to the watchlist", show=False),
        # The key that came in goes out again (a remap of focus-orders moves it too).
        Binding("tab", "leave", "back to the watchlist", show=False, id="focus-orders"),
    ]
    COLUMNS: Sequence[tuple[str, int]] = ()
    RIGHT: frozenset[str] = frozenset()
    """Columns whose header aligns right (numbers)."""

    cursor: reactive[int] = reactive(0, init=False)

    def __init__(self, *, id: str | None = None, cursor: bool = False) -> None:
        super().__init__(id=id)
        self.can_focus = cursor
        self.show_cursor = cursor
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._keys: list[str] = []
        self._top = 0
        self._combined: dict[str, Style] = {}

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def highlighted_key(self) -> str | None:
        """The key under the cursor, if any."""
        return self._keys[self.cursor] if self.show_cursor and self._keys else None

    def sync(self, rows: Mapping[str, tuple[Cell, ...]]) -> None:
        """Show ``rows`` (in their order): repaint only the lines that differ."""
        keys = list(rows)
        before = self._keys
        changed = {i for i, key in enumerate(keys) if i >= len(before) or before[i] != key} | {
            i for i, key in enumerate(keys) if self._cells.get(key) != rows[key]
        }
        changed |= set(range(len(keys), len(before)))
        self._keys = keys
        self._cells = dict(rows)
        if keys:
            self.cursor = min(self.cursor, len(keys) - 1)
        self._scroll_to_cursor()
        if changed:
            self.invalidate_rows({i - self._top + 1 for i in changed})

    def reset(self) -> None:
        """Forget every row (a replay jumped back and rebuilt the state)."""
        self.sync({})

    def watch_cursor(self, old: int, new: int) -> None:
        if self._scroll_to_cursor():
            return
        self.invalidate_rows({old - self._top + 1, new - self._top + 1})

    def _scroll_to_cursor(self) -> bool:
        """Keep the cursor in view; True when the view moved (everything repainted)."""
        visible = max(1, self.size.height - 1)
        top = self._top
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + visible:
            top = self.cursor - visible + 1
        top = max(0, min(top, max(0, len(self._keys) - visible)))
        if top != self._top:
            self._top = top
            self.invalidate_rows()
            return True
        return False

    def action_move(self, step: int) -> None:
        if self._keys:
            self.cursor = max(0, min(len(self._keys) - 1, self.cursor + step))

    def action_leave(self) -> None:
        self.screen.set_focus(None)

    def on_focus(self) -> None:
        self.invalidate_rows()

    def on_blur(self) -> None:
        self.invalidate_rows()

    @staticmethod
    def _style(cell: str, cursor: str) -> str:
        """A cell's style, with the cursor's background under it on the cursor row
        (``"<cell class> <cursor class>"``: component classes have no spaces)."""
        return f"{cell} {cursor}" if cursor else cell

    def style_for(self, name: str) -> Style:
        if " " not in name:
            return super().style_for(name)
        combined = self._combined.get(name)
        if combined is None:
            cell, cursor = name.split(" ")
            # The cursor's background under the cell's own colour.
            layers = [super().style_for(cursor)]
            if cell:
                layers.append(self.get_component_rich_style(cell, partial=True))
            combined = Style.combine(layers)
            self._combined[name] = combined
        return combined

    def notify_style_update(self) -> None:
        self._combined.clear()
        super().notify_style_update()

    def render_row(self, y: int, width: int) -> list[tuple[str, str]]:
        if y == 0:
            head = "".join(
                f" {label:>{w}}" if i and self._right(i) else f" {label:<{w}}"
                for i, (label, w) in enumerate(self.COLUMNS)
            )
            return [(head, "blotter--header")]
        index = self._top + y - 1
        if index >= len(self._keys):
            return []
        cells = self._cells[self._keys[index]]
        cursor = ""
        if self.show_cursor and index == self.cursor:
            cursor = "blotter--cursor" if self.has_focus else "blotter--cursor-blurred"
        runs: list[tuple[str, str]] = []
        for (_, w), cell in zip(self.COLUMNS, cells, strict=True):
            text = cell.text[:w]
            padded = f" {text:>{w}}" if cell.right else f" {text:<{w}}"
            runs.append((padded, self._style(cell.style, cursor)))
        if cursor:
            used = sum(len(text) for text, _ in runs)
            runs.append((" " * max(0, width - used), cursor))
        return runs

    def _right(self, column: int) -> bool:
        """Headers follow their cells: numbers right, words left."""
        return self.COLUMNS[column][0] in self.RIGHT


def pnl_style(value: Decimal) -> str:
    if value > 0:
        return "blotter--up"
    if value < 0:
        return "blotter--down"
    return ""


class PositionsTable(KeyedTable):
    """Open positions with their average and open P&L in ticks and dollars (``+16t
    +8.00``): the frame's :class:`PnlView`, the one the header shows (``~`` and dim while
    the feed is down: the last known value)."""

    COLUMNS = (("SYM", 4), ("POS", 4), ("AVG", 11), ("OPEN P&L", 12))
    RIGHT = frozenset({"POS", "AVG", "OPEN P&L"})

    def __init__(self, *, id: str | None = None, cursor: bool = False) -> None:
        super().__init__(id=id, cursor=cursor)
        self.pnl: PnlView | None = None
        """The P&L the rows show now."""

    def refresh_from(self, state: State, pnl: PnlView | None = None) -> None:
        pnl = pnl if pnl is not None else pnl_view(state)
        self.pnl = pnl
        rows: dict[str, tuple[Cell, ...]] = {}
        for symbol, position in sorted(state.positions.items()):
            spec = state.instruments[symbol]
            value = pnl.open.get(symbol)
            style = "blotter--dim" if pnl.stale or value is None else pnl_style(value)
            side = "blotter--bid" if position.size > 0 else "blotter--ask"
            rows[symbol] = (
                Cell(symbol),
                Cell(f"{position.size:+d}", side, right=True),
                Cell(average(spec, position), right=True),
                Cell(pnl.open_words(symbol, self.COLUMNS[3][1]), style, right=True),
            )
        self.sync(rows)

    def reset(self) -> None:
        self.pnl = None
        super().reset()


TRIGGERS = "▸"
"""Between a stop-limit's stop (the trigger) and its limit."""

SHORT_TYPES = {
    OrderType.LIMIT: "LMT",
    OrderType.MARKET: "MKT",
    OrderType.STOP: "STP",
    OrderType.STOP_LIMIT: "STPLMT",
    OrderType.JOIN_BID: "LMT·JB",
    OrderType.JOIN_ASK: "LMT·JA",
    OrderType.TRAILING_STOP: "TRAIL",
}


def order_price(state: State, order: Order) -> str:
    """The limit, or the stop; a stop-limit shows both, trigger first: ``25400.00▸25399.00``."""
    spec = state.instruments[order.symbol]
    if order.type is OrderType.STOP_LIMIT and order.stop is not None:
        return f"{spec.format(order.stop)}{TRIGGERS}{spec.format(order.limit)}"
    return spec.format(order.price)


def order_type(order: Order) -> str:
    """``STP``, ``LMT`` ...; a bracket's leg says which: ``STP·SL``, ``LMT·T1`` (its
    first target), so the trader sees what protects what after a restart as well."""
    short = SHORT_TYPES.get(order.type, order.type.label)
    leg = leg_of(order.tag)
    if leg is None:
        return short
    return f"{short}·{leg[1].replace('TP', 'T')}"


class WorkingOrdersTable(KeyedTable):
    """Orders that can still fill; the highlighted row is what ``x`` cancels."""

    COLUMNS = (("SYM", 4), ("SIDE", 4), ("TYPE", 6), ("QTY", 3), ("PRICE", 17))
    RIGHT = frozenset({"QTY", "PRICE"})

    def refresh_from(self, state: State) -> None:
        rows: dict[str, tuple[Cell, ...]] = {}
        for order in state.working_orders():
            side = "blotter--bid" if order.side is Side.BUY else "blotter--ask"
            rows[str(order.id)] = (
                Cell(order.symbol),
                Cell(order.side.label, side),
                Cell(order_type(order)),
                Cell(f"{order.remaining}", right=True),
                Cell(order_price(state, order), right=True),
            )
        self.sync(rows)

    @property
    def highlighted_order(self) -> int | None:
        """The order id under the cursor (the first order when the table is not focused)."""
        if not self._keys:
            return None
        return int(self._keys[self.cursor])
