"""Journals, reviews and what-ifs as rich tables for the terminal (``cockpit journal``,
``cockpit review``, ``cockpit replay``). Times are exchange (Chicago) times.

Colours come from a :class:`Palette` the caller takes from the trader's theme (the
colour-blind theme's blue and orange carry through); the journal knows no themes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rich.console import Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from cockpit.core import text as core_text
from cockpit.core.clock import NS_PER_SECOND, exchange_time
from cockpit.core.events import (
    EnforcementTaken,
    Event,
    FlattenStarted,
    LockoutEnded,
    LockoutStarted,
    OrderDenied,
    RiskDecision,
    RiskStateChanged,
)
from cockpit.journal.ending import Ending
from cockpit.journal.reader import Journal
from cockpit.journal.review import Review, Summary
from cockpit.journal.whatif import WhatIf

BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours a review uses, as Rich styles: up and down P&L, a warning, the curve.

    The defaults are for output with no theme to hand; the cockpit and ``cockpit review``
    pass the theme's own (``$pnl-up``, ``$pnl-down``, ``$warning``, ``$accent``).
    """

    up: str = "green"
    down: str = "red"
    warn: str = "yellow"
    accent: str = "cyan"


PLAIN = Palette()


def when(ns: int | None, *, date: bool = False) -> str:
    if ns is None:
        return "-"
    return f"{exchange_time(ns):%Y-%m-%d %H:%M:%S}" if date else f"{exchange_time(ns):%H:%M:%S}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "open"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def money(value: Decimal | None, *, sign: bool = True) -> str:
    """A journal figure: signed by default, ``-`` where there is none."""
    return "-" if value is None else core_text.money(value, sign=sign)


def styled_money(value: Decimal | None, palette: Palette = PLAIN) -> Text:
    style = "" if value is None or value == 0 else (palette.up if value > 0 else palette.down)
    return Text(money(value), style=style)


def size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GB"  # pragma: no cover


