"""Settings from a TOML file, validated with errors that say exactly what is wrong.

The file is ``config.toml`` in the platformdirs config dir (``cockpit --config FILE``
picks another). Every section is a pydantic model that forbids unknown keys; an error
names the file, the line, the key, the bad value and what is allowed, so a trader fixes
it in one go. Sections owned by other packages (``[risk]``...) plug in here.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from cockpit.core.bars import TIMEFRAMES
from cockpit.core.instruments import DEFAULT_WATCHLIST, INSTRUMENTS

APP_NAME = "cockpit"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def state_dir() -> Path:
    """Where lockouts and other state that must survive a restart live."""
    return Path(platformdirs.user_state_dir(APP_NAME))


def data_dir() -> Path:
    """Where journals live."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known_symbol(value: str) -> str:
    symbol = value.upper()
    if symbol not in INSTRUMENTS:
        raise ValueError(f"unknown symbol {value!r}; valid: {', '.join(INSTRUMENTS)}")
    return symbol


Symbol = Annotated[
    str, AfterValidator(_known_symbol), Field(description="an instrument root symbol")
]
"""A known root symbol, upper-cased; checked one by one so an error points at the entry."""


class BrokerSettings(Section):
    kind: Literal["paper", "projectx"] = "paper"
    """Where orders go. Live trading is never a silent default: it must be asked for."""


class PaperSettings(Section):
    seed: int = 7
    """Seed of the synthetic market: the same seed gives the same tape."""
    balance: Decimal = Field(default=Decimal("50000"), gt=0)
    account: str = "PRACTICE-50K"
    slippage_ticks: int = Field(default=0, ge=0, le=100)
    """Ticks a market order fills beyond the touch."""
    fees: dict[Symbol, Annotated[Decimal, Field(ge=0)]] = Field(default_factory=dict)
    """Per-contract per-side fee overrides, by symbol: ``{ MNQ = 0.35 }``."""


class UiSettings(Section):
    watchlist: list[Symbol] = Field(default_factory=lambda: list(DEFAULT_WATCHLIST))
    timeframe: str = "1m"
    theme: str = "cockpit-dark"
    default_size: int = Field(default=1, ge=1, le=1000)

    @field_validator("watchlist")
    @classmethod
    def _some_symbols(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("list at least one symbol")
        return values

    @field_validator("timeframe")
    @classmethod
    def _known_timeframe(cls, value: str) -> str:
        if value not in TIMEFRAMES:
            raise ValueError(f"unknown timeframe {value!r}; valid: {', '.join(TIMEFRAMES)}")
        return value


class Settings(Section):
    broker: BrokerSettings = BrokerSettings()
    paper: PaperSettings = PaperSettings()
    ui: UiSettings = UiSettings()
    keys: dict[str, str] = Field(default_factory=dict)
    """Key remaps by binding id: ``flatten-all = "ctrl+x"``."""


class ConfigError(Exception):
    """A config file that cannot be used; the message says where and why."""


def load_settings(path: Path | None = None) -> tuple[Settings, Path | None]:
    """Read and validate settings. A missing default file means defaults.

    Returns the settings and the file they came from (``None`` for pure defaults).
    """
    explicit = path is not None
    path = path or default_config_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: no such config file")
        return Settings(), None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{path}: cannot read the config file: {reason}") from None
    return parse_settings(text, path), path


def parse_settings(text: str, path: Path) -> Settings:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+)", str(exc))
        where = f"{path}:{at.group(1)}" if at else str(path)
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, text, path)) from None


def describe_errors(exc: ValidationError, text: str, path: Path) -> str:
    """One line per problem: ``file:line: [table] key = value: what is allowed``."""
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"] if isinstance(part, str) and part != "[key]"]
        entry = next((part for part in error["loc"] if isinstance(part, int)), None)
        bad_key = "[key]" in error["loc"]
        line = find_path_line(text, loc)
        where = f"{path}:{line}" if line else str(path)
        value = error.get("input")
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            allowed = allowed_keys(loc)
            if len(loc) == 1 and isinstance(value, dict):
                lines.append(f"{where}: [{loc[0]}]: unknown section; allowed: {allowed}")
                continue
            close = difflib.get_close_matches(loc[-1], allowed.split(", "), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            message = f"unknown key; {hint}allowed: {allowed}"
        label = loc[-1] if len(loc) == 1 else f"[{'.'.join(loc[:-1])}] {loc[-1]}"
        if entry is not None:
            label += f" entry {entry + 1}"
        shown = "" if error["type"] == "missing" or bad_key else f" = {_show(value)}"
        lines.append(f"{where}: {label}{shown}: {message}")
    return "\n".join(lines)


def _show(value: Any) -> str:
    """A value as it would be written in the file."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + " }"
    return str(value)


def allowed_keys(loc: list[str]) -> str:
    """The keys a section accepts, for an 'unknown key' error."""
    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return "see docs"
        model = annotation
    return ", ".join(model.model_fields)


def find_line(text: str, section: str, key: str) -> int | None:
    """Line number of ``key`` (dotted for nested tables) inside ``[section]``, 1-based."""
    path = ([section] if section else []) + key.split(".")
    return find_path_line(text, path)


def find_path_line(text: str, path: list[str]) -> int | None:
    """The line that sets ``path`` (``["paper", "fees", "MNQ"]``), or the nearest enclosing one.

    Follows table headers (``[paper.fees]``), dotted keys and inline tables, so the line
    is the one a trader must edit; ``None`` when nothing in the file matches.
    """
    table: list[str] = []
    best: tuple[int, int] | None = None  # (matched depth, line)
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if header := _HEADER.match(stripped):
            table = _split_key(header.group(1))
            candidate = table
        elif assignment := _ASSIGNMENT.match(stripped):
            candidate = table + _split_key(assignment.group(1))
        else:
            continue
        depth = len(candidate)
        if candidate == path[:depth] and (best is None or depth > best[0]):
            best = (depth, number)
    return best[1] if best else None


def _split_key(key: str) -> list[str]:
    """``paper . "fees"`` -> ``["paper", "fees"]``."""
    return [a or b or c for a, b, c in _KEY_PARTS.findall(key)]


_KEY_PART = r"""(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')"""
_KEY_PARTS = re.compile(r"""([A-Za-z0-9_\-]+)|"([^"]*)"|'([^']*)'""")
_HEADER = re.compile(r"^\[\[?\s*([^\]]+?)\s*\]\]?")
_ASSIGNMENT = re.compile(rf"^({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
