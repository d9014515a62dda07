"""Re-arming after the daily profit target, under ``[risk] lock``, asks why.

The day's target was reached and the settings are locked: the trader meant to stop. The
trading keys still arm, but only with a typed reason, which the journal keeps beside the
arming (review shows it), so the decision is made on purpose and can be looked back on.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class ArmReasonScreen(ModalScreen[str | None]):
    """Answers the reason typed (never empty), or ``None`` to stay disarmed."""

    BINDINGS = [Binding("escape", "cancel", "stay disarmed", priority=True)]

    def __init__(self, why: str) -> None:
        super().__init__()
        self.why = why
        """What was reached: ``profit target: day P&L $512.00 reached the $500.00 target``."""

    def compose(self) -> ComposeResult:
        with Vertical(id="arm-reason-box"):
            yield Label(self.why, markup=False)
            yield Static(
                "[risk] lock is on: type why you arm again (kept in the journal)", markup=False
            )
            yield Input(placeholder="reason", id="arm-reason")
            yield Static("enter arm · esc stay disarmed", id="arm-reason-hint")

    def on_mount(self) -> None:
        self.query_one("#arm-reason-box").border_title = "arm again?"
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#arm-reason-hint", Static).update(
                "a reason is needed to arm · esc stay disarmed"
            )
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
