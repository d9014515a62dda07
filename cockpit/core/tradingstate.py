"""Trading states: ACTIVE -> WARNING -> REDUCE-ONLY -> LOCKED, and what each allows.

* ACTIVE: every rule within its limits.
* WARNING: a limit is near (``warn_at`` of it) or an ``alert`` limit was reached.
  Everything is still allowed. It lifts only below ``warn_at - warn_band`` of the limit
  and ``warn_hold_seconds`` after it was raised, so a P&L wobbling at the line warns once.
* REDUCE-ONLY: exits only. Orders that add exposure are denied and working orders that
  would add exposure are cancelled; positions are kept.
* LOCKED: a lockout runs until a time. Everything is flattened, anything that appears
  is cancelled or closed, and only exits pass. It cannot be shortened or cancelled.
"""

from __future__ import annotations

from enum import StrEnum


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    WARNING = "WARNING"
    REDUCE_ONLY = "REDUCE-ONLY"
    LOCKED = "LOCKED"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {
    TradingState.ACTIVE: 0,
    TradingState.WARNING: 1,
    TradingState.REDUCE_ONLY: 2,
    TradingState.LOCKED: 3,
}
