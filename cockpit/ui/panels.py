"""The panels a key opens over the cockpit: the lockout (`L`), the risk rules (`P`), the
session's review (`R`) and the keys (`?`), as a mixin of :class:`~cockpit.ui.app.CockpitApp`.

Each panel reads what it shows when it opens (the risk engine, the journal so far, the
keys as remapped); none sends a command itself: the lockout panel hands its choice to
the risk engine, which journals it.
"""

from __future__ import annotations

from typing import Any, Protocol

from textual.screen import Screen

from cockpit.core.clock import Clock
from cockpit.ui.bindings import COCKPIT_BINDINGS, LADDER_BINDINGS
from cockpit.ui.screens.keys import KeysScreen
from cockpit.ui.screens.lockout import LockoutScreen
from cockpit.ui.screens.review import ReviewScreen
from cockpit.ui.screens.risk import RiskScreen
from cockpit.ui.seat import Seat
from cockpit.ui.theme import review_palette


class _Cockpit(Protocol):
    """What the panels use of the app."""

    @property
    def session(self) -> Seat: ...

    @property
    def clock(self) -> Clock: ...

    def say(self, message: str) -> None: ...

    def visible_or_say(self, what: str) -> bool: ...

    def key_for(self, binding_id: str) -> str: ...

    def key_rows(self) -> list[tuple[str, str, str]]: ...

    def firm_lines(self) -> list[str]: ...

    def get_css_variables(self) -> dict[str, str]: ...

    def push_screen(self, screen: Screen[Any]) -> object: ...


class Panels:
    """The lockout, risk, review and keys panels, and the firm's lines two of them show."""

    def action_lockout_panel(self: _Cockpit) -> None:
        if not self.visible_or_say("lockout panel"):
            return
        risk = self.session.risk
        if risk is None:
            self.say("no risk engine in this session")
            return
        now = self.clock.now_ns()
        self.push_screen(LockoutScreen(risk, risk.lockout_presets(now), now))

    def action_risk_panel(self: _Cockpit) -> None:
        risk = self.session.risk
        if risk is None:
            self.say("no risk engine in this session")
            return
        self.push_screen(RiskScreen(risk, self.firm_lines()))

    def firm_lines(self: _Cockpit) -> list[str]:
        """The firm's profit target and consistency, read from this account's journals
        (report only; nothing without ``[account] firm`` or a journal)."""
        journal = self.session.journal
        if self.session.settings.firm is None or journal is None:
            return []
        from cockpit.journal.days import firm_report
        from cockpit.journal.reader import read_header

        journal.flush()  # a journal has its file from its first flush on
        if journal.path is None:
            return []
        account = read_header(journal.path).account
        return firm_report(self.session.settings, journal.path.parent, account)

    def action_review(self: _Cockpit) -> None:
        """The review of this session so far, from its journal."""
        journal = self.session.journal
        if journal is not None:
            journal.flush()  # a journal has its file from its first flush on
        if journal is None or journal.path is None:
            self.say("no journal for this session ([journal] enabled = false)")
            return
        from cockpit.journal.reader import open_journal
        from cockpit.journal.review import review
        from cockpit.journal.show import review_view

        with open_journal(journal.path) as recorded:
            view = review_view(review(recorded), review_palette(self.get_css_variables()))
        lines = self.firm_lines()
        if lines:
            from rich.console import Group
            from rich.text import Text

            view = Group(view, Text("\n".join(lines)))
        self.push_screen(ReviewScreen(view, "this session"))

    def action_show_keys(self: _Cockpit) -> None:
        self.push_screen(KeysScreen(self.key_rows()))

    def key_rows(self: _Cockpit) -> list[tuple[str, str, str]]:
        """(key, what it does, binding id) for every cockpit binding, remaps applied."""
        return [
            (self.key_for(b.id), b.description, b.id)
            for b in (*COCKPIT_BINDINGS, *LADDER_BINDINGS)
            if b.id is not None
        ]
