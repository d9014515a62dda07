"""What the cockpit has already been told about the live account.

The user hub can repeat itself (every subscription twice at start, duplicates on a bad
day) and deliver out of order; a REST reconcile can race a hub event. The mirror keeps
the latest word on each order, fill and position and answers one question per report:
is this news? Orders only move forward (a later ``updateTimestamp``, and never from a
final status back to a working one); a fill counts once by its id; a position or an
account is news when it differs from the last one shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cockpit.core.models import Account, Fill, Order, Position


@dataclass(slots=True)
class AccountMirror:
    """The last report shown per order, fill, position and the account."""

    account_id: int
    orders: dict[int, Order] = field(default_factory=dict)
    fill_ids: set[int] = field(default_factory=set)
    positions: dict[str, Position] = field(default_factory=dict)
    account: Account | None = None
    last_fill_ns: int = 0
    _position_seq: dict[str, int] = field(default_factory=dict)
    _seq: int = 0

    def order(self, order: Order) -> bool:
        """Keep ``order`` if it is news: newer, and not a final order coming back to life."""
        known = self.orders.get(order.id)
        if known is not None:
            if order == known:
                return False
            if known.status.is_terminal and not order.status.is_terminal:
                return False
            if order.updated_ns < known.updated_ns:
                return False
        self.orders[order.id] = order
        return True

    def fill(self, fill: Fill) -> bool:
        """Keep a fill once, by its id."""
        if fill.id in self.fill_ids:
            return False
        self.fill_ids.add(fill.id)
        self.last_fill_ns = max(self.last_fill_ns, fill.ts)
        return True

    def position(self, position: Position) -> bool:
        """Keep a position report if it differs from the last one shown."""
        self._seq += 1
        self._position_seq[position.symbol] = self._seq
        known = self.positions.get(position.symbol)
        if known is not None and (known.size, known.cost) == (position.size, position.cost):
            return False
        if known is None and position.size == 0:
            return False
        if position.size == 0:
            self.positions.pop(position.symbol, None)
        else:
            self.positions[position.symbol] = position
        return True

    def position_marks(self) -> dict[str, int]:
        """A bookmark: which positions the hub reported from here on (see :meth:`moved`)."""
        return dict(self._position_seq)

    def moved(self, symbol: str, marks: Mapping[str, int]) -> bool:
        """True if the hub reported ``symbol`` after ``marks`` was taken (it is fresher)."""
        return self._position_seq.get(symbol, 0) != marks.get(symbol, 0)

    def account_update(self, account: Account) -> bool:
        if account == self.account:
            return False
        self.account = account
        return True

    def working(self) -> list[Order]:
        return [o for o in self.orders.values() if o.status.is_working]

    def by_tag(self, tag: str) -> Order | None:
        return next((o for o in self.orders.values() if o.tag == tag), None)
