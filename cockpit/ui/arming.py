"""The arm key (`a`), as a mixin of :class:`~cockpit.ui.app.CockpitApp`.

It arms and disarms; once the day's profit target was reached under ``[risk] lock``,
arming again asks for a typed reason, which goes to the engine with the command so the
journal keeps it (in this process or in the guard).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from textual.screen import Screen

from cockpit.core.clock import Clock
from cockpit.core.commands import ArmAgain, Command, SetArmed
from cockpit.core.engine import Verdict
from cockpit.core.state import State
from cockpit.risk.views import arm_again_note
from cockpit.ui.screens.arm_reason import ArmReasonScreen
from cockpit.ui.seat import Seat


class _Cockpit(Protocol):
    """What the arm key uses of the app."""

    _message_until: int

    @property
    def session(self) -> Seat: ...

    @property
    def state(self) -> State: ...

    @property
    def clock(self) -> Clock: ...

    def submit(self, command: Command) -> Verdict: ...

    def say(self, message: str) -> None: ...

    def _update_footer(self, now: int) -> None: ...

    def _arm_needs_reason(self) -> str | None: ...

    def _set_armed(self, armed: bool, note: str = "") -> None: ...

    def push_screen(
        self, screen: Screen[Any], callback: Callable[[Any], None] | None = None
    ) -> object: ...


class Arming:
    """`a`: arm or disarm, with a typed reason after the day's profit target."""

    def action_toggle_arm(self: _Cockpit) -> None:
        why = self._arm_needs_reason()
        if why is not None:

            def answered(reason: str | None) -> None:
                if reason is None:
                    self.say("still disarmed")
                    return
                self._set_armed(True, arm_again_note(reason))

            self.push_screen(ArmReasonScreen(why), answered)
            return
        self._set_armed(not self.state.armed)

    def _arm_needs_reason(self: _Cockpit) -> str | None:
        """Why arming needs a typed reason: the day's profit target was reached under
        ``[risk] lock`` (``None``: it does not, or this is disarming)."""
        risk = self.session.risk
        return risk.arm_needs_reason(self.state.armed) if risk is not None else None

    def _set_armed(self: _Cockpit, armed: bool, note: str = "") -> None:
        """Arm or disarm; a ``note`` (the typed reason) goes with the command to the
        engine, which journals it, in this process or in the guard."""
        self.submit(ArmAgain(armed=armed, note=note) if note else SetArmed(armed=armed))
        self._message_until = 0
        self._update_footer(self.clock.now_ns())
