"""Tiered cooldown after a loss: the bigger the losing trade, the longer the pause.

With tiers ``$100 -> 5 min, $200 -> 15 min, $300 -> 30 min``, a closing order that
loses $250 (all its partial fills together) denies new entries for 15 minutes. The
cockpit is REDUCE-ONLY meanwhile and unlocks by itself when the timer ends. A later loss
can lengthen a running cooldown but never shorten it. A cooldown an earlier run started
today runs on after a restart (its losses are read from the journals at start).
"""

from __future__ import annotations

from decimal import Decimal

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import Event, FillReceived
from cockpit.core.state import State
from cockpit.core.text import countdown, dollars
from cockpit.risk.rules.base import Act, Env, Level, Reading, Rule
from cockpit.risk.tally import Earlier

ZERO = Decimal(0)


class Cooldown(Rule):
    name = "cooldown"
    title = "Cooldown after a loss"
    turn_on = "[[risk.cooldown.tiers]] loss, minutes"
    reacts_to = (FillReceived,)
    events = (FillReceived,)
    timed = True
    is_limit = True
    action = "reduce-only"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.tiers = [
            (tier.loss, int(tier.minutes * 60 * NS_PER_SECOND))
            for tier in env.settings.cooldown.tiers
        ]
        self.until = 0
        self.loss = ZERO
        self._taken: Earlier | None = None
        """The earlier runs' figures whose losses are already in ``until``."""

    @property
    def enabled(self) -> bool:
        return bool(self.tiers)

    def react(self, event: Event, state: State, now: int) -> list[Act]:
        assert isinstance(event, FillReceived)
        fill = event.fill
        if fill.pnl is None or fill.pnl >= 0:
            return []
        self._take_earlier()
        self._cool(-self.env.tally.order_pnl.get(fill.order_id, ZERO), now)
        return []

    def _cool(self, loss: Decimal, at: int) -> None:
        """Pause from ``at`` for the tier ``loss`` reaches, unless a longer pause runs."""
        span = 0
        for threshold, length in self.tiers:
            if loss >= threshold:
                span = length
        if span and at + span > self.until:
            self.until = at + span
            self.loss = loss

    def _take_earlier(self) -> None:
        """The losses earlier runs took today, each pausing from when it filled."""
        earlier = self.env.tally.earlier
        if earlier is self._taken:
            return
        self._taken = earlier
        if earlier is not None:
            for at, loss in earlier.losses:
                self._cool(loss, at)

    def level(self, state: State, now: int) -> Level:
        self._take_earlier()
        return Level.BREACH if now < self.until else Level.OK

    def reason(self, state: State, now: int) -> str:
        return (
            f"cooldown after a {dollars(self.loss)} loss: no new entries for "
            f"{countdown(self.until - now)}"
        )

    def cleared(self, state: State, now: int) -> str:
        return f"the cooldown after a {dollars(self.loss)} loss is over"

    def inputs(self, state: State, now: int) -> str:
        return f"loss={self.loss} until_ns={self.until}"

    def reading(self, state: State, now: int) -> Reading:
        self._take_earlier()
        active = now < self.until
        return Reading(
            self.name,
            self.title,
            self.describe_tiers(),
            f"{countdown(self.until - now)} left" if active else "none",
            "-" if active else "ready",
            self.level(state, now),
            f"after a {dollars(self.loss)} loss" if active else "",
        )

    def describe_tiers(self) -> str:
        return ", ".join(
            f"{dollars(loss)} -> {length // (60 * NS_PER_SECOND)} min"
            if length % (60 * NS_PER_SECOND) == 0
            else f"{dollars(loss)} -> {length / NS_PER_SECOND:g} s"
            for loss, length in self.tiers
        )

    def describe(self) -> str:
        return f"after a losing trade of at least {self.describe_tiers()}: no new entries"
