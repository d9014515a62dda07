"""The watchlist: bid, ask, last and the day's change for each instrument.

A Line-API widget: each row is one cached strip, shown through one column slice per
column (:mod:`cockpit.ui.widgets.columns`). When an instrument's quote changed since the
last drain its row is rendered again, and only the cells whose text changed (the bid,
say) are sent to the terminal. Direction is shown with ▲ ▼ as well as colour.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.reactive import reactive

from cockpit.core.state import State
from cockpit.ui.format import average, direction_glyph, percent
from cockpit.ui.pnl import PnlView
from cockpit.ui.widgets.columns import Sliced

FULL = 49
"""Room for symbol, bid, ask, last, change and position."""
MEDIUM = 39
"""Room for symbol, bid, ask, change and position (the compact layout)."""


class Watchlist(Sliced):
    """Quotes for the watchlist; the highlighted row is the ticket's instrument."""

    COMPONENT_CLASSES = {
        "watchlist--header",
        "watchlist--symbol",
        "watchlist--cursor",
        "watchlist--bid",
        "watchlist--ask",
        "watchlist--up",
        "watchlist--down",
        "watchlist--flat",
        "watchlist--long",
        "watchlist--short",
    }

    SLICES = 2
    selected: reactive[int] = reactive(0)

    def __init__(self, state: State, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state
        self._previous: dict[str, int] = {}
        self._tick: dict[str, int] = {}
        self.pnl: PnlView | None = None
        """The frame's P&L, handed over by the app with the header's and the blotter's."""

    @property
    def symbols(self) -> list[str]:
        return self.state.watchlist

    def watch_selected(self, old: int, new: int) -> None:
        self.invalidate_rows()

    def quotes_changed(self, symbols: set[str]) -> None:
        """Mark changed instruments' rows stale (called from the drain, never per tick)."""
        rows = set()
        for symbol in symbols:
            last = self.state.last.get(symbol)
            before = self._previous.get(symbol)
            if last is not None and before is not None and last != before:
                self._tick[symbol] = last - before
            if last is not None:
                self._previous[symbol] = last
            if symbol in self.symbols:
                rows.add(self.symbols.index(symbol) + 1)
        if self.symbols and self.symbols[self.selected] in symbols:
            rows |= self._detail_rows(live_only=True)
        if rows:
            self.repaint_changed(sorted(rows))

    def positions_changed(self, symbols: set[str]) -> None:
        rows = {self.symbols.index(s) + 1 for s in symbols if s in self.symbols}
        self.repaint_changed(sorted(rows | self._detail_rows()))

    def pnl_changed(self, view: PnlView) -> None:
        """The frame's P&L (the header's and the blotter's): the position line shows it."""
        if view != self.pnl:
            self.pnl = view
            first = len(self.symbols) + 2
            self.repaint_changed([first + 3])

    def on_resize(self) -> None:
        super().on_resize()
        self.set_columns(self._column_starts(self.size.width))

    def _column_starts(self, width: int) -> list[int]:
        """Two slices: the symbol, then the quote from the bid on (bid and ask change
        together, and a slice sends a change from its own left edge)."""
        if not self.symbols:
            return [0, 0]
        symbol_cells = cell_len(self._row(self.symbols[0], False, width)[0][0])
        return [0, min(symbol_cells, width)]

    def _detail_rows(self, *, live_only: bool = False) -> set[int]:
        """Rows of the detail block; ``live_only``: just volume and position, the lines a
        quote can change (name, tick value and fees never do)."""
        first = len(self.symbols) + 2
        return {first + 2, first + 3} if live_only else set(range(first, first + 4))

    def render_row(self, y: int, width: int) -> list[tuple[str, str]]:
        if y == 0:
            return [(self._header(width), "watchlist--header")]
        index = y - 1
        if index < len(self.symbols):
            return self._row(self.symbols[index], index == self.selected, width)
        return self._detail(index - len(self.symbols) - 1, width)

    def _detail(self, line: int, width: int) -> list[tuple[str, str]]:
        """Below the quotes: the selected contract's facts a trader sizes a trade by."""
        if not 0 <= line < 4 or not self.symbols:
            return []
        state = self.state
        symbol = self.symbols[self.selected]
        spec = state.instruments[symbol]
        if line == 0:
            return [(f" {spec.name}"[:width], "watchlist--header")]
        if line == 1:
            text = f" tick {spec.tick_size} = ${spec.tick_value} · fee ${spec.fee_per_side}/side"
            return [(text[:width], "watchlist--header")]
        if line == 2:
            volume = state.volume.get(symbol, 0)
            return [(f" volume {volume:,} since start"[:width], "watchlist--header")]
        position = state.positions.get(symbol)
        if position is None:
            return [(" flat", "watchlist--header")]
        view = self.pnl
        pnl = view.open.get(symbol) if view is not None else None
        shown = view.open_text(symbol) if view is not None else "—"
        style = (
            "watchlist--flat"
            if pnl is None or view is None or view.stale
            else "watchlist--up"
            if pnl > 0
            else "watchlist--down"
            if pnl < 0
            else "watchlist--flat"
        )
        side = "long" if position.size > 0 else "short"
        text = f" {side} {abs(position.size)} @ {average(spec, position)}  {shown}"
        return [(text[:width], style)]

    def _header(self, width: int) -> str:
        head = f" {'SYM':<4}"
        if width >= MEDIUM:
            head += f" {'BID':>9} {'ASK':>9}"
        if width >= FULL or width < MEDIUM:
            head += f" {'LAST':>9} "
        head += f"{'CHG%':>8}" if width >= FULL or width < MEDIUM else f"{'CHG%':>9}"
        if width >= MEDIUM:
            head += f" {'POS':>4}"
        return head

    def _row(self, symbol: str, selected: bool, width: int) -> list[tuple[str, str]]:
        state = self.state
        spec = state.instruments[symbol]
        quote = state.quotes.get(symbol)
        last = state.last.get(symbol)
        settle = state.settle.get(symbol)
        position = state.positions.get(symbol)
        runs: list[tuple[str, str]] = []
        marker = "▸" if selected else " "
        sym_style = "watchlist--cursor" if selected else "watchlist--symbol"
        runs.append((f"{marker}{symbol:<4}", sym_style))
        bid = spec.format(quote.bid) if quote else "-"
        ask = spec.format(quote.ask) if quote else "-"
        tick = self._tick.get(symbol, 0)
        tick_style = (
            "watchlist--up" if tick > 0 else "watchlist--down" if tick < 0 else "watchlist--flat"
        )
        if width >= MEDIUM:
            runs.append((f" {bid:>9}", "watchlist--bid"))
            runs.append((f" {ask:>9}", "watchlist--ask"))
        if width >= FULL or width < MEDIUM:
            glyph = "▴" if tick > 0 else "▾" if tick < 0 else " "
            runs.append((f" {spec.format(last):>9}{glyph}", tick_style))
        change_text, change_style = "", "watchlist--flat"
        if last is not None and settle:
            change = (last - settle) / settle * 100
            change_text = f"{direction_glyph(last - settle)}{percent(change)}"
            change_style = (
                "watchlist--up"
                if last > settle
                else "watchlist--down"
                if last < settle
                else "watchlist--flat"
            )
        change_width = 8 if width >= FULL or width < MEDIUM else 9
        runs.append((f"{change_text:>{change_width}}", change_style))
        if width >= MEDIUM:
            size = f"{position.size:+d}" if position else ""
            pos_style = "watchlist--long" if position and position.size > 0 else "watchlist--short"
            runs.append((f" {size:>4}", pos_style))
        return runs


def trend_style(delta: int) -> str:
    if delta > 0:
        return "watchlist--up"
    if delta < 0:
        return "watchlist--down"
    return "watchlist--flat"
