"""Review analytics: what a journal says about the day, as polars frames.

* ``fills``: every fill with price, fee and P&L as the broker reported them.
* ``trades``: round trips, flat to flat per instrument (a flip closes one and opens the
  next), with entry and exit averages, size, P&L in ticks and dollars, fees, duration,
  and MAE / MFE: the worst and best the trade stood at, from the recorded prints while
  it was open.
* ``curve``: the day's P&L second by second, realized after fees plus open at the prints.
* ``rule_hits``: denials, enforcement, risk state changes and lockouts.

Money is exact: Decimals in Python, integer cents in the vectorised parts, Decimal
columns in the frames. Times are exchange times (the broker's and the tape's clocks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import polars as pl

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import (
    EnforcementTaken,
    LockoutEnded,
    LockoutStarted,
    OrderDenied,
    Printed,
    RiskStateChanged,
)
from cockpit.core.instruments import Instrument
from cockpit.core.models import Fill
from cockpit.journal.bracket_review import bracket_frame, journal_orders, recorded_brackets
from cockpit.journal.ending import Truncation
from cockpit.journal.format import FrameFlag, RecordKind
from cockpit.journal.header import JournalHeader
from cockpit.journal.reader import Journal
from cockpit.journal.trips import CENT, ZERO, Trip, journal_fills, walk_trips

MONEY = pl.Decimal(38, 2)

RULE_EVENTS = (OrderDenied, EnforcementTaken, RiskStateChanged, LockoutStarted, LockoutEnded)


def cents(value: Decimal) -> int:
    return int((value / CENT).to_integral_value(ROUND_HALF_EVEN))


def money_column(name: str, values: Iterable[Decimal | None]) -> pl.Series:
    return pl.Series(name, [None if v is None else v.quantize(CENT) for v in values], MONEY)


def round_trips(
    fills: Iterable[Fill], instruments: Mapping[str, Instrument]
) -> tuple[list[Trip], pl.DataFrame]:
    """Round trips from fills, and the position path after each fill as a frame (see
    :func:`~cockpit.journal.trips.walk_trips`)."""
    trips, path = walk_trips(fills)
    frame = pl.DataFrame(
        path,
        schema={
            "ts": pl.Int64,
            "symbol": pl.String,
            "price": pl.Int64,
            "trip": pl.Int64,
            "position": pl.Int64,
            "signed_cost": pl.Int64,
            "realized_ticks": pl.Int64,
        },
        orient="row",
    )
    return trips, frame


def _marks(path: pl.DataFrame, prints: pl.DataFrame) -> pl.DataFrame:
    """Every moment a position was valued: each print (with the position then in force)
    and each fill (at its own price)."""
    at_prints = (
        prints.sort("ts")
        .join_asof(
            path.drop("price").sort("ts"),
            on="ts",
            by="symbol",
            strategy="backward",
            check_sortedness=False,
        )
        .filter(pl.col("position").is_not_null())
    )
    return pl.concat([at_prints, path.select(at_prints.columns)]).sort("ts", maintain_order=True)


def excursions(path: pl.DataFrame, prints: pl.DataFrame) -> pl.DataFrame:
    """Worst and best value of each trip in ticks (``mae_ticks`` <= 0 <= ``mfe_ticks``)."""
    schema = {"trip": pl.Int64, "mae_ticks": pl.Int64, "mfe_ticks": pl.Int64}
    if path.is_empty():
        return pl.DataFrame(schema=schema)
    value = pl.col("realized_ticks") + pl.col("position") * pl.col("price") - pl.col("signed_cost")
    marks = _marks(path, prints)
    inside = marks.filter(pl.col("position") != 0).select("trip", value=value)
    closing = path.select("trip", value=value)
    return (
        pl.concat([inside, closing])
        .group_by("trip")
        .agg(
            mae_ticks=pl.min("value").clip(upper_bound=0),
            mfe_ticks=pl.max("value").clip(lower_bound=0),
        )
        .sort("trip")
    )


def pnl_curve(
    fills: list[Fill],
    path: pl.DataFrame,
    prints: pl.DataFrame,
    instruments: Mapping[str, Instrument],
) -> pl.DataFrame:
    """The day's P&L at the end of each second something happened: realized after fees,
    open at the last print, and their total."""
    schema = {"ts": pl.Int64(), "realized": MONEY, "open": MONEY, "total": MONEY}
    if not fills:
        return pl.DataFrame(schema=schema)
    second = (pl.col("ts") // NS_PER_SECOND) * NS_PER_SECOND
    tick_cents = pl.DataFrame(
        {
            "symbol": list(instruments),
            "tick_cents": [cents(i.tick_value) for i in instruments.values()],
        }
    )
    opened = (
        _marks(path, prints)
        .join(tick_cents, on="symbol")
        .select(
            ts=second,
            symbol="symbol",
            open=(pl.col("position") * pl.col("price") - pl.col("signed_cost"))
            * pl.col("tick_cents"),
        )
        .group_by("ts", "symbol", maintain_order=True)
        .last()
        .pivot(on="symbol", index="ts", values="open")
        .sort("ts")
    )
    symbols = [c for c in opened.columns if c != "ts"]
    opened = opened.select(
        "ts", open=pl.sum_horizontal(pl.col(symbols).forward_fill().fill_null(0))
    )
    realized = (
        pl.DataFrame(
            {"ts": [f.ts for f in fills], "delta": [cents((f.pnl or ZERO) - f.fee) for f in fills]}
        )
        .select(ts=second, realized=pl.col("delta").cum_sum())
        .group_by("ts", maintain_order=True)
        .last()
    )
    curve = (
        pl.concat([opened.select("ts"), realized.select("ts")])
        .unique()
        .sort("ts")
        .join_asof(opened, on="ts", strategy="backward")
        .join_asof(realized, on="ts", strategy="backward")
        .with_columns(pl.col("open", "realized").fill_null(0))
        .with_columns(total=pl.col("realized") + pl.col("open"))
    )
    return curve.select(
        "ts",
        *(
            (pl.col(name).cast(MONEY) / 100).cast(MONEY).alias(name)
            for name in ("realized", "open", "total")
        ),
    )


@dataclass(frozen=True)
class Summary:
    trades: int
    wins: int
    losses: int
    gross: Decimal
    fees: Decimal
    net: Decimal
    best: Decimal | None
    worst: Decimal | None
    max_drawdown: Decimal
    """Largest fall of the P&L curve from its high-water mark (0 or negative)."""
    open_trades: int

    @property
    def win_rate(self) -> float | None:
        closed = self.wins + self.losses
        return self.wins / closed if closed else None


@dataclass(frozen=True)
class Review:
    header: JournalHeader
    first_ns: int
    last_ns: int
    fills: pl.DataFrame
    trades: pl.DataFrame
    curve: pl.DataFrame
    rule_hits: pl.DataFrame
    summary: Summary
    truncated: Truncation | None
    brackets: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Each bracketed trade's stop, target, what hit and R (``journal/bracket_review.py``)."""


