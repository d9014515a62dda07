"""The P&L of one frame: read from the state once, shown by the header and the blotter.

The header redraws at 15 Hz and the positions blotter at 4 Hz; each reading the state on
its own tick showed two open P&Ls for one position. Both now show one :class:`PnlView`,
taken when the blotter is due. While the market feed is down or stale, an open P&L is
the last known one, marked stale; a position never priced shows no number, not 0.00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cockpit.core.events import Link, LinkStatus
from cockpit.core.state import State
from cockpit.core.text import ticks
from cockpit.risk.rules.base import Level
from cockpit.ui.format import money

if TYPE_CHECKING:
    from cockpit.risk.engine import RiskEngine

ZERO = Decimal(0)
STALE_MARK = "~"
"""Before an open P&L valued at a price the feed no longer confirms."""


@dataclass(frozen=True, slots=True)
class LossRoom:
    """Dollars left before the daily loss limit, with the measure it is taken on."""

    room: Decimal
    limit: Decimal
    basis: str
    """``net`` (realized after fees plus open) or ``realized``."""
    trailing: bool
    locked_in: Decimal | None = None
    """Profit protection engaged: the floor the day's best now holds."""

    @property
    def measure(self) -> str:
        """``net``, ``realized``, ``net trailing``: the P&L the room is measured on."""
        return f"{self.basis} trailing" if self.trailing else self.basis

    def bound(self) -> str:
        """What the room is measured to: ``to -275.00 net`` (the day's floor: day P&L minus
        the room is the floor, whatever the day did so far) or, trailing from the day's
        best, ``of 275.00 net trailing`` (the room is part of the limit), or, once profit
        protection holds a floor, ``to +160.00 net (locks in)`` (``(protects)`` while the
        floor it holds is still below zero)."""
        if self.locked_in is not None:
            held = "locks in" if self.locked_in >= 0 else "protects"
            return f"to {money(self.locked_in, sign=True)} {self.measure} ({held})"
        if self.trailing:
            return f"of {money(self.limit)} {self.measure}"
        return f"to {money(-self.limit)} {self.measure}"

    def words(self) -> str:
        """``94.20 to -275.00 net``: the room, the floor it is measured to, and its measure."""
        return f"{money(self.room)} {self.bound()}"


def loss_room(risk: RiskEngine | None, state: State, now_ns: int) -> LossRoom | None:
    """The daily loss room, or ``None`` without a risk engine or a daily loss limit."""
    rule = risk.daily_loss if risk is not None else None
    if risk is None or rule is None or rule.limit is None:
        return None
    room = risk.daily_loss_room(state, now_ns)
    assert room is not None
    return LossRoom(room, rule.limit, rule.basis, rule.trailing, rule.locked_in)


@dataclass(frozen=True, slots=True)
class FloorRoom:
    """Equity's distance above the firm's maximum loss floor (longs at the bid, shorts at
    the ask), the buffer where the cockpit flattens and locks, and how near it is."""

    distance: Decimal
    buffer: Decimal
    level: Level

    @property
    def tone(self) -> str:
        """``bad`` within the buffer, ``warn`` near it, else ``ok``."""
        if self.distance <= self.buffer or self.level is Level.BREACH:
            return "bad"
        return "warn" if self.level is Level.WARN else "ok"


def floor_room(risk: RiskEngine | None, state: State, now_ns: int) -> FloorRoom | None:
    """The distance to the maximum loss floor, or ``None`` when the rule is off or unmeasured."""
    if risk is None or risk.max_loss is None:
        return None
    measured = risk.max_loss_distance(state, now_ns)
    return FloorRoom(*measured) if measured is not None else None


@dataclass(frozen=True, slots=True)
class PnlView:
    """Realized and open P&L as of one moment; ``open`` is ``None`` for a position the
    feed never priced."""

    realized: Decimal
    open: dict[str, Decimal | None]
    stale: bool
    """The market feed is not connected: open P&L is the last known, not live."""
    room: LossRoom | None = None
    floor: FloorRoom | None = None
    ticks: dict[str, int] = field(default_factory=dict)
    """Open P&L in ticks over the whole position, for the positions that are priced."""

    @property
    def open_total(self) -> Decimal:
        return sum((pnl for pnl in self.open.values() if pnl is not None), ZERO)

    @property
    def day(self) -> Decimal:
        """Realized after fees plus open: the day so far."""
        return self.realized + self.open_total

    @property
    def unpriced(self) -> bool:
        """Some position has no price at all (its open P&L is unknown, not zero)."""
        return any(pnl is None for pnl in self.open.values())

    def open_text(self, symbol: str) -> str:
        """``+12.50``, ``~+12.50`` while stale, ``—`` when never priced."""
        return self.marked(self.open.get(symbol), self.stale)

    def open_words(self, symbol: str, width: int) -> str:
        """``+16t  +8.00`` in ``width`` characters (the positions blotter): the ticks go
        first when it is too narrow (the dollars never are cut); ``~`` first while stale,
        ``—`` when never priced."""
        pnl = self.open.get(symbol)
        if pnl is None:
            return "—"
        mark = STALE_MARK if self.stale else ""
        cash = money(pnl, sign=True)
        count = self.ticks.get(symbol)
        if count is not None:
            for gap in ("  ", " "):
                text = f"{mark}{ticks(count)}{gap}{cash}"
                if len(text) <= width:
                    return text
        return f"{mark}{cash}"

    @staticmethod
    def marked(pnl: Decimal | None, stale: bool) -> str:
        if pnl is None:
            return "—"
        text = money(pnl, sign=True)
        return f"{STALE_MARK}{text}" if stale else text


def pnl_view(
    state: State,
    room: LossRoom | None = None,
    floor: FloorRoom | None = None,
    earlier: Decimal = ZERO,
) -> PnlView:
    """Read the P&L once, for every widget that shows it this frame; ``earlier``: the
    day's realized P&L of earlier runs the state never saw (after a paper restart)."""
    opened: dict[str, Decimal | None] = {}
    ticks: dict[str, int] = {}
    for symbol, position in sorted(state.positions.items()):
        mark = state.mark(symbol)
        priced = mark is not None and symbol in state.instruments
        opened[symbol] = state.open_pnl(symbol) if priced else None
        if mark is not None and priced:
            ticks[symbol] = position.open_ticks(mark)
    stale = state.links[Link.MARKET] is not LinkStatus.CONNECTED
    return PnlView(state.net_realized + earlier, opened, stale, room, floor, ticks)
