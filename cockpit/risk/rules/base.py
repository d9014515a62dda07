"""What every rule is: a judge of new orders, a reading of where it stands, and sometimes
an enforcer on what the broker reports.

Two families share this shape. *Order rules* judge one order at a time (size, price,
symbol, rate) and deny it. *Limit rules* watch the account (loss, trades, streaks,
time) and, once breached, put the whole cockpit in a trading state through their
``action``: the risk engine, not the rule, turns a breach into WARNING, REDUCE-ONLY or
LOCKED, so every limit behaves the same way. Rules only ever judge orders that would
add exposure: an order that reduces a position, a cancel, a close or a flatten passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import ClassVar

from cockpit.core.commands import CancelOrder, Command, ModifyOrder, PlaceOrder
from cockpit.core.events import Event, FillReceived, OrderUpdated, PositionUpdated
from cockpit.core.models import Order, OrderRequest
from cockpit.core.state import State
from cockpit.risk.config import RiskSettings
from cockpit.risk.eod import EndOfDay
from cockpit.risk.floor import FloorStore
from cockpit.risk.market_calendar import NO_CALENDAR, MarketCalendar
from cockpit.risk.peak import PeakStore
from cockpit.risk.tally import Tally
from cockpit.risk.timing import Calendar

BLOCKING_ACTIONS = frozenset({"reduce-only", "cancel-all", "flatten", "lock"})


class Level(IntEnum):
    """Where a rule stands."""

    OK = 0
    WARN = 1
    BREACH = 2


@dataclass(frozen=True, slots=True)
class Intent:
    """An order about to be placed or changed, as the rules see it."""

    command: PlaceOrder | ModifyOrder
    request: OrderRequest
    """The order in ticks (for a modify: the order as it would be after the change)."""
    replaces: Order | None = None
    """The working order a modify changes."""


@dataclass(frozen=True, slots=True)
class RuleDenial:
    """Why a rule denies an order; ``rule`` overrides the denying rule's name."""

    reason: str
    inputs: str = ""
    rule: str = ""


@dataclass(frozen=True, slots=True)
class Act:
    """An enforcement a rule asks for: the command and the words for the record."""

    command: Command | None
    """``None`` for an alert: something to say, nothing to send."""
    action: str
    """``cancel``, ``close``, ``place-stop``, ``flatten``, ``alert``..."""
    detail: str
    inputs: str = ""
    key: object = None
    """What the act is about (an order id, a symbol), so it is never asked for twice."""

    @classmethod
    def cancel(cls, order: Order, detail: str, inputs: str = "") -> Act:
        """Cancel one working order; every rule keys it alike, so it is sent once."""
        return cls(
            CancelOrder(order_id=order.id, origin="risk"),
            "cancel",
            detail,
            inputs,
            key=("cancel", order.id),
        )


@dataclass(frozen=True, slots=True)
class Reading:
    """One row of the risk panel: the rule, its limit, where it stands, the room left."""

    rule: str
    title: str
    limit: str
    current: str
    headroom: str
    level: Level
    detail: str = ""
    fraction: float | None = None
    """How much of the limit is used (0..1+), for a bar; ``None`` when not a quantity."""


def no_planned_stop(request: OrderRequest) -> int | None:
    """No stop is planned for any entry (no bracket manager)."""
    return None


class Env:
    """What rules share: the settings, the calendar and the tally; the exchange's holidays
    and half days, and the end-of-day balance (the scaling plan's)."""

    def __init__(
        self,
        settings: RiskSettings,
        calendar: Calendar,
        tally: Tally,
        market: MarketCalendar = NO_CALENDAR,
        eod: EndOfDay | None = None,
        floors: FloorStore | None = None,
        peaks: PeakStore | None = None,
    ) -> None:
        self.settings = settings
        self.calendar = calendar
        self.tally = tally
        self.market = market
        self.eod = eod if eod is not None else EndOfDay()
        self.floors = floors if floors is not None else FloorStore.memory()
        """The maximum loss floor's records (memory unless the session gives the disk)."""
        self.peaks = peaks if peaks is not None else PeakStore.memory()
        """The daily loss limit's best P&L of the day (memory unless the session gives
        the disk), so a restart keeps a trailing floor where it was."""
        self.planned_stop: Callable[[OrderRequest], int | None] = no_planned_stop
        """Ticks from the entry to the stop an entry will get (the active bracket
        template's), or ``None``: set by whoever places those stops (the session)."""
        self.warn_at = settings.warn_at
        self.clear_at = settings.clear_at
        """A WARNING lifts only below this fraction of a limit (``warn_at - warn_band``)."""


