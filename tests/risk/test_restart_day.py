"""A restart during the trading day keeps the day's (and the week's) counters: the daily
loss limit, fills per day, the losing streak, the cooldown, the trade clock and the weekly
loss limit read what earlier runs of the account did, from the journals, and a replay
starts from the same figures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from cockpit.brokers.paper import PaperBroker
from cockpit.config import Settings, UiSettings
from cockpit.core.clock import FakeClock
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.events import FillReceived, LockoutEnded, LockoutStarted, QuoteUpdated
from cockpit.core.models import Fill, Side
from cockpit.journal.days import week_so_far
from cockpit.risk.config import RiskSettings
from cockpit.risk.timing import Calendar
from cockpit.session import Session, build_session
from tests.journal.conftest import make_writer
from tests.risk.conftest import at, replays_the_same, short_history

TUESDAY_10 = at(2026, 3, 10, 10, 0)
SYMBOLS = ("MNQ", "MES")
NO_FEES = {symbol: Decimal(0) for symbol in SYMBOLS}


async def open_session(tmp_path: Path, rules: dict[str, Any], clock: FakeClock) -> Session:
    """A frozen paper session journalled to ``tmp_path``, armed, MNQ quoted at 84000."""
    settings = Settings(
        ui=UiSettings(watchlist=list(SYMBOLS)), risk=RiskSettings.model_validate(rules)
    )
    with short_history():
        broker = PaperBroker(clock, SYMBOLS, seed=5, pump_interval=0, fees=NO_FEES)
    session = build_session(
        settings,
        clock=clock,
        broker=broker,
        pump=False,
        journal_dir=tmp_path / "journals",
        risk_state_dir=tmp_path / "state",
    )
    await session.start()
    await session.engine.execute(SetArmed(armed=True))
    quote(session, 84_000)
    return session


def quote(session: Session, bid: int) -> None:
    """A locked touch at ``bid``, to the engine and to the paper account."""
    event = QuoteUpdated(session.clock.now_ns(), "MNQ", bid, bid, 10, 10)
    session.engine.on_event(event)
    broker = session.broker
    assert isinstance(broker, PaperBroker)
    broker.account.on_market(event)
    broker._flush()


async def losing_trade(session: Session, ticks: int, size: int = 1) -> None:
    """Buy ``size`` MNQ, let the touch fall ``ticks``, sell: a loss of ticks * $0.50 each."""
    bid = session.state.quotes["MNQ"].bid
    await session.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=size))
    await session.engine.drain()
    quote(session, bid - ticks)
    await session.engine.execute(PlaceOrder(symbol="MNQ", side=Side.SELL, size=size))
    await session.engine.drain()
    quote(session, bid)
    await session.advance(1)


def room(session: Session) -> Decimal | None:
    assert session.risk is not None
    return session.risk.daily_loss_room(session.state)


async def test_a_restart_keeps_the_daily_loss_room_and_a_60_dollar_loss_breaches(
    tmp_path: Path,
) -> None:
    """$450 lost of a $500 limit, stop, start again the same trading day on the same
    folders: the room is still $50, and a $60 loss breaches (flatten and lock)."""
    rules = {"daily_loss": {"limit": 500}}
    clock = FakeClock(TUESDAY_10)
    first = await open_session(tmp_path, rules, clock)
    await losing_trade(first, 300, size=3)  # 900 ticks of MNQ: -$450
    assert room(first) == Decimal(50)
    await first.stop()
    clock.advance(60)

    second = await open_session(tmp_path, rules, clock)
    assert room(second) == Decimal(50)
    assert second.risk is not None
    assert second.risk.earlier_day_pnl() == Decimal(-450)  # the header's day adds it
    assert second.state.risk_state != "LOCKED"
    await losing_trade(second, 120)  # -$60
    assert room(second) == Decimal(-10)
    assert second.state.risk_state == "LOCKED"
    await second.stop()
    replays_the_same(second)


def fill(number: int, side: Side, pnl: int | None, ts: int, order: int | None = None) -> Fill:
    """Fill ``number`` of one MNQ contract (its own order unless ``order``), no fees."""
    return Fill(
        number, order or number, 1, "MNQ", side, 1, 84_000, Decimal(0),
        None if pnl is None else Decimal(pnl), ts,
    )  # fmt: skip


def losing_trips(start: int, losses: list[int], first: int = 1) -> list[Fill]:
    """One MNQ round trip a minute from ``start``, each closing order losing its amount."""
    fills = []
    for index, loss in enumerate(losses):
        ts = start + index * 60 * 1_000_000_000
        number = first + 2 * index
        fills.append(fill(number, Side.BUY, None, ts))
        fills.append(fill(number + 1, Side.SELL, -loss, ts + 1_000_000_000))
    return fills


def earlier_run(tmp_path: Path, fills: list[Fill], *events: Any) -> None:
    """An earlier run's journal in ``tmp_path``/journals: these fills (and events)."""
    writer = make_writer(tmp_path / "journals")
    for item in fills:
        writer.record_event(item.ts, FillReceived(item.ts, item), True)
    for event in events:
        writer.record_event(event.ts, event, True)
    writer.close()


