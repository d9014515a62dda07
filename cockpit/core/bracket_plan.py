"""Bracket templates and their arithmetic: where a bracket's stop and targets sit.

A template says, in ticks from the entry, where the protective stop and the profit
targets go, and when the stop moves (break-even, trailing). Everything here is integer
ticks and pure functions, so the manager (:mod:`cockpit.core.brackets`), the risk rules
and review all place the same stop at the same tick.

Rounding always favours the trader's risk: with an average entry between two ticks, the
stop is never farther than ``stop`` ticks away, a target never nearer than ``ticks``, and
a break-even stop never gives back more than the entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from cockpit.core.models import Side

NO_TEMPLATE = "none"
"""The name shown when no template is active: entries go out bare."""


@dataclass(frozen=True, slots=True)
class Target:
    """A profit target ``ticks`` beyond the entry for ``size`` contracts (``None``: the rest)."""

    ticks: int
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Breakeven:
    """Once ``trigger`` ticks in profit, the stop goes to the entry plus ``offset`` ticks."""

    trigger: int
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Trail:
    """Once ``trigger`` ticks in profit, the stop follows the best price at ``distance``
    ticks, moving in steps of at least ``step`` ticks (never back)."""

    trigger: int
    distance: int
    step: int = 1


@dataclass(frozen=True, slots=True)
class Template:
    """An ATM-style bracket: stop, targets, and how the stop moves."""

    name: str
    stop: int
    targets: tuple[Target, ...] = ()
    breakeven: Breakeven | None = None
    trail: Trail | None = None


def entry_tick(average: Fraction | int, side: Side, *, toward_profit: bool) -> int:
    """The average entry rounded to a whole tick: toward the profit side or away from it."""
    up = (side is Side.BUY) == toward_profit
    return math.ceil(average) if up else math.floor(average)


def stop_price(average: Fraction | int, side: Side, ticks: int) -> int:
    """The protective stop ``ticks`` from the entry, on the losing side (``side`` is the
    entry's): never farther than ``ticks`` from the average."""
    if side is Side.BUY:
        return math.ceil(average - ticks)
    return math.floor(average + ticks)


def target_price(average: Fraction | int, side: Side, ticks: int) -> int:
    """A target ``ticks`` from the entry on the winning side: never nearer than ``ticks``."""
    if side is Side.BUY:
        return math.ceil(average + ticks)
    return math.floor(average - ticks)


def favourable(side: Side, price: int, average: Fraction | int) -> Fraction:
    """How many ticks ``price`` is in the entry's favour (negative when against it)."""
    return Fraction(price - average) * side.sign


def moved_stop(
    template: Template, side: Side, average: Fraction | int, best: int, current: int
) -> int:
    """Where the stop should be now that the best price seen is ``best``; never looser
    than ``current`` (a stop only tightens)."""
    run = favourable(side, best, average)
    wanted = current
    be = template.breakeven
    if be is not None and run >= be.trigger:
        level = entry_tick(average, side, toward_profit=True) + side.sign * be.offset
        wanted = tighter(side, wanted, level)
    trail = template.trail
    if trail is not None and run >= trail.trigger:
        level = best - side.sign * trail.distance
        if side.sign * (level - current) >= trail.step:
            wanted = tighter(side, wanted, level)
    return wanted


def tighter(side: Side, a: int, b: int) -> int:
    """Of two stops for an entry on ``side``, the one nearer the profit side."""
    return max(a, b) if side is Side.BUY else min(a, b)


def target_sizes(targets: tuple[Target, ...], filled: int) -> list[int]:
    """How many of ``filled`` contracts each target takes: in order, each up to its size,
    and the last one the rest (so the targets always cover what filled)."""
    sizes = []
    left = filled
    for index, target in enumerate(targets):
        last = index == len(targets) - 1
        take = left if last or target.size is None else min(target.size, left)
        sizes.append(take)
        left -= take
    return sizes


def r_multiple(ticks: Fraction | int, stop_ticks: Fraction | int) -> Fraction | None:
    """A result in units of the risk taken: ``ticks`` won per contract over the stop's
    distance per contract (``None`` without a stop distance)."""
    if stop_ticks <= 0:
        return None
    return Fraction(ticks) / Fraction(stop_ticks)
