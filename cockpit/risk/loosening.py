"""Which of two risk configs allows more: the comparison behind settings that only tighten.

:func:`loosens` walks every ``[risk]`` key and reports each one whose new value allows
something the old one did not: a higher loss limit, more contracts, a rule turned off, a
weaker action, a longer trading window, a symbol no longer blocked. Each key knows which
way is looser (:data:`DIRECTIONS`); keys that only matter together (per-symbol limits,
trading windows, cooldown tiers, blocked symbols) are compared by what they allow in
effect. A key with no known order (a timezone, a new key nobody taught this module) is a
loosening whenever it changes: a lock errs on the side of holding. Warning levels
(``warn_at``, ``warn_band``, ``warn_hold_seconds``) loosen nothing, and ``lock`` itself
is judged by the lock's record, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel

from cockpit.core.instruments import INSTRUMENTS
from cockpit.risk.config import WEEKDAYS, RiskSettings, TradingHours
from cockpit.risk.timing import NAMED_LOCK_ENDS, Window, parse_duration, parse_hhmm


@dataclass(frozen=True, slots=True)
class Loosening:
    """One key whose new value allows more than the old one."""

    key: tuple[str, ...]
    """Where it is written under ``[risk]``: ``("daily_loss", "limit")``."""
    old: Any
    new: Any

    @property
    def label(self) -> str:
        """``[risk.daily_loss] limit`` (``[risk] dry_run`` for a top-level key)."""
        table = ".".join(("risk", *self.key[:-1]))
        return f"[{table}] {self.key[-1]}"


class Looser(Enum):
    """Which way a key's value allows more."""

    HIGHER = "higher"
    """A larger number allows more; unset (off) allows the most."""
    LOWER = "lower"
    """A smaller number allows more; unset (off) allows the most."""
    TRUE = "true"
    """``true`` allows more (``dry_run``)."""
    FALSE = "false"
    """``false`` allows more (a rule switched on by ``true``)."""
    ACTION = "action"
    """A weaker breach action allows more (``alert`` < ... < ``lock``)."""
    LOCK_END = "lock-end"
    """An earlier lock end allows more."""
    BASIS = "basis"
    """``realized`` allows more than ``net`` (an open loser does not count)."""
    LATER = "later"
    """A later ``HH:MM`` in the trading day (from 17:00) allows more; unset the most."""
    IGNORED = "ignored"
    """Loosens nothing (a warning level)."""


ACTIONS = ("alert", "reduce-only", "cancel-all", "flatten", "lock")
STOP_ACTIONS = ("alert", "place-stop", "close")
LIMIT = {"action": Looser.ACTION, "lock_until": Looser.LOCK_END}
PNL = {**LIMIT, "basis": Looser.BASIS}

DIRECTIONS: dict[tuple[str, ...], Looser] = {
    ("dry_run",): Looser.TRUE,
    ("warn_at",): Looser.IGNORED,
    ("warn_band",): Looser.IGNORED,
    ("warn_hold_seconds",): Looser.IGNORED,
    ("lock",): Looser.IGNORED,
    **{("daily_loss", k): v for k, v in PNL.items()},
    ("daily_loss", "limit"): Looser.HIGHER,
    ("daily_loss", "trailing"): Looser.FALSE,
    ("daily_loss", "trail_after"): Looser.HIGHER,
    ("daily_loss", "trail_by"): Looser.HIGHER,
    ("daily_loss", "trail_pct"): Looser.HIGHER,
    **{("weekly_loss", k): v for k, v in PNL.items()},
    ("weekly_loss", "limit"): Looser.HIGHER,
    **{("profit_target", k): v for k, v in LIMIT.items()},
    ("profit_target", "target"): Looser.HIGHER,
    ("max_position", "micros"): Looser.HIGHER,
    **{("fills_per_day", k): v for k, v in LIMIT.items()},
    ("fills_per_day", "limit"): Looser.HIGHER,
    **{("weekly_trades", k): v for k, v in LIMIT.items()},
    ("weekly_trades", "max"): Looser.HIGHER,
    ("weekly_trades", "min"): Looser.IGNORED,
    **{("consecutive_losses", k): v for k, v in LIMIT.items()},
    ("consecutive_losses", "limit"): Looser.HIGHER,
    ("trade_clock", "minutes"): Looser.LOWER,
    ("require_stop", "grace_seconds"): Looser.HIGHER,
    ("throttle", "orders"): Looser.HIGHER,
    ("throttle", "seconds"): Looser.LOWER,
    ("no_adding_to_loser", "enabled"): Looser.FALSE,
    ("no_widening", "enabled"): Looser.FALSE,
    ("max_risk_per_trade", "amount"): Looser.HIGHER,
    ("fat_finger", "confirm_above"): Looser.HIGHER,
    ("fat_finger", "confirm_seconds"): Looser.HIGHER,
    ("stale", "feed_seconds"): Looser.HIGHER,
    ("stale", "account"): Looser.FALSE,
    ("trading_hours", "flatten_at"): Looser.LATER,
    # The firm's rules (issue 15, items 1-5), where a branch adds them:
    ("trading_hours", "flat_by"): Looser.LATER,
    ("trading_hours", "flatten_margin_minutes"): Looser.LOWER,
    ("max_loss", "amount"): Looser.HIGHER,
    ("max_loss", "from_firm"): Looser.IGNORED,
    ("daily_loss", "from_firm"): Looser.IGNORED,
    ("max_loss", "start_balance"): Looser.LOWER,
    ("max_loss", "lock_when_reached"): Looser.FALSE,
    ("max_loss", "buffer"): Looser.LOWER,
    ("max_loss", "buffer_pct"): Looser.LOWER,
}
"""Every key compared on its own, and which way it loosens."""


