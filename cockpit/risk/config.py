"""The ``[risk]`` section of the config: every rule, off until it is given a limit.

Each rule has its own table (``[risk.daily_loss]``, ``[risk.contract_limit]``...), named
like the rule with underscores. Unknown keys are errors, so a typo never silently turns
a protection off. Where a rule stores nothing persistent is deliberate: no key here can
move or shorten a lockout, which lives in the state dir, not in the config.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from fnmatch import fnmatchcase
from itertools import pairwise
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cockpit.core.instruments import INSTRUMENTS
from cockpit.risk.timing import Window, check_lock_until, parse_hhmm

Action = Literal["alert", "reduce-only", "cancel-all", "flatten", "lock"]
"""What a breached limit does: warn; deny new entries; also cancel every working order;
flatten everything (then deny entries); flatten and lock until ``lock_until``."""
Basis = Literal["realized", "net"]
"""``realized``: closed trades after fees. ``net``: that plus the open P&L."""
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MON_TO_FRI: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {value!r}; use an IANA name like America/Chicago"
        ) from None
    return value


def _symbol_map(values: dict[str, int]) -> dict[str, int]:
    out = {}
    for symbol, limit in values.items():
        if symbol.upper() not in INSTRUMENTS:
            raise ValueError(f"unknown symbol {symbol!r}; valid: {', '.join(INSTRUMENTS)}")
        if limit < 1:
            raise ValueError(f"limit for {symbol} must be at least 1 (got {limit})")
        out[symbol.upper()] = limit
    return out


class _Limit(_Section):
    action: Action = "lock"
    lock_until: str = "next-day"

    @field_validator("lock_until")
    @classmethod
    def _lock_until(cls, value: str) -> str:
        return check_lock_until(value)


class DailyLoss(_Limit):
    limit: Decimal | None = Field(default=None, gt=0)
    """Dollars the trading day may lose; reaching it breaches."""
    from_firm: str | None = None
    """The firm and plan whose limit this is (set by ``[account] firm`` when the firm's
    is the one in effect): the breach reason names it."""
    basis: Basis = "net"
    trailing: bool = False
    """Measure the loss from the day's high-water mark instead of from zero."""
    trail_after: Decimal | None = Field(default=None, gt=0)
    """Profit protection: once the day's best P&L reaches this, the floor trails it..."""
    trail_by: Decimal | None = Field(default=None, gt=0)
    """...this many dollars below the best (the floor is ``best - trail_by``)..."""
    trail_pct: float | None = Field(default=None, gt=0, lt=1)
    """...or this share of the best below it (the floor is ``best * (1 - trail_pct)``);
    never lower than ``-limit``, and it never falls within the day."""

    @model_validator(mode="after")
    def _protection(self) -> DailyLoss:
        trail = (self.trail_by is not None) + (self.trail_pct is not None)
        if trail > 1:
            raise ValueError("give trail_by (dollars) or trail_pct (a share), not both")
        if (self.trail_after is None) != (trail == 0):
            raise ValueError(
                "profit protection needs trail_after with trail_by or trail_pct "
                "(e.g. trail_after = 200, trail_by = 100)"
            )
        if self.trail_after is not None and self.trailing:
            raise ValueError(
                "trailing = true already trails the day's best by the limit: "
                "use it or trail_after, not both"
            )
        return self

    @property
    def protects(self) -> bool:
        """Profit protection is on: the floor trails the day's best past ``trail_after``."""
        return self.trail_after is not None


class WeeklyLoss(_Limit):
    limit: Decimal | None = Field(default=None, gt=0)
    basis: Basis = "net"
    lock_until: str = "next-week"


class ProfitTarget(_Limit):
    target: Decimal | None = Field(default=None, gt=0)
    basis: Basis = "net"


MaxLossMode = Literal["eod-trailing", "intraday-trailing", "static"]
"""How a firm moves its loss floor: with the end-of-day balance high, with the highest
open equity seen, or never (``start_balance - amount``)."""


