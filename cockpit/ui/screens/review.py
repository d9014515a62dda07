"""``v``: the review of a journal: round trips with MAE and MFE, the P&L curve, rule hits.

The same view ``cockpit review FILE`` prints, inside the cockpit, scrollable.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.measure import Measurement
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class ReviewScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "close", priority=True),
        Binding("v", "dismiss", "close", priority=True),
    ]

    def __init__(self, view: RenderableType, title: str) -> None:
        super().__init__()
        self.view = view
        self.title_text = title

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="review-box"):
            yield Static(self.view, id="review-body")
            yield Static("esc close · ↑↓ ←→ PgUp PgDn scroll", id="review-help")

    def on_mount(self) -> None:
        box = self.query_one("#review-box")
        box.border_title = f"review · {self.title_text}"
        # As wide as the widest table wants, scrolling sideways, never squeezed into "…".
        console = self.app.console
        natural = Measurement.get(console, console.options.update(max_width=400), self.view)
        self.query_one("#review-body").styles.width = natural.maximum
        box.focus()