def sparkline(values: Sequence[Decimal], width: int = 60) -> str:
    """The curve in ``width`` block characters (the last value of each slice)."""
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [values[min(len(values) - 1, int((i + 1) * step) - 1)] for i in range(width)]
    low, high = min(values), max(values)
    span = high - low
    if span == 0:
        return BARS[len(BARS) // 2] * len(values)
    return "".join(BARS[int((v - low) / span * (len(BARS) - 1))] for v in values)


@dataclass(frozen=True)
class Listed:
    """One line of ``cockpit journal list``."""

    path: Path
    account: str = ""
    mode: str = ""
    start_ns: int | None = None
    seconds: float | None = None
    bytes: int = 0
    parts: int = 1
    summary: Summary | None = None
    note: str = ""


def journal_table(rows: Iterable[Listed], palette: Palette = PLAIN) -> Table:
    table = Table(title="Journals", title_justify="left", header_style="bold")
    justify: JustifyMethod
    for name, justify in (
        ("Journal", "left"),
        ("Account", "left"),
        ("Mode", "left"),
        ("Start (CT)", "left"),
        ("Duration", "right"),
        ("Size", "right"),
        ("Trades", "right"),
        ("P&L", "right"),
        ("Note", "left"),
    ):
        table.add_column(name, justify=justify)
    for row in rows:
        summary = row.summary
        table.add_row(
            row.path.name + (f" (+{row.parts - 1} parts)" if row.parts > 1 else ""),
            row.account,
            row.mode,
            when(row.start_ns, date=True),
            duration(row.seconds) if row.seconds is not None else "-",
            size(row.bytes),
            str(summary.trades) if summary is not None else "-",
            styled_money(summary.net, palette) if summary is not None else Text("-"),
            row.note,
        )
    return table


def ending_text(ending: Ending, palette: Palette = PLAIN) -> Text:
    """How the session ended, as a line: "up" when closed cleanly, "down" when cut short."""
    words = ending.describe()
    style = palette.up if ending.clean else (palette.down if ending.known_abrupt else palette.warn)
    return Text(words[:1].upper() + words[1:], style=style)


def journal_view(journal: Journal, palette: Palette = PLAIN) -> RenderableType:
    """``cockpit journal show``: whose session, when, what it holds, how it ended."""
    header = journal.header
    seconds = (journal.last_ns - journal.first_ns) / NS_PER_SECOND
    parts = f" (+{len(journal.parts) - 1} parts)" if len(journal.parts) > 1 else ""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Account", f"{header.account} · {header.mode.value}")
    facts.add_row(
        "Recorded",
        f"{when(journal.first_ns, date=True)} to {when(journal.last_ns)} CT ({duration(seconds)})",
    )
    facts.add_row("Records", f"{journal.count:,} in {len(journal.frames):,} frames")
    facts.add_row("Size", size(journal.size) + parts)
    facts.add_row("Watchlist", ", ".join(header.watchlist))
    facts.add_row("Written by", f"cockpit {header.app_version} (journal format {header.version})")
    facts.add_row("Ended", ending_text(journal.ending, palette))
    title = Text(journal.parts[0].name, style="bold")
    return Group(title, facts)


def summary_text(review: Review, palette: Palette = PLAIN) -> Text:
    s = review.summary
    header = review.header
    seconds = (review.last_ns - review.first_ns) / NS_PER_SECOND
    rate = f", win rate {s.win_rate:.0%}" if s.win_rate is not None else ""
    text = Text()
    text.append(f"{header.account} · {header.mode.value} · ", style="bold")
    text.append(
        f"{when(review.first_ns, date=True)} to {when(review.last_ns)} CT ({duration(seconds)})\n"
    )
    text.append(f"Trades {s.trades} ({s.wins} won, {s.losses} lost{rate})")
    if s.open_trades:
        text.append(f", {s.open_trades} still open")
    text.append("   Net ")
    text.append_text(styled_money(s.net, palette))
    text.append(f" (gross {money(s.gross)}, fees {money(s.fees, sign=False)})")
    text.append(f"   Best {money(s.best)}  Worst {money(s.worst)}")
    text.append(f"  Max drawdown {money(s.max_drawdown)}")
    return text


def curve_text(review: Review, palette: Palette = PLAIN) -> Text:
    totals = review.curve["total"].to_list() if not review.curve.is_empty() else []
    text = Text("P&L curve  ")
    if not totals:
        return text.append("(no trades)")
    text.append(sparkline(totals), style=palette.accent)
    text.append(f"  low {money(min(totals))}  high {money(max(totals))}  end {money(totals[-1])}")
    return text


def trades_table(review: Review, palette: Palette = PLAIN) -> Table:
    """Round trips, the columns a review turns on first: when, how big, the result, and
    how far it went against (MAE) and for (MFE) the trade while it was open."""
    table = Table(title="Round trips", title_justify="left", header_style="bold")
    left = ("Symbol", "Side")
    columns = (
        "#", "Symbol", "Side", "Size", "Entry (CT)", "Held", "Entry", "Exit",
        "Net", "MAE", "MFE", "Ticks", "P&L", "Fees", "Exit (CT)",
    )  # fmt: skip
    for name in columns:
        table.add_column(name, justify="left" if name in left else "right")
    for row in review.trades.iter_rows(named=True):
        table.add_row(
            str(row["trade"]),
            row["symbol"],
            row["side"],
            str(row["size"]),
            when(row["entry_ns"]),
            duration(row["seconds"]),
            _price(row["entry"]),
            _price(row["exit"]),
            styled_money(row["net"], palette),
            money(row["mae"]),
            money(row["mfe"]),
            core_text.ticks(row["ticks"]),
            styled_money(row["pnl"], palette),
            money(row["fees"], sign=False),
            when(row["exit_ns"]),
        )
    return table


def _price(value: Decimal | None) -> str:
    """An average price: trailing zeros dropped, never fewer than two decimals."""
    if value is None:
        return "-"
    whole, _, fraction = f"{value:.6f}".rstrip("0").partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def brackets_table(review: Review) -> Table:
    """Each bracketed trade: where its first stop and target were, which one closed it,
    the result in ticks per contract and in R (over the first stop's distance)."""
    table = Table(title="Brackets", title_justify="left", header_style="bold")
    for name in ("#", "Stop", "Target", "Hit", "Ticks", "R"):
        table.add_column(name, justify="left" if name == "Hit" else "right")
    for row in review.brackets.iter_rows(named=True):
        ticks = row["ticks"]
        table.add_row(
            str(row["trade"]),
            _price(row["stop"]),
            _price(row["target"]),
            row["hit"] or "open",
            "-" if ticks is None else f"{ticks.normalize():+f}",
            "-" if row["r"] is None else f"{row['r']:+.2f}R",
        )
    return table


def rules_table(review: Review) -> Table:
    table = Table(title="Rule hits", title_justify="left", header_style="bold")
    for name in ("Time (CT)", "Kind", "Rule", "Detail"):
        table.add_column(name)
    for row in review.rule_hits.iter_rows(named=True):
        table.add_row(when(row["ts"]), row["kind"], row["rule"], row["detail"])
    return table


def review_view(review: Review, palette: Palette = PLAIN) -> RenderableType:
    parts: list[RenderableType] = [summary_text(review, palette), curve_text(review, palette)]
    if review.trades.height:
        parts.append(trades_table(review, palette))
    else:
        parts.append(Text("No round trips in this journal."))
    if review.brackets.height:
        parts.append(brackets_table(review))
    if review.rule_hits.height:
        parts.append(rules_table(review))
    else:
        parts.append(Text("No rule hits."))
    return Group(*parts)


QUIET_OUTCOMES = ("denied", "enforced", "ended")
"""RiskDecision outcomes already shown by their screen event (a denial, an enforcement)."""


def shown(event: Event) -> bool:
    """Whether a decision gets its own line (a RiskDecision only when nothing else says it)."""
    return not (isinstance(event, RiskDecision) and event.outcome in QUIET_OUTCOMES)


def decision(event: Event) -> str:
    """One decision in a trader's words."""
    if isinstance(event, RiskStateChanged):
        why = f": {event.reason}" if event.reason else ""
        return f"{event.previous} -> {event.state}{why}"
    if isinstance(event, OrderDenied):
        return f"denied {event.command} ({event.rule}): {event.reason}"
    if isinstance(event, EnforcementTaken):
        return f"{event.action} ({event.rule}): {event.detail}"
    if isinstance(event, LockoutStarted):
        return f"locked until {when(event.until_ns)} ({event.source}): {event.reason}"
    if isinstance(event, LockoutEnded):
        return f"lockout ended: {event.reason}"
    if isinstance(event, FlattenStarted):
        return f"flatten: {event.reason}"
    if isinstance(event, RiskDecision):
        return f"{event.outcome} ({event.rule}): {event.action} {event.command}".rstrip()
    return repr(event)


def _decisions_table(title: str, events: list[Event]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("Time (CT)")
    table.add_column("Decision")
    for event in events:
        if shown(event):
            table.add_row(when(event.ts), decision(event))
    return table


def whatif_view(result: WhatIf, rules: str, palette: Palette = PLAIN) -> RenderableType:
    """The what-if under ``rules`` (a rules file's name, or a firm profile's)."""
    title = Text(f"What if the day had been traded under {rules}", style="bold")
    figures = Table.grid(padding=(0, 2))
    figures.add_column()
    figures.add_column(justify="right")
    figures.add_column()
    figures.add_row("recorded session", money(result.recorded), "")
    figures.add_row(
        "simulated, recorded rules", money(result.baseline.net), f"{result.baseline.fills} fills"
    )
    figures.add_row(f"simulated, {rules}", money(result.other.net), f"{result.other.fills} fills")
    figures.add_row("difference", styled_money(result.difference, palette), "")
    parts: list[RenderableType] = [title, figures]
    parts.append(
        _decisions_table("Would have fired", result.fired)
        if result.fired
        else Text("Nothing new would have fired.")
    )
    if result.spared:
        parts.append(_decisions_table("Would not have fired", result.spared))
    return Group(*parts)
