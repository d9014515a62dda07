"""Column slices: a row widget split into side-by-side columns, so a change sends only its cells.

Textual 8 writes a changed line to the terminal from the left edge of the widget that
paints it to the end of the change, so a size changing near the right end of a ladder
row sends the whole row, a dozen style codes included. Every widget edge is a cut the
compositor starts writing from. So a :class:`Sliced` widget keeps rendering whole rows
(one cached strip each, as :class:`CachedLines`) but shows them through
:class:`ColumnSlice` children, each painting cells ``start..end`` of those rows. A change
then repaints only the slices it touches, and each slice sends only its own cells.
What the screen shows is exactly the whole row: the slices tile it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from cockpit.ui.widgets.lines import CachedLines


class ColumnSlice(Widget):
    """Cells ``start..end`` of each row of the :class:`Sliced` widget it sits in."""

    DEFAULT_CSS = "ColumnSlice { height: 1fr; width: 1; }"

    def __init__(self, rows: Sliced) -> None:
        super().__init__()
        self.rows = rows
        self.start = 0
        self.end = 1

    def render_line(self, y: int) -> Strip:
        return self.rows.row_strip(y).crop(self.start, self.end)


class Sliced(CachedLines):
    """A :class:`CachedLines` shown through column slices (see the module docstring).

    Subclasses call :meth:`set_columns` with the cells where each column starts; the
    last one runs to the right edge.
    """

    DEFAULT_CSS = "Sliced { layout: horizontal; }"
    SLICES = 6

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.slices = [ColumnSlice(self) for _ in range(self.SLICES)]
        self._shown: dict[int, list[tuple[str, str]]] = {}
        """The runs each cached row was built from: what :meth:`repaint_changed` diffs."""

    def compose(self) -> ComposeResult:
        yield from self.slices

    def set_columns(self, starts: Sequence[int]) -> None:
        """Where each slice starts (``starts[0]`` is 0); a change re-lays the slices."""
        if len(starts) != len(self.slices):
            raise ValueError(f"{len(self.slices)} column starts needed, got {len(starts)}")
        width = self.size.width
        ends = [*starts[1:], width]
        for index, (column, start, end) in enumerate(zip(self.slices, starts, ends, strict=True)):
            if (column.start, column.end) == (start, end):
                continue
            column.start, column.end = start, end
            last = index == len(self.slices) - 1
            column.styles.width = "1fr" if last else max(0, end - start)
            column.refresh()

    def _build(self, y: int, runs: list[tuple[str, str]]) -> Strip:
        """Cache row ``y`` made of ``runs``: what is painted is exactly what was diffed."""
        self._shown[y] = runs
        return super()._build(y, runs)

    def repaint_changed(self, rows: Iterable[int]) -> None:
        """Render ``rows`` again from the state and repaint only the cells whose text or
        style changed: a row that reads the same sends nothing."""
        width = self.size.width
        for y in rows:
            new = self.render_row(y, width)
            cached = y in self._strips and width == self._strips_width
            old = self._shown.get(y) if cached else None
            if old == new:
                continue
            spans = changed_cells(old, new) if old is not None else None
            self._build(y, new)
            self._refresh_cells(y, spans if spans is not None else [(0, width)])

    def invalidate_rows(self, rows: set[int] | None = None) -> None:
        """Forget cached rows (all when ``rows`` is None) and repaint them in every slice."""
        if rows is None:
            self._strips.clear()
            for column in self.slices:
                column.refresh()
            return
        for y in rows:
            self._strips.pop(y, None)
            for column in self.slices:
                column.refresh(Region(0, y, column.end - column.start, 1))

    def repaint_cells(self, y: int, spans: Sequence[tuple[int, int]]) -> None:
        """Render row ``y`` again but repaint only the slices under ``spans`` (start, end)."""
        self._strips.pop(y, None)
        self._refresh_cells(y, spans)

    def _refresh_cells(self, y: int, spans: Sequence[tuple[int, int]]) -> None:
        for start, end in spans:
            for column in self.slices:
                left, right = max(start, column.start), min(end, column.end)
                if left < right:
                    column.refresh(Region(left - column.start, y, right - left, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        for column in self.slices:
            column.refresh()


def changed_cells(
    old: Sequence[tuple[str, str]], new: Sequence[tuple[str, str]]
) -> list[tuple[int, int]] | None:
    """The cells (start, end) of the runs that differ; None when the runs do not line up
    (another count or widths): then the whole row is new."""
    if len(old) != len(new):
        return None
    spans: list[tuple[int, int]] = []
    x = 0
    for before, after in zip(old, new, strict=True):
        width = cell_len(after[0])
        if cell_len(before[0]) != width:
            return None
        if before != after:
            spans.append((x, x + width))
        x += width
    return spans
