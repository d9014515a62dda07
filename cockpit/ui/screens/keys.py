"""``?``: every key in effect right now (remaps included), what it does and its id.

The list is longer than a 40-row terminal, so it scrolls with the keys a reader tries
first (up/down, PgUp/PgDn, Home/End) and its border says which rows are in view.
Every cell is plain text: ``[`` and ``]`` (a key, or ``[keys]`` in a hint) are shown,
never read as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

HINT = (
    "esc close · ↑↓ PgUp PgDn Home End scroll\n"
    'remap any key in the config file: [keys] flatten-all = "ctrl+x"'
)


class KeysScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "close", priority=True),
        Binding("question_mark", "dismiss", "close", priority=True),
        Binding("q", "dismiss", "close", priority=True),
        Binding("up", "scroll('up')", "scroll up", priority=True),
        Binding("down", "scroll('down')", "scroll down", priority=True),
        Binding("pageup", "scroll('page_up')", "page up", priority=True),
        Binding("pagedown", "scroll('page_down')", "page down", priority=True),
        Binding("home", "scroll('home')", "top", priority=True),
        Binding("end", "scroll('end')", "bottom", priority=True),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="keys-box"):
            table: DataTable[Text] = DataTable(
                id="keys-table", cursor_type="none", zebra_stripes=True
            )
            table.can_focus = False
            yield table
            yield Static(Text(HINT), id="keys-help")

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#keys-table", DataTable)

    def on_mount(self) -> None:
        self.query_one("#keys-box").border_title = "keys"
        table = self.table
        table.add_columns("KEY", "ACTION", "ID")
        for row in self.rows:
            table.add_row(*(Text(cell) for cell in row))
        self.watch(table, "scroll_y", self._show_position, init=False)
        self.call_after_refresh(self._show_position)

    def action_scroll(self, how: str) -> None:
        table = self.table
        moves = {
            "up": table.scroll_up,
            "down": table.scroll_down,
            "page_up": table.scroll_page_up,
            "page_down": table.scroll_page_down,
            "home": table.scroll_home,
            "end": table.scroll_end,
        }
        moves[how](animate=False)
        self._show_position()

    def _show_position(self, _: float | None = None) -> None:
        """'rows 1-28 of 44 ↓' on the border: the list goes on below (or above)."""
        table = self.table
        seen = max(0, table.scrollable_content_region.height - table.header_height)
        total = table.row_count
        if seen >= total:
            self.query_one("#keys-box").border_subtitle = f"{total} keys"
            return
        first = round(table.scroll_y) + 1
        last = min(total, first + seen - 1)
        arrows = ("↑" if first > 1 else "") + ("↓" if last < total else "")
        self.query_one("#keys-box").border_subtitle = f"rows {first}-{last} of {total} {arrows}"
