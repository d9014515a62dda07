"""What the account's journals say across runs: net P&L per trading day (the firm's
consistency rule and profit target are measured on it) and the trading week and day so
far (the daily and weekly limits go on from earlier runs' figures, read here at start)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from cockpit.config import Settings
from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import LockoutStarted
from cockpit.core.instruments import Instrument
from cockpit.core.models import Fill
from cockpit.journal.codec import CodecError
from cockpit.journal.files import runs
from cockpit.journal.format import FrameFlag
from cockpit.journal.reader import JournalError, open_journal
from cockpit.journal.trip_cache import Closed, RunTrips, TripCache, stamp_of
from cockpit.journal.trips import journal_fills, walk_trips
from cockpit.risk.firms.consistency import payout_report
from cockpit.risk.rules.weekly_trades import trades_range
from cockpit.risk.tally import ZERO, Earlier, Tally
from cockpit.risk.timing import Calendar

WEEK_NS = 8 * 24 * 3600 * NS_PER_SECOND
"""A journal last written more than this before the week ends cannot hold one of its
trades (a week and a day: a summer-time change moves the boundary by an hour)."""
SLACK_NS = 60 * NS_PER_SECOND
"""A journal last written more than this before the trading day began holds none of its
fills (the file's time and the engine's clock may differ by a little)."""
STREAK_RULE = "consecutive-losses"
"""The rule whose lockout restarts the losing streak."""


@dataclass
class DailyNet:
    """Net P&L (after fees) of the round trips closed each trading day."""

    days: dict[date, Decimal] = field(default_factory=dict)
    unreadable: list[Path] = field(default_factory=list)
    """Journals that could not be read: left out, and said so."""


@dataclass
class ClosedTrips:
    """The round trips an account's journals closed, and the journals that could not be read."""

    trips: list[Closed] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Opened:
    """What one run's journal says for these reports, read in one opening."""

    account: str
    fills: list[Fill]
    instruments: Mapping[str, Instrument]
    finished: bool
    """Closed cleanly (so its trips may be cached)."""
    last_ns: int
    streak_locks: list[int]
    """When each lockout of the consecutive losses rule started."""


def open_run(path: Path, opened: dict[Path, Opened | None] | None = None) -> Opened | None:
    """One run's account, fills and lockouts (``None``: it cannot be read); ``opened``
    remembers each run read, so a start that needs a run twice opens it once."""
    if opened is not None and path in opened:
        return opened[path]
    found: Opened | None = None
    try:
        with open_journal(path, verify=False) as journal:
            locks = [
                record.item.ts
                for record in journal.items(FrameFlag.LOCKOUTS, (LockoutStarted,))
                if isinstance(record.item, LockoutStarted) and record.item.source == STREAK_RULE
            ]
            found = Opened(
                journal.header.account,
                journal_fills(journal),
                journal.header.instruments,
                journal.ending.clean,
                journal.last_ns,
                locks,
            )
    except (JournalError, CodecError, OSError, ValueError, KeyError, TypeError):
        found = None
    if opened is not None:
        opened[path] = found
    return found


def closed_trips(
    directory: Path,
    account: str,
    written_after_ns: int = 0,
    opened: dict[Path, Opened | None] | None = None,
) -> ClosedTrips:
    """Every closed round trip of ``account`` in ``directory``'s runs, skipping runs whose
    files were all last written before ``written_after_ns``; finished runs read before
    come from the folder's :class:`TripCache`. A trip another run already closed at the
    same moment for the same P&L counts once: a broker that reports the day's fills again
    at start (ProjectX's reconcile) puts the earlier run's trips in the next run's journal."""
    out = ClosedTrips()
    seen: set[Closed] = set()
    cache = TripCache(directory)
    for path in runs(directory):
        stamp = stamp_of(path)
        if stamp is not None and written_after_ns and stamp[1] < written_after_ns:
            continue
        run = cache.get(path, stamp) if stamp is not None else None
        if run is None:
            read = open_run(path, opened)
            if read is None:
                out.unreadable.append(path)
                continue
            run = RunTrips(read.account, stamp or (0, 0), _closed(read))
            if read.finished and stamp is not None and stamp_of(path) == stamp:
                cache.put(path, run)
        if run.account == account:
            out.trips += [trip for trip in run.trips if trip not in seen]
            seen.update(run.trips)
    cache.save()
    return out


def _closed(read: Opened) -> tuple[Closed, ...]:
    """The round trips a run closed, as the reports need them."""
    trips, _ = walk_trips(read.fills)
    return tuple(
        Closed(trip.exit_ns, trip.pnl - trip.fees) for trip in trips if trip.exit_ns is not None
    )


def daily_net(directory: Path, account: str, calendar: Calendar) -> DailyNet:
    """Every run of ``account`` in ``directory``; a trip counts on the day it closed."""
    totals: defaultdict[date, Decimal] = defaultdict(Decimal)
    found = closed_trips(directory, account)
    for trip in found.trips:
        totals[calendar.day(trip.exit_ns)] += trip.net
    return DailyNet(dict(sorted(totals.items())), found.unreadable)


