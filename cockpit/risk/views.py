"""What the screen shows of the risk engine: the R panel's rows, the banner, the header's
distances to the daily loss limit and the maximum loss floor, and the L panel's lockout presets.

All of it is computed on demand from the risk engine and the state at a given time,
so the UI can ask once a second (the banner's countdown) without the engine doing any
per-tick work for it. Nothing here changes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.commands import StartLockout
from cockpit.core.state import State
from cockpit.core.text import countdown, money
from cockpit.core.tradingstate import TradingState
from cockpit.risk.rules.base import Level, Reading
from cockpit.risk.timing import parse_hhmm

if TYPE_CHECKING:
    from cockpit.risk.config import RiskSettings
    from cockpit.risk.lockout import LockoutStore
    from cockpit.risk.rules.base import Env, Rule
    from cockpit.risk.rules.daily_loss import DailyLoss
    from cockpit.risk.rules.max_loss import MaxLoss
    from cockpit.risk.tally import Tally
    from cockpit.risk.timing import Calendar

MINUTE = 60 * NS_PER_SECOND


def arm_again_note(reason: str) -> str:
    """The notice that keeps the trader's typed reason for arming again (journalled by the
    engine beside the arming), the same from the key and from the guard's API."""
    return f"armed again after the daily profit target: {reason}"


@dataclass(frozen=True, slots=True)
class Banner:
    """The risk banner: hidden when ACTIVE (``RiskEngine.banner`` returns ``None``)."""

    state: TradingState
    """LOCKED, REDUCE-ONLY or WARNING; ACTIVE only in dry run (``dry_run`` says so)."""
    text: str
    """The whole line, countdown included."""
    rule: str = ""
    until_ns: int | None = None
    """When a LOCKED banner ends."""
    countdown: str = ""
    """Time left of a lockout, ``3:12:09``."""
    dry_run: bool = False
    unprotected: tuple[str, ...] = ()
    """Positions a reconcile found without a stop, while they stay so (``MNQ +1 has no
    stop: ...``): shown even when ACTIVE, as the line itself then."""


@dataclass(frozen=True, slots=True)
class LockoutPreset:
    """One choice of the lockout panel."""

    key: str
    """``15m``, ``30m``, ``1h``, ``rest-of-day``."""
    label: str
    until_ns: int

    def command(self, reason: str | None = None) -> StartLockout:
        return StartLockout(until_ns=self.until_ns, reason=reason or f"manual lockout {self.label}")


