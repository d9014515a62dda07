"""``cockpit journal export``: a journal's fills, round trips, rule hits, P&L curve and
every record, as Parquet or CSV files that polars, pandas or a spreadsheet read."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import polars as pl

from cockpit.journal import codec
from cockpit.journal.reader import Journal
from cockpit.journal.review import Review

FORMATS = ("parquet", "csv")


def events_frame(journal: Journal) -> pl.DataFrame:
    """Every record: position, engine time, kind, type, symbol and its fields as JSON."""
    positions: list[int] = []
    times: list[int] = []
    kinds: list[str] = []
    types: list[str] = []
    symbols: list[str | None] = []
    data: list[str] = []
    names: dict[type, list[str]] = {}
    for position, record in enumerate(journal):
        item = record.item
        cls = type(item)
        fields = names.get(cls)
        if fields is None:
            fields = names[cls] = [f.name for f in dataclasses.fields(item)]
        positions.append(position)
        times.append(record.ns)
        kinds.append(record.kind.name.lower())
        types.append(cls.__name__)
        symbols.append(_symbol(item))
        values = dict(zip(fields, codec.fields_of(item), strict=True))
        data.append(codec.dumps(values).decode())
    return pl.DataFrame(
        {
            "position": positions,
            "ns": times,
            "kind": kinds,
            "type": types,
            "symbol": symbols,
            "data": data,
        },
        schema={
            "position": pl.Int64,
            "ns": pl.Int64,
            "kind": pl.String,
            "type": pl.String,
            "symbol": pl.String,
            "data": pl.String,
        },
    )


def _symbol(item: Any) -> str | None:
    symbol = getattr(item, "symbol", None)
    if symbol is None:
        for inner in ("fill", "order", "position", "request"):
            nested = getattr(item, inner, None)
            if nested is not None:
                return getattr(nested, "symbol", None)
    return symbol


def export(journal: Journal, review: Review, out: Path, fmt: str = "parquet") -> list[Path]:
    """Write every table next to each other in ``out``; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    stem = journal.parts[0].name.removesuffix(".ckj")
    tables = {
        "fills": review.fills,
        "trades": review.trades,
        "rule_hits": review.rule_hits,
        "pnl_curve": review.curve,
        "events": events_frame(journal),
    }
    written = []
    for name, frame in tables.items():
        path = out / f"{stem}.{name}.{fmt}"
        if fmt == "parquet":
            frame.write_parquet(path)
        else:
            frame.write_csv(path)
        written.append(path)
    return written
