"""Positions and working orders: keyed tables updated cell by cell, never refilled.

Each table keeps the last text of every cell and touches only the cells whose text
changed, so a quote moving open P&L rewrites one cell, at the blotter's own pace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from cockpit.core.models import Order, OrderType, Side
from cockpit.core.state import State
from cockpit.ui.format import average, money


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    style: str = ""
    """A ``blotter--*`` component class, or empty."""
    right: bool = False


class KeyedTable(DataTable[Text]):
    """A DataTable synced from a dict of rows by key."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "blotter--up",
        "blotter--down",
        "blotter--bid",
        "blotter--ask",
        "blotter--dim",
    }
    COLUMNS: Sequence[tuple[str, int]] = ()

    def __init__(self, *, id: str | None = None, cursor: bool = False) -> None:
        super().__init__(
            id=id,
            cursor_type="row" if cursor else "none",
            show_cursor=cursor,
            zebra_stripes=False,
            cell_padding=1,
        )
        self.can_focus = cursor
        self._cells: dict[str, tuple[Cell, ...]] = {}

    def on_mount(self) -> None:
        for label, width in self.COLUMNS:
            self.add_column(label, key=label, width=width)

    def _text(self, cell: Cell) -> Text:
        style = self.get_component_rich_style(cell.style, partial=True) if cell.style else ""
        return Text(cell.text, style=style, justify="right" if cell.right else "left")

    def sync(self, rows: Mapping[str, tuple[Cell, ...]]) -> None:
        """Make the table show ``rows``: add, remove and rewrite only what differs."""
        for key in [k for k in self._cells if k not in rows]:
            self.remove_row(key)
            del self._cells[key]
        keys = [label for label, _ in self.COLUMNS]
        for key, cells in rows.items():
            before = self._cells.get(key)
            if before is None:
                self.add_row(*(self._text(c) for c in cells), key=key)
            elif before != cells:
                for column, old, new in zip(keys, before, cells, strict=True):
                    if old != new:
                        self.update_cell(key, column, self._text(new))
            self._cells[key] = cells

    def reset(self) -> None:
        """Forget every row (a replay jumped back and rebuilt the state)."""
        self.clear()
        self._cells.clear()

    def notify_style_update(self) -> None:
        """A new theme: rewrite every cell with the new colours."""
        super().notify_style_update()
        if self.is_mounted and self._cells:
            cells = dict(self._cells)
            self._cells.clear()
            self.clear()
            self.sync(cells)


def pnl_style(value: object) -> str:
    if value > 0:  # type: ignore[operator]
        return "blotter--up"
    if value < 0:  # type: ignore[operator]
        return "blotter--down"
    return ""


class PositionsTable(KeyedTable):
    """Open positions with their average, last and open P&L."""

    COLUMNS = (("SYM", 4), ("POS", 4), ("AVG", 10), ("OPEN P&L", 10))

    def refresh_from(self, state: State) -> None:
        rows: dict[str, tuple[Cell, ...]] = {}
        for symbol, position in sorted(state.positions.items()):
            spec = state.instruments[symbol]
            pnl = state.open_pnl(symbol)
            side = "blotter--bid" if position.size > 0 else "blotter--ask"
            rows[symbol] = (
                Cell(symbol),
                Cell(f"{position.size:+d}", side, right=True),
                Cell(average(spec, position), right=True),
                Cell(money(pnl, sign=True), pnl_style(pnl), right=True),
            )
        self.sync(rows)


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
    spec = state.instruments[order.symbol]
    return spec.format(order.price)


class WorkingOrdersTable(KeyedTable):
    """Orders that can still fill; the highlighted row is what ``x`` cancels."""

    COLUMNS = (("SYM", 4), ("SIDE", 4), ("TYPE", 6), ("QTY", 3), ("PRICE", 9))

    def refresh_from(self, state: State) -> None:
        rows: dict[str, tuple[Cell, ...]] = {}
        for order in state.working_orders():
            side = "blotter--bid" if order.side is Side.BUY else "blotter--ask"
            rows[str(order.id)] = (
                Cell(order.symbol),
                Cell(order.side.label, side),
                Cell(SHORT_TYPES.get(order.type, order.type.label)),
                Cell(f"{order.remaining}", right=True),
                Cell(order_price(state, order), right=True),
            )
        self.sync(rows)

    @property
    def highlighted_order(self) -> int | None:
        """The order id under the cursor, if any."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None
