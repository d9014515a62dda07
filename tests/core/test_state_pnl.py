"""Day P&L in the state: realized and fees per trading day, open P&L at the mark, to the cent."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from cockpit.core.clock import EXCHANGE_TZ, ns_from_datetime
from cockpit.core.events import FillReceived, PositionUpdated, Printed, QuoteUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Fill, Position, Side
from cockpit.core.state import State

BOUNDARY = ns_from_datetime(datetime(2026, 10, 14, 17, 0, tzinfo=EXCHANGE_TZ))
"""17:00 Chicago: the trading day of 15 October begins."""


def fill(ts: int, pnl: str | None, fee: str = "0.74", symbol: str = "MNQ") -> FillReceived:
    value = None if pnl is None else Decimal(pnl)
    return FillReceived(ts, Fill(1, 1, 1, symbol, Side.SELL, 2, 100, Decimal(fee), value, ts))


def test_realized_and_fees_add_up_within_a_day(state: State) -> None:
    """Closing fills add their P&L, every fill adds its fee, and net is realized minus fees."""
    state.apply(fill(BOUNDARY - 3_000, None))
    state.apply(fill(BOUNDARY - 2_000, "12.50"))
    state.apply(fill(BOUNDARY - 1_000, "-3.75", fee="1.48"))
    assert state.realized == Decimal("8.75")
    assert state.fees == Decimal("2.96")
    assert state.net_realized == Decimal("5.79")
    assert state.day == date(2026, 10, 14)


def test_fill_at_the_boundary_starts_a_new_day(state: State) -> None:
    """A fill one nanosecond before 17:00 CT counts for today; one at 17:00 starts tomorrow."""
    state.apply(fill(BOUNDARY - 1, "10.00"))
    assert (state.day, state.realized) == (date(2026, 10, 14), Decimal("10.00"))
    state.apply(fill(BOUNDARY, "2.50", fee="0.37"))
    assert state.day == date(2026, 10, 15)
    assert (state.realized, state.fees) == (Decimal("2.50"), Decimal("0.37"))


def test_day_figures_reset_at_the_boundary_without_a_fill(state: State) -> None:
    """After 17:00 CT yesterday's realized P&L and fees no longer count, even with no new fill."""
    state.apply(fill(BOUNDARY - 60_000_000_000, "40.00"))
    state.take_changes()
    state.apply(Printed(BOUNDARY + 1, "MES", 100, 1))
    assert (state.realized, state.fees, state.net_realized) == (0, 0, 0)
    assert state.day == date(2026, 10, 15)
    assert state.take_changes().account


def test_a_late_fill_from_yesterday_does_not_wipe_today(state: State) -> None:
    """A fill stamped before the boundary that arrives after it leaves today's figures alone."""
    state.apply(fill(BOUNDARY + 5, "20.00", fee="0.74"))
    state.apply(fill(BOUNDARY - 5, "7.00", fee="0.74"))
    assert state.day == date(2026, 10, 15)
    assert (state.realized, state.fees) == (Decimal("20.00"), Decimal("0.74"))
    assert len(state.fills) == 2


def test_open_pnl_long_and_short_at_the_last_print(state: State) -> None:
    """Open P&L is exact: MNQ long 3 from 100 (ticks) at 104 is 12 ticks, 6 dollars."""
    state.apply(PositionUpdated(1, Position(1, "MNQ", 3, 300, 1)))
    state.apply(PositionUpdated(1, Position(1, "MES", -2, 2 * 205, 1)))
    state.apply(Printed(2, "MNQ", 104, 1))
    state.apply(Printed(2, "MES", 207, 1))
    assert state.open_pnl("MNQ") == Decimal("6.00")
    assert state.open_pnl("MES") == Decimal("-5.00")
    assert state.open_pnl_total() == Decimal("1.00")


def test_mark_falls_back_to_the_middle_of_the_book(state: State) -> None:
    """Before any print the mark is the mid (rounded down to a tick); none without a quote."""
    assert state.mark("MNQ") is None
    state.apply(PositionUpdated(1, Position(1, "MNQ", 1, 100, 1)))
    assert state.open_pnl("MNQ") == 0
    state.apply(QuoteUpdated(1, "MNQ", 103, 106, 1, 1))
    assert state.mark("MNQ") == 104
    assert state.open_pnl("MNQ") == Decimal("2.00")


def test_open_pnl_of_an_uneven_average_is_exact(state: State) -> None:
    """Long 3 MES bought at 100, 101, 103 ticks (avg 101.33) marked at 102 is +2 ticks, $2.50."""
    state.apply(PositionUpdated(1, Position(1, "MES", 3, 304, 1)))
    state.apply(Printed(2, "MES", 102, 1))
    assert state.open_pnl("MES") == Decimal("2.50")


def test_day_pnl_is_net_realized_plus_open(state: State) -> None:
    """The header's day figure is realized minus fees plus open, to the cent."""
    state.apply(fill(BOUNDARY - 10, "25.50", fee="1.48"))
    state.apply(PositionUpdated(BOUNDARY - 5, Position(1, "MNQ", -1, 110, 1)))
    state.apply(Printed(BOUNDARY - 4, "MNQ", 107, 1))
    assert state.day_pnl() == Decimal("25.50") - Decimal("1.48") + Decimal("1.50")


def test_every_symbol_values_open_pnl_with_its_own_tick_value() -> None:
    """One tick of open profit on each instrument is worth exactly its tick value."""
    state = State(INSTRUMENTS, list(INSTRUMENTS))
    for symbol in INSTRUMENTS:
        state.apply(PositionUpdated(1, Position(1, symbol, 1, 1000, 1)))
        state.apply(Printed(2, symbol, 1001, 1))
        assert state.open_pnl(symbol) == INSTRUMENTS[symbol].tick_value


def test_position_in_an_unknown_instrument_does_not_break_day_pnl(state: State) -> None:
    """A broker position in a contract the cockpit has no spec for counts 0, never raises."""
    state.apply(PositionUpdated(1, Position(1, "MBT", 1, 100, 1)))
    state.apply(Printed(2, "MBT", 105, 1))
    assert state.open_pnl("MBT") == 0
    assert state.day_pnl() == 0
