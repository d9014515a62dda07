"""``R``: every risk rule with its limit, where it stands, the room left and its state.

Refreshed once a second while open; the state is a word (OK, WARN, BREACH), not just a
colour.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from cockpit.risk.engine import RiskEngine
from cockpit.risk.rules.base import Reading
from cockpit.ui.host import cockpit_app

COLUMNS = ("RULE", "LIMIT", "NOW", "ROOM", "STATE", "DETAIL")


class RiskScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "close", priority=True),
        Binding("R", "dismiss", "close", priority=True),
    ]

    COMPONENT_CLASSES = {"risk--ok", "risk--warn", "risk--breach"}

    def __init__(self, risk: RiskEngine, firm_lines: list[str] | None = None) -> None:
        super().__init__()
        self.risk = risk
        self.firm_lines = firm_lines or []
        """The firm's target and consistency, read once when the panel opens."""

    def compose(self) -> ComposeResult:
        with Vertical(id="risk-box"):
            table: DataTable[Text] = DataTable(id="risk-table", cursor_type="none")
            table.can_focus = False
            yield table
            yield Static(id="risk-footer", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#risk-table", DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.refresh_rows()
        self.set_interval(1.0, self.refresh_rows)

    def rows(self) -> list[Reading]:
        app = cockpit_app(self)
        return self.risk.status(app.state, app.clock.now_ns())

    def refresh_rows(self) -> None:
        risk = self.risk
        box = self.query_one("#risk-box")
        box.border_title = f"risk · {risk.trading_state.name}" + (
            " · DRY RUN" if risk.dry_run else ""
        )
        table = self.query_one("#risk-table", DataTable)
        table.clear()
        readings = self.rows()
        for reading in readings:
            style = self.get_component_rich_style(
                f"risk--{reading.level.name.lower()}", partial=True
            )
            table.add_row(  # Text, not str: a str cell is read as markup ("[risk]")
                Text(reading.title),
                Text(reading.limit),
                Text(reading.current),
                Text(reading.headroom),
                Text(reading.level.name, style=style),
                Text(reading.detail),
            )
        rules_on = len(readings) - 1
        note = "every rule is off: add a [risk] section to the config (docs/rules.md)"
        footer = note if rules_on == 0 else f"{rules_on} rules on · esc close"
        self.query_one("#risk-footer", Static).update("\n".join([*self.firm_lines, footer]))
