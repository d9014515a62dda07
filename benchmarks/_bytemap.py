"""Which panel the bytes written to a terminal went to: the per-widget share of a figure.

Textual writes each frame as cursor moves (``ESC [ row ; col H``) each followed by the
cells painted from there. So every byte after a move belongs to the cell it moved to,
and the widget whose region holds that cell is the one that sent it. The child writes
the widgets' screen regions to a JSON file (:func:`dump_regions`); the parent reads them
back and splits the bytes it counted (:func:`bytes_by_widget`). Bytes before the first
move of a frame (synchronized-output markers, cursor hiding) are ``frame``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from textual.widget import Widget

_MOVE = re.compile(rb"\x1b\[(\d+);(\d+)H")

Region = tuple[int, int, int, int]
"""x, y, width, height on the screen."""


def dump_regions(widgets: Iterable[Widget], path: Path) -> None:
    """Write the screen region of each shown widget with an id (hidden ones are left out)."""
    regions = {
        widget.id: list(widget.region)
        for widget in widgets
        if widget.id and widget.display and widget.region.area
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(regions), encoding="utf-8")
    temporary.replace(path)


def read_regions(path: Path) -> dict[str, Region]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {name: (x, y, w, h) for name, (x, y, w, h) in loaded.items()}


def owner(regions: Mapping[str, Region], column: int, line: int) -> str:
    """The smallest widget whose region holds the cell (0-based), else ``other``."""
    holders = [
        (w * h, name)
        for name, (x, y, w, h) in regions.items()
        if x <= column < x + w and y <= line < y + h
    ]
    return min(holders)[1] if holders else "other"


def bytes_by_widget(data: bytes, regions: Mapping[str, Region]) -> Counter[str]:
    """Every byte of ``data`` counted against the widget it painted (see the docstring)."""
    counts: Counter[str] = Counter()
    where = "frame"
    start = 0
    for move in _MOVE.finditer(data):
        counts[where] += move.start() - start
        line, column = int(move.group(1)) - 1, int(move.group(2)) - 1
        where = owner(regions, column, line)
        counts[where] += move.end() - move.start()
        start = move.end()
    counts[where] += len(data) - start
    return counts