class RiskViews:
    """Read-only views of a :class:`~cockpit.risk.engine.RiskEngine` (mixed into it)."""

    # What the views read of the engine they are mixed into (RiskEngine sets and defines them).
    settings: RiskSettings
    rules: list[Rule]
    tally: Tally
    store: LockoutStore
    env: Env
    calendar: Calendar
    dry_run: bool
    daily_loss: DailyLoss | None
    max_loss: MaxLoss | None
    _levels: dict[str, Level]
    _latched: dict[str, int]
    _breach_reason: dict[str, str]
    unprotected: Callable[[State], tuple[str, ...]] | None = None
    """Positions left without a stop, in words (the bracket manager's, set by the session
    that runs one): the banner names them."""

    if TYPE_CHECKING:

        def now(self, clock_ns: int | None = None) -> int: ...
        def _compute_state(self, state: State, now: int) -> tuple[TradingState, str, str]: ...

    def status(self, state: State, now_ns: int | None = None) -> list[Reading]:
        """The R panel: the lockout, then every rule that is on, in judging order."""
        now = self.now(now_ns)
        self.tally.epoch += 1
        lockout = self.store.active(now)
        if lockout is not None:
            rows = [
                Reading(
                    "lockout",
                    "Lockout",
                    f"until {self.calendar.until_label(lockout.until_ns, now)}",
                    TradingState.LOCKED,
                    f"{countdown(lockout.until_ns - now)} left",
                    Level.BREACH,
                    lockout.reason,
                )
            ]
        else:
            rows = [Reading("lockout", "Lockout", "-", "none", "-", Level.OK)]
        for rule in self.rules:
            reading = rule.reading(state, now)
            if self.latched(rule.name, now) and reading.level is not Level.BREACH:
                detail = f"breached earlier: {self._breach_reason.get(rule.name, '')}"
                reading = replace(reading, level=Level.BREACH, detail=detail)
            elif reading.level is Level.OK and self._levels.get(rule.name) is Level.WARN:
                detail = f"warning held: it lifts below {self.env.clear_at:.0%} of the limit"
                reading = replace(reading, level=Level.WARN, detail=detail)
            rows.append(reading)
        return rows

    def banner(self, state: State, now_ns: int | None = None) -> Banner | None:
        """The banner line for the trading state now; ``None`` when ACTIVE (and not dry
        run, and no position is left without a stop)."""
        now = self.now(now_ns)
        self.tally.epoch += 1
        trading, reason, rule = self._compute_state(state, now)
        prefix = "DRY RUN · " if self.dry_run else ""
        bare = self.unprotected(state) if self.unprotected is not None else ()
        if trading is TradingState.LOCKED:
            lockout = self.store.active(now)
            assert lockout is not None
            left = countdown(lockout.until_ns - now)
            until = self.calendar.until_label(lockout.until_ns, now)
            text = f"LOCKED until {until} · {left} left · {reason}"
            return Banner(trading, prefix + text, rule, lockout.until_ns, left, self.dry_run, bare)
        if trading is TradingState.REDUCE_ONLY:
            text = f"{prefix}REDUCE-ONLY · exits only · {reason}"
            return Banner(trading, text, rule, dry_run=self.dry_run, unprotected=bare)
        if trading is TradingState.WARNING:
            text = f"{prefix}WARNING · {reason}"
            return Banner(trading, text, rule, dry_run=self.dry_run, unprotected=bare)
        if bare:
            text = prefix + " · ".join(bare)
            return Banner(TradingState.ACTIVE, text, dry_run=self.dry_run, unprotected=bare)
        if self.dry_run:
            text = "DRY RUN · risk rules decide and record, but deny and enforce nothing"
            return Banner(TradingState.ACTIVE, text, dry_run=True)
        return None

    def daily_loss_room(self, state: State, now_ns: int | None = None) -> Decimal | None:
        """Dollars left before the daily loss limit (negative past it); ``None`` when off."""
        rule = self.daily_loss
        if rule is None:
            return None
        self.tally.epoch += 1
        return rule.room(state, self.now(now_ns))

    def earlier_day_pnl(self, now_ns: int | None = None) -> Decimal:
        """Earlier runs' realized P&L of today the state has not seen (a paper restart):
        the header adds it to the day, so the day and the daily loss room add up."""
        return self.tally.earlier_unseen(self.now(now_ns))

    def max_loss_distance(
        self, state: State, now_ns: int | None = None
    ) -> tuple[Decimal, Decimal, Level] | None:
        """Equity's distance above the maximum loss floor, the buffer where the cockpit
        acts, and the rule's level; ``None`` when the rule is off or has no balance yet."""
        rule = self.max_loss
        if rule is None:
            return None
        self.tally.epoch += 1
        now = self.now(now_ns)
        distance = rule.distance(state, now)
        if distance is None:
            return None
        return distance, rule.buffer, rule.level(state, now)

    def lockout_presets(self, now_ns: int | None = None) -> list[LockoutPreset]:
        """15 min, 30 min, 1 h and the rest of the trading day, from now."""
        now = self.now(now_ns)
        end = self.calendar.day_end(now)
        return [
            LockoutPreset("15m", "15 min", now + 15 * MINUTE),
            LockoutPreset("30m", "30 min", now + 30 * MINUTE),
            LockoutPreset("1h", "1 h", now + 60 * MINUTE),
            LockoutPreset(
                "rest-of-day", f"rest of the day (until {self.calendar.until_label(end, now)})", end
            ),
        ]

    def lockout_until_time(self, text: str, now_ns: int | None = None) -> int:
        """The next ``HH:MM`` (risk timezone) after now, for "lock until a time".

        Raises ``ValueError`` with a message for the trader on a bad time.
        """
        return self.calendar.next_time(self.now(now_ns), parse_hhmm(text))

    def level_of(self, rule: str) -> Level:
        """The level a rule stood at after the latest event or tick."""
        return self._levels.get(rule, Level.OK)

    def latched(self, rule: str, now: int) -> bool:
        """Whether a limit breached earlier still holds (until the day or week ends)."""
        until = self._latched.get(rule)
        return until is not None and now < until

    def arm_needs_reason(self, armed: bool, now_ns: int | None = None) -> str | None:
        """Why arming now needs a typed reason: the day's profit target was reached under
        ``[risk] lock`` (``None``: it does not, or ``armed`` already and this disarms).
        The ``a`` key asks for the reason; the guard's API denies an arm without one."""
        if armed or self.settings.lock == "off":
            return None
        if not self.latched("profit-target", self.now(now_ns)):
            return None
        target = self.settings.profit_target.target
        amount = f" of {money(target)}" if target is not None else ""
        return f"the daily profit target{amount} was reached today"
