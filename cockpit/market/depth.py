"""The synthetic market's order book: ten levels a side around the touch.

The touch (price and size) is the synthetic market's quote, so the book always agrees
with it and prints consume it. Beyond the touch each level keeps its size while price
moves (a level that was the touch stays with the size it had), new far levels are
drawn from the instrument's queue range and grow with distance, and market makers stack
and pull size a few times a step. In a fast market the levels nearest the touch thin
out: size is pulled and what is refilled there is small.

Depth draws on its own random stream, seeded from the market's seed, so adding depth
left the tape of quotes and prints exactly as it was, and the same seed gives the same
book however time is chunked. Each step publishes only the levels that changed.
"""

from __future__ import annotations

import random

from cockpit.core.events import DepthUpdated

LEVELS = 10
"""Levels on each side, the touch included."""
THIN_NEAR = 3
"""In a fast market the levels this close to the touch (in ticks) are kept thin."""

Levels = dict[int, int]
Touch = tuple[int, int, int, int]
"""The quote's ``(bid, ask, bid size, ask size)``."""


class SyntheticDepth:
    """One instrument's ten levels a side, and what it last published."""

    __slots__ = ("asks", "bids", "queue", "rng", "shown_asks", "shown_bids", "symbol")

    def __init__(self, symbol: str, queue: tuple[int, int], rng: random.Random) -> None:
        self.symbol = symbol
        self.queue = queue
        self.rng = rng
        self.bids: Levels = {}
        self.asks: Levels = {}
        self.shown_bids: Levels = {}
        self.shown_asks: Levels = {}

    def opening(self, now: int, touch: Touch) -> DepthUpdated:
        """The whole book as the market opens (a reset, then every level)."""
        self._reshape(touch, fast=False)
        self.shown_bids = dict(self.bids)
        self.shown_asks = dict(self.asks)
        bids = tuple(sorted(self.bids.items(), reverse=True))
        asks = tuple(sorted(self.asks.items()))
        return DepthUpdated(now, self.symbol, bids, asks, reset=True)

    def step(self, now: int, touch: Touch, *, fast: bool) -> DepthUpdated | None:
        """Follow the touch, stack and pull, and return
        the levels that changed since the last step (None when none did)."""
        self._reshape(touch, fast=fast)
        self._churn(touch, fast=fast)
        bids = _changes(self.bids, self.shown_bids)
        asks = _changes(self.asks, self.shown_asks)
        if not bids and not asks:
            return None
        return DepthUpdated(now, self.symbol, bids, asks)

    def _reshape(self, touch: Touch, *, fast: bool) -> None:
        bid, ask, bid_size, ask_size = touch
        self._side(self.bids, bid, bid_size, -1, fast)
        self._side(self.asks, ask, ask_size, 1, fast)

    def _side(self, levels: Levels, touch: int, size: int, away: int, fast: bool) -> None:
        """Drop levels past the touch or beyond the tenth, set the touch, fill the gaps."""
        for price in [p for p in levels if not 0 <= (p - touch) * away < LEVELS]:
            del levels[price]
        levels[touch] = size
        for distance in range(1, LEVELS):
            price = touch + away * distance
            if price not in levels:
                levels[price] = self._fresh(distance, fast)

    def _fresh(self, distance: int, fast: bool) -> int:
        """Size at a level new to the book: more the further out, thin near a fast touch."""
        lo, hi = self.queue
        size = self.rng.randint(lo, hi) * (1.0 + 0.15 * distance)
        if fast and distance <= THIN_NEAR:
            size *= 0.15 + 0.2 * distance
        return max(1, round(size))

    def _churn(self, touch: Touch, *, fast: bool) -> None:
        """Market makers stack and pull away from the touch; busier when the market is fast."""
        rng = self.rng
        moves = rng.randint(1, 4) if fast else int(rng.random() < 0.6)
        lo, hi = self.queue
        for _ in range(moves):
            bid_side = rng.random() < 0.5
            levels, touch_price, away = (
                (self.bids, touch[0], -1) if bid_side else (self.asks, touch[1], 1)
            )
            distance = rng.randint(1, LEVELS - 1)
            price = touch_price + away * distance
            size = levels[price]
            roll = rng.random()
            if fast and distance <= THIN_NEAR and roll < 0.6:
                levels[price] = max(1, size // 3)  # pulled ahead of the move
            elif roll < 0.47:
                levels[price] = size + rng.randint(1, hi)  # stacked
            elif roll < 0.94:
                levels[price] = max(1, size - rng.randint(1, hi))  # pulled
            else:
                levels[price] = size + 4 * rng.randint(lo, hi)  # a large resting order


def _changes(levels: Levels, shown: Levels) -> tuple[tuple[int, int], ...]:
    """Levels whose size differs from what was published (0 for those gone); then the
    published copy is brought up to date."""
    changed = [(price, size) for price, size in levels.items() if shown.get(price) != size]
    changed += [(price, 0) for price in shown if price not in levels]
    if changed:
        shown.clear()
        shown.update(levels)
    return tuple(changed)