def loosens(old: RiskSettings, new: RiskSettings) -> list[Loosening]:
    """Every key of ``new`` that allows more than ``old`` (empty: ``new`` is as tight or
    tighter everywhere)."""
    found: list[Loosening] = []
    for name in type(old).model_fields:
        before, after = getattr(old, name), getattr(new, name)
        handled: tuple[str, ...] = ()
        if name in SECTIONS:
            handled, compare = SECTIONS[name]
            found += compare(before, after)
        if isinstance(before, BaseModel):
            for key in type(before).model_fields:
                if key not in handled:
                    found += _field((name, key), getattr(before, key), getattr(after, key))
        else:
            found += _field((name,), before, after)
    return found


def _field(key: tuple[str, ...], old: Any, new: Any) -> list[Loosening]:
    if old == new:
        return []
    way = DIRECTIONS.get(key)
    if way is Looser.IGNORED or (way is not None and not _looser(way, old, new)):
        return []
    return [Loosening(key, old, new)]


def _looser(way: Looser, old: Any, new: Any) -> bool:
    """Whether ``new`` allows more than ``old`` (they differ)."""
    if way in (Looser.HIGHER, Looser.LOWER):
        if new is None or old is None:
            return new is None
        return bool(new > old) if way is Looser.HIGHER else bool(new < old)
    if way is Looser.TRUE:
        return bool(new)
    if way is Looser.FALSE:
        return not new
    if way is Looser.ACTION:
        return ACTIONS.index(new) < ACTIONS.index(old)
    if way is Looser.BASIS:
        return bool(new == "realized")
    if way is Looser.LATER:
        return new is None or (old is not None and _later_in_day(old, new))
    return _earlier_lock_end(old, new)


def _earlier_lock_end(old: str, new: str) -> bool:
    """A lock end that may come sooner: a shorter duration, anything instead of
    ``next-week``; ends of different kinds (a time of day, ``next-day``, a duration)
    cannot be ordered, so changing between them loosens."""
    if new == "next-week":
        return False
    if old in NAMED_LOCK_ENDS or new in NAMED_LOCK_ENDS:
        return True
    try:
        return parse_duration(new) < parse_duration(old)
    except ValueError:
        return True


def _per_symbol(section: str, base: str) -> Callable[[Any, Any], list[Loosening]]:
    """Contracts (or ticks) per instrument, with per-symbol overrides: compared by the
    limit each instrument gets in effect."""

    def compare(old: Any, new: Any) -> list[Loosening]:
        found = []
        for symbol in INSTRUMENTS:
            before = old.symbols.get(symbol, getattr(old, base))
            after = new.symbols.get(symbol, getattr(new, base))
            if before != after and _looser(Looser.HIGHER, before, after):
                key = (section, "symbols") if symbol in new.symbols else (section, base)
                found.append(Loosening(key, before, after))
        return _unique(found)

    return compare


def _unique(found: Iterable[Loosening]) -> list[Loosening]:
    """One loosening per key (the first instrument that shows it)."""
    seen: dict[tuple[str, ...], Loosening] = {}
    for item in found:
        seen.setdefault(item.key, item)
    return list(seen.values())


