"""How each instrument behaves in the synthetic market: price level, activity, volatility.

Figures are shaped on real micro futures tapes: MNQ prints most, the equity indices move
together, gold and crude follow their own factors, and the opening hour is the busiest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Profile:
    """The market character of one instrument."""

    base_price: Decimal
    underlying: str
    """Instruments on the same underlying (MNQ and NQ) share one fair value."""
    vol: float
    """Relative volatility per second in the normal regime."""
    activity: float
    """Prints per second in the normal regime."""
    beta: float
    """Loading on the shared equity factor (0 for metals and energy)."""
    queue: tuple[int, int]
    """Range of resting size at a new price level."""
    sizes: tuple[tuple[int, float], ...]
    """Print sizes and their weights."""


MICRO_SIZES = (
    (1, 40.0),
    (2, 18.0),
    (3, 10.0),
    (4, 6.0),
    (5, 6.0),
    (6, 3.0),
    (8, 3.0),
    (10, 4.0),
    (15, 3.0),
    (20, 2.5),
    (25, 1.5),
    (40, 1.2),
    (60, 0.8),
    (100, 0.4),
)
MINI_SIZES = (
    (1, 55.0),
    (2, 18.0),
    (3, 9.0),
    (4, 5.0),
    (5, 5.0),
    (8, 3.0),
    (10, 2.5),
    (15, 1.5),
    (25, 0.8),
    (50, 0.2),
)

PROFILES: dict[str, Profile] = {
    "MNQ": Profile(Decimal("25480.00"), "NQ", 3.4e-5, 14.0, 1.25, (8, 45), MICRO_SIZES),
    "NQ": Profile(Decimal("25480.00"), "NQ", 3.4e-5, 9.0, 1.25, (3, 18), MINI_SIZES),
    "MES": Profile(Decimal("6890.00"), "ES", 2.8e-5, 10.0, 1.0, (10, 70), MICRO_SIZES),
    "ES": Profile(Decimal("6890.00"), "ES", 2.8e-5, 12.0, 1.0, (15, 90), MINI_SIZES),
    "M2K": Profile(Decimal("2465.00"), "RTY", 3.8e-5, 4.0, 1.1, (5, 30), MICRO_SIZES),
    "RTY": Profile(Decimal("2465.00"), "RTY", 3.8e-5, 3.0, 1.1, (2, 12), MINI_SIZES),
    "MYM": Profile(Decimal("47850"), "YM", 2.5e-5, 4.0, 0.9, (4, 25), MICRO_SIZES),
    "YM": Profile(Decimal("47850"), "YM", 2.5e-5, 3.0, 0.9, (2, 10), MINI_SIZES),
    "MGC": Profile(Decimal("4125.0"), "GC", 2.6e-5, 5.0, 0.0, (4, 30), MICRO_SIZES),
    "GC": Profile(Decimal("4125.0"), "GC", 2.6e-5, 6.0, 0.0, (3, 15), MINI_SIZES),
    "MCL": Profile(Decimal("61.85"), "CL", 5.0e-5, 5.0, 0.0, (5, 35), MICRO_SIZES),
    "CL": Profile(Decimal("61.85"), "CL", 5.0e-5, 8.0, 0.0, (3, 20), MINI_SIZES),
}


@dataclass(frozen=True, slots=True)
class Regime:
    name: str
    activity: float
    """Multiplier on prints per second."""
    vol: float
    """Multiplier on volatility."""
    mean_seconds: float
    """Average time the market stays in this regime."""
    gap_chance: float
    """Chance a cleared level leaves a 2-tick spread for a moment."""


QUIET = Regime("quiet", 0.3, 0.45, 60.0, 0.01)
NORMAL = Regime("normal", 1.0, 1.0, 120.0, 0.04)
FAST = Regime("fast", 10.0, 3.0, 7.0, 0.25)

#: Where each regime goes next, with weights.
TRANSITIONS: dict[str, tuple[tuple[Regime, float], ...]] = {
    "quiet": ((NORMAL, 0.85), (FAST, 0.15)),
    "normal": ((QUIET, 0.55), (FAST, 0.45)),
    "fast": ((NORMAL, 0.9), (QUIET, 0.1)),
}


LIVELY_FLOOR = 0.6
"""The demo never goes as quiet as a real overnight market: someone is trying it."""


def intraday_activity(hour_ct: float) -> float:
    """Relative activity by Chicago time: quiet overnight, busiest at the 08:30 open."""
    return max(LIVELY_FLOOR, hourly_shape(hour_ct))


def hourly_shape(hour_ct: float) -> float:
    if 8.5 <= hour_ct < 10.0:
        return 2.6
    if 14.0 <= hour_ct < 15.0:
        return 1.8
    if 10.0 <= hour_ct < 14.0:
        return 1.2
    if 7.0 <= hour_ct < 8.5:
        return 0.9
    if 2.0 <= hour_ct < 7.0:
        return 0.5
    if 15.0 <= hour_ct < 16.0:
        return 0.7
    if 16.0 <= hour_ct < 17.0:
        return 0.1
    return 0.3
