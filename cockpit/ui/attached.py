"""The cockpit attached to a guard: the same screens and keys, the engine elsewhere.

Only what a trader must be told differs from the in-process cockpit: the header says
``· GUARD``; a command's verdict arrives from the guard a moment after the key and is
shown then, worded as in-process; quitting detaches and says the guard goes on (it
never asks about open positions: the guard still watches them).
"""

from __future__ import annotations

from textual.drivers.linux_driver import LinuxDriver
from textual.theme import Theme

from cockpit.core.brackets import ChooseBracket
from cockpit.core.commands import Command
from cockpit.core.engine import Verdict
from cockpit.guard.attached import MODE_DETAIL, AttachedSession
from cockpit.ui.app import DRAIN_HZ, CockpitApp
from cockpit.ui.line_driver import LineDriver
from cockpit.ui.screens.review import ReviewScreen
from cockpit.ui.theme import ThemeProblem, review_palette

OFFER_EVERY = 0.1
"""Seconds between looks at which keys the key reader may take (screen and focus changes
tell it at once; this catches anything else, a field enabled or disabled)."""
ELSEWHERE = (
    "the guard keeps this session's journal on its own machine: cockpit review there, or R now"
)
DETACHED = (
    "cockpit: detached from the guard at {address}; it keeps running and enforcing your "
    "rules (cockpit guard status, cockpit guard stop)"
)


class AttachedApp(CockpitApp):
    """The cockpit over an :class:`AttachedSession`."""

    def __init__(
        self,
        attached: AttachedSession,
        *,
        drain_hz: float = DRAIN_HZ,
        themes: tuple[dict[str, Theme], list[ThemeProblem]] | None = None,
    ) -> None:
        super().__init__(attached, drain_hz=drain_hz, themes=themes)
        self.attached = attached
        attached.link.on_verdict = self.answered
        self.flatten_road.line = attached.link.line
        if self.driver_class is LinuxDriver:  # not another platform's, nor the environment's
            self.driver_class = LineDriver.reading(attached.link.line)

    def on_mount(self) -> None:  # (Textual runs CockpitApp.on_mount after this one)
        self.screen_change_signal.subscribe(self, lambda _screen: self.flatten_road.offer())
        self.set_interval(OFFER_EVERY, self.flatten_road.offer, name="offer the line's keys")

    def on_descendant_focus(self) -> None:
        self.flatten_road.offer()

    def on_descendant_blur(self) -> None:
        self.flatten_road.offer()

    def mode_detail(self) -> str:
        return MODE_DETAIL

    def answered(self, command: Command, verdict: Verdict) -> None:
        """The guard's verdict on a key: shown as the in-process cockpit shows its own."""
        if isinstance(command, ChooseBracket):
            self._bracket_answered(command, verdict)
        if not verdict.accepted:
            self.say(f"✕ {self.denial_text(verdict)}")
        elif verdict.reason:
            self.say(verdict.reason)
        elif isinstance(command, ChooseBracket):
            self.say(f"bracket template: {command.name}")

    def action_bracket_template(self) -> None:
        """`t`: ask the guard's bracket manager for the next template; the footer names it
        at once, and the guard's verdict confirms it (or takes it back)."""
        mirror = self.attached.brackets
        if mirror is None:
            super().action_bracket_template()
            return
        name = mirror.next_name()
        if self.submit(ChooseBracket(name=name)).accepted:
            mirror.asked = name
            self._update_footer(self.clock.now_ns())

    def _bracket_answered(self, command: ChooseBracket, verdict: Verdict) -> None:
        mirror = self.attached.bracket_mirror
        if not verdict.accepted and mirror.asked == command.name:
            mirror.asked = None
            self._update_footer(self.clock.now_ns())

    def action_request_quit(self) -> None:
        """Detach: the guard, its positions and its rules go on without this screen."""
        self.run_worker(self._stop_and_exit(), group="shutdown")

    async def _stop_and_exit(self) -> None:
        await self.session.stop()
        self.exit(0, message=DETACHED.format(address=self.attached.link.address))

    def action_review(self) -> None:
        """The review of the guard's session so far, from its journal, read-only, when
        the guard runs on this machine (as the in-process cockpit reviews its own)."""
        path = self.attached.guard_journal()
        if path is None:
            self.say(ELSEWHERE)
            return
        from cockpit.journal.reader import open_journal
        from cockpit.journal.review import review
        from cockpit.journal.show import review_view

        with open_journal(path) as recorded:
            view = review_view(review(recorded), review_palette(self.get_css_variables()))
        lines = self.firm_lines()
        if lines:
            from rich.console import Group
            from rich.text import Text

            view = Group(view, Text("\n".join(lines)))
        self.push_screen(ReviewScreen(view, "the guard's session"))

    def firm_lines(self) -> list[str]:
        """The firm's profit target and consistency, from the journals of the account
        the guard trades (on this machine; none for a guard elsewhere)."""
        path = self.attached.guard_journal()
        if self.session.settings.firm is None or path is None:
            return []
        from cockpit.journal.days import firm_report
        from cockpit.journal.reader import read_header

        account = read_header(path).account
        return firm_report(self.session.settings, path.parent, account)
