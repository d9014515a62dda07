"""FIFO position lots: exact realized P&L for each closing fill.

Matching each closing contract against the oldest open one keeps every realized figure
a whole number of ticks, so P&L is exact to the cent (an average-cost book would leave
fractions of a cent behind after a partial close).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class Lots:
    """Open contracts of one instrument, oldest first, as (signed size, price ticks)."""

    lots: deque[list[int]] = field(default_factory=deque)

    @property
    def size(self) -> int:
        return sum(lot[0] for lot in self.lots)

    @property
    def cost(self) -> int:
        """Sum of entry prices in ticks over the open contracts (for the average)."""
        return sum(abs(qty) * price for qty, price in self.lots)

    def fill(self, signed_size: int, price: int) -> tuple[int, int]:
        """Apply a fill; returns (realized ticks over the closed contracts, contracts closed)."""
        realized = 0
        closed = 0
        remaining = signed_size
        while remaining and self.lots and (self.lots[0][0] > 0) != (remaining > 0):
            lot = self.lots[0]
            take = min(abs(remaining), abs(lot[0]))
            direction = 1 if lot[0] > 0 else -1
            realized += (price - lot[1]) * take * direction
            closed += take
            lot[0] -= take * direction
            remaining += take * direction
            if lot[0] == 0:
                self.lots.popleft()
        if remaining:
            self.lots.append([remaining, price])
        return realized, closed
