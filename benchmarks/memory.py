"""Memory: resident set size over one simulated trading hour, and whether it still grows.

The real app runs headless at 120x40 on a fake clock that the benchmark moves one
second at a time: each simulated second feeds 50 quotes and 20 prints across the six
default instruments (stamped at that second), then drains the state into the widgets
and lets Textual paint, so the hour's 3,600 seconds all reach the screen. A round trip
(buy one MNQ, sell it back) every two minutes adds orders, fills and fills_and_events lines. The
app's own 15 Hz timer keeps draining in real time on top.

RSS is sampled every simulated minute. "Not growing" is judged on the last half hour,
once the chart's 1-second bars have reached their cap (3,000 bars, 50 minutes counting
the half hour of history loaded at start): the slope of RSS over those samples, in MB
per hour, must stay under 5% of the figure's budget.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime

import psutil

from benchmarks._common import Figure
from benchmarks._headless import headless, until_started
from benchmarks._session import bench_session
from benchmarks._storm import STORM_SYMBOLS, moves
from cockpit.config import Settings, UiSettings
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import EXCHANGE_TZ, NS_PER_SECOND, FakeClock, ns_from_datetime
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.models import Side
from cockpit.ui.app import make_app

QUOTES = 50
PRINTS = 20
SECONDS = 3600
ROUND_TRIP_EVERY = 120
TARGET_MB = 200.0
GROWTH_LIMIT = TARGET_MB * 0.05
"""MB per hour of RSS slope over the last half hour that still counts as flat."""
START_NS = ns_from_datetime(datetime(2026, 11, 20, 8, 30, tzinfo=EXCHANGE_TZ))
"""The open of a Friday session in Chicago."""


def slope_mb_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (simulated seconds, MB) samples, in MB per hour."""
    xs = [x for x, _ in samples]
    ys = [y for _, y in samples]
    return statistics.linear_regression(xs, ys).slope * 3600


async def trading_hour() -> tuple[list[tuple[float, float]], float, int]:
    """RSS samples (simulated second, MB), the real seconds it took, and the fills made."""
    clock = FakeClock(START_NS)
    settings = Settings(ui=UiSettings(watchlist=list(STORM_SYMBOLS)))
    session = bench_session(settings, clock=clock)
    app = make_app(session)
    process = psutil.Process()
    per_second = QUOTES + PRINTS
    samples: list[tuple[float, float]] = []
    async with headless(app) as pilot:
        await until_started(session)
        engine = session.engine
        account = getattr(session.broker, "account", None)
        engine.submit(SetArmed(armed=True))
        bids = {s: q.bid for s, q in session.state.quotes.items()}
        # One tape of a minute, replayed: the walk restarts each minute, so prices stay
        # in range all hour and nothing is generated inside the timed loop.
        minute = moves(
            STORM_SYMBOLS, per_second * 60, print_share=PRINTS / per_second, start_bids=bids
        )
        spacing = NS_PER_SECOND // per_second
        started = time.perf_counter()
        samples.append((0.0, process.memory_info().rss / 2**20))
        for second in range(1, SECONDS + 1):
            base = clock.advance(1.0) - NS_PER_SECOND
            offset = (second - 1) % 60 * per_second
            for i, move in enumerate(minute[offset : offset + per_second]):
                event = move.event(base + i * spacing)
                engine.on_event(event)
                if account is not None:
                    account.on_market(event)
            if second % ROUND_TRIP_EVERY == 0:
                side = Side.BUY if second % (2 * ROUND_TRIP_EVERY) else Side.SELL
                await engine.execute(PlaceOrder(symbol="MNQ", side=side, size=1))
            app.drain()
            await pilot.pause(0)
            if second % 60 == 0:
                samples.append((float(second), process.memory_info().rss / 2**20))
        wall = time.perf_counter() - started
        fills = len(session.state.fills)
        await session.stop()
    return samples, wall, fills


def run() -> Figure:
    samples, wall, fills = cockpit_loop.run(trading_hour())
    final = samples[-1][1]
    peak = max(mb for _, mb in samples)
    half = [s for s in samples if s[0] >= SECONDS / 2]
    slope = slope_mb_per_hour(half)
    whole = slope_mb_per_hour(samples)
    return Figure(
        name="memory",
        value=final,
        unit="MB RSS after an hour",
        target=f"< {TARGET_MB:.0f} MB, last half hour < {GROWTH_LIMIT:.0f} MB/h",
        met=peak < TARGET_MB and slope < GROWTH_LIMIT,
        detail=(
            f"start {samples[0][1]:.0f} MB, peak {peak:.0f} MB; slope {slope:+.1f} MB/h over "
            f"the last half hour ({whole:+.1f} MB/h over the hour); {QUOTES} quotes + "
            f"{PRINTS} prints/s on 6 instruments, {fills} fills; one run, "
            f"the hour took {wall:.0f} s"
        ),
    )


if __name__ == "__main__":
    print(run().line())