def journal_prints(journal: Journal, symbols: set[str]) -> pl.DataFrame:
    """The tape of ``symbols`` (time, symbol, price in ticks), decoding only prints."""
    ts: list[int] = []
    sym: list[str] = []
    price: list[int] = []
    if symbols:
        for values in journal.raw_values(Printed):
            for v in values:
                if v[1] in symbols:
                    ts.append(v[0])
                    sym.append(v[1])
                    price.append(v[2])
    return pl.DataFrame(
        {"ts": ts, "symbol": sym, "price": price},
        schema={"ts": pl.Int64, "symbol": pl.String, "price": pl.Int64},
    )


def fills_frame(fills: list[Fill], instruments: Mapping[str, Instrument]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            pl.Series("ts", [f.ts for f in fills], pl.Int64),
            pl.Series("symbol", [f.symbol for f in fills], pl.String),
            pl.Series("side", [f.side.label for f in fills], pl.String),
            pl.Series("size", [f.size for f in fills], pl.Int64),
            pl.Series(
                "price",
                [instruments[f.symbol].to_price(f.price) for f in fills],
                pl.Decimal(38, 6),
            ),
            money_column("fee", (f.fee for f in fills)),
            money_column("pnl", (f.pnl for f in fills)),
            pl.Series("order_id", [f.order_id for f in fills], pl.Int64),
            pl.Series("fill_id", [f.id for f in fills], pl.Int64),
        ]
    )


def trades_frame(
    trips: list[Trip], extremes: pl.DataFrame, instruments: Mapping[str, Instrument]
) -> pl.DataFrame:
    worst = dict(zip(extremes["trip"].to_list(), extremes["mae_ticks"].to_list(), strict=True))
    best = dict(zip(extremes["trip"].to_list(), extremes["mfe_ticks"].to_list(), strict=True))
    rows: dict[str, list[Any]] = {k: [] for k in TRADE_COLUMNS}
    for number, trip in enumerate(trips):
        spec = instruments[trip.symbol]
        rows["trade"].append(number + 1)
        rows["symbol"].append(trip.symbol)
        rows["side"].append("LONG" if trip.direction > 0 else "SHORT")
        rows["entry_ns"].append(trip.entry_ns)
        rows["exit_ns"].append(trip.exit_ns)
        rows["size"].append(trip.size)
        rows["entry"].append(_average(spec, trip.entry_ticks, trip.entered))
        rows["exit"].append(_average(spec, trip.exit_ticks, trip.exited))
        rows["ticks"].append(trip.ticks)
        rows["pnl"].append(trip.pnl)
        rows["fees"].append(trip.fees)
        rows["net"].append(trip.pnl - trip.fees)
        rows["seconds"].append(
            None if trip.exit_ns is None else (trip.exit_ns - trip.entry_ns) / NS_PER_SECOND
        )
        rows["mae"].append(spec.money(worst.get(number, 0)))
        rows["mfe"].append(spec.money(best.get(number, 0)))
        rows["fills"].append(trip.fills)
    return pl.DataFrame(
        [
            pl.Series(name, values, dtype=TRADE_COLUMNS[name])
            if TRADE_COLUMNS[name] != MONEY
            else money_column(name, values)
            for name, values in rows.items()
        ]
    )


