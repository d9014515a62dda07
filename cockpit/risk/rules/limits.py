"""What families of rules share, so each rule module holds only what is its own.

* :class:`SectionLimit`: a limit read from its ``[risk.<section>]`` table, with the
  ``action`` it takes when breached and the ``lock_until`` of a lock.
* :class:`PnlRule`: a limit on the P&L (daily loss, weekly loss, profit target), measured
  on a ``basis`` (realized or net), so it listens to prints and quotes when net.
* :class:`CountLimit`: a count of fills that may not reach ``limit`` (fills per day,
  losing trades in a row).
* :class:`PerSymbolLimit`: contracts, with per-symbol overrides (contract limit, max
  order size).
"""

from __future__ import annotations

from typing import Any, ClassVar

from cockpit.core.events import FillReceived, PositionUpdated, Printed, QuoteUpdated
from cockpit.risk.rules.base import Env, Rule

NET_EVENTS = (FillReceived, PositionUpdated, QuoteUpdated, Printed)
"""Net P&L moves with every print and quote (the open part); realized only with fills."""


class SectionLimit(Rule):
    """A limit configured by the ``[risk.<section>]`` table."""

    section: ClassVar[str]
    timed = True
    is_limit = True

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.cfg: Any = getattr(env.settings, self.section)
        self.action = self.cfg.action
        self.lock_until = self.cfg.lock_until


class PnlRule(SectionLimit):
    """A limit on the P&L."""

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.basis = self.cfg.basis
        self.events = NET_EVENTS if self.basis == "net" else (FillReceived,)


class CountLimit(SectionLimit):
    """A count of fills that may not reach ``limit``."""

    events = (FillReceived,)

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.limit: int | None = self.cfg.limit

    @property
    def enabled(self) -> bool:
        return self.limit is not None


class PerSymbolLimit(Rule):
    """Contracts per order or per symbol, with per-symbol overrides."""

    section: ClassVar[str]

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg = getattr(env.settings, self.section)
        self.contracts: int | None = cfg.contracts
        self.per_symbol: dict[str, int] = dict(cfg.symbols)

    @property
    def enabled(self) -> bool:
        return self.contracts is not None or bool(self.per_symbol)

    def limit_for(self, symbol: str) -> int | None:
        return self.per_symbol.get(symbol, self.contracts)
