"""The candlestick chart of the selected instrument, with its position and orders.

Redrawn by the app's drain at most twice a second and only when its bars, orders or
position changed, never per print; each screen row is a cached strip.
"""

from __future__ import annotations

from datetime import date

from cockpit.core.bars import Bar, timeframe
from cockpit.core.clock import datetime_from_ns
from cockpit.core.models import Side
from cockpit.core.state import State
from cockpit.ui.chartgrid import ChartSpec, Overlay, Row, compact_count, render_chart
from cockpit.ui.widgets.lines import CachedLines


class CandleChart(CachedLines):
    """Candles, volume, the position's average and working-order price lines."""

    COMPONENT_CLASSES = {
        "chart--up",
        "chart--down",
        "chart--axis",
        "chart--last",
        "chart--avg",
        "chart--buy",
        "chart--sell",
        "chart--volume-up",
        "chart--volume-down",
        "chart--time",
    }

    def __init__(self, state: State, symbol: str, timeframe_label: str, *, id: str | None = None):
        super().__init__(id=id)
        self.state = state
        self.symbol = symbol
        self.timeframe = timeframe_label
        self._rows: list[Row] = []
        self.trading_date: date | None = None

    def show(self, symbol: str, timeframe_label: str) -> None:
        """Switch instrument or timeframe and redraw at once."""
        self.symbol = symbol
        self.timeframe = timeframe_label
        self.redraw()

    def on_resize(self) -> None:
        super().on_resize()
        self.redraw()

    def redraw(self) -> None:
        """Rebuild every row from the state (the drain calls this when something changed)."""
        width, height = self.size.width, self.size.height
        state = self.state
        spec = state.instruments[self.symbol]
        book = state.bars.get(self.symbol)
        bars = book.bars(self.timeframe, max(1, width // 2)) if book is not None else []
        overlays = []
        position = state.positions.get(self.symbol)
        if position is not None:
            overlays.append(Overlay(position.average, f"avg {position.size:+d}", "avg"))
        for order in state.working_orders(self.symbol):
            if order.price is not None:
                side = "buy" if order.side is Side.BUY else "sell"
                tag = ("B" if order.side is Side.BUY else "S") + str(order.remaining)
                overlays.append(Overlay(order.price, tag, side))
        chart = ChartSpec(
            bars=bars,
            timeframe=timeframe(self.timeframe),
            format_price=spec.format,
            last=state.last.get(self.symbol),
            overlays=overlays,
            hollow_up=self.app.no_color,
        )
        rows = [self._ohlcv(bars[-1] if bars else None, width)]
        if width and height > 1:
            rows += render_chart(chart, width, height - 1)
        self._title()
        # Only the rows that differ are repainted: a 2 Hz redraw of a quiet chart sends
        # one or two lines to the terminal, not the whole panel.
        changed = {
            y for y, row in enumerate(rows) if y >= len(self._rows) or self._rows[y] != row
        } | set(range(len(rows), len(self._rows)))
        self._rows = rows
        if changed:
            self.invalidate_rows(changed)

    def _title(self) -> None:
        """Contract and timeframe on the border: set only when they change, because a
        border change repaints the whole panel."""
        spec = self.state.instruments[self.symbol]
        ts = self.state.market_ns
        name = spec.contract_name(datetime_from_ns(ts).date()) if ts else spec.symbol
        title = f"{name} · {self.timeframe}"
        if self.border_title != title:
            self.border_title = title
        legend = "░ up · █ down" if self.app.no_color else None
        if self.border_subtitle != legend:
            self.border_subtitle = legend

    def _ohlcv(self, bar: Bar | None, width: int) -> Row:
        """The forming bar, on the chart's first row."""
        if bar is None:
            return [(" " * width, "")]
        f = self.state.instruments[self.symbol].format
        full = (
            f"O {f(bar.open)}  H {f(bar.high)}  L {f(bar.low)}  C {f(bar.close)}"
            f"  V {compact_count(bar.volume)}"
        )
        short = f"H {f(bar.high)}  L {f(bar.low)}  C {f(bar.close)}"
        text = full if len(full) < width else short
        return [(text[:width].rjust(width), "axis")]

    def render_row(self, y: int, width: int) -> list[tuple[str, str]]:
        if y >= len(self._rows):
            return []
        return [(text, f"chart--{style}" if style else "") for text, style in self._rows[y]]
