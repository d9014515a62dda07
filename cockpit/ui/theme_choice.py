"""Choosing a theme in the palette, as a mixin of :class:`~cockpit.ui.app.CockpitApp`.

The picker previews live: each highlighted theme shows at once, escape puts back the
theme the trader had, and a theme picked is saved to the config file so the next start
opens with it.
"""

from __future__ import annotations

from typing import Any, Protocol

from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme

from cockpit.config import ConfigError, save_theme
from cockpit.ui.seat import Seat
from cockpit.ui.theme import ThemePicker


class _Cockpit(Protocol):
    """What the theme choice uses of the app."""

    theme: str
    _theme_before: str | None

    @property
    def session(self) -> Seat: ...

    @property
    def available_themes(self) -> dict[str, Theme]: ...

    def push_screen(self, screen: Screen[Any]) -> object: ...

    def notify(
        self, message: str, *, title: str = "", severity: SeverityLevel = ..., timeout: float
    ) -> None: ...


class ThemeChoice:
    """The palette's theme picker, live, and the saving of the theme picked."""

    _theme_before: str | None = None
    """The theme to go back to while the picker previews others."""

    def search_themes(self: _Cockpit) -> None:
        """The theme picker, previewing live: each highlighted theme shows at once, and
        escape puts back the theme you had."""
        self._theme_before = self.theme
        self.push_screen(CommandPalette(providers=[ThemePicker], placeholder="Search for themes…"))

    def choose_theme(self: _Cockpit, name: str) -> None:
        """A theme picked in the palette: shown now, and saved to the config file so the
        next start opens with it."""
        self.theme = name
        file = self.session.settings.file
        try:
            save_theme(file, name)
        except ConfigError as exc:
            self.notify(f"{exc}", title="theme not saved", severity="warning", timeout=15)
            return
        self.notify(f"theme {name} saved to {file}", timeout=5)

    def on_command_palette_option_highlighted(
        self: _Cockpit, message: CommandPalette.OptionHighlighted
    ) -> None:
        if self._theme_before is None:
            return
        hit = getattr(message.highlighted_event.option, "hit", None)
        if hit is None:
            return
        name = hit.text or getattr(hit.display, "plain", str(hit.display))
        if name in self.available_themes:
            self.theme = name

    def on_command_palette_closed(self: _Cockpit, message: CommandPalette.Closed) -> None:
        if self._theme_before is not None and not message.option_selected:
            self.theme = self._theme_before
        self._theme_before = None