class MaxLoss(_Section):
    """The firm's maximum loss limit (a floor under the account's equity)."""

    amount: Decimal | None = Field(default=None, gt=0)
    """Dollars below the high (or the starting balance, static) the floor sits; off when unset."""
    from_firm: str | None = None
    """The firm and plan whose limit this is (set by ``[account] firm``): the reasons
    name it."""
    mode: MaxLossMode = "eod-trailing"
    start_balance: Decimal = Field(default=Decimal(50000), ge=0)
    """The account's starting balance (50,000 on a 50K account)."""
    stop_at: Decimal | None = None
    """A trailing floor stops rising once it reaches this balance (Topstep: the start)."""
    lock_when_reached: bool = True
    """Once breached the account is done: locked for the day, REDUCE-ONLY after it."""
    buffer: Decimal = Field(default=Decimal(0), ge=0)
    """Flatten and lock when equity comes within this many dollars of the floor."""
    buffer_pct: float = Field(default=0.1, ge=0, lt=1)
    """...or within this fraction of ``amount``, whichever is larger: by default the
    cockpit acts a tenth of the amount before the firm would ($200 on a 2,000 limit)."""

    @model_validator(mode="after")
    def _buffer_below_amount(self) -> MaxLoss:
        if self.amount is not None and self.buffer >= self.amount:
            raise ValueError(
                f"buffer {self.buffer} must be smaller than amount {self.amount}: "
                "the cockpit would act before any loss"
            )
        return self


class MaxPosition(_Section):
    micros: int | None = Field(default=None, ge=1)
    """Micro-equivalents across the account (1 mini = 10 micros), positions plus
    working orders plus orders in flight, per side."""


class ContractLimit(_Section):
    contracts: int | None = Field(default=None, ge=1)
    """Contracts per symbol, position plus working orders plus orders in flight, per side."""
    symbols: dict[str, int] = Field(default_factory=dict)
    """Per-symbol limits that replace ``contracts``: ``{ MNQ = 4, NQ = 1 }``."""

    _symbols = field_validator("symbols")(classmethod(lambda cls, v: _symbol_map(v)))


class ScalingStep(_Section):
    balance: Decimal = Field(ge=0)
    """From this end-of-day balance (0 and up: a funded account may be shown from 0)..."""
    contracts: int = Field(ge=1)
    """...this many minis across the account (a micro a tenth of a mini)."""


class Scaling(_Section):
    steps: list[ScalingStep] = Field(default_factory=list)
    """The plan's table: the account's ceiling in minis by end-of-day balance, lowest
    balance first; below the first step, the first step's."""

    @field_validator("steps")
    @classmethod
    def _ascending(cls, steps: list[ScalingStep]) -> list[ScalingStep]:
        for before, after in pairwise(steps):
            if after.balance <= before.balance:
                raise ValueError(
                    f"steps out of order: balance {after.balance} follows {before.balance}; "
                    "list them from the lowest balance up, each balance once"
                )
        return steps


class MaxOrderSize(_Section):
    contracts: int | None = Field(default=None, ge=1)
    symbols: dict[str, int] = Field(default_factory=dict)

    _symbols = field_validator("symbols")(classmethod(lambda cls, v: _symbol_map(v)))


class FillsPerDay(_Limit):
    limit: int | None = Field(default=None, ge=1)
    """Fills per trading day, every entry and every exit (the ProjectX count)."""
    action: Action = "reduce-only"


class WeeklyTrades(_Limit):
    max: int | None = Field(default=None, ge=1)
    """Trades (round trips) a trading week may close; entries are denied after the last."""
    min: int | None = Field(default=None, ge=1)
    """The trades the week should have (a firm's minimum, or the trader's own): shown in
    ``R`` and review as a range, never enforced."""
    action: Action = "reduce-only"
    lock_until: str = "next-week"

    @model_validator(mode="after")
    def _min_below_max(self) -> WeeklyTrades:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(
                f"min {self.min} is above max {self.max}: the week could never reach its "
                "minimum without passing its maximum"
            )
        return self


class ConsecutiveLosses(_Limit):
    limit: int | None = Field(default=None, ge=1)
    """Losing trades in a row (a trade: one closing order's fills)."""


class CooldownTier(_Section):
    loss: Decimal = Field(gt=0)
    """A closing order that loses at least this many dollars..."""
    minutes: float = Field(gt=0, le=24 * 60)
    """...denies new entries for this long."""


class Cooldown(_Section):
    tiers: list[CooldownTier] = Field(default_factory=list)

    @field_validator("tiers")
    @classmethod
    def _ascending(cls, tiers: list[CooldownTier]) -> list[CooldownTier]:
        losses = [tier.loss for tier in tiers]
        if losses != sorted(set(losses)):
            raise ValueError("list tiers from the smallest loss to the largest, each loss once")
        return tiers


class TradeClock(_Section):
    minutes: float | None = Field(default=None, gt=0, le=24 * 60)
    """No new entry for this long after an entry fill."""


