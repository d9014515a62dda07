"""``?``: every key in effect right now (remaps included), what it does and its id."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static


class KeysScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "close", priority=True),
        Binding("question_mark", "dismiss", "close", priority=True),
        Binding("q", "dismiss", "close", priority=True),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="keys-box"):
            table: DataTable[str] = DataTable(
                id="keys-table", cursor_type="none", zebra_stripes=True
            )
            table.can_focus = False
            yield table
            yield Static('esc close · remap any key in config: [keys] flatten-all = "ctrl+x"')

    def on_mount(self) -> None:
        self.query_one("#keys-box").border_title = "keys"
        table = self.query_one("#keys-table", DataTable)
        table.add_columns("KEY", "ACTION", "ID")
        for row in self.rows:
            table.add_row(*row)
