"""TradingDayEnded: once at the trading-day boundary, with the day's net P&L and trades,
journalled and replayed the same."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from cockpit.brokers.paper import PaperBroker
from cockpit.core.clock import FakeClock
from cockpit.core.commands import ClosePosition, PlaceOrder, SetArmed
from cockpit.core.engine import Engine
from cockpit.core.events import FillReceived, TradingDayEnded
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Fill, Mode, Position, Side
from cockpit.core.state import State
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.journal.writer import JournalWriter
from cockpit.risk.engine import RiskEngine
from cockpit.risk.tally import Tally
from cockpit.risk.timing import Calendar
from tests.risk.conftest import SYMBOLS, Desk, DeskFactory, at

TUESDAY_1650 = at(2026, 3, 10, 16, 50)
FRIDAY_1650 = at(2026, 3, 13, 16, 50)


def net_of_fills(desk: Desk) -> Decimal:
    fills = [e.fill for e in desk.of(FillReceived)]
    return sum((f.pnl or Decimal(0)) - f.fee for f in fills)


async def test_the_day_ends_once_with_its_pnl_and_trades(desk: DeskFactory) -> None:
    """Two round trips before 17:00 CT: the first tick past the boundary says Tuesday ended
    with their net P&L (after fees) and 2 trades; later ticks say nothing more."""
    d = await desk(start=TUESDAY_1650, fees={s: Decimal("0.37") for s in SYMBOLS})
    for ticks in (4, -3):
        await d.buy("MNQ")
        await d.move("MNQ", ticks)
        await d.sell("MNQ")
    assert d.size("MNQ") == 0
    expected = net_of_fills(d)
    assert expected != 0
    await d.tick(9 * 60)
    assert d.of(TradingDayEnded) == []
    await d.tick(61)
    for _ in range(5):
        await d.tick(1)
    (ended,) = d.of(TradingDayEnded)
    assert (ended.day, ended.pnl, ended.trades) == (date(2026, 3, 10), expected, 2)


async def test_a_quiet_day_ends_with_zeros_and_the_next_day_counts_afresh(
    desk: DeskFactory,
) -> None:
    """A trade on Tuesday, none on Wednesday: Wednesday's end reports 0 and 0, and Tuesday's
    trade is not carried into it."""
    d = await desk(start=TUESDAY_1650)
    await d.buy("MNQ")
    await d.move("MNQ", 2)
    await d.sell("MNQ")
    await d.tick(11 * 60)
    await d.tick(24 * 3600)
    tuesday, wednesday = d.of(TradingDayEnded)
    assert tuesday.trades == 1
    assert (wednesday.day, wednesday.pnl, wednesday.trades) == (date(2026, 3, 11), 0, 0)


async def test_a_flip_closes_one_trade_and_a_held_position_closes_one(
    desk: DeskFactory,
) -> None:
    """Long 1 then sell 2 (a flip) closes one trade; buying back closes the second."""
    d = await desk(start=TUESDAY_1650)
    await d.buy("MNQ")
    await d.sell("MNQ", 2)
    assert d.size("MNQ") == -1
    assert d.risk.tally.trades == 1
    await d.buy("MNQ")
    assert d.risk.tally.trades == 2


def test_a_position_held_before_the_first_fill_closes_a_trade() -> None:
    """A position the broker reports at start (held across a restart) closes a trade when
    its exit fills; an opening fill alone never counts."""
    tally = Tally(Calendar())
    tally.on_position(Position(1, "MNQ", 2, 2 * 80_000))
    tally.on_fill(_fill(Side.SELL, 2, TUESDAY_1650), TUESDAY_1650)
    tally.on_fill(_fill(Side.BUY, 1, TUESDAY_1650 + 1), TUESDAY_1650 + 1)
    assert tally.trades == 1
    assert tally.trades_this_week(TUESDAY_1650) == 1


def _fill(side: Side, size: int, ts: int) -> Fill:
    """A fill of MNQ at a fixed price, without fees or P&L."""
    return Fill(ts, ts, 1, "MNQ", side, size, 80_000, Decimal(0), None, ts)


async def test_the_weekend_is_not_announced(desk: DeskFactory) -> None:
    """From Friday 16:50 to Monday 17:01: Friday and Monday end; the empty Saturday and
    Sunday trading days (the CME is closed) are not announced."""
    d = await desk(start=FRIDAY_1650)
    for _ in range(3):
        await d.tick(24 * 3600)
    assert [e.day for e in d.of(TradingDayEnded)] == [date(2026, 3, 13)]
    await d.tick(11 * 60)
    assert [e.day for e in d.of(TradingDayEnded)] == [date(2026, 3, 13), date(2026, 3, 16)]


async def test_the_day_end_is_journalled_and_replays_the_same(tmp_path: Path) -> None:
    """A session across 17:00 CT with a round trip records TradingDayEnded in its journal,
    and the replay derives the same event at the same moment (no mismatch)."""
    clock = FakeClock(at(2026, 3, 10, 16, 59, 30))
    broker = PaperBroker(clock, SYMBOLS, seed=5, pump_interval=0)
    state = State(INSTRUMENTS, SYMBOLS, mode=broker.mode)
    writer = JournalWriter(
        tmp_path,
        account="PRACTICE-50K",
        mode=Mode.SIM,
        instruments=INSTRUMENTS,
        watchlist=SYMBOLS,
        settings={"risk": {}},
    )
    engine = Engine(state, clock, broker=broker, recorder=writer)
    RiskEngine(None, clock).attach(engine)
    await broker.start(engine.on_event)
    await engine.execute(SetArmed(armed=True))
    await engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    for second in range(60):
        clock.advance(1)
        broker.step(clock.now_ns())
        if second == 10:
            await engine.execute(ClosePosition(symbol="MNQ"))
        engine.tick()
        await engine.drain()
    writer.close()
    assert writer.path is not None
    with open_journal(writer.path) as journal:
        recorded = [r.item for r in journal.records() if isinstance(r.item, TradingDayEnded)]
        assert [(e.day, e.trades) for e in recorded] == [(date(2026, 3, 10), 1)]
        assert Replayer(journal).verify() == []
