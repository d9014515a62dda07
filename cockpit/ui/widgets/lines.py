"""A base for cheap live widgets: one cached Strip per row, styles from the theme.

Rows are re-rendered only when marked stale, so a quote changing one row repaints one
line. Styles come from component classes, so every colour follows the theme.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class CachedLines(Widget):
    """Subclasses implement :meth:`render_row` returning (text, component class) runs."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._strips: dict[int, Strip] = {}
        self._strips_width = 0
        """The width the cached rows were rendered at: a paint at another width (before
        the Resize event arrives) renders them again instead of padding old ones."""
        self._styles: dict[str, Style] = {}

    def render_row(self, y: int, width: int) -> list[tuple[str, str]]:
        raise NotImplementedError

    def style_for(self, name: str) -> Style:
        """The rich style of a component class (``""`` is the widget's own style)."""
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style if not name else self.get_component_rich_style(name)
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        return self.row_strip(y)

    def row_strip(self, y: int) -> Strip:
        """Row ``y`` whole, from the row cache (rendered again at a new width)."""
        width = self.size.width
        if width != self._strips_width:
            self._strips.clear()
            self._strips_width = width
        strip = self._strips.get(y)
        if strip is None:
            strip = self._build(y, self.render_row(y, width))
        return strip

    def _build(self, y: int, runs: list[tuple[str, str]]) -> Strip:
        """Cache row ``y`` made of ``runs``."""
        segments = [Segment(text, self.style_for(name)) for text, name in runs]
        strip = Strip(segments).adjust_cell_length(self.size.width, self.style_for(""))
        self._strips[y] = strip
        return strip

    def invalidate_rows(self, rows: set[int] | None = None) -> None:
        """Forget cached rows (all when ``rows`` is None) and repaint just those."""
        if rows is None:
            self._strips.clear()
            self.refresh()
            return
        width = self.size.width
        for y in rows:
            self._strips.pop(y, None)
            self.refresh(Region(0, y, width, 1))

    def notify_style_update(self) -> None:
        """A theme change: styles and every cached row are stale."""
        self._styles.clear()
        self._strips.clear()
        super().notify_style_update()

    def on_resize(self) -> None:
        self._strips.clear()
