"""``L``: lock yourself out. Choose how long, then confirm in a second, deliberate step.

Starting a lockout flattens everything and denies new entries until it ends. Nothing
can shorten or cancel it: not this panel, not a restart, not an edited config.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from cockpit.core.commands import StartLockout
from cockpit.risk.engine import RiskEngine
from cockpit.risk.views import LockoutPreset
from cockpit.ui.format import clock
from cockpit.ui.host import cockpit_app
from cockpit.ui.widgets.inputs import time_input


class LockoutScreen(ModalScreen[None]):
    """Two steps: a choice (``1``-``5``), then ``y`` to lock or ``esc`` to go back."""

    BINDINGS = [
        *[
            Binding(str(n), f"choose({n})", show=False, priority=True, id=f"lockout-{n}")
            for n in range(1, 6)
        ],
        Binding("y", "confirm", "lock now", priority=True, id="lockout-confirm"),
        Binding("escape", "back", "back / close", priority=True, id="lockout-close"),
    ]

    def __init__(self, risk: RiskEngine, presets: list[LockoutPreset], now_ns: int) -> None:
        super().__init__()
        self.risk = risk
        self.presets = presets
        self.now_ns = now_ns
        self.chosen: StartLockout | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="lockout-box"):
            yield Static(
                "Lock yourself out. Everything is flattened first; exits stay open.\n"
                "Once started, nothing can shorten or cancel a lockout.",
                id="lockout-intro",
            )
            for number, preset in enumerate(self.presets, start=1):
                until = "" if "until" in preset.label else f"until {clock(preset.until_ns)} CT"
                yield Label(f" {number}  {preset.label:<34} {until}", markup=False)
            yield Label(f" {len(self.presets) + 1}  until a time (CT):", id="lockout-time-label")
            yield time_input("", id="lockout-time")
            yield Static(id="lockout-confirm", markup=False)
            yield Label("1-4 choose · 5 then HH:MM Enter · y lock · esc back", id="lockout-help")

    def on_mount(self) -> None:
        self.query_one("#lockout-box").border_title = "lockout"
        self.set_focus(None)

    def action_choose(self, number: int) -> None:
        if number <= len(self.presets):
            preset = self.presets[number - 1]
            self._propose(preset.command(), f"{preset.label}, until {clock(preset.until_ns)} CT")
            return
        field = self.query_one("#lockout-time", Input)
        if not field.has_focus:
            field.focus()
            self.query_one("#lockout-confirm", Static).update("type the time (HH:MM), then Enter")
            return
        self._propose_time(field.value.strip())

    def _propose_time(self, text: str) -> None:
        try:
            until = self.risk.lockout_until_time(text, self.now_ns)
        except ValueError as exc:
            self.query_one("#lockout-confirm", Static).update(f"✕ {exc}")
            return
        reason = f"manual lockout until {clock(until, seconds=False)}"
        self._propose(StartLockout(until_ns=until, reason=reason), f"until {clock(until)} CT")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the time field proposes that time; the lock itself still needs `y`."""
        event.stop()
        self._propose_time(event.value.strip())

    def _propose(self, command: StartLockout, what: str) -> None:
        self.set_focus(None)
        self.chosen = command
        self.query_one("#lockout-confirm", Static).update(
            f"Flatten everything and lock {what}? This cannot be undone. y lock · esc back"
        )
        self.add_class("-confirming")

    def action_confirm(self) -> None:
        if self.chosen is None:
            self.query_one("#lockout-confirm", Static).update("choose a lockout first (1-5)")
            return
        cockpit_app(self).submit(self.chosen)
        self.dismiss(None)

    def action_back(self) -> None:
        if self.chosen is not None:
            self.chosen = None
            self.remove_class("-confirming")
            self.query_one("#lockout-confirm", Static).update("")
            return
        self.dismiss(None)
