"""Settings from a TOML file, validated with errors that say exactly what is wrong.

The file is ``config.toml`` in the platformdirs config dir (``cockpit --config FILE``
picks another). Every section is a pydantic model that forbids unknown keys; an error
names the file, the line, the key, the bad value and what is allowed, so a trader fixes
it in one go. Sections owned by other packages (``[risk]``...) plug in here.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tempfile
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import platformdirs
import tomlkit
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from tomlkit.exceptions import TOMLKitError

from cockpit.bracket_config import BracketSettings
from cockpit.brokers.projectx_config import ProjectXSettings
from cockpit.core.bars import TIMEFRAMES
from cockpit.core.instruments import DEFAULT_WATCHLIST, INSTRUMENTS
from cockpit.risk.config import RENAMED_TABLES, RiskSettings
from cockpit.risk.firms import FirmFileError, FirmProfile, UnknownFirmError, find_profile
from cockpit.risk.firms.merge import apply_firm
from cockpit.risk.market_calendar import (
    CalendarFile,
    MarketCalendar,
    parse_calendar,
    shipped_file,
)

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


def calendar_path() -> Path:
    """The trader's own exchange calendar (holidays, half days), beside the config."""
    return config_dir() / "calendar.toml"


def load_market_calendar(path: Path | None = None) -> MarketCalendar:
    """The shipped exchange calendar with the trader's file (``path``, default
    :func:`calendar_path`) over it; a bad file is a :class:`ConfigError` naming the file,
    line and key, like a bad config."""
    path = path or calendar_path()
    if not path.exists():
        return MarketCalendar.from_files(shipped_file())
    return MarketCalendar.from_files(shipped_file(), read_calendar(path))


def read_calendar(path: Path) -> CalendarFile:
    """One calendar file, validated, or :class:`ConfigError` with ``file:line``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{path}: cannot read the calendar file: {reason}") from None
    try:
        calendar = parse_calendar(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+)", str(exc))
        where = f"{path}:{at.group(1)}" if at else str(path)
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, text, path, CalendarFile)) from None
    twice = calendar.listed_twice()
    if twice is not None:
        table, index, day = twice
        line, _, _ = locate(text, [table, index, "date"])
        where = f"{path}:{line}" if line else str(path)
        raise ConfigError(
            f"{where}: [{table} entry {index + 1}] date = {day}: listed twice; "
            "keep one entry per date"
        )
    return calendar


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
    ladder_hold_seconds: float = Field(default=2.0, ge=0, le=60)
    """After each ladder cursor move the rows stay still this long (the trader is aiming)."""
    tape_big_size: int = Field(default=10, ge=1)
    """Prints of at least this many contracts stand out in time & sales."""

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


class JournalSettings(Section):
    """The session journal: every event, command and decision, for replay and review."""

    enabled: bool = True
    dir: Path | None = None
    """Folder for journals (default: ``journals`` in the user data dir)."""
    flush_ms: int = Field(default=150, ge=10, le=2000)
    """Milliseconds between writes: the most a crash can lose."""
    max_mb: int = Field(default=256, ge=1, le=65536)
    """A run continues in a new part file past this size."""

    @field_validator("dir")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None


class AccountSettings(Section):
    firm: str | None = None
    """A firm profile (``cockpit rules firms`` lists them): its limits join the ``[risk]``
    ones, the stricter of the two winning for each."""


class GuardSettings(Section):
    """The guard's API (``cockpit guard``): where it listens for its clients."""

    allow_remote: bool = False
    """Listen beyond loopback: only when the config says so explicitly."""
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=1, le=65535)
    max_clients: int = Field(default=110, ge=1, le=10_000)
    """WebSocket clients of ``/ws`` at once; one more is refused (``MAX_CONNECTIONS_EXCEEDED``)."""

    @field_validator("host")
    @classmethod
    def _loopback_unless_allowed(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError("name a host, e.g. 127.0.0.1")
        if not info.data.get("allow_remote", False) and not is_loopback(value):
            raise ValueError(
                f"{value} is reachable from other machines; the guard listens on loopback "
                "(127.0.0.1, ::1, localhost) unless [guard] allow_remote = true"
            )
        return value


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(Section):
    account: AccountSettings = AccountSettings()
    broker: BrokerSettings = BrokerSettings()
    paper: PaperSettings = PaperSettings()
    ui: UiSettings = UiSettings()
    projectx: ProjectXSettings = ProjectXSettings()
    journal: JournalSettings = JournalSettings()
    keys: dict[str, str] = Field(default_factory=dict)
    """Key remaps by binding id: ``flatten-all = "ctrl+x"``."""
    risk: RiskSettings = RiskSettings()
    guard: GuardSettings = GuardSettings()
    brackets: BracketSettings = BracketSettings()
    _file: Path = PrivateAttr(default_factory=default_config_path)
    _firm: FirmProfile | None = PrivateAttr(default=None)

    @property
    def firm(self) -> FirmProfile | None:
        """The firm profile in effect (already folded into ``risk``), if any."""
        return self._firm

    @property
    def file(self) -> Path:
        """The config file these settings come from, read again at the next start: where a
        choice made in the cockpit (the theme) is saved."""
        return self._file

    def saved_to(self, file: Path) -> Settings:
        """These settings, saving choices to ``file`` (a replay's recorded settings save
        to the trader's config file, not the recording)."""
        copy = self.model_copy()
        copy._file = file
        return copy


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
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, text, path)) from None
    settings._file = path
    unknown = settings.brackets.unknown_active()
    if unknown is not None:
        line, _, _ = locate(text, ["brackets", "active"])
        active = as_written(settings.brackets.active)
        raise ConfigError(f"{path}:{line}: [brackets] active = {active}: {unknown}")
    if settings.account.firm is not None:
        settings = with_firm(settings, text, path)
    return settings


