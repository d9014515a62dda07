"""Review analytics: round trips, flips, fees, MAE/MFE and the P&L curve, by hand."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Fill, Side
from cockpit.journal.reader import open_journal
from cockpit.journal.review import excursions, pnl_curve, review, round_trips, trades_frame
from cockpit.journal.show import trades_table

from .conftest import START_NS, Recorded

S = 1_000_000_000
MES = INSTRUMENTS["MES"]  # tick 0.25, $1.25 a tick


def fill(n: int, side: Side, size: int, price: int, seconds: int, pnl_ticks: int | None) -> Fill:
    pnl = None if pnl_ticks is None else MES.money(pnl_ticks)
    fee = Decimal("0.37") * size
    return Fill(n, n, 1, "MES", side, size, price, fee, pnl, START_NS + seconds * S)


FILLS = [
    fill(1, Side.BUY, 2, 100, 1, None),  # long 2 @ 100
    fill(2, Side.SELL, 3, 103, 4, 6),  # closes 2 (+3 ticks each) and flips short 1 @ 103
    fill(3, Side.BUY, 1, 101, 6, 2),  # covers the short: +2 ticks
]
PRINTS = pl.DataFrame(
    {
        "ts": [START_NS + s * S for s in (2, 3, 5)],
        "symbol": ["MES"] * 3,
        "price": [98, 104, 105],
    }
)


def test_a_flip_closes_one_round_trip_and_opens_the_next() -> None:
    """Long 2 then sell 3: a long trip closed at 103 and a short trip opened there."""
    trips, _ = round_trips(FILLS, INSTRUMENTS)
    assert [(t.direction, t.size, t.entered, t.exited) for t in trips] == [
        (1, 2, 2, 2),
        (-1, 1, 1, 1),
    ]
    assert [t.pnl for t in trips] == [MES.money(6), MES.money(2)]
    assert trips[0].fees == Decimal("0.74") + Decimal("0.74")  # entry 2 + two thirds of 1.11
    assert trips[1].fees == Decimal("0.37") + Decimal("0.37")
    assert sum(t.fees for t in trips) == sum(f.fee for f in FILLS)


def test_mae_and_mfe_come_from_the_prints_while_open() -> None:
    """Long 2 @ 100 saw 98 and 104: -4 and +8 ticks; short @ 103 saw 105: -2, closed +2."""
    trips, path = round_trips(FILLS, INSTRUMENTS)
    extremes = excursions(path, PRINTS)
    assert extremes.rows() == [(0, -4, 8), (1, -2, 2)]
    trades = trades_frame(trips, extremes, INSTRUMENTS)
    assert trades["mae"].to_list() == [MES.money(-4), MES.money(-2)]
    assert trades["mfe"].to_list() == [MES.money(8), MES.money(2)]
    assert trades["side"].to_list() == ["LONG", "SHORT"]
    assert [str(v) for v in trades["entry"].to_list()] == ["25.000000", "25.750000"]
    assert trades["seconds"].to_list() == [3.0, 2.0]


def test_the_curve_ends_at_the_day_net() -> None:
    """The P&L curve's last total is realized minus fees once flat, and it moved with
    the open position on the way."""
    _, path = round_trips(FILLS, INSTRUMENTS)
    curve = pnl_curve(FILLS, path, PRINTS, {"MES": MES})
    net = sum((f.pnl or Decimal(0)) - f.fee for f in FILLS)
    assert curve["total"].to_list()[-1] == net
    assert curve["open"].to_list()[:2] == [Decimal(0), MES.money(-4)]  # bought at 100, then 98


def test_review_of_the_recorded_session_matches_the_live_figures(recorded: Recorded) -> None:
    """Three round trips whose nets sum to the live realized P&L after fees."""
    with open_journal(recorded.path) as journal:
        result = review(journal)
    assert result.summary.trades == 3
    assert result.summary.net == recorded.net
    assert result.trades["net"].sum() == recorded.net
    assert result.fills.height == len(recorded.fills)
    assert result.rule_hits["rule"].to_list() == ["armed", "tick grid", "armed"]
    assert all(m <= 0 for m in result.trades["mae"].to_list())
    assert all(m >= 0 for m in result.trades["mfe"].to_list())


def test_each_round_trip_has_its_pnl_in_ticks() -> None:
    """The flip's two trips made +6 and +2 ticks over their contracts, in the trades frame
    and in the review's table beside the dollars."""
    trips, _ = round_trips(FILLS, INSTRUMENTS)
    assert [t.ticks for t in trips] == [6, 2]
    frame = trades_frame(
        trips, pl.DataFrame({"trip": [], "mae_ticks": [], "mfe_ticks": []}), INSTRUMENTS
    )
    assert frame["ticks"].to_list() == [6, 2]


def test_the_recorded_trips_ticks_are_worth_their_pnl(recorded: Recorded) -> None:
    """Every round trip of the recorded session: its ticks times the tick value are its P&L,
    and the review's table shows them (`+Nt`)."""
    with open_journal(recorded.path) as journal:
        result = review(journal)
    for row in result.trades.iter_rows(named=True):
        assert INSTRUMENTS[row["symbol"]].money(row["ticks"]) == row["pnl"]
    table = trades_table(result)
    assert "Ticks" in [column.header for column in table.columns]
