"""Firm profiles: a prop firm's rules for one plan, as data (one TOML file each).

Firms change their rules and differ from each other (end-of-day or intraday trailing,
static floors, soft daily limits, scaling plans, a flat-by time), so their numbers live
in files, not code: shipped ones here, the trader's own in ``<config dir>/firms/``
(a file with the same name replaces the shipped one). ``[account] firm = "NAME"`` puts
one in effect; :mod:`cockpit.risk.firms.merge` folds it into the risk settings so the
stricter of the trader's and the firm's value wins for each limit.

This module only reads and validates; describing a bad file (file, line, key) is the
config layer's job, which owns that wording: a problem raises :class:`FirmFileError`
carrying the text, the path and pydantic's errors.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cockpit.core.instruments import INSTRUMENTS
from cockpit.risk.config import Basis
from cockpit.risk.timing import parse_hhmm

MaxLossMode = Literal["eod-trailing", "intraday-trailing", "static"]
"""``eod-trailing``: the floor follows the end-of-day balance high; ``intraday-trailing``:
it follows the open-equity high during the day; ``static``: it never moves."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FirmMaxLoss(_Section):
    amount: Decimal = Field(gt=0)
    """Dollars below the high-water mark (or the start, when static) the floor sits."""
    mode: MaxLossMode
    start_balance: Decimal = Field(ge=0)
    """The account's balance on its first day."""
    stop_at: Decimal | None = None
    """A trailing floor stops rising once it reaches this balance (Topstep: the start)."""
    lock_when_reached: bool = True
    """Reaching the floor ends the account: lock, do not just flatten."""


class FirmDailyLoss(_Section):
    limit: Decimal = Field(gt=0)
    """Dollars the trading day may lose; a soft breach: flatten, blocked until the day ends."""
    basis: Basis = "net"


class FirmProfitTarget(_Section):
    amount: Decimal = Field(gt=0)
    """Profit over the start balance that passes the plan (reported, never enforced)."""


class FirmConsistency(_Section):
    best_day_share: float = Field(gt=0, le=1)
    """The best day may be at most this share of the total profit (for a payout or a pass;
    reported, never enforced)."""


class FirmContracts(_Section):
    max: int = Field(ge=1)
    """Contracts across the account, in minis."""
    micros: int | None = Field(default=None, ge=1)
    """Micro contracts across the account, where the firm counts micros apart from minis
    (default: 10 per mini)."""
    symbols: dict[str, int] = Field(default_factory=dict)
    """Per-symbol contract caps, where the firm has them: ``{ CL = 2 }``."""

    @field_validator("symbols")
    @classmethod
    def _known(cls, values: dict[str, int]) -> dict[str, int]:
        out = {}
        for symbol, limit in values.items():
            if symbol.upper() not in INSTRUMENTS:
                raise ValueError(f"unknown symbol {symbol!r}; valid: {', '.join(INSTRUMENTS)}")
            if limit < 1:
                raise ValueError(f"limit for {symbol} must be at least 1 (got {limit})")
            out[symbol.upper()] = limit
        return out

    @property
    def micros_limit(self) -> int:
        """The account's cap in micro-equivalents (1 mini = 10 micros)."""
        by_minis = self.max * 10
        return by_minis if self.micros is None else min(by_minis, self.micros)


class ScalingStep(_Section):
    balance: Decimal = Field(ge=0)
    """From this end-of-day balance up..."""
    contracts: int = Field(ge=1)
    """...this many contracts (minis) at most."""


class FirmClock(_Section):
    flat_by: str
    """``HH:MM``: every position must be closed by then, every trading day."""
    timezone: Literal["America/Chicago", "America/New_York"] = "America/Chicago"

    @field_validator("flat_by")
    @classmethod
    def _time(cls, value: str) -> str:
        parse_hhmm(value)
        return value


class FirmProfile(_Section):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """What ``[account] firm`` names: lower case, digits and dashes."""
    firm: str
    plan: str
    source: str = Field(pattern=r"^https://")
    """The firm's public rules page the values come from."""
    read_on: date
    """The day the values were read."""
    verified: bool
    """True once a person has checked every value against ``source`` on ``read_on``."""
    max_loss: FirmMaxLoss
    daily_loss: FirmDailyLoss | None = None
    profit_target: FirmProfitTarget | None = None
    consistency: FirmConsistency | None = None
    contracts: FirmContracts
    scaling: list[ScalingStep] = Field(default_factory=list)
    clock: FirmClock | None = None

    @field_validator("scaling")
    @classmethod
    def _in_order(cls, steps: list[ScalingStep]) -> list[ScalingStep]:
        for number, (before, step) in enumerate(pairwise(steps), start=2):
            if step.balance <= before.balance:
                raise ValueError(
                    f"step {number} (balance {step.balance}) must be above step {number - 1} "
                    f"(balance {before.balance}): list the steps from the lowest balance up"
                )
        return steps


class FirmFileError(Exception):
    """A firm file that cannot be used: what to show is the config layer's to word."""

    def __init__(self, path: Path, text: str, problem: ValidationError | str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.text = text
        self.problem = problem


class UnknownFirmError(Exception):
    """``[account] firm`` names no profile; the message lists the known ones."""


SHIPPED = "cockpit.risk.firms"


def read_profile(path: Path, text: str) -> FirmProfile:
    """One profile from a file's text; a file named unlike its ``name`` is an error too,
    so ``[account] firm`` finds the profile by its file name."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FirmFileError(path, text, f"not valid TOML: {exc}") from None
    try:
        profile = FirmProfile.model_validate(raw)
    except ValidationError as exc:
        raise FirmFileError(path, text, exc) from None
    if profile.name != path.stem:
        raise FirmFileError(
            path, text, f'name = "{profile.name}" must match the file name ({path.stem}.toml)'
        )
    return profile


@dataclass(frozen=True, slots=True)
class Listed:
    """A profile and where it was read from (a user file overrides a shipped one)."""

    profile: FirmProfile
    path: Path
    shipped: bool


def profile_files(user_dir: Path | None) -> dict[str, tuple[Path, bool]]:
    """Every profile file by name: the shipped ones, then the user's over them."""
    files: dict[str, tuple[Path, bool]] = {}
    for entry in resources.files(SHIPPED).iterdir():
        if entry.name.endswith(".toml"):
            files[entry.name.removesuffix(".toml")] = (Path(str(entry)), True)
    if user_dir is not None and user_dir.is_dir():
        for path in sorted(user_dir.glob("*.toml")):
            files[path.stem] = (path, False)
    return dict(sorted(files.items()))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FirmFileError(path, "", f"cannot read it ({exc})") from None


def all_profiles(user_dir: Path | None) -> list[Listed]:
    """Every profile, sorted by name; the first bad file raises :class:`FirmFileError`."""
    out = []
    for path, shipped in profile_files(user_dir).values():
        out.append(Listed(read_profile(path, _read(path)), path, shipped))
    return out


def find_profile(name: str, user_dir: Path | None) -> Listed:
    """The profile called ``name``; an unknown name lists the known ones."""
    files = profile_files(user_dir)
    if name not in files:
        known = ", ".join(files) or "none"
        raise UnknownFirmError(f'unknown firm profile "{name}"; known: {known}')
    path, shipped = files[name]
    return Listed(read_profile(path, _read(path)), path, shipped)
