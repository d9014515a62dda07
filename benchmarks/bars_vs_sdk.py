"""Bars from prints: the cockpit's builder against project-x-py's RealtimeDataManager.

The same 100,000 ``GatewayTrade`` payloads (one MNQ print each, from the synthetic tape)
go through both, in one run:

* the cockpit: the adapter's parse (``parse_prints``) and ``State.apply(Printed)``,
  which builds every timeframe from 1 second to 1 day;
* the SDK: ``RealtimeDataManager._on_trade_update`` with the 1min and 5min timeframes
  (its 1 ms rate limit is switched off, or it would drop most of a fast tape unseen).

The figure is how many times faster the cockpit is; the target is 100x. The SDK part
takes a few minutes on a 2-core machine (that is the point). ``BARS_TICKS`` in the
environment runs fewer ticks for a quick look.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import time
from typing import Any

from benchmarks._common import Figure, machine, median_of
from cockpit.brokers import projectx_redact
from cockpit.brokers.projectx_payloads import ContractBook, parse_prints
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import Printed
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.state import State
from cockpit.gateway.render import iso
from cockpit.market.synthetic import SyntheticMarket

TICKS = int(os.environ.get("BARS_TICKS", "100000"))
SYMBOL = "MNQ"
CONTRACT = "CON.F.US.MNQ.Z26"
START_NS = 1_795_000_000 * NS_PER_SECOND


def tape(count: int) -> list[dict[str, Any]]:
    """``count`` market_trade callback payloads, as the SDK hands them to a callback."""
    market = SyntheticMarket([SYMBOL], seed=11, start_ns=START_NS)
    spec = INSTRUMENTS[SYMBOL]
    out: list[dict[str, Any]] = []
    until = START_NS
    while len(out) < count:
        until += 60 * NS_PER_SECOND
        for event in market.advance(until):
            if isinstance(event, Printed) and len(out) < count:
                trade = {
                    "symbolId": spec.symbol_id,
                    "price": float(spec.to_price(event.price)),
                    "timestamp": iso(event.ts),
                    "type": int(event.aggressor) if event.aggressor is not None else 0,
                    "volume": event.size,
                }
                out.append({"contract_id": CONTRACT, "data": [trade]})
    return out


def cockpit_rate(payloads: list[dict[str, Any]]) -> float:
    """Ticks per second through the adapter's parse and the core's bar builder."""
    book = ContractBook()
    book.add(INSTRUMENTS[SYMBOL], CONTRACT, "MNQZ6")
    state = State(INSTRUMENTS, [SYMBOL])
    apply = state.apply
    started = time.perf_counter()
    for payload in payloads:
        for printed in parse_prints(payload["contract_id"], payload["data"], book):
            apply(printed)
    elapsed = time.perf_counter() - started
    assert state.volume[SYMBOL] == sum(p["data"][0]["volume"] for p in payloads)
    return len(payloads) / elapsed


def sdk_rate(payloads: list[dict[str, Any]]) -> float:
    """Ticks per second through the SDK's RealtimeDataManager (1min and 5min)."""
    import polars as pl
    from project_x_py import ProjectX
    from project_x_py.event_bus import EventBus
    from project_x_py.realtime import ProjectXRealtimeClient
    from project_x_py.realtime_data_manager import RealtimeDataManager

    client = ProjectX("benchmark", "benchmark-key")
    realtime = ProjectXRealtimeClient("a.b.c", "1")
    with contextlib.redirect_stdout(io.StringIO()):  # its loggers are born printing JSON
        manager = RealtimeDataManager(
            SYMBOL, client, realtime, event_bus=EventBus(), timeframes=["1min", "5min"]
        )
    projectx_redact.install()  # route the SDK's loggers to ours (quiet below WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    manager.is_running = True
    manager.instrument_symbol_id = SYMBOL
    manager._min_update_interval = 0.0  # process every tick (the default drops some)
    schema = {
        "timestamp": pl.Datetime("us", "America/Chicago"),
        "open": pl.Float64,
        "high": pl.Float64,
        "low": pl.Float64,
        "close": pl.Float64,
        "volume": pl.Int64,
    }
    for key in manager.timeframes:
        manager.data[key] = pl.DataFrame(schema=schema)

    async def feed() -> float:
        started = time.perf_counter()
        for payload in payloads:
            await manager._on_trade_update(payload)
        return time.perf_counter() - started

    elapsed = cockpit_loop.run(feed())
    total = sum(p["data"][0]["volume"] for p in payloads)
    for key in manager.timeframes:
        assert manager.data[key]["volume"].sum() == total, f"the SDK dropped ticks in {key}"
    return len(payloads) / elapsed


def run() -> Figure:
    payloads = tape(TICKS)
    ours, runs = median_of(3, lambda: cockpit_rate(payloads))
    print(f"cockpit: {ours:,.0f} ticks/s (runs {', '.join(f'{r:,.0f}' for r in runs)})")
    theirs = sdk_rate(payloads)
    print(f"project-x-py RealtimeDataManager (1min+5min): {theirs:,.0f} ticks/s")
    ratio = ours / theirs
    return Figure(
        name="bars from prints, cockpit vs project-x-py",
        value=ratio,
        unit="x faster",
        target=">= 100x",
        met=ratio >= 100,
        detail=f"{len(payloads):,} ticks; {ours:,.0f} vs {theirs:,.0f} ticks/s; {machine()}",
    )


if __name__ == "__main__":
    print(run().line())
