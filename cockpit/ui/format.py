"""How numbers read on screen: money with a sign, prices on the grid, times in CT.

Pure functions, no Textual: the widgets and the tests share them.
"""

from __future__ import annotations

from decimal import Decimal

from cockpit.core.clock import exchange_time
from cockpit.core.instruments import Instrument
from cockpit.core.models import Position


def money(value: Decimal, *, sign: bool = False) -> str:
    """``50,000.00``; with ``sign`` also ``+12.50`` / ``-3.00`` (the sign carries meaning)."""
    text = f"{abs(value):,.2f}"
    if not sign:
        return text if value >= 0 else f"-{text}"
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"-{text}"
    return text


def clock(ns: int, *, seconds: bool = True) -> str:
    """Exchange (Chicago) wall time: ``10:42:07``."""
    moment = exchange_time(ns)
    return moment.strftime("%H:%M:%S" if seconds else "%H:%M")


def percent(change: float) -> str:
    return f"{change:+.2f}%"


def position_size(position: Position | None) -> str:
    """``+2`` long, ``-1`` short, empty when flat."""
    if position is None or position.size == 0:
        return ""
    return f"{position.size:+d}"


def average(spec: Instrument, position: Position) -> str:
    """The average entry price: on the grid when it is, else two decimals past the tick."""
    avg = position.average
    if avg.denominator == 1:
        return spec.format(avg.numerator)
    return spec.format_fraction(avg)


def direction_glyph(change: int) -> str:
    """▲ up, ▼ down, · unchanged: so direction never rests on colour alone."""
    if change > 0:
        return "▲"
    if change < 0:
        return "▼"
    return "·"