class Rule:
    """Base of every rule. Subclasses override what they need."""

    name: ClassVar[str] = ""
    """Identifier in events and denials (``daily-loss``)."""
    title: ClassVar[str] = ""
    """What the risk panel calls it."""
    turn_on: ClassVar[str] = ""
    """The config key that turns the rule on (for ``cockpit rules check``)."""
    events: tuple[type[Event], ...] = ()
    """Events after which :meth:`level` may have changed (limit rules)."""
    reacts_to: ClassVar[tuple[type[Event], ...]] = ()
    """Events :meth:`react` wants to see (enforcement on broker reports)."""
    judges_exits: ClassVar[bool] = False
    """Also judges orders that only reduce a position (moving a stop away does)."""
    timed: ClassVar[bool] = False
    """The level can change with time alone: re-read on every tick."""
    latch: ClassVar[str | None] = None
    """``day`` or ``week``: once breached, stays breached until that period ends."""

    action: str = "reject"
    lock_until: str = "next-day"
    cancels_entries: bool = True
    """While this limit holds the cockpit in REDUCE-ONLY, working orders that would add
    exposure are cancelled."""

    def __init__(self, env: Env) -> None:
        self.env = env

    @property
    def enabled(self) -> bool:
        return True

    @property
    def is_limit(self) -> bool:
        """A limit rule: a breach acts through :attr:`action` and the trading state."""
        return False

    @property
    def restarts_after_lock(self) -> bool:
        """A breach that locked is served by the lockout; counting then starts afresh."""
        return False

    @property
    def blocks_entries(self) -> bool:
        """A breach of this limit denies new entries (every action but ``alert``)."""
        return self.action in BLOCKING_ACTIONS

    # Orders ------------------------------------------------------------------------------

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        """Deny an order that would add exposure, or pass it (``None``)."""
        return None

    def accepted(self, intent: Intent, now: int) -> None:
        """The order passed every rule and goes to the broker (rates, confirmations)."""
        return None

    # Limits ------------------------------------------------------------------------------

    def level(self, state: State, now: int) -> Level:
        return Level.OK

    def reason(self, state: State, now: int) -> str:
        """Why the rule is at its level, in a trader's words."""
        return ""

    def inputs(self, state: State, now: int) -> str:
        """The figures behind the level, ``key=value`` for the record."""
        return ""

    def used(self, state: State, now: int) -> float | None:
        """How much of the limit is used (0..1+), for the warning band; ``None`` when the
        rule is not a quantity (a cooldown, a window), so only the hold applies."""
        return None

    def cleared(self, state: State, now: int) -> str:
        """Why the rule no longer holds the trading state up, in a trader's words."""
        text = self.reason(state, now)
        if self.used(state, now) is not None:
            text += f", below {self.env.clear_at:.0%}"
        return text

    def problem(self) -> str | None:
        """Why the rule's own records could not be trusted at start (the engine then
        locks until the trading day ends, to be safe)."""
        return None

    def restart(self) -> None:
        """Start counting afresh (see :attr:`restarts_after_lock`)."""
        return None

    # Enforcement -------------------------------------------------------------------------

    def react(self, event: Event, state: State, now: int) -> list[Act]:
        return []

    def on_time(self, state: State, now: int) -> list[Act]:
        return []

    # Display -----------------------------------------------------------------------------

    def reading(self, state: State, now: int) -> Reading:
        return Reading(self.name, self.title, "on", "", "", self.level(state, now))

    def describe(self) -> str:
        """The effective rule in one line, for ``cockpit rules check``."""
        return "on"


def pct(value: Decimal | int, limit: Decimal | int) -> float:
    """``value / limit`` as a float (for warnings and bars only, never for money)."""
    return float(value) / float(limit) if limit else 0.0


def grade(reached: bool, used: float, warn_at: float) -> Level:
    """BREACH when the limit is reached (decided exactly by the caller), WARN from
    ``warn_at`` of it (a float is fine for a warning), else OK."""
    if reached:
        return Level.BREACH
    if used >= warn_at:
        return Level.WARN
    return Level.OK


def day_pnl(env: Env, state: State, now: int, basis: str) -> Decimal:
    """The trading day's P&L after fees, plus the open P&L for the ``net`` basis."""
    value = env.tally.net_realized_today(now)
    if basis == "net" and state.positions:
        value += env.tally.open_pnl(state, now)
    return value


def action_words(action: str, lock_until: str) -> str:
    """What a breach does, in words: ``flatten and lock until the trading day ends``."""
    if action != "lock":
        return action
    return f"flatten and lock until {lock_words(lock_until)}"


def lock_words(spec: str) -> str:
    """A ``lock_until`` value in words."""
    named = {
        "next-day": "the trading day ends",
        "next-week": "the trading week ends",
        "hours-end": "trading hours end",
    }
    if spec in named:
        return named[spec]
    if ":" in spec:
        return spec
    return f"{spec} have passed"


def event_symbol(event: Event) -> str | None:
    """The symbol an order, fill, position or market event is about."""
    if isinstance(event, OrderUpdated):
        return event.order.symbol
    if isinstance(event, PositionUpdated):
        return event.position.symbol
    if isinstance(event, FillReceived):
        return event.fill.symbol
    return getattr(event, "symbol", None)
