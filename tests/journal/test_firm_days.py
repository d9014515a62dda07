"""The firm's profit target and consistency, reported from the account's journals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from cockpit.cli import main
from cockpit.core.clock import EXCHANGE_TZ, ns_from_datetime
from cockpit.core.events import FillReceived
from cockpit.core.models import Fill, Side
from cockpit.journal.days import daily_net
from cockpit.risk.firms import find_profile
from cockpit.risk.firms.consistency import payout_report
from cockpit.risk.timing import Calendar

from .conftest import make_writer

DAY_ONE = datetime(2026, 10, 12, 9, 30, tzinfo=EXCHANGE_TZ)
MNQ_PRICE = 84_000  # ticks of 0.25: 21,000.00


def _day(folder: Path, day: int, ticks: int, account: str = "PRACTICE-50K") -> None:
    """One run on trading day ``day`` (0-based) with one MNQ round trip of ``ticks``
    (0.50 dollars a tick, no fees)."""
    start = ns_from_datetime(DAY_ONE + timedelta(days=day))
    writer = make_writer(folder, account=account)
    legs = [(Side.BUY, MNQ_PRICE, None), (Side.SELL, MNQ_PRICE + ticks, Decimal(ticks) / 2)]
    for number, (side, price, pnl) in enumerate(legs, start=1):
        ts = start + number * 1_000_000_000
        fill = Fill(number, number, 1, "MNQ", side, 1, price, Decimal(0), pnl, ts)
        writer.record_event(ts, FillReceived(ts, fill), True)
    writer.close()


def test_daily_net_counts_each_closed_trip_on_its_day_for_one_account(tmp_path: Path) -> None:
    """Three days of one account sum per trading day; another account's run is left out."""
    _day(tmp_path, 0, 200)
    _day(tmp_path, 1, 600)
    _day(tmp_path, 2, -100)
    _day(tmp_path, 1, 10_000, account="OTHER")
    found = daily_net(tmp_path, "PRACTICE-50K", Calendar())
    assert found.days == {
        date(2026, 10, 12): Decimal(100),
        date(2026, 10, 13): Decimal(300),
        date(2026, 10, 14): Decimal(-50),
    }
    assert found.unreadable == []


def test_the_report_judges_the_best_days_share_of_the_total() -> None:
    """Best day 300 of a 350 total is 86%, over a 50% rule; the target shows what is left."""
    days = {date(2026, 10, 12): Decimal(100), date(2026, 10, 13): Decimal(300)}
    days[date(2026, 10, 14)] = Decimal(-50)
    report = payout_report(find_profile("topstep-50k-combine", None).profile, days)
    assert report is not None
    assert report.consistent is False
    assert report.lines() == [
        "topstep-50k-combine profit target: 350.00 of 3,000.00 over 3 days (2,650.00 to go)",
        "topstep-50k-combine consistency: best day 2026-10-13 300.00 is 86% of 350.00 profit "
        "(at most 50%): OVER; reported, not enforced",
    ]


def test_no_profit_is_nothing_to_judge_and_a_firm_without_rules_reports_nothing() -> None:
    """A losing record has no share to judge; Express plans have no target nor consistency."""
    combine = find_profile("topstep-50k-combine", None).profile
    report = payout_report(combine, {date(2026, 10, 12): Decimal(-80)})
    assert report is not None
    assert report.consistent is None
    assert "no profit yet" in report.lines()[1]
    assert payout_report(find_profile("topstep-50k-express", None).profile, {}) is None


def test_review_reports_the_firm_over_the_accounts_journals(tmp_path: Path) -> None:
    """`cockpit review` under [account] firm ends with the target and consistency lines."""
    folder = tmp_path / "journals"
    folder.mkdir()
    _day(folder, 0, 2_000)
    _day(folder, 1, 1_000)
    config = tmp_path / "config.toml"
    config.write_text('[account]\nfirm = "topstep-50k-combine"\n')
    args = ["--config", str(config), "review", "latest", "--dir", str(folder)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "1,500.00 of 3,000.00 over 2 days" in result.output
    assert "best day 2026-10-12 1,000.00 is 67% of 1,500.00 profit (at most 50%): OVER" in (
        result.output
    )
    plain = tmp_path / "plain.toml"
    plain.write_text("")
    args[1] = str(plain)
    assert "consistency" not in CliRunner().invoke(main, args).output