TRADE_COLUMNS: dict[str, Any] = {
    "trade": pl.Int64,
    "symbol": pl.String,
    "side": pl.String,
    "entry_ns": pl.Int64,
    "exit_ns": pl.Int64,
    "size": pl.Int64,
    "entry": pl.Decimal(38, 6),
    "exit": pl.Decimal(38, 6),
    "ticks": pl.Int64,
    "pnl": MONEY,
    "fees": MONEY,
    "net": MONEY,
    "seconds": pl.Float64,
    "mae": MONEY,
    "mfe": MONEY,
    "fills": pl.Int64,
}


def _average(spec: Instrument, ticks: int, contracts: int) -> Decimal | None:
    if not contracts:
        return None
    return (Decimal(ticks) * spec.tick_size / contracts).quantize(Decimal("0.000001"))


def rule_hits_frame(journal: Journal) -> pl.DataFrame:
    """Every rule decision: denials, enforcement, risk state changes, lockouts."""
    rows = [
        _rule_row(record.item)
        for record in journal.items(FrameFlag.DECISIONS | FrameFlag.LOCKOUTS, RULE_EVENTS)
        if record.kind is RecordKind.OUT
    ]
    return pl.DataFrame(
        rows,
        schema={"ts": pl.Int64, "kind": pl.String, "rule": pl.String, "detail": pl.String},
        orient="row",
    )


def _rule_row(item: Any) -> tuple[int, str, str, str]:
    if isinstance(item, OrderDenied):
        return item.ts, "denied", item.rule, f"{item.command}: {item.reason}"
    if isinstance(item, EnforcementTaken):
        return item.ts, "enforced", item.rule, f"{item.action}: {item.detail}"
    if isinstance(item, RiskStateChanged):
        return item.ts, "risk state", item.rule, f"{item.previous} -> {item.state}: {item.reason}"
    if isinstance(item, LockoutStarted):
        return item.ts, "lockout", item.source, item.reason
    return item.ts, "lockout ended", "", item.reason


def summarize(trips: list[Trip], curve: pl.DataFrame) -> Summary:
    closed = [t for t in trips if t.exit_ns is not None]
    nets = [t.pnl - t.fees for t in closed]
    gross = sum((t.pnl for t in trips), ZERO)
    fees = sum((t.fees for t in trips), ZERO)
    drawdown = ZERO
    if not curve.is_empty():
        totals = curve["total"].to_list()
        peak = ZERO
        for value in totals:
            peak = max(peak, value)
            drawdown = min(drawdown, value - peak)
    return Summary(
        trades=len(closed),
        wins=sum(1 for n in nets if n > 0),
        losses=sum(1 for n in nets if n <= 0),
        gross=gross,
        fees=fees,
        net=gross - fees,
        best=max(nets) if nets else None,
        worst=min(nets) if nets else None,
        max_drawdown=drawdown,
        open_trades=len(trips) - len(closed),
    )


def review(journal: Journal) -> Review:
    """Everything the review screen and ``cockpit review`` show, from one journal."""
    instruments = journal.header.instruments
    fills = journal_fills(journal)
    trips, path = round_trips(fills, instruments)
    prints = journal_prints(journal, {f.symbol for f in fills})
    extremes = excursions(path, prints)
    curve = pnl_curve(fills, path, prints, instruments)
    brackets = pl.DataFrame()
    if recorded_brackets(journal):
        orders = journal_orders(journal)
        brackets = bracket_frame(trips, fills, orders, instruments)
    return Review(
        header=journal.header,
        first_ns=journal.first_ns,
        last_ns=journal.last_ns,
        fills=fills_frame(fills, instruments),
        trades=trades_frame(trips, extremes, instruments),
        curve=curve,
        rule_hits=rule_hits_frame(journal),
        summary=summarize(trips, curve),
        truncated=journal.truncated,
        brackets=brackets,
    )


def quick_summary(journal: Journal) -> Summary:
    """Trades and P&L from the fills alone (no prints): what ``journal list`` shows."""
    trips, _ = round_trips(journal_fills(journal), journal.header.instruments)
    return summarize(trips, pl.DataFrame())
