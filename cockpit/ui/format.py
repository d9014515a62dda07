"""How numbers read on screen: prices on the grid, times in CT (money: core.text).

Pure functions, no Textual: the widgets and the tests share them.
"""

from __future__ import annotations

from cockpit.core.clock import exchange_time
from cockpit.core.instruments import Instrument
from cockpit.core.models import Position
from cockpit.core.text import money as money  # the one money formatter, for the widgets


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
