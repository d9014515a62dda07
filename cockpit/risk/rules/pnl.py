"""What the P&L limits share (daily loss, weekly loss, daily profit target): a table with
a ``basis``, an ``action`` and a ``lock_until``, and the events that can move the P&L."""

from __future__ import annotations

from typing import ClassVar

from cockpit.core.events import FillReceived, PositionUpdated, QuoteUpdated, TradePrinted
from cockpit.risk.rules.base import Env, Rule

NET_EVENTS = (FillReceived, PositionUpdated, QuoteUpdated, TradePrinted)
"""Net P&L moves with every print and quote (the open part); realized only with fills."""


class PnlRule(Rule):
    """A limit on the P&L, configured by the ``[risk.<section>]`` table."""

    section: ClassVar[str]
    timed = True
    is_limit = True

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = getattr(env.settings, self.section)
        self.basis = cfg.basis
        self.action = cfg.action
        self.lock_until = cfg.lock_until
        self.events = NET_EVENTS if self.basis == "net" else (FillReceived,)