@dataclass
class WeekSoFar:
    """What earlier runs did in the trading week (and day) of a moment."""

    earlier: Earlier
    unreadable: list[Path] = field(default_factory=list)


def week_so_far(directory: Path, account: str, calendar: Calendar, now: int) -> WeekSoFar:
    """What ``account``'s journals in ``directory`` say of the trading week and day ``now``
    is in: the week's trades and P&L from the round trips closed before ``now`` (a
    trip counts on the day it closed), the day's figures from its fills (:func:`day_so_far`)."""
    week_end, day_end = calendar.week_end(now), calendar.day_end(now)
    opened: dict[Path, Opened | None] = {}
    day, unreadable = day_so_far(directory, account, calendar, now, opened)
    found = closed_trips(directory, account, week_end - WEEK_NS, opened)
    week_trades = day_trades = 0
    week_pnl = ZERO
    for trip in found.trips:
        closed = trip.exit_ns
        if closed >= now or calendar.week_end(closed) != week_end:
            continue
        week_trades += 1
        if calendar.day_end(closed) == day_end:
            day_trades += 1
        else:
            week_pnl += trip.net
    earlier = replace(
        day,
        week_end=week_end,
        week_trades=week_trades,
        day_trades=day_trades,
        week_pnl=week_pnl + day.day_pnl,
    )
    return WeekSoFar(earlier, sorted(set(found.unreadable) | set(unreadable)))


def day_so_far(
    directory: Path,
    account: str,
    calendar: Calendar,
    now: int,
    opened: dict[Path, Opened | None] | None = None,
) -> tuple[Earlier, list[Path]]:
    """The trading day of ``now`` as ``account``'s earlier runs lived it, folded from
    their fills as the risk engine folds them: fills, realized P&L after fees, the losing
    streak (afresh after each lockout the consecutive losses rule served), each losing
    closing order and the last entry. A fill two runs recorded (a broker that reports
    the day's fills again at start) counts once. The unreadable journals are listed."""
    day_start, day_end = calendar.day_start(now), calendar.day_end(now)
    fills: dict[tuple[int, int], tuple[Fill, int]] = {}
    """Each fill by its id and time (paper ids repeat from run to run, not at one time)."""
    restarts: list[int] = []
    unreadable: list[Path] = []
    orders: dict[tuple[str, int], int] = {}
    for path in runs(directory):
        stamp = stamp_of(path)
        if stamp is not None and stamp[1] < day_start - SLACK_NS:
            continue
        read = open_run(path, opened)
        if read is None:
            unreadable.append(path)
            continue
        if read.account != account or read.last_ns < day_start:
            continue  # another account's, or it ended before the day began
        for fill in read.fills:
            if day_start <= fill.ts < min(day_end, now) and (fill.id, fill.ts) not in fills:
                # order ids restart with each paper run: one closing order is one run's,
                # however its id repeats
                key = orders.setdefault((path.name, fill.order_id), len(orders) + 1)
                fills[fill.id, fill.ts] = (fill, key)
        restarts += read.streak_locks
    tally = Tally(calendar)
    losses: list[tuple[int, Decimal]] = []
    pending = sorted(restarts)
    in_time = sorted(fills.values(), key=lambda found: (found[0].ts, found[0].id))
    for fill, key in in_time:
        ts = fill.ts
        while pending and pending[0] < ts:
            tally.restart_streak()
            pending.pop(0)
        tally.on_fill(replace(fill, order_id=key), ts)
        if fill.pnl is not None and fill.pnl < 0:
            losses.append((ts, -tally.order_pnl[key]))
    if any(at < now for at in pending):
        tally.restart_streak()
    counted = tally.fills
    earlier = Earlier(
        week_end=calendar.week_end(now),
        week_trades=0,
        day_end=day_end,
        day_trades=0,
        day_pnl=tally.realized - tally.fees if counted else ZERO,
        since_ns=now,
        account=account,
        day_fills=counted,
        streak=tally.losing_streak(now) if counted else 0,
        losses=tuple(losses),
        last_entry_ns=tally.last_entry_ns,
        fill_ids=frozenset(fill_id for fill_id, _ in fills),
    )
    return earlier, unreadable


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


def weekly_trades_line(settings: Settings, directory: Path, account: str, at_ns: int) -> str | None:
    """``Weekly trades: 3 of 3-10 in the week of 2026-10-12`` (the Monday) for the
    trading week of ``at_ns`` (a journal's last record), every run of the account counted,
    when ``[risk.weekly_trades]`` is on."""
    rule = settings.risk.weekly_trades
    if rule.max is None and rule.min is None:
        return None
    calendar = Calendar(settings.risk.boundary, settings.risk.zone)
    week_end = calendar.week_end(at_ns)
    found = closed_trips(directory, account, written_after_ns=week_end - WEEK_NS)
    count = sum(1 for trip in found.trips if calendar.week_end(trip.exit_ns) == week_end)
    monday = calendar.day(week_end) - timedelta(days=7)
    line = f"Weekly trades: {trades_range(count, rule.min, rule.max)} in the week of {monday}"
    if found.unreadable:
        line += f" ({len(found.unreadable)} journals could not be read and are left out)"
    return line
