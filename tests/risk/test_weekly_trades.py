"""Weekly trades (issue 12 item 5): at most ``max`` round trips a trading week, entries
denied after the last, exits always pass; ``min`` shown as a range; the week's count
survives a restart (rebuilt from the journals) and replays the same."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from cockpit.brokers.paper import PaperBroker
from cockpit.cli import main
from cockpit.config import Settings, UiSettings
from cockpit.core.clock import FakeClock
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.events import FillReceived
from cockpit.core.models import Fill, Side
from cockpit.journal.days import week_so_far
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.journal.risk import WEEK_KEY
from cockpit.risk.config import RiskSettings
from cockpit.risk.loosening import loosens
from cockpit.risk.timing import Calendar
from cockpit.session import Session, build_session
from tests.journal.conftest import SYMBOLS as JOURNAL_SYMBOLS
from tests.journal.conftest import make_writer
from tests.risk.conftest import Desk, DeskFactory, at, replays_the_same

TUESDAY_10 = at(2026, 3, 10, 10, 0)
MAX_3 = {"weekly_trades": {"max": 3, "min": 2}}


async def round_trip(d: Desk, symbol: str = "MNQ") -> None:
    """Buy one, sell one: one trade."""
    await d.buy(symbol)
    await d.sell(symbol)


async def test_entries_are_denied_after_the_last_trade_and_exits_pass(desk: DeskFactory) -> None:
    """max = 3: with MES held, three MNQ round trips reach the max; the next entry is denied
    naming the rule and the count, and closing MES (an exit) still goes through."""
    d = await desk(MAX_3)
    await d.buy("MES")
    for _ in range(3):
        await round_trip(d)
    assert d.risk.tally.trades_this_week(d.clock.now_ns()) == 3
    denied = await d.buy("MNQ")
    assert not denied.accepted
    assert d.denials()[-1].rule == "weekly-trades"
    assert denied.reason == (
        "weekly trades: 3 trades this week reached the maximum of 3 "
        "(the week ends Sun Mar 15 17:00 CT)"
    )
    assert d.state.risk_state == "REDUCE-ONLY"
    closed = await d.sell("MES")
    assert closed.accepted
    assert d.size("MES") == 0


async def test_the_week_opens_on_sunday_at_17_ct(desk: DeskFactory) -> None:
    """Trades of Tuesday still count on Friday afternoon and on Sunday at 16:59 CT; at
    Sunday 17:00 CT (the week's open) the count is 0 and entries are allowed again."""
    d = await desk(MAX_3)
    for _ in range(3):
        await round_trip(d)
    friday = at(2026, 3, 13, 15, 0)
    d.clock.set(friday)
    await d.tick()
    assert not (await d.buy("MNQ")).accepted
    d.clock.set(at(2026, 3, 15, 16, 59, 59))
    await d.tick()
    assert d.risk.tally.trades_this_week(d.clock.now_ns()) == 3
    d.clock.set(at(2026, 3, 15, 17, 0))
    await d.tick()
    assert d.risk.tally.trades_this_week(d.clock.now_ns()) == 0
    assert (await d.buy("MNQ")).accepted


async def test_the_panel_shows_the_count_against_its_range(desk: DeskFactory) -> None:
    """R: limit 2-3, now 1, room 2, and the range in words with what the minimum needs."""
    d = await desk(MAX_3)
    await round_trip(d)
    (reading,) = [r for r in d.risk.status(d.state, d.clock.now_ns()) if r.rule == "weekly-trades"]
    assert (reading.limit, reading.current, reading.headroom) == ("2-3", "1", "2")
    assert reading.detail.startswith("1 of 2-3 this week (round trips since Sunday 17:00 CT)")
    assert "1 more to reach the minimum" in reading.detail


async def test_min_alone_is_shown_and_never_denies(desk: DeskFactory) -> None:
    """min = 1 without max: reported, never a breach."""
    d = await desk({"weekly_trades": {"min": 1}})
    for _ in range(4):
        await round_trip(d)
    (reading,) = [r for r in d.risk.status(d.state, d.clock.now_ns()) if r.rule == "weekly-trades"]
    assert reading.limit == "at least 1"
    assert (await d.buy("MNQ")).accepted


def test_a_min_above_the_max_is_a_config_error() -> None:
    """min 5 with max 3 cannot be met: the config says so."""
    with pytest.raises(ValidationError, match="min 5 is above max 3"):
        RiskSettings.model_validate({"weekly_trades": {"max": 3, "min": 5}})


def test_raising_the_max_loosens_and_changing_the_min_does_not() -> None:
    """Under a settings lock, max 3 -> 5 is a loosening; min 2 -> 0 is not (never enforced)."""
    old = RiskSettings.model_validate({"weekly_trades": {"max": 3, "min": 2}})
    higher = RiskSettings.model_validate({"weekly_trades": {"max": 5, "min": 2}})
    assert [x.label for x in loosens(old, higher)] == ["[risk.weekly_trades] max"]
    fewer = RiskSettings.model_validate({"weekly_trades": {"max": 3}})
    assert loosens(old, fewer) == []


def _run(folder: Path, start: int, trips: int, account: str = "PRACTICE-50K") -> None:
    """An earlier run's journal closing ``trips`` MNQ round trips from ``start``."""
    writer = make_writer(folder, account=account)
    number = 0
    for _ in range(trips):
        for side, pnl in ((Side.BUY, None), (Side.SELL, Decimal(5))):
            number += 1
            ts = start + number * 1_000_000_000
            fill = Fill(number, number, 1, "MNQ", side, 1, 84_000, Decimal("0.5"), pnl, ts)
            writer.record_event(ts, FillReceived(ts, fill), True)
    writer.close()


def test_the_week_so_far_counts_this_weeks_trades_of_this_account(tmp_path: Path) -> None:
    """Journals of last week and of another account are left out; today's trips are also
    the day's, with their net P&L."""
    _run(tmp_path, at(2026, 3, 6, 10, 0), 4)  # the Friday before
    _run(tmp_path, at(2026, 3, 9, 10, 0), 2)  # Monday
    _run(tmp_path, at(2026, 3, 10, 9, 0), 1)  # Tuesday, before the restart
    _run(tmp_path, at(2026, 3, 10, 9, 0), 5, account="OTHER")
    found = week_so_far(tmp_path, "PRACTICE-50K", Calendar(), TUESDAY_10)
    earlier = found.earlier
    assert (earlier.week_trades, earlier.day_trades, earlier.day_pnl) == (3, 1, Decimal(4))
    assert found.unreadable == []


async def test_a_restart_keeps_the_weeks_count_and_replays_the_same(tmp_path: Path) -> None:
    """Three trades in earlier runs this week, max 3: a restarted session is REDUCE-ONLY
    from its start and denies an entry; its journal header notes the week so far and the
    replay decides the same."""
    journals = tmp_path / "journals"
    _run(journals, at(2026, 3, 9, 10, 0), 2)
    _run(journals, at(2026, 3, 10, 9, 0), 1)
    rules = RiskSettings.model_validate(MAX_3)
    settings = Settings(ui=UiSettings(watchlist=list(JOURNAL_SYMBOLS)), risk=rules)
    session = build_session(
        settings,
        clock=FakeClock(TUESDAY_10),
        pump=False,
        journal_dir=journals,
        risk_state_dir=tmp_path / "state",
    )
    await session.start()
    await session.engine.execute(SetArmed(armed=True))
    assert session.state.risk_state == "REDUCE-ONLY"
    verdict = await session.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    assert not verdict.accepted
    assert "maximum of 3" in verdict.reason
    await session.advance(3)
    await session.stop()
    assert session.journal is not None
    assert session.journal.path is not None
    with open_journal(session.journal.path) as journal:
        assert journal.header.settings[WEEK_KEY]["week_trades"] == 3
        assert Replayer(journal).verify() == []


def test_review_reports_the_weeks_trades_against_the_range(tmp_path: Path) -> None:
    """`cockpit review latest` with [risk.weekly_trades] ends with "3 of 2-10 in the week
    of 2026-03-09", counting every run of the account that week."""
    _run(tmp_path, at(2026, 3, 9, 10, 0), 2)
    _run(tmp_path, at(2026, 3, 10, 9, 0), 1)
    config = tmp_path / "config.toml"
    config.write_text("[risk.weekly_trades]\nmax = 10\nmin = 2\n")
    args = ["--config", str(config), "review", "latest", "--dir", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Weekly trades: 3 of 2-10 in the week of 2026-03-09" in result.output


def _signed_in_session(
    tmp_path: Path, rules: dict[str, Any], broker_type: type[PaperBroker]
) -> tuple[Session, FakeClock]:
    """A session at Tuesday 10:00 under ``rules``, its broker (told CONFIGURED, signing
    into PRACTICE-50K) of ``broker_type``, the journals in ``tmp_path / "journals"``."""
    from tests.risk.conftest import short_history

    settings = Settings(
        ui=UiSettings(watchlist=list(JOURNAL_SYMBOLS)), risk=RiskSettings.model_validate(rules)
    )
    clock = FakeClock(TUESDAY_10)
    with short_history():
        broker = broker_type(clock, JOURNAL_SYMBOLS, seed=3, pump_interval=0)
    session = build_session(
        settings,
        clock=clock,
        broker=broker,
        pump=False,
        journal_dir=tmp_path / "journals",
        risk_state_dir=tmp_path / "state",
    )
    return session, clock


async def test_a_login_to_another_account_counts_that_accounts_week(tmp_path: Path) -> None:
    """Told CONFIGURED, signed into PRACTICE-50K with three trades this week in its
    journals: the count is PRACTICE-50K's from the sign-in on, the header notes it, and
    the replay decides the same."""
    from tests.risk.test_max_loss_replay import OtherLogin

    _run(tmp_path / "journals", at(2026, 3, 9, 10, 0), 3)
    session, clock = _signed_in_session(tmp_path, MAX_3, OtherLogin)
    assert session.risk is not None
    assert session.risk.tally.trades_this_week(TUESDAY_10) == 0
    await session.start()
    await session.advance(2)
    assert session.risk.tally.trades_this_week(clock.now_ns()) == 3
    assert session.state.risk_state == "REDUCE-ONLY"
    await session.stop()
    assert session.journal is not None
    assert session.journal.path is not None
    with open_journal(session.journal.path) as journal:
        assert journal.header.settings[WEEK_KEY]["account"] == "PRACTICE-50K"
        assert Replayer(journal).verify() == []


async def test_a_fill_reported_again_at_sign_in_is_counted_once_and_replays_the_same(
    tmp_path: Path,
) -> None:
    """Signed into PRACTICE-50K, whose earlier run today filled twice, the broker reports
    one of those fills again during its start (ProjectX's reconcile): the day counts two
    fills, not three, so an order under a limit of three goes, and the replay agrees."""
    from tests.risk.test_max_loss_replay import OtherLogin

    _run(tmp_path / "journals", at(2026, 3, 10, 9, 0), 1)  # fills 1 and 2, today
    first_ts = at(2026, 3, 10, 9, 0) + 1_000_000_000
    again = Fill(1, 1, 1, "MNQ", Side.BUY, 1, 84_000, Decimal("0.5"), None, first_ts)

    class ReportsAgain(OtherLogin):
        async def start(self, sink: Any) -> None:
            await super().start(sink)
            sink(FillReceived(self.clock.now_ns(), again))  # the reconcile's report

    session, clock = _signed_in_session(tmp_path, {"fills_per_day": {"limit": 3}}, ReportsAgain)
    assert session.risk is not None
    await session.start()
    await session.advance(1)
    assert session.risk.tally.fills_today(clock.now_ns()) == 2
    await session.engine.execute(SetArmed(armed=True))
    verdict = await session.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    assert verdict.accepted, verdict.reason
    await session.advance(2)
    await session.stop()
    replays_the_same(session)
