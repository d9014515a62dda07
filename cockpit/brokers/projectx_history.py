"""Chart history from ``/History/retrieveBars``: the bases the core folds into every bar size.

One-minute bars for a day and more (the forming minute included, so live prints extend
it) and closed one-second bars for the last half hour, emitted in that order, coarse
first (the core's history hand-over expects it). The prior day's settle comes from
the last minute before the trading day began.
"""

from __future__ import annotations

from collections.abc import Callable

from cockpit.brokers.projectx_payloads import Call, ContractBook, MalformedPayload, parse_bars, rows
from cockpit.core.bars import ONE_MINUTE, ONE_SECOND, Bar
from cockpit.core.broker import EventSink
from cockpit.core.clock import NS_PER_SECOND, datetime_from_ns
from cockpit.core.events import BarsLoaded, DayStatsUpdated
from cockpit.core.instruments import Instrument
from cockpit.core.tradingday import trading_day_start

MINUTE_SPAN = 26 * 3600
"""Seconds of 1-minute history: a trading day and the settle before it."""
SECOND_SPAN = 30 * 60
SECOND_UNIT = 1
MINUTE_UNIT = 2


async def load_history(
    call: Call,
    book: ContractBook,
    now: int,
    emit: EventSink,
    bad: Callable[[str, Exception, object], None],
) -> None:
    """BarsLoaded (1m, then 1s) and the settle, for every contract traded."""
    day_start = trading_day_start(now)
    for symbol, contract_id in list(book.ids.items()):
        spec = book.specs[contract_id]
        try:
            minutes = await bars(call, contract_id, spec, MINUTE_UNIT, MINUTE_SPAN, now, True)
            seconds = await bars(call, contract_id, spec, SECOND_UNIT, SECOND_SPAN, now, False)
        except MalformedPayload as exc:
            bad("bars", exc, contract_id)
            continue
        emit(BarsLoaded(now, symbol, ONE_MINUTE.label, minutes))
        emit(BarsLoaded(now, symbol, ONE_SECOND.label, seconds))
        before = [bar for bar in minutes if bar.start < day_start]
        if before:
            emit(DayStatsUpdated(now, symbol, before[-1].close))


async def bars(
    call: Call,
    contract_id: str,
    spec: Instrument,
    unit: int,
    span_seconds: int,
    now: int,
    partial: bool,
) -> tuple[Bar, ...]:
    """One ``retrieveBars`` request for bars of one unit over the last ``span_seconds``."""
    per_bar = 60 if unit == MINUTE_UNIT else 1
    body = {
        "contractId": contract_id,
        "live": False,
        "startTime": datetime_from_ns(now - span_seconds * NS_PER_SECOND).isoformat(),
        "endTime": datetime_from_ns(now).isoformat(),
        "unit": unit,
        "unitNumber": 1,
        "limit": span_seconds // per_bar + 1,
        "includePartialBar": partial,
    }
    return parse_bars(rows(await call("/History/retrieveBars", body), "bars"), spec)
