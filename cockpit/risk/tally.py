"""What the risk rules count, folded from fills and orders on the risk engine's calendar.

The core's State keeps the day on the default boundary; risk limits may use another one
(some firms end the day at 15:10 CT), so the risk engine keeps its own books here:
fills per day (ProjectX counts every entry and every exit fill), trades (round trips,
flat to flat in one instrument, counted when they close) per day and per week, realized
P&L and fees per day and per week, the losing streak, each closing order's P&L (for
tiered cooldowns) and when the last entry filled (for the trade clock). It also keeps
an index of working orders by symbol so exposure checks never scan the whole history.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.models import Fill, Order, Position
from cockpit.core.state import State
from cockpit.risk.timing import Calendar

ZERO = Decimal(0)
CONFIRM_NS = 2 * NS_PER_SECOND
"""How long a closing fill waits for the broker's position before the position is trusted."""


@dataclass(frozen=True, slots=True)
class Earlier:
    """What earlier runs did in the trading week and day this run starts in (counted from
    their journals at start, noted in this run's journal header for replay), so a restart
    never gives a daily or weekly limit a fresh budget."""

    week_end: int
    week_trades: int
    day_end: int
    day_trades: int
    day_pnl: Decimal
    """Realized P&L of the day's fills, net of fees."""
    since_ns: int = 0
    """Counted from this engine time on (when the journals were read)."""
    account: str = ""
    """The account whose journals were read."""
    day_fills: int = 0
    """Fills of the day (every entry and every exit fill)."""
    week_pnl: Decimal = ZERO
    """Realized P&L of the week net of fees, the day's ``day_pnl`` included."""
    streak: int = 0
    """Closing orders in a row that lost money at the end of the earlier runs (counted
    afresh after each lockout the consecutive losses rule served)."""
    losses: tuple[tuple[int, Decimal], ...] = ()
    """When each losing closing order of the day filled, and its loss so far (positive):
    the cooldown after a loss runs on from there."""
    last_entry_ns: int | None = None
    """When the day's latest entry filled (the trade clock runs on from there)."""
    fill_ids: frozenset[int] = frozenset()
    """The day's fills already counted: a broker that reports the day's fills again at
    start (ProjectX's reconcile) must not count them twice."""

    def applies(self, now: int) -> bool:
        """Whether the day figures describe the trading day of ``now``."""
        return self.since_ns <= now < self.day_end

    def note(self) -> dict[str, Any]:
        """The figures as JSON values (the journal header's note)."""
        body = {field: getattr(self, field) for field in self.__dataclass_fields__}
        body["day_pnl"] = str(self.day_pnl)
        body["week_pnl"] = str(self.week_pnl)
        body["losses"] = [[ts, str(loss)] for ts, loss in self.losses]
        body["fill_ids"] = sorted(self.fill_ids)
        return body

    @classmethod
    def from_note(cls, note: dict[str, Any]) -> Earlier:
        """The figures a header noted (a note without the newer fields reads as zeros);
        raises ``KeyError``, ``TypeError``, ``ValueError`` or ``ArithmeticError``."""
        last = note.get("last_entry_ns")
        return cls(
            int(note["week_end"]),
            int(note["week_trades"]),
            int(note["day_end"]),
            int(note["day_trades"]),
            Decimal(note["day_pnl"]),
            int(note.get("since_ns", 0)),
            str(note.get("account", "")),
            int(note.get("day_fills", 0)),
            Decimal(note.get("week_pnl", "0")),
            int(note.get("streak", 0)),
            tuple((int(ts), Decimal(loss)) for ts, loss in note.get("losses", [])),
            None if last is None else int(last),
            frozenset(int(i) for i in note.get("fill_ids", [])),
        )