def firms_dir() -> Path:
    """Where the trader's own firm profiles live (one overrides a shipped one by name)."""
    return config_dir() / "firms"


def firm_problem(exc: FirmFileError) -> str:
    """A bad firm file in the words of every config error: file, line, key, what is allowed."""
    if isinstance(exc.problem, str):
        return f"{exc.path}: {exc.problem}"
    return describe_errors(exc.problem, exc.text, exc.path, model=FirmProfile)


def with_firm(settings: Settings, text: str, path: Path) -> Settings:
    """``settings`` with ``[account] firm``'s profile folded into ``risk`` (stricter wins)."""
    name = settings.account.firm
    assert name is not None
    try:
        profile = find_profile(name, firms_dir()).profile
    except UnknownFirmError as exc:
        line, _, _ = locate(text, ["account", "firm"])
        raise ConfigError(f'{path}:{line}: [account] firm = "{name}": {exc}') from None
    except FirmFileError as exc:
        raise ConfigError(
            f'{path}: [account] firm = "{name}": its profile is not valid\n{firm_problem(exc)}'
        ) from None
    merged = settings.model_copy(update={"risk": apply_firm(settings.risk, profile)})
    merged._firm = profile
    return merged


def save_theme(path: Path, theme: str) -> None:
    """Write ``[ui] theme = "..."`` into the config file, keeping every other line, comment
    and key as written; a missing file is created. The file is replaced in one step, and
    only when the result still loads: a problem raises :class:`ConfigError`, file untouched.
    """
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        document = tomlkit.parse(text)
        ui = document.get("ui")
        if ui is None:
            document["ui"] = {"theme": theme}
        else:
            ui["theme"] = theme
        updated = tomlkit.dumps(document)
    except (OSError, UnicodeDecodeError, TOMLKitError, TypeError) as exc:
        raise ConfigError(f"{path}: theme not saved: {exc}") from None
    parse_settings(updated, path)  # never write a file the next start cannot read
    _replace(path, updated)


