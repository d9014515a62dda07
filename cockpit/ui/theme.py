"""Themes: Textual's own, the four shipped in ``themes/`` and the user's theme files.

One catalogue (:func:`theme_catalogue`) is both what the palette offers and what
``--theme`` and ``[ui] theme`` accept. Every theme supplies the cockpit's variables
(``$bid $ask $pnl-up $pnl-down $stale $locked $live``...), so no widget hard-codes a
colour; a theme that leaves some out (a user's quick theme, or one of Textual's) gets
them derived from its base colours. A broken theme file is reported like a config error
(file, line, key, what is allowed) and stops the start; a theme picked in the palette is
saved to the config file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme, ThemeProvider

from cockpit.config import as_written, config_dir, describe_errors, locate

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

    def to_theme(self) -> Theme:
        return Theme(
            name=self.name,
            dark=self.dark,
            variables=dict(self.variables),
            **self.colors.model_dump(exclude_none=True),
        )


TEXTUAL_VARIABLES = frozenset(BUILTIN_THEMES["textual-dark"].to_color_system().generate())
"""The design variables Textual knows (``primary-darken-1``, ``footer-background``...)."""


@dataclass(frozen=True)
class ThemeProblem:
    """A theme file that could not be used, and exactly why (``file:line: ...`` lines)."""

    path: Path
    message: str

    def __str__(self) -> str:
        return self.message


def load_theme_file(path: Path) -> Theme:
    """One theme file, or ``ValueError`` with one ``file:line: [table] key = value: what is
    allowed`` line per problem, as a config error reads."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+)", str(exc))
        raise ValueError(f"{path}:{at.group(1) if at else 1}: not valid TOML: {exc}") from None
    variables = raw.get("variables")
    problems = _variable_problems(variables, text, path) if isinstance(variables, dict) else []
    try:
        theme = ThemeFile.model_validate(raw)
    except ValidationError as exc:
        first = describe_errors(exc, text, path, ThemeFile)
        raise ValueError("\n".join([first, *problems])) from None
    if problems:
        raise ValueError("\n".join(problems))
    return theme.to_theme()


def _variable_problems(variables: dict[str, Any], text: str, path: Path) -> list[str]:
    """Each ``[variables]`` entry that is not a known variable or not a colour."""
    known = sorted(TEXTUAL_VARIABLES | set(COCKPIT_VARIABLES))
    problems = []
    for key, value in variables.items():
        line, _, _ = locate(text, ["variables", key])
        where = f"{path}:{line}: [variables] {key} = {as_written(value)}"
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            problems.append(
                f"{where}: unknown key; {hint}allowed: {', '.join(COCKPIT_VARIABLES)}"
                " or one of Textual's design variables (primary-darken-1, footer-background...)"
            )
            continue
        try:
            _colour(value if isinstance(value, str) else "")
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    return problems


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
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(ThemeProblem(path, f"{path}: cannot read the theme file: {exc}"))
                continue
            except ValueError as exc:
                problems.append(ThemeProblem(path, str(exc)))
                continue
            themes[theme.name] = theme
    return themes, problems


def theme_catalogue(
    dirs: Iterable[Path] | None = None,
) -> tuple[dict[str, Theme], list[ThemeProblem]]:
    """Every theme the cockpit offers, in the palette and to ``--theme`` alike: Textual's
    own, then the shipped ones, then the user's (a later theme of the same name wins)."""
    mine, problems = load_themes(dirs)
    return {**BUILTIN_THEMES, **mine}, problems


def theme_start_problem(wanted: str) -> str | None:
    """Why the cockpit cannot start with theme ``wanted`` (a broken theme file, every
    problem in it; or a name no theme has), or ``None``."""
    themes, problems = theme_catalogue()
    if problems:
        return "theme error\n" + "\n".join(str(problem) for problem in problems)
    if wanted not in themes:
        return f"unknown theme {wanted!r}; valid: {', '.join(sorted(themes))}"
    return None


class ChoosesTheme(Protocol):
    def choose_theme(self, name: str) -> None: ...


class ThemePicker(ThemeProvider):
    """The palette's theme list: exactly the app's catalogue; picking one keeps it and
    saves it (through the app's ``choose_theme``)."""

    @property
    def commands(self) -> list[tuple[str, Callable[[], None]]]:
        app = cast(ChoosesTheme, self.app)
        return [
            (name, partial(app.choose_theme, name)) for name in sorted(self.app.available_themes)
        ]


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
