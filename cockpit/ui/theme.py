"""Themes from TOML files: the four shipped in ``themes/`` and the user's own.

Every theme supplies the cockpit's variables (``$bid $ask $pnl-up $pnl-down $stale
$locked $live``...), so no widget hard-codes a colour. A theme that leaves some out
(a user's quick theme, or one of Textual's own from the palette) gets them derived
from its base colours. A broken theme file is reported with its file and field, and
the cockpit carries on with the default theme.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from cockpit.config import config_dir

if TYPE_CHECKING:
    from cockpit.journal.show import Palette

DEFAULT_THEME = "cockpit-dark"
COCKPIT_VARIABLES = (
    "bid",
    "ask",
    "pnl-up",
    "pnl-down",
    "stale",
    "locked",
    "live",
    "sim",
    "replay",
    "frame",
)


def shipped_themes_dir() -> Path:
    """``themes/`` beside the package in a checkout, or inside it in a wheel."""
    package = Path(__file__).resolve().parent.parent
    inside = package / "themes"
    return inside if inside.is_dir() else package.parent / "themes"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def _colour(value: str) -> str:
    try:
        Color.parse(value)
    except ColorParseError:
        raise ValueError("not a colour; use #RRGGBB, rgb(r,g,b) or a colour name") from None
    return value


class ThemeColors(BaseModel):
    model_config = ConfigDict(extra="forbid")
    primary: str
    secondary: str | None = None
    accent: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None

    @field_validator("*")
    @classmethod
    def _is_colour(cls, value: str | None) -> str | None:
        return None if value is None else _colour(value)


class ThemeFile(BaseModel):
    """The shape of a theme file."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    dark: bool = True
    colors: ThemeColors
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("variables")
    @classmethod
    def _variables_are_colours(cls, values: dict[str, str]) -> dict[str, str]:
        for key, value in values.items():
            try:
                _colour(value)
            except ValueError as exc:
                raise ValueError(f"{key} = {value!r}: {exc}") from None
        return values

    def to_theme(self) -> Theme:
        return Theme(
            name=self.name,
            dark=self.dark,
            variables=dict(self.variables),
            **self.colors.model_dump(exclude_none=True),
        )


@dataclass(frozen=True)
class ThemeProblem:
    """A theme file that could not be used, and exactly why."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"theme {self.path}: {self.message}"


def load_theme_file(path: Path) -> Theme:
    """One theme file, or ``ValueError`` naming the field that is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from None
    try:
        return ThemeFile.model_validate(raw).to_theme()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown field"
            elif error["type"] == "missing":
                message = "required field is missing"
            problems.append(f"{where}: {message}")
        raise ValueError("; ".join(problems)) from None


def load_themes(dirs: Iterable[Path] | None = None) -> tuple[dict[str, Theme], list[ThemeProblem]]:
    """Every usable theme by name (later directories override earlier), and the problems."""
    themes: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    for folder in dirs if dirs is not None else (shipped_themes_dir(), user_themes_dir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except (OSError, ValueError) as exc:
                problems.append(ThemeProblem(path, str(exc)))
                continue
            themes[theme.name] = theme
    return themes, problems


def derived_variables(base: dict[str, str]) -> dict[str, str]:
    """Cockpit variables for a theme that does not set them, from its base colours."""
    success = base.get("success", "green")
    error = base.get("error", "red")
    warning = base.get("warning", "yellow")
    primary = base.get("primary", "blue")
    return {
        "bid": primary,
        "ask": warning,
        "pnl-up": success,
        "pnl-down": error,
        "stale": warning,
        "locked": error,
        "live": error,
        "sim": primary,
        "replay": base.get("secondary", primary),
        "frame": base.get("panel-lighten-2", base.get("panel", primary)),
    }


def theme_variables(theme: Theme) -> dict[str, str]:
    """Every variable of ``theme`` as the cockpit sees it, derived ones included."""
    generated = theme.to_color_system().generate()
    return {**derived_variables(generated), **generated, **theme.variables}


def review_palette(variables: Mapping[str, str]) -> Palette:
    """The review's colours from a theme's variables: the cockpit's own up and down."""
    from cockpit.journal.show import PLAIN, Palette

    def colour(name: str, fallback: str) -> str:
        try:
            return Color.parse(variables[name]).hex
        except (KeyError, ColorParseError):
            return fallback

    return Palette(
        up=colour("pnl-up", PLAIN.up),
        down=colour("pnl-down", PLAIN.down),
        warn=colour("warning", PLAIN.warn),
        accent=colour("accent", PLAIN.accent),
    )


def palette_named(name: str) -> Palette:
    """The review palette of the theme called ``name``, or the default theme's when that
    one is unknown or broken (``cockpit review`` still prints, in the default colours)."""
    themes, _ = load_themes()
    theme = themes.get(name) or themes.get(DEFAULT_THEME)
    return review_palette(theme_variables(theme) if theme is not None else {})