class TradingHours(_Section):
    timezone: str = "America/Chicago"
    windows: list[str] = Field(default_factory=list)
    """``HH:MM-HH:MM`` windows when new entries are allowed; none means any time."""
    days: list[Weekday] = Field(default_factory=lambda: list(MON_TO_FRI))
    """Days a window may start on."""
    flatten_at: str | None = None
    """``HH:MM``: flatten everything then, and deny entries until the day ends (the same
    as ``flat_by`` with ``flatten_margin_minutes = 0``)."""
    flat_by: str | None = None
    """``HH:MM``: the firm's flat-by time; the cockpit flattens ``flatten_margin_minutes``
    before it (earlier on a half day) and denies entries until the day ends."""
    flatten_margin_minutes: float = Field(default=5, ge=0, le=240)
    no_entries_minutes: float = Field(default=0, ge=0, le=240)
    """No new entries in the last N minutes before ``flat_by``."""

    _timezone = field_validator("timezone")(classmethod(lambda cls, v: _zone(v)))

    @field_validator("flat_by")
    @classmethod
    def _flat_by(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            parse_hhmm(value)
            if info.data.get("flatten_at") is not None:
                raise ValueError(
                    "flatten_at and flat_by both set: keep flat_by (flatten_at is "
                    "flat_by with flatten_margin_minutes = 0)"
                )
        return value

    @field_validator("windows")
    @classmethod
    def _windows(cls, values: list[str]) -> list[str]:
        for value in values:
            Window.parse(value)
        return values

    @field_validator("flatten_at")
    @classmethod
    def _flatten_at(cls, value: str | None) -> str | None:
        if value is not None:
            parse_hhmm(value)
        return value


class Symbols(_Section):
    block: list[str] = Field(default_factory=list)
    """Symbols (wildcards ``*`` and ``?``) that may not be entered: ``["CL", "M2*"]``."""
    allow: list[str] = Field(default_factory=list)
    """When not empty, only these symbols (wildcards) may be entered."""

    @field_validator("block", "allow")
    @classmethod
    def _patterns(cls, values: list[str]) -> list[str]:
        out = []
        for value in values:
            pattern = value.upper()
            if not any(fnmatchcase(symbol, pattern) for symbol in INSTRUMENTS):
                raise ValueError(
                    f"{value!r} matches no instrument; known: {', '.join(INSTRUMENTS)}"
                )
            out.append(pattern)
        return out


class RequireStop(_Section):
    grace_seconds: float | None = Field(default=None, gt=0, le=3600)
    """Seconds a position may stay without a protective stop."""
    action: Literal["close", "alert", "place-stop"] = "close"
    stop_ticks: int | None = Field(default=None, ge=1)
    """For ``place-stop``: ticks from the average entry price."""

    @model_validator(mode="after")
    def _stop_ticks(self) -> RequireStop:
        if self.action == "place-stop" and self.stop_ticks is None:
            raise ValueError("action place-stop needs stop_ticks (ticks from the entry)")
        return self


class Throttle(_Section):
    orders: int | None = Field(default=None, ge=1)
    """New or changed orders allowed per ``seconds``."""
    seconds: float = Field(default=1.0, gt=0, le=3600)


class NoAddingToLoser(_Section):
    enabled: bool = False


class NoWidening(_Section):
    enabled: bool = False
    """Deny moving a working stop farther from the market (a stop only tightens)."""


class MaxRiskPerTrade(_Section):
    amount: Decimal | None = Field(default=None, gt=0)
    """Dollars an entry may risk: its stop's distance x size x tick value."""


class FatFinger(_Section):
    max_ticks: int | None = Field(default=None, ge=1)
    """A limit or stop price further than this from the market is denied."""
    symbols: dict[str, int] = Field(default_factory=dict)
    """Per-symbol ``max_ticks``."""
    confirm_above: int | None = Field(default=None, ge=1)
    """Orders larger than this need the same order sent again within ``confirm_seconds``."""
    confirm_seconds: float = Field(default=3.0, gt=0, le=60)

    _symbols = field_validator("symbols")(classmethod(lambda cls, v: _symbol_map(v)))


FEED_SECONDS = 5.0
"""The default feed guard: the live adapter calls a feed stale after 5 s of silence too."""


class Stale(_Section):
    feed_seconds: float | None = Field(default=FEED_SECONDS, ge=0, le=3600)
    """Deny entries while the market link is down or stale, or no market data arrived
    for longer than this; 0 turns the guard off (``None``: off, as journals recorded it
    before the guard was on by default)."""
    account: bool = False
    """Also hold the cockpit REDUCE-ONLY while the account or market link is down or the
    account is not reconciled."""


RENAMED_TABLES = {"trades_per_day": "fills_per_day", "sessions": "trading_hours"}  # vocab: keep
"""``[risk.*]`` tables under their old names: still read, as the new name (docs/rules.md)."""


def renamed_tables(data: Any) -> Any:
    """``data`` with every old table name moved to its new one; both at once is an error."""
    if not isinstance(data, dict) or not any(old in data for old in RENAMED_TABLES):
        return data
    data = dict(data)
    for old, new in RENAMED_TABLES.items():
        if old in data:
            if new in data:
                raise ValueError(
                    f"[risk.{old}] is the old name of [risk.{new}]: keep one of the two"
                )
            data[new] = data.pop(old)
    return data


class RiskSettings(_Section):
    dry_run: bool = False
    """Decide and record, but deny and enforce nothing (a lockout still holds)."""
    warn_at: float = Field(default=0.8, gt=0, le=1)
    """Fraction of a limit that raises WARNING."""
    warn_band: float = Field(default=0.05, ge=0, lt=1)
    """A WARNING lifts only once the limit is back below ``warn_at`` minus this (75% of
    it by default), so a P&L wobbling around ``warn_at`` warns once, not on every print."""
    warn_hold_seconds: float = Field(default=10.0, ge=0, le=3600)
    """A WARNING stays at least this long (engine clock), however fast the P&L recovers."""
    timezone: str = "America/Chicago"
    """The timezone of the trading-day boundary and of ``HH:MM`` lock ends."""
    day_boundary: str = "17:00"
    """When the trading day (and daily limits) roll over."""
    lock: Literal["off", "hours", "day"] = "off"
    """Settings that only tighten: from the cockpit's start until the trading-hours
    window ends (``hours``; ``session``, the TopstepX word, reads as it) or the trading
    day ends (``day``), a config that loosens any limit stops the start (see
    cockpit.risk.settings_lock)."""

    daily_loss: DailyLoss = DailyLoss()
    weekly_loss: WeeklyLoss = WeeklyLoss()
    profit_target: ProfitTarget = ProfitTarget()
    max_loss: MaxLoss = MaxLoss()
    max_position: MaxPosition = MaxPosition()
    contract_limit: ContractLimit = ContractLimit()
    scaling: Scaling = Scaling()
    max_order_size: MaxOrderSize = MaxOrderSize()
    fills_per_day: FillsPerDay = FillsPerDay()
    weekly_trades: WeeklyTrades = WeeklyTrades()
    consecutive_losses: ConsecutiveLosses = ConsecutiveLosses()
    cooldown: Cooldown = Cooldown()
    trade_clock: TradeClock = TradeClock()
    trading_hours: TradingHours = TradingHours()
    symbols: Symbols = Symbols()
    require_stop: RequireStop = RequireStop()
    throttle: Throttle = Throttle()
    no_adding_to_loser: NoAddingToLoser = NoAddingToLoser()
    no_widening: NoWidening = NoWidening()
    max_risk_per_trade: MaxRiskPerTrade = MaxRiskPerTrade()
    fat_finger: FatFinger = FatFinger()
    stale: Stale = Stale()

    _timezone = field_validator("timezone")(classmethod(lambda cls, v: _zone(v)))

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        """Tables under their old names still load (see RENAMED_TABLES)."""
        return renamed_tables(data)

    @field_validator("warn_band")
    @classmethod
    def _band_below_warning(cls, value: float, info: ValidationInfo) -> float:
        warn_at = info.data.get("warn_at")
        if warn_at is not None and value >= warn_at:
            raise ValueError(
                f"must be smaller than warn_at ({warn_at:g}): a warning needs a level to lift at"
            )
        return value

    @property
    def clear_at(self) -> float:
        """The fraction of a limit a WARNING lifts below."""
        return self.warn_at - self.warn_band

    @field_validator("lock", mode="before")
    @classmethod
    def _lock_words(cls, value: Any) -> Any:
        """``lock = "session"`` (TopstepX's word) is the trading-hours window."""
        return "hours" if value == "session" else value  # vocab: keep

    @field_validator("day_boundary")
    @classmethod
    def _boundary(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def boundary(self) -> time:
        return parse_hhmm(self.day_boundary)
