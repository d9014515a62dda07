"""Risk evaluation per event: what the risk engine adds to every event with every rule on.

A recorded-style stream (the synthetic market's quotes and prints for six instruments,
with order updates, fills and position updates mixed in) is folded into the state as the
engine does, and only the risk engine's ``on_event`` is timed, event by event. Positions
are open in two instruments all along, so the P&L limits are re-read on their ticks.
The figure is the 99th percentile; the target is under 50 µs.
"""

from __future__ import annotations

import time
from decimal import Decimal

from benchmarks._common import Figure, machine, median_of, percentile
from cockpit.core.clock import FakeClock
from cockpit.core.engine import Engine
from cockpit.core.events import (
    AccountUpdated,
    ConnectionChanged,
    Event,
    FillReceived,
    Link,
    LinkStatus,
    OrderUpdated,
    PositionUpdated,
    Reconciled,
)
from cockpit.core.instruments import DEFAULT_WATCHLIST, INSTRUMENTS
from cockpit.core.models import Account, Fill, Order, OrderStatus, OrderType, Position, Side
from cockpit.core.state import State
from cockpit.market.synthetic import SyntheticMarket
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine
from cockpit.risk.rules import RULES

START = 1_773_154_800_000_000_000  # Tuesday 10 March 2026, 10:00 Chicago
SECONDS = 900
TARGET_US = 50.0

ALL_RULES = {
    "daily_loss": {"limit": 1_000_000, "trailing": True},
    "weekly_loss": {"limit": 1_000_000},
    "profit_target": {"target": 1_000_000},
    "max_position": {"micros": 10_000},
    "contract_limit": {"contracts": 1_000},
    "scaling": {"steps": [{"balance": 1, "contracts": 1_000}]},
    "max_order_size": {"contracts": 1_000},
    "fills_per_day": {"limit": 1_000_000},
    "weekly_trades": {"max": 1_000_000, "min": 1},
    "consecutive_losses": {"limit": 1_000_000},
    "cooldown": {"tiers": [{"loss": 1_000_000, "minutes": 5}]},
    "trade_clock": {"minutes": 0.001},
    "trading_hours": {
        "windows": ["00:00-23:59"],
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "flat_by": "15:10",
        "no_entries_minutes": 10,
    },
    "symbols": {"block": ["CL"]},
    "require_stop": {"grace_seconds": 3600},
    "throttle": {"orders": 1_000},
    "no_adding_to_loser": {"enabled": True},
    "fat_finger": {"max_ticks": 1_000, "confirm_above": 500},
    "stale": {"feed_seconds": 600, "account": True},
    "max_loss": {"amount": 1_000_000, "mode": "intraday-trailing", "buffer": 100},
    "no_widening": {"enabled": True},
    "max_risk_per_trade": {"amount": 1_000_000},
}


def stream() -> list[Event]:
    """Market events with an account event every 40 of them (orders, fills, positions)."""
    market = SyntheticMarket(DEFAULT_WATCHLIST, seed=11, start_ns=START)
    events: list[Event] = list(market.opening_quotes())
    order_id = 1000
    size = {"MNQ": 2, "MES": 1}
    for n, event in enumerate(market.advance(START + SECONDS * 1_000_000_000)):
        events.append(event)
        if n % 40:
            continue
        order_id += 1
        symbol = "MNQ" if order_id % 2 else "MES"
        bid, _ = market.touch(symbol)
        order = Order(
            order_id, 1, symbol, Side.BUY, OrderType.LIMIT, 1, OrderStatus.OPEN, limit=bid - 20
        )
        events.append(OrderUpdated(event.ts, order))
        if order_id % 3 == 0:
            filled = Order(
                order_id, 1, symbol, Side.BUY, OrderType.LIMIT, 1, OrderStatus.FILLED, bid - 20
            )
            fill = Fill(
                order_id,
                order_id,
                1,
                symbol,
                Side.BUY,
                1,
                bid - 20,
                Decimal("0.37"),
                None,
                event.ts,
            )
            size[symbol] += 1
            events += [
                OrderUpdated(event.ts, filled),
                FillReceived(event.ts, fill),
                PositionUpdated(event.ts, Position(1, symbol, size[symbol], size[symbol] * bid)),
            ]
        else:
            cancelled = Order(
                order_id, 1, symbol, Side.BUY, OrderType.LIMIT, 1, OrderStatus.CANCELLED, bid - 20
            )
            events.append(OrderUpdated(event.ts, cancelled))
    return events


def measure(events: list[Event]) -> list[float]:
    """Microseconds the risk engine spends on each event."""
    clock = FakeClock(START)
    state = State(INSTRUMENTS, DEFAULT_WATCHLIST)
    engine = Engine(state, clock)
    risk = RiskEngine(RiskSettings.model_validate(ALL_RULES), clock)
    risk.attach(engine)
    assert len(risk.rules) == len(RULES), "every rule must be on"
    for link in Link:
        engine.on_event(ConnectionChanged(START, link, LinkStatus.CONNECTED))
    engine.on_event(Reconciled(START))
    engine.on_event(AccountUpdated(START, Account(1, "BENCH", Decimal(50_000))))
    for symbol, held in (("MNQ", 2), ("MES", 1)):
        engine.on_event(PositionUpdated(START, Position(1, symbol, held, held * 80_000)))
    timings: list[float] = []
    on_event = risk.on_event
    apply = state.apply
    perf = time.perf_counter_ns
    for event in events:
        clock.set(event.ts)
        apply(event)
        begin = perf()
        on_event(event, state)
        timings.append((perf() - begin) / 1000)
    return timings


def run() -> Figure:
    events = stream()
    runs: list[list[float]] = []

    def once() -> float:
        timings = measure(events)
        runs.append(timings)
        return percentile(timings, 99)

    p99, _ = median_of(5, once)
    timings = sorted(runs[-1])
    mean = sum(timings) / len(timings)
    return Figure(
        name=f"risk evaluation per event, all {len(RULES)} rules on",
        value=p99,
        unit="µs p99",
        target=f"< {TARGET_US:.0f} µs",
        met=p99 < TARGET_US,
        detail=(
            f"p50 {percentile(timings, 50):.2f} µs, mean {mean:.2f} µs, "
            f"max {timings[-1]:.1f} µs over {len(events):,} events; {machine()}"
        ),
    )


if __name__ == "__main__":
    print(run().line())