def _enterable(symbols: Any) -> frozenset[str]:
    """The instruments a ``[risk.symbols]`` table lets a trader enter."""
    return frozenset(
        s
        for s in INSTRUMENTS
        if not any(fnmatchcase(s, p) for p in symbols.block)
        and (not symbols.allow or any(fnmatchcase(s, p) for p in symbols.allow))
    )


def _symbols(old: Any, new: Any) -> list[Loosening]:
    opened = sorted(_enterable(new) - _enterable(old))
    if not opened:
        return []
    key = "allow" if new.allow != old.allow else "block"
    return [Loosening(("symbols", key), getattr(old, key), getattr(new, key))]


WEEK_MINUTES = 7 * 24 * 60


def open_minutes(hours: TradingHours) -> frozenset[int]:
    """The minutes of the week (local time, Monday 00:00 = 0) entries are allowed."""
    if not hours.windows:
        return frozenset(range(WEEK_MINUTES))
    minutes: set[int] = set()
    for day in hours.days:
        start_of_day = WEEKDAYS.index(day) * 24 * 60
        for text in hours.windows:
            window = Window.parse(text)
            start = window.start.hour * 60 + window.start.minute
            end = window.end.hour * 60 + window.end.minute
            if window.overnight:
                end += 24 * 60
            minutes.update((start_of_day + m) % WEEK_MINUTES for m in range(start, end))
    return frozenset(minutes)


def _trading_hours(old: TradingHours, new: TradingHours) -> list[Loosening]:
    found = []
    widened = not open_minutes(new) <= open_minutes(old)
    if new.timezone != old.timezone and new.windows:
        found.append(Loosening(("trading_hours", "timezone"), old.timezone, new.timezone))
    elif widened:
        key = "windows" if new.windows != old.windows else "days"
        found.append(Loosening(("trading_hours", key), getattr(old, key), getattr(new, key)))
    return found


def _later_in_day(old: str, new: str) -> bool:
    """``new`` comes later in a trading day starting at 17:00 than ``old``."""

    def since_open(text: str) -> int:
        at = parse_hhmm(text)
        return (at.hour * 60 + at.minute - 17 * 60) % (24 * 60)

    return since_open(new) > since_open(old)


def cooldown_minutes(tiers: Iterable[Any], loss: Decimal) -> float:
    """The cooldown a closing loss of ``loss`` dollars earns (0 below every tier)."""
    return max((tier.minutes for tier in tiers if loss >= tier.loss), default=0.0)


def _cooldown(old: Any, new: Any) -> list[Loosening]:
    losses = {tier.loss for tier in (*old.tiers, *new.tiers)}
    if any(
        cooldown_minutes(new.tiers, loss) < cooldown_minutes(old.tiers, loss) for loss in losses
    ):
        return [Loosening(("cooldown", "tiers"), old.tiers, new.tiers)]
    return []


def _require_stop(old: Any, new: Any) -> list[Loosening]:
    found = []
    if STOP_ACTIONS.index(new.action) < STOP_ACTIONS.index(old.action):
        found.append(Loosening(("require_stop", "action"), old.action, new.action))
    elif new.action == old.action == "place-stop":
        found += _field(("require_stop", "stop_ticks"), old.stop_ticks, new.stop_ticks)
    return found


def _stale(old: Any, new: Any) -> list[Loosening]:
    def guard(seconds: float | None) -> float | None:
        return seconds or None  # 0 is off, like unset

    found = []
    before, after = guard(old.feed_seconds), guard(new.feed_seconds)
    if before != after and _looser(Looser.HIGHER, before, after):
        found.append(Loosening(("stale", "feed_seconds"), old.feed_seconds, new.feed_seconds))
    return found


Compare = Callable[[Any, Any], list[Loosening]]

SECTIONS: dict[str, tuple[tuple[str, ...], Compare]] = {
    "contract_limit": (("contracts", "symbols"), _per_symbol("contract_limit", "contracts")),
    "max_order_size": (("contracts", "symbols"), _per_symbol("max_order_size", "contracts")),
    "fat_finger": (("max_ticks", "symbols"), _per_symbol("fat_finger", "max_ticks")),
    "symbols": (("block", "allow"), _symbols),
    "trading_hours": (("timezone", "windows", "days"), _trading_hours),
    "cooldown": (("tiers",), _cooldown),
    "require_stop": (("action", "stop_ticks"), _require_stop),
    "stale": (("feed_seconds",), _stale),
}
"""Tables whose keys (the first part) are compared together, by what they allow in
effect; the table's other keys, a key added later included, are compared one by one."""