class Tally:
    """Counters the rules share; fed by the risk engine before any rule looks."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.working: dict[str, dict[int, Order]] = {}
        """Working orders by symbol, then by id."""
        self.day_start = 0
        self.day_end = 0
        """The trading day the counters below belong to: [day_start, day_end)."""
        self.fills = 0
        self.trades = 0
        self.realized = ZERO
        self.fees = ZERO
        self.week_end = 0
        self.week_trades = 0
        self.week_realized = ZERO
        self.week_fees = ZERO
        self.net: dict[str, int] = {}
        """Each symbol's net position as the fills tell it (signed), to see a trade close."""
        self._earlier: Earlier | None = None
        self.reported_again = ZERO
        """Net P&L of the earlier runs' fills the broker reported again at start."""
        self._filled: set[str] = set()
        """Symbols with a fill this run: from then on their fills, not the broker's position
        reports, say where they stand."""
        self.order_pnl: dict[int, Decimal] = {}
        """Realized P&L of each closing order today (an order may fill in pieces)."""
        self._streak_before = 0
        self._streak_order: int | None = None
        self._streak_pnl = ZERO
        self.last_entry_ns: int | None = None
        """When (engine time) the latest entry fill was seen."""
        self.epoch = 0
        """Bumped by the risk engine at each event, tick, judgement or view: the open P&L is
        computed once per epoch however many limits read it."""
        self._open: tuple[int, int, Decimal] = (-1, 0, ZERO)
        self.market_seen: dict[str, int] = {}
        """When (engine time) each symbol's latest quote or print arrived."""
        self.market_latest: int | None = None
        """When (engine time) the latest market data of any symbol arrived."""
        self.unconfirmed: dict[str, int] = {}
        """Symbols with a closing fill the broker's position does not show yet, and since
        when: their open P&L is left out so a closed loss is never counted twice."""

    @property
    def earlier(self) -> Earlier | None:
        """What earlier runs did this week and day (none: this run is the first)."""
        return self._earlier

    @earlier.setter
    def earlier(self, earlier: Earlier | None) -> None:
        """Take earlier runs' figures: the day's losing streak and last entry go on from
        where they ended (the counts and P&L are added where they are read)."""
        self._earlier = earlier
        if earlier is None or self.fills:
            return
        end = earlier.day_end
        self.day_start, self.day_end = self.calendar.day_start(end - 1), end
        self.restart_streak()
        self._streak_before = earlier.streak
        self.last_entry_ns = earlier.last_entry_ns

    def seed(self, state: State) -> None:
        """Take the working orders a state already holds (attached after events began)."""
        for order in state.orders.values():
            self.on_order(order)
        for position in state.positions.values():
            self.on_position(position)

    # Folding -----------------------------------------------------------------------------

    def on_order(self, order: Order) -> None:
        book = self.working.get(order.symbol)
        if order.status.is_working:
            if book is None:
                book = self.working[order.symbol] = {}
            book[order.id] = order
        elif book is not None:
            book.pop(order.id, None)

    def on_fill(self, fill: Fill, now: int) -> None:
        """Count a fill: a trade, maybe an entry, maybe realized P&L of a closing order.

        A fill belongs to the trading day of its own timestamp; one from a day already
        rolled past (a late report) is not counted against today.
        """
        ts = fill.ts
        earlier = self._earlier
        if earlier is not None and ts < earlier.since_ns and fill.id in earlier.fill_ids:
            self.reported_again += (fill.pnl or ZERO) - fill.fee
            return  # reported again at start (a reconcile): the earlier run counted it
        if fill.pnl is not None:
            self.unconfirmed[fill.symbol] = now
            self._open = (-1, 0, ZERO)
        closes = self._closes_trade(fill)
        if ts >= self.week_end:
            self.week_end = self.calendar.week_end(ts)
            self.week_trades = 0
            self.week_realized = ZERO
            self.week_fees = ZERO
        self.week_fees += fill.fee
        self.week_trades += closes
        if fill.pnl is not None:
            self.week_realized += fill.pnl
        if ts >= self.day_end:
            self._roll_day(ts)
        elif ts < self.day_start:
            return
        self.fills += 1
        self.trades += closes
        self.fees += fill.fee
        if fill.pnl is None:
            self.last_entry_ns = now
            return
        self.realized += fill.pnl
        self.order_pnl[fill.order_id] = self.order_pnl.get(fill.order_id, ZERO) + fill.pnl
        if fill.order_id != self._streak_order:
            self._close_streak_order()
            self._streak_order = fill.order_id
            self._streak_pnl = ZERO
        self._streak_pnl += fill.pnl

    def on_position(self, position: Position) -> None:
        """The broker's position for a symbol: its open P&L can be trusted again, and
        until the symbol's first fill this run it says where a trade starts from (a
        position held across a restart closes a trade when it goes flat)."""
        if self.unconfirmed.pop(position.symbol, None) is not None:
            self._open = (-1, 0, ZERO)
        if position.symbol not in self._filled:
            self.net[position.symbol] = position.size

    def _closes_trade(self, fill: Fill) -> int:
        """1 when ``fill`` takes its symbol flat or through flat (a flip closes one trade
        and opens the next), else 0."""
        self._filled.add(fill.symbol)
        before = self.net.get(fill.symbol, 0)
        after = before + fill.size * fill.side.sign
        self.net[fill.symbol] = after
        return int(before != 0 and (after == 0 or (after > 0) != (before > 0)))

    def _roll_day(self, ts: int) -> None:
        self.day_start = self.calendar.day_start(ts)
        self.day_end = self.calendar.day_end(ts)
        self.fills = 0
        self.trades = 0
        self.realized = ZERO
        self.fees = ZERO
        self.order_pnl.clear()
        self.restart_streak()

    def _close_streak_order(self) -> None:
        if self._streak_order is None:
            return
        if self._streak_pnl < 0:
            self._streak_before += 1
        elif self._streak_pnl > 0:
            self._streak_before = 0

    # Reading -----------------------------------------------------------------------------

    def today(self, now: int) -> bool:
        """Whether the day counters still describe the trading day of ``now``."""
        return now < self.day_end

    def fills_today(self, now: int) -> int:
        """Fills of the trading day, earlier runs' included."""
        count = self.fills if now < self.day_end else 0
        earlier = self._earlier
        if earlier is not None and earlier.applies(now):
            count += earlier.day_fills
        return count

    def net_realized_today(self, now: int) -> Decimal:
        """Realized P&L of the trading day after fees, earlier runs' included."""
        pnl = self.realized - self.fees if now < self.day_end else ZERO
        earlier = self._earlier
        if earlier is not None and earlier.applies(now):
            pnl += earlier.day_pnl
        return pnl

    def open_pnl(self, state: State, now: int) -> Decimal:
        """Open P&L at the marks, leaving out a position whose closing fill the broker has
        not confirmed yet (fills and positions arrive as separate reports; between them the
        closed P&L would be counted once as realized and once as open)."""
        epoch, at, cached = self._open
        if epoch == self.epoch and at == now:
            return cached
        if not self.unconfirmed:
            total = state.open_pnl_total()
        else:
            total = ZERO
            for symbol in state.positions:
                since = self.unconfirmed.get(symbol)
                if since is not None and now - since < CONFIRM_NS:
                    continue
                total += state.open_pnl(symbol)
        self._open = (self.epoch, now, total)
        return total

    def day_figures(self, day_end: int) -> tuple[Decimal, int]:
        """(net realized P&L, trades) of the trading day that ends at ``day_end``: zeros
        when nothing filled that day."""
        pnl, trades = ZERO, 0
        if self.day_end == day_end:
            pnl, trades = self.realized - self.fees, self.trades
        earlier = self._earlier
        if earlier is not None and earlier.day_end == day_end and day_end > earlier.since_ns:
            pnl, trades = pnl + earlier.day_pnl, trades + earlier.day_trades
        return pnl, trades

    def trades_this_week(self, now: int) -> int:
        """Trades closed this trading week, earlier runs' included."""
        count = self.week_trades if now < self.week_end else 0
        earlier = self._earlier
        if earlier is not None and earlier.since_ns <= now < earlier.week_end:
            count += earlier.week_trades
        return count

    def earlier_unseen(self, now: int) -> Decimal:
        """Earlier runs' realized P&L of the day that this run's broker did not report
        again (the paper broker reports nothing of them): what the state's day lacks."""
        earlier = self._earlier
        if earlier is None or not earlier.applies(now):
            return ZERO
        return earlier.day_pnl - self.reported_again

    def net_realized_week(self, now: int) -> Decimal:
        """Realized P&L of the trading week after fees, earlier runs' included."""
        pnl = self.week_realized - self.week_fees if now < self.week_end else ZERO
        earlier = self._earlier
        if earlier is not None and earlier.since_ns <= now < earlier.week_end:
            pnl += earlier.week_pnl
        return pnl

    def losing_streak(self, now: int) -> int:
        """Closing orders in a row that lost money today (a scratch neither adds nor resets)."""
        if now >= self.day_end:
            return 0
        earlier = self._earlier
        if earlier is not None and now < earlier.since_ns:
            return 0  # a replay judges the moments before the start without them
        if self._streak_order is None:
            return self._streak_before
        if self._streak_pnl < 0:
            return self._streak_before + 1
        if self._streak_pnl > 0:
            return 0
        return self._streak_before

    def restart_streak(self) -> None:
        """Count losses afresh (after a lockout the streak served)."""
        self._streak_before = 0
        self._streak_order = None
        self._streak_pnl = ZERO
