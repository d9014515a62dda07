"""The price ladder (DOM): one row per tick, the book's sizes, the session's volume at
each price, the trader's working orders on their rows, and a keyboard cursor.

A Line-API widget like the others: the drain hands it the state, it works out its rows
(:mod:`cockpit.ui.laddergrid`) and repaints only the cells whose content changed, so a
book that changes two thousand times a second costs a few cells per frame. Its rows are
shown through one column slice per column (:mod:`cockpit.ui.widgets.columns`): a size
that changes sends its own column's cells to the terminal, not the row. With focus
(``d``) its own keys act at the cursor; the app's order actions do the sending.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style

from cockpit.core.clock import datetime_from_ns
from cockpit.core.state import State
from cockpit.ui.bindings import LADDER_BINDINGS
from cockpit.ui.laddergrid import (
    LadderRow,
    LadderView,
    Layout,
    header,
    hold_sizes,
    ladder_rows,
    row_runs,
)
from cockpit.ui.widgets.columns import Sliced


class PriceLadder(Sliced):
    """The selected instrument's ladder; with focus, the order keys act at its cursor."""

    COMPONENT_CLASSES = {
        "ladder--header",
        "ladder--price",
        "ladder--bid",
        "ladder--ask",
        "ladder--buy",
        "ladder--sell",
        "ladder--volume",
        "ladder--last",
        "ladder--avg",
        "ladder--cursor",
        "ladder--cursor-blurred",
        "ladder--cursor-mark",
    }
    BINDINGS = [*LADDER_BINDINGS]
    SLICES = 4
    """See :attr:`~cockpit.ui.laddergrid.Layout.slices`."""

    def __init__(
        self,
        state: State,
        symbol: str,
        *,
        hold_ns: int,
        now: Callable[[], int],
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.can_focus = True
        self.state = state
        self.symbol = symbol
        self.view = LadderView(hold_ns)
        self._now = now
        self._rows: list[LadderRow] = []
        self._layout: Layout | None = None
        self._combined: dict[str, Style] = {}

    # What it shows -----------------------------------------------------------------

    @property
    def price_rows(self) -> int:
        """Rows of prices (the first row is the column header)."""
        return max(0, self.size.height - 1)

    @property
    def cursor(self) -> int | None:
        """The price under the cursor, in ticks (None before the first price)."""
        return self.view.cursor

    def show(self, symbol: str) -> None:
        """Another instrument: a fresh view centred on its last price."""
        if symbol != self.symbol:
            self.symbol = symbol
            self.view = LadderView(self.view.hold_ns)
        self.refresh_from()

    def refresh_from(self, sizes: bool = True) -> None:
        """Work out the rows from the state and repaint the cells that changed;
        ``sizes=False`` keeps the sizes that merely changed away from the touch as they
        are (see :func:`~cockpit.ui.laddergrid.hold_sizes`)."""
        state, symbol, rows = self.state, self.symbol, self.price_rows
        last = state.last.get(symbol)
        if last is None:
            quote = state.quotes.get(symbol)
            last = quote.bid if quote is not None else None
        self.view.follow(last, rows, self._now())
        bids, asks, volume = book_sides(state, symbol)
        position = state.positions.get(symbol)
        new = ladder_rows(
            self.view.prices(rows),
            bids=bids,
            asks=asks,
            volume=volume,
            orders=state.working_orders(symbol),
            last=state.last.get(symbol),
            average=position.average if position is not None else None,
            cursor=self.view.cursor,
        )
        quote = state.quotes.get(symbol)
        if not sizes and quote is not None:
            new = hold_sizes(self._rows, new, quote.bid, quote.ask)
        layout = Layout.fit(self.size.width, self._price_width())
        if layout != self._layout:
            self._layout = layout
            self._rows = new
            self.set_columns(layout.slices)
            self.invalidate_rows()
            self._title()
            return
        before = self._rows
        self._rows = new
        whole = {y + 1 for y in range(len(new), len(before))}
        for y, row in enumerate(new):
            if y >= len(before):
                whole.add(y + 1)
            elif before[y] != row:
                self.repaint_cells(y + 1, layout.changed_spans(before[y], row))
        if whole:
            self.invalidate_rows(whole)
        self._title()

    def _title(self) -> None:
        """The contract, and in words whether the order keys act here: set only when it
        changes, because a border change repaints the whole panel."""
        spec = self.state.instruments[self.symbol]
        ts = self.state.market_ns
        name = spec.contract_name(datetime_from_ns(ts).date()) if ts else spec.symbol
        title = f"{name} · ladder"
        subtitle = (
            "▸ KEYS AT THE CURSOR · esc gives them back"
            if self.has_focus
            else "order keys: main screen (market) · d aims here"
        )
        if self.border_title != title:
            self.border_title = title
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle

    def _price_width(self) -> int:
        spec = self.state.instruments[self.symbol]
        top = self.view.top
        return max(5, len(spec.format(top))) if top is not None else 8

    # Keys ------------------------------------------------------------------------------

    def action_cursor(self, ticks: int) -> None:
        self.view.move(ticks, self.price_rows, self._now())
        self.refresh_from()

    def action_recentre(self) -> None:
        self.view.recentre(self.state.last.get(self.symbol), self.price_rows)
        self.refresh_from()

    def action_leave(self) -> None:
        self.screen.set_focus(None)

    def on_focus(self) -> None:
        self.invalidate_rows()
        self._title()

    def on_blur(self) -> None:
        self.invalidate_rows()
        self._title()

    def on_resize(self) -> None:
        super().on_resize()
        self._layout = None
        self.refresh_from()

    # Painting --------------------------------------------------------------------------

    def render_row(self, y: int, width: int) -> list[tuple[str, str]]:
        layout = self._layout
        if layout is None:
            return []
        if y == 0:
            return [(text, f"ladder--{style}") for text, style in header(layout)]
        index = y - 1
        if index >= len(self._rows):
            return []
        spec = self.state.instruments[self.symbol]
        row = self._rows[index]
        cursor = "ladder--cursor" if self.has_focus else "ladder--cursor-blurred"
        runs = [
            (text, _style_name(style, cursor)) for text, style in row_runs(row, layout, spec.format)
        ]
        return runs if row.cursor else _merged(runs)

    def style_for(self, name: str) -> Style:
        if " " not in name:
            return super().style_for(name)
        combined = self._combined.get(name)
        if combined is None:
            cell, cursor = name.split(" ")
            combined = Style.combine(
                [super().style_for(cursor), self.get_component_rich_style(cell, partial=True)]
            )
            self._combined[name] = combined
        return combined

    def notify_style_update(self) -> None:
        self._combined.clear()
        super().notify_style_update()


def _merged(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Blank cells in the widget's own style, and neighbours of one style joined: fewer
    segments, so fewer style codes per row sent to the terminal and less for the
    compositor (off the cursor row, blanks have no background to keep)."""
    out: list[tuple[str, str]] = []
    for text, style in runs:
        if not text.strip():
            style = ""
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + text, style)
        else:
            out.append((text, style))
    return out


def _style_name(style: str, cursor: str) -> str:
    """``bid`` -> ``ladder--bid``; ``bid cursor`` -> the cell's class over the cursor's."""
    cell, _, on_cursor = style.partition(" ")
    name = f"ladder--{cell}"
    return f"{name} {cursor}" if on_cursor else name


def book_sides(state: State, symbol: str) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Bid sizes, ask sizes and the session's volume, by price, for ``symbol``. A feed
    without depth still shows its touch: the quote's bid and ask sizes."""
    book = state.books.get(symbol)
    traded = book.traded if book is not None else {}
    if book is not None and (book.bids or book.asks):
        return book.bids, book.asks, traded
    quote = state.quotes.get(symbol)
    if quote is None:
        return {}, {}, traded
    return {quote.bid: quote.bid_size}, {quote.ask: quote.ask_size}, traded