def _replace(path: Path, text: str) -> None:
    """Write ``text`` over ``path`` atomically (a crash leaves the old file or the new),
    keeping the old file's permissions."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise ConfigError(f"{path}: theme not saved: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ConfigError(f"{path}: theme not saved: {exc.strerror or exc}") from None


def describe_errors(
    exc: ValidationError, text: str, path: Path, model: type[BaseModel] | None = None
) -> str:
    """One line per problem: ``file:line: [table] key = value: what is allowed``.

    ``model`` is the shape of the file (the settings by default; a theme file too).
    """
    lines = []
    for error in exc.errors():
        raw = [part for part in error["loc"] if part != "[key]"]
        loc = [str(part) for part in raw if isinstance(part, str)]
        entry = next((part for part in raw if isinstance(part, int)), None)
        bad_key = "[key]" in error["loc"]
        line, _, _ = locate(text, raw)
        where = f"{path}:{line}" if line else str(path)
        value = error.get("input")
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            allowed = allowed_keys(loc, model or Settings)
            if len(loc) == 1 and isinstance(value, dict):
                lines.append(f"{where}: [{loc[0]}]: unknown section; allowed: {allowed}")
                continue
            close = difflib.get_close_matches(loc[-1], allowed.split(", "), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            message = f"unknown key; {hint}allowed: {allowed}"
        in_list = entry is not None and raw[-1] == entry
        table = ".".join(loc[:-1])
        if entry is not None and not in_list:
            table += f" entry {entry + 1}"  # the n-th [[array.table]]
        label = loc[-1] if len(loc) == 1 else f"[{table}] {loc[-1]}"
        if in_list and entry is not None:
            label += f" entry {entry + 1}"  # the n-th item of a list value
        shown = "" if error["type"] == "missing" or bad_key else f" = {as_written(value)}"
        lines.append(f"{where}: {label}{shown}: {message}")
    return "\n".join(lines)


def as_written(value: Any) -> str:
    """A value as it would be written in the file."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(as_written(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {as_written(v)}" for k, v in value.items()) + " }"
    return str(value)


def allowed_keys(loc: list[str], model: type[BaseModel]) -> str:
    """The keys a section of ``model`` accepts, for an 'unknown key' error."""
    for part in loc[:-1]:
        if part.isdigit():
            continue  # an item of an array of tables
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return "see docs"
        model = annotation
    return ", ".join(model.model_fields)


def _current_name(table: str) -> str:
    """A table header under its current name (see ``RENAMED_TABLES``)."""
    first, dot, rest = table.removeprefix("risk.").partition(".")
    if table.startswith("risk.") and first in RENAMED_TABLES:
        return f"risk.{RENAMED_TABLES[first]}{dot}{rest}"
    return table


_TABLE = re.compile(r"^\[\[?\s*([^\]]+?)\s*\]\]?")


def locate(text: str, loc: list[str | int]) -> tuple[int | None, str, str]:
    """Where the value at ``loc`` is written: (1-based line, table, key).

    Looks for the deepest table header that holds it (``[risk.daily_loss]``, the n-th
    ``[[risk.cooldown.tiers]]``), then for the key inside that table (plain, dotted or an
    inline table); falls back to the header line when the key is not written.
    """
    tables: list[tuple[int, str, int]] = []  # (line, name, occurrence of that name)
    keys: dict[int, list[tuple[int, str]]] = {-1: []}  # header index -> (line, text)
    seen: dict[str, int] = {}
    current = -1
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        header = _TABLE.match(stripped)
        if header:
            name = _current_name(re.sub(r"\s*\.\s*", ".", header.group(1)))
            occurrence = seen.get(name, 0)
            seen[name] = occurrence + 1
            tables.append((number, name, occurrence))
            current = len(tables) - 1
            keys[current] = []
        elif stripped and not stripped.startswith("#"):
            keys[current].append((number, stripped))
    for cut in range(len(loc), -1, -1):
        path = [str(part) for part in loc[:cut] if not isinstance(part, int)]
        if cut and isinstance(loc[cut - 1], int):
            continue  # a table path never ends inside an array index
        rest = loc[cut:]
        occurrence = 0
        if rest and isinstance(rest[0], int):
            occurrence, rest = rest[0], rest[1:]
        names = [str(part) for part in rest if not isinstance(part, int)]
        table = ".".join(path)
        if table:
            found = [
                i for i, (_, name, occ) in enumerate(tables) if (name, occ) == (table, occurrence)
            ]
            if not found:
                continue
            index, header_line = found[0], tables[found[0]][0]
        else:
            index, header_line = -1, None
        key = ".".join(names)
        if names:
            pattern = re.compile(rf"^[\"']?{re.escape(names[0])}[\"']?\s*[=.]")
            for number, stripped in keys[index]:
                if pattern.match(stripped):
                    return number, table, key
        if header_line is not None:
            return header_line, table, key
    return None, "", ".".join(str(part) for part in loc if not isinstance(part, int))
