"""Candlestick chart as rows of styled text: pure, so it is tested without a terminal.

Each candle is one column wide with a one-column gap. Every cell holds two half-rows,
so bodies and wicks are drawn at twice the terminal's vertical resolution (▀ ▄ █ and
╵ ╷ │); without colour (NO_COLOR) up bodies are hollow (░) and down bodies solid.
Under the candles sit volume bars (▁..█), a price axis on the right carries the last
price (each price once), the position's average and the working orders, and a time
axis runs below.
Styles are names (``up``, ``down``, ``avg``...) that the widget maps to theme colours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from cockpit.core.bars import Bar, Timeframe
from cockpit.core.clock import exchange_time

Row = list[tuple[str, str]]
"""One screen row: (text, style name) runs."""

VOLUME_GLYPHS = " ▁▂▃▄▅▆▇█"
HOLLOW = "░"
"""An up candle's body cell when colour cannot tell it from a down one (NO_COLOR): a
shaded, see-through body against the solid █ ▀ ▄ of a down candle, at whole-cell height."""
NICE_SECONDS = (
    1,
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    14400,
    21600,
    43200,
    86400,
    172800,
    604800,
)


@dataclass(frozen=True, slots=True)
class Overlay:
    """A horizontal price line: the position's average or a working order."""

    price: Fraction | int
    label: str
    """Short tag shown on the axis, e.g. ``B2`` for a buy of 2 or ``avg``."""
    style: str
    """``avg``, ``buy`` or ``sell``."""


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """What to draw, independent of the terminal."""

    bars: Sequence[Bar]
    timeframe: Timeframe
    format_price: Callable[[int], str]
    last: int | None = None
    overlays: Sequence[Overlay] = ()
    hollow_up: bool = False
    """Tell up from down by shape, not colour (NO_COLOR): up bodies are drawn hollow."""


BACKGROUND_STYLES = frozenset({"last"})
"""Styles that paint a background: blank cells must not join them."""


class _Line:
    """Builds one row, merging neighbouring cells of the same style into one run.

    A blank cell looks the same in any foreground colour, so blanks join the run beside
    them: a row of candles is a few runs, not one colour sequence per glyph (that is
    most of what a chart costs over SSH).
    """

    __slots__ = ("runs",)

    def __init__(self) -> None:
        self.runs: Row = []

    def add(self, text: str, style: str) -> None:
        runs = self.runs
        if runs:
            last_text, last_style = runs[-1]
            if last_style == style:
                runs[-1] = (last_text + text, style)
                return
            if not style and last_style not in BACKGROUND_STYLES and text.isspace():
                runs[-1] = (last_text + text, last_style)
                return
            if not last_style and style not in BACKGROUND_STYLES and last_text.isspace():
                runs[-1] = (last_text + text, style)
                return
        runs.append((text, style))