async def entry_denied(session: Session) -> str:
    """The reason a one-lot MNQ buy is denied (fails when it is accepted)."""
    verdict = await session.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    assert not verdict.accepted
    return verdict.reason


async def test_fills_per_day_go_on_from_earlier_runs(tmp_path: Path) -> None:
    """Four fills this morning of a limit of 4: the restarted session is REDUCE-ONLY and
    denies an entry; the replay decides the same."""
    earlier_run(tmp_path, losing_trips(at(2026, 3, 10, 9, 0), [5, 5]))
    session = await open_session(tmp_path, {"fills_per_day": {"limit": 4}}, FakeClock(TUESDAY_10))
    assert session.state.risk_state == "REDUCE-ONLY"
    assert "4 fills today" in await entry_denied(session)
    await session.advance(2)
    await session.stop()
    replays_the_same(session)


async def test_yesterdays_fills_and_losses_do_not_count_today(tmp_path: Path) -> None:
    """Monday's four fills and two losses leave Tuesday's limits untouched (the week's
    loss still counts them)."""
    earlier_run(tmp_path, losing_trips(at(2026, 3, 9, 10, 0), [100, 100]))
    rules = {
        "fills_per_day": {"limit": 4},
        "daily_loss": {"limit": 500},
        "weekly_loss": {"limit": 1000},
    }
    session = await open_session(tmp_path, rules, FakeClock(TUESDAY_10))
    assert session.risk is not None
    assert session.risk.tally.fills_today(TUESDAY_10) == 0
    assert room(session) == Decimal(500)
    assert session.risk.tally.net_realized_week(TUESDAY_10) == Decimal(-200)
    assert session.state.risk_state == "ACTIVE"
    await session.stop()


async def test_the_losing_streak_goes_on_after_a_restart(tmp_path: Path) -> None:
    """Two losers in a row this morning, limit 3: one more loser after the restart
    breaches."""
    earlier_run(tmp_path, losing_trips(at(2026, 3, 10, 9, 0), [5, 5]))
    rules = {"consecutive_losses": {"limit": 3, "action": "reduce-only"}}
    session = await open_session(tmp_path, rules, FakeClock(TUESDAY_10))
    assert session.risk is not None
    assert session.risk.tally.losing_streak(TUESDAY_10) == 2
    assert session.state.risk_state != "REDUCE-ONLY"
    await losing_trade(session, 2)
    assert session.state.risk_state == "REDUCE-ONLY"
    await session.stop()


async def test_a_streak_a_lockout_served_is_not_counted_again(tmp_path: Path) -> None:
    """Three losers, then the consecutive losses lockout (served, ended): the restarted
    session counts from zero and trades."""
    morning = at(2026, 3, 10, 9, 0)
    locked = LockoutStarted(morning + 200 * 10**9, morning + 1800 * 10**9, "3 losing trades",
                            "consecutive-losses")  # fmt: skip
    ended = LockoutEnded(morning + 1800 * 10**9, "over")
    earlier_run(tmp_path, losing_trips(morning, [5, 5, 5]), locked, ended)
    rules = {"consecutive_losses": {"limit": 3}}
    session = await open_session(tmp_path, rules, FakeClock(TUESDAY_10))
    assert session.risk is not None
    assert session.risk.tally.losing_streak(TUESDAY_10) == 0
    assert session.state.risk_state == "ACTIVE"
    await session.stop()


