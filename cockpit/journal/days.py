"""Net P&L per trading day over every journal of one account: what the firm's
consistency rule and profit target are measured on."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from cockpit.config import Settings
from cockpit.journal.files import runs
from cockpit.journal.reader import JournalError, open_journal
from cockpit.journal.review import journal_fills, round_trips
from cockpit.risk.firms.consistency import payout_report
from cockpit.risk.timing import Calendar


@dataclass
class DailyNet:
    """Net P&L (after fees) of the round trips closed each trading day."""

    days: dict[date, Decimal] = field(default_factory=dict)
    unreadable: list[Path] = field(default_factory=list)
    """Journals that could not be read: left out, and said so."""


def daily_net(directory: Path, account: str, calendar: Calendar) -> DailyNet:
    """Every run of ``account`` in ``directory``; a trip counts on the day it closed."""
    totals: defaultdict[date, Decimal] = defaultdict(Decimal)
    out = DailyNet()
    for path in runs(directory):
        try:
            with open_journal(path, verify=False) as journal:
                if journal.header.account != account:
                    continue
                fills = journal_fills(journal)
                instruments = journal.header.instruments
        except (JournalError, OSError, ValueError):
            out.unreadable.append(path)
            continue
        trips, _ = round_trips(fills, instruments)
        for trip in trips:
            if trip.exit_ns is not None:
                totals[calendar.day(trip.exit_ns)] += trip.pnl - trip.fees
    out.days = dict(sorted(totals.items()))
    return out


def firm_report(settings: Settings, directory: Path, account: str) -> list[str]:
    """The firm's profit target and consistency lines for ``account`` (none without a
    firm that has either), from every journal in ``directory``."""
    if settings.firm is None:
        return []
    calendar = Calendar(settings.risk.boundary, settings.risk.zone)
    found = daily_net(directory, account, calendar)
    report = payout_report(settings.firm, found.days)
    if report is None:
        return []
    lines = report.lines()
    if found.unreadable:
        lines.append(f"({len(found.unreadable)} journals could not be read and are left out)")
    return lines
