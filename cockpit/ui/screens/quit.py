"""Quitting with open positions asks first; it never flattens for you silently."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class QuitScreen(ModalScreen[bool]):
    """Answers True to quit anyway, False to stay."""

    BINDINGS = [
        Binding("y", "answer(True)", "quit anyway", priority=True),
        Binding("n", "answer(False)", "stay", priority=True),
        Binding("escape", "answer(False)", "stay", priority=True),
    ]

    def __init__(self, open_positions: str, flatten_key: str = "F", *, demo: bool = False) -> None:
        super().__init__()
        self.open_positions = open_positions
        self.flatten_key = flatten_key
        """The cockpit's flatten key as the trader set it (it works over this screen)."""
        self.demo = demo
        """The in-process paper demo: its account starts fresh next run, positions and all."""

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-box"):
            yield Label(f"Open positions: {self.open_positions}", markup=False)
            kept = (
                "the demo account starts fresh next run: they go with it"
                if self.demo
                else "positions stay open at the broker"
            )
            yield Static(
                f"y quit anyway ({kept})\n{self.flatten_key} flatten first · n / esc stay",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#quit-box").border_title = "quit?"

    def action_answer(self, quit_anyway: bool) -> None:
        self.dismiss(quit_anyway)