def render_chart(spec: ChartSpec, width: int, height: int) -> list[Row]:
    """Rows of runs filling ``width`` x ``height`` exactly."""
    if width < 12 or height < 4:
        return [[(" " * width, "")] for _ in range(height)]
    fmt = spec.format_price
    sample = [fmt(b.high) for b in spec.bars[-5:]] or ["0"]
    axis = max(len(s) for s in sample) + 2
    plot = width - axis
    volume_rows = 3 if height >= 14 else (2 if height >= 9 else 0)
    price_rows = height - volume_rows - 1
    count = max(1, (plot + 1) // 2)
    bars = list(spec.bars[-count:])
    if not bars:
        return _empty(width, height, "waiting for the first prints")
    lo, hi = _price_range(bars, spec, price_rows)
    halves = price_rows * 2
    scale = halves / (hi - lo)

    def half(price: float) -> int:
        return min(halves - 1, max(0, int((hi - price) * scale)))

    cells = [_candle_cells(bar, half) for bar in bars]
    lines = _overlay_rows(spec, half, price_rows)
    labels = _axis_labels(spec, price_rows, hi, lo, lines, axis, half)
    rows: list[Row] = []
    for r in range(price_rows):
        line = _Line()
        top, bottom = 2 * r, 2 * r + 1
        overlay = lines.get(r)
        fill, fill_style = ("╌", overlay[1]) if overlay else (" ", "")
        used = 0
        for body, wick, style in cells:
            glyph = _glyph(body, wick, top, bottom)
            if spec.hollow_up and style == "up" and glyph in "█▀▄":
                glyph = HOLLOW
            if glyph == " ":
                line.add(fill, fill_style)
            else:
                line.add(glyph, style)
            used += 1
            if used * 2 - 1 < plot:
                line.add(fill, fill_style)
        pad = plot - (used * 2 - 1 if used else 0) - (1 if used * 2 - 1 < plot and used else 0)
        if pad > 0:
            line.add(fill * pad, fill_style)
        line.add(*labels.get(r, (" " * axis, "")))
        rows.append(line.runs)
    rows.extend(_volume_rows(bars, volume_rows, plot, axis))
    rows.append(_time_row(bars, spec.timeframe, plot, axis))
    return rows


def _empty(width: int, height: int, message: str) -> list[Row]:
    rows: list[Row] = [[(" " * width, "")] for _ in range(height)]
    text = message[:width].center(width)
    rows[height // 2] = [(text, "axis")]
    return rows


def _price_range(bars: list[Bar], spec: ChartSpec, price_rows: int) -> tuple[float, float]:
    lo: float = min(b.low for b in bars)
    hi: float = max(b.high for b in bars)
    if spec.last is not None:
        lo, hi = min(lo, spec.last), max(hi, spec.last)
    span = max(hi - lo, 1)
    for overlay in spec.overlays:
        price = float(overlay.price)
        # Keep a far-away order from squashing the candles: it shows at the edge instead.
        if lo - span <= price <= hi + span:
            lo, hi = min(lo, price), max(hi, price)
    span = max(hi - lo, price_rows / 4)
    margin = span * 0.04 + 0.5
    return lo - margin, hi + margin


def _candle_cells(bar: Bar, half: Callable[[float], int]) -> tuple[range, range, str]:
    body_top, body_bottom = half(max(bar.open, bar.close)), half(min(bar.open, bar.close))
    wick = range(half(bar.high), half(bar.low) + 1)
    style = "up" if bar.close >= bar.open else "down"
    return range(body_top, body_bottom + 1), wick, style


def _glyph(body: range, wick: range, top: int, bottom: int) -> str:
    in_top, in_bottom = top in body, bottom in body
    if in_top and in_bottom:
        return "█"
    if in_top:
        return "▀"
    if in_bottom:
        return "▄"
    wick_top, wick_bottom = top in wick, bottom in wick
    if wick_top and wick_bottom:
        return "│"
    if wick_top:
        return "╵"
    if wick_bottom:
        return "╷"
    return " "


def _overlay_rows(
    spec: ChartSpec, half: Callable[[float], int], price_rows: int
) -> dict[int, tuple[Overlay, str]]:
    """Row of each overlay line. The average goes first; an order whose row is taken
    moves to the nearest free row on its side, so every line stays visible (its axis
    label carries the exact price)."""
    rows: dict[int, tuple[Overlay, str]] = {}
    for overlay in sorted(spec.overlays, key=lambda o: o.style != "avg"):
        wanted = min(price_rows - 1, half(float(overlay.price)) // 2)
        for row in (wanted, wanted - 1, wanted + 1, wanted - 2, wanted + 2):
            if 0 <= row < price_rows and row not in rows:
                rows[row] = (overlay, overlay.style)
                break
    return rows


def _axis_labels(
    spec: ChartSpec,
    price_rows: int,
    hi: float,
    lo: float,
    lines: dict[int, tuple[Overlay, str]],
    axis: int,
    half: Callable[[float], int],
) -> dict[int, tuple[str, str]]:
    """The price axis, row by row: the last price, each overlay's exact price, and a
    grid price on every third row. A grid price is printed once: on a flat range (a 1s
    chart of a quiet market) several grid rows round to one tick, and the last price or
    an order may already say it."""
    fmt = spec.format_price
    labels: dict[int, tuple[str, str]] = {}
    said: set[int] = set()
    if spec.last is not None:
        labels[half(spec.last) // 2] = (f"◀{fmt(spec.last)}".ljust(axis)[:axis], "last")
        said.add(spec.last)
    for row, (item, style) in lines.items():
        if row in labels:
            continue
        price = round(item.price)
        marker = "=" if style == "avg" else item.label[:1]
        labels[row] = (f"{marker}{fmt(price)}".ljust(axis)[:axis], style)
        said.add(price)
    for row in range(1, price_rows, 3):
        price = round(hi - (row + 0.5) * (hi - lo) / price_rows)
        if row in labels or price in said:
            continue
        labels[row] = (f" {fmt(price)}".ljust(axis)[:axis], "axis")
        said.add(price)
    return labels


def _volume_rows(bars: list[Bar], rows: int, plot: int, axis: int) -> list[Row]:
    if rows == 0:
        return []
    peak = max((b.volume for b in bars), default=0) or 1
    levels = [round(b.volume / peak * rows * 8) for b in bars]
    out: list[Row] = []
    for j in range(rows - 1, -1, -1):
        line = _Line()
        for bar, level in zip(bars, levels, strict=True):
            fill = max(0, min(8, level - j * 8))
            style = "volume-up" if bar.close >= bar.open else "volume-down"
            line.add(VOLUME_GLYPHS[fill], style if fill else "")
            line.add(" ", "")
        used = len(bars) * 2
        if used > plot:
            _trim(line, plot)
        else:
            line.add(" " * (plot - used), "")
        label = f" vol {compact_count(peak)}" if j == rows - 1 else ""
        line.add(label.ljust(axis)[:axis], "axis")
        out.append(line.runs)
    return out


def _trim(line: _Line, width: int) -> None:
    total = 0
    runs: Row = []
    for text, style in line.runs:
        if total + len(text) > width:
            text = text[: width - total]
        if text:
            runs.append((text, style))
        total += len(text)
        if total >= width:
            break
    line.runs = runs


def _time_row(bars: list[Bar], timeframe: Timeframe, plot: int, axis: int) -> Row:
    spacing = next((s for s in NICE_SECONDS if s >= timeframe.seconds * 6), NICE_SECONDS[-1])
    pattern = "%H:%M:%S" if timeframe.seconds < 60 else "%H:%M"
    if timeframe.seconds >= 86400:
        pattern = "%m-%d"
    elif spacing >= 86400:
        pattern = "%m-%d %H"
    cells = [" "] * plot
    next_free = 0
    for index, bar in enumerate(bars):
        local = exchange_time(bar.start)
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        if spacing < 86400 and seconds % spacing:
            continue
        if spacing >= 86400 and (seconds or (local.toordinal() % (spacing // 86400))):
            continue
        x = index * 2
        text = local.strftime(pattern)
        if x < next_free or x + len(text) > plot:
            continue
        cells[x : x + len(text)] = list(text)
        next_free = x + len(text) + 2
    return [("".join(cells), "time"), (" CT".ljust(axis)[:axis], "time")]


def compact_count(value: int) -> str:
    """``84.9k``, ``1.2M``: a volume that fits the axis."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1_000:.0f}k"
    if value >= 1_000:
        return f"{value / 1_000:.1f}k"
    return str(value)
