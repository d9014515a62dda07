"""The bracket template key (`t`) and the footer's bracket label, as a mixin of the app.

The key cycles the templates of ``[brackets]`` in config order, then ``none``: it sends
a ``ChooseBracket`` command, so the journal keeps the choice and a replay makes it again.
"""

from __future__ import annotations

from typing import Protocol

from cockpit.core.brackets import ChooseBracket
from cockpit.core.commands import Command
from cockpit.core.engine import Verdict
from cockpit.ui.seat import Seat


class _Cockpit(Protocol):
    """What the mixin uses of the app."""

    @property
    def session(self) -> Seat: ...

    def submit(self, command: Command) -> Verdict: ...

    def say(self, message: str) -> None: ...


class BracketKeys:
    """`t`: the next bracket template; the footer names the active one."""

    def action_bracket_template(self: _Cockpit) -> None:
        brackets = self.session.brackets
        if brackets is None:
            self.say("no bracket templates: add a [brackets.NAME] table to the config")
            return
        verdict = self.submit(ChooseBracket(name=brackets.next_name()))
        if verdict.accepted:
            self.say(f"bracket template: {brackets.active_name}")

    def bracket_label(self: _Cockpit) -> str:
        """``bracket scalp`` for the footer; empty when the config has no templates."""
        brackets = self.session.brackets
        return "" if brackets is None else f"bracket {brackets.active_name}"