async def test_a_cooldown_runs_on_after_a_restart(tmp_path: Path) -> None:
    """A $250 loss at 9:58 with a 15-minute tier for $200: restarted at 10:00, entries are
    denied until 10:13 and allowed after."""
    earlier_run(tmp_path, losing_trips(at(2026, 3, 10, 9, 58) - 10**9, [250]))
    rules = {"cooldown": {"tiers": [{"loss": 200, "minutes": 15}]}}
    clock = FakeClock(TUESDAY_10)
    session = await open_session(tmp_path, rules, clock)
    assert session.state.risk_state == "REDUCE-ONLY"
    assert "cooldown" in await entry_denied(session)
    await session.advance(12 * 60 + 59)
    quote(session, 84_000)
    assert session.state.risk_state == "REDUCE-ONLY"
    await session.advance(2)
    quote(session, 84_000)
    assert session.state.risk_state == "ACTIVE"
    await session.stop()


async def test_the_trade_clock_runs_on_after_a_restart(tmp_path: Path) -> None:
    """An entry filled at 9:59 with a 5-minute trade clock: restarted at 10:00, an entry
    is denied."""
    earlier_run(tmp_path, [fill(1, Side.BUY, None, at(2026, 3, 10, 9, 59))])
    session = await open_session(tmp_path, {"trade_clock": {"minutes": 5}}, FakeClock(TUESDAY_10))
    assert "trade clock" in await entry_denied(session)
    await session.stop()


async def test_the_weekly_loss_counts_earlier_days_and_runs(tmp_path: Path) -> None:
    """$600 lost Monday and $300 this morning of a $1,000 weekly limit: a $120 loss after
    the restart breaches."""
    earlier_run(tmp_path, losing_trips(at(2026, 3, 9, 10, 0), [600]))
    earlier_run(tmp_path, losing_trips(at(2026, 3, 10, 9, 0), [300], first=10))
    rules = {"weekly_loss": {"limit": 1000, "action": "reduce-only"}}
    session = await open_session(tmp_path, rules, FakeClock(TUESDAY_10))
    assert session.risk is not None
    assert session.risk.tally.net_realized_week(TUESDAY_10) == Decimal(-900)
    assert session.state.risk_state != "REDUCE-ONLY"
    await losing_trade(session, 240)
    assert session.state.risk_state == "REDUCE-ONLY"
    await session.stop()


class Reporting(PaperBroker):
    """A broker that reports the day's fills again at start, as ProjectX's reconcile
    does (``/Trade/search`` from the day's start)."""

    history: tuple[Fill, ...] = ()

    async def start(self, sink: Any) -> None:
        await super().start(sink)
        for item in self.history:
            sink(FillReceived(item.ts, item))


async def test_fills_a_broker_reports_again_at_start_count_once(tmp_path: Path) -> None:
    """Two fills and a $100 loss this morning, in the journal and reported again by the
    broker at start, plus one fill made elsewhere while the cockpit was off: three fills,
    -$100, and the replay decides the same."""
    morning = losing_trips(at(2026, 3, 10, 9, 0), [100])
    earlier_run(tmp_path, morning)
    elsewhere = fill(7, Side.BUY, None, at(2026, 3, 10, 9, 30))
    rules = {"fills_per_day": {"limit": 10}, "daily_loss": {"limit": 500}}
    settings = Settings(
        ui=UiSettings(watchlist=list(SYMBOLS)), risk=RiskSettings.model_validate(rules)
    )
    clock = FakeClock(TUESDAY_10)
    with short_history():
        broker = Reporting(clock, SYMBOLS, seed=5, pump_interval=0, fees=NO_FEES)
    broker.history = (*morning, elsewhere)
    session = build_session(
        settings,
        clock=clock,
        broker=broker,
        pump=False,
        journal_dir=tmp_path / "journals",
        risk_state_dir=tmp_path / "state",
    )
    await session.start()
    await session.engine.drain()
    assert session.risk is not None
    assert session.risk.tally.fills_today(clock.now_ns()) == 3
    assert room(session) == Decimal(400)
    assert session.risk.earlier_day_pnl() == 0  # the state saw them: not added again
    await session.advance(2)
    await session.stop()
    replays_the_same(session)


def test_a_trip_two_runs_journalled_counts_once_in_the_week(tmp_path: Path) -> None:
    """Monday's $600 loser, journalled by its run and again by the next run (whose broker
    reported the day's fills at start): Tuesday's week so far has one trade and -$600."""
    monday = losing_trips(at(2026, 3, 9, 10, 0), [600])
    earlier_run(tmp_path, monday)
    earlier_run(tmp_path, [*monday, *losing_trips(at(2026, 3, 9, 11, 0), [50], first=10)])
    found = week_so_far(tmp_path / "journals", "PRACTICE-50K", Calendar(), TUESDAY_10)
    assert (found.earlier.week_trades, found.earlier.week_pnl) == (2, Decimal(-650))
