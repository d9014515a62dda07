"""The chart's pure rendering: candle shapes without colour, and an axis that never
prints a price twice."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.bars import Bar, timeframe
from cockpit.core.instruments import INSTRUMENTS
from cockpit.ui.chartgrid import HOLLOW, ChartSpec, Overlay, Row, render_chart

START = 1_700_000_000_000_000_000
MCL = INSTRUMENTS["MCL"]


def bars(*candles: tuple[int, int, int, int], seconds: int = 1) -> list[Bar]:
    """Bars from (open, high, low, close) in ticks, one per ``seconds``."""
    return [
        Bar(START + i * seconds * 1_000_000_000, o, h, lo, c, 10)
        for i, (o, h, lo, c) in enumerate(candles)
    ]


def glyphs(rows: list[Row], style: str) -> set[str]:
    """Every non-blank character drawn in ``style``."""
    return {ch for row in rows for text, s in row if s == style for ch in text if ch != " "}


def axis_prices(rows: list[Row]) -> list[str]:
    """The prices the axis prints (last, orders, average, grid), top to bottom."""
    found = []
    for row in rows:
        for text, style in row:
            if style in {"axis", "last", "avg", "buy", "sell"} and text.strip():
                word = text.strip().lstrip("◀=BS")
                if word[:1].isdigit():
                    found.append(word)
    return found


UP_AND_DOWN = bars((100, 110, 98, 108), (108, 109, 96, 97), (97, 105, 95, 104), seconds=60)


def test_without_colour_up_bodies_are_hollow_and_down_bodies_solid() -> None:
    """With hollow_up (NO_COLOR) an up candle's body is drawn ░, a down candle's █ ▀ ▄:
    the shape tells them apart, not a grey."""
    spec = ChartSpec(UP_AND_DOWN, timeframe("1m"), MCL.format, hollow_up=True)
    rows = render_chart(spec, 40, 20)
    up, down = glyphs(rows, "up"), glyphs(rows, "down")
    assert HOLLOW in up
    assert not up & set("█▀▄")
    assert down & set("█▀▄")
    assert HOLLOW not in down


def test_with_colour_both_bodies_are_solid() -> None:
    """In colour the bodies stay solid half-blocks (colour tells up from down)."""
    rows = render_chart(ChartSpec(UP_AND_DOWN, timeframe("1m"), MCL.format), 40, 20)
    assert glyphs(rows, "up") & set("█▀▄")
    assert HOLLOW not in glyphs(rows, "up")


def test_a_flat_one_second_chart_prints_each_price_once() -> None:
    """MCL at 1s on a flat market (one tick of range): the grid rows round to the same
    ticks, and each price still appears once on the axis."""
    flat = bars(
        *[(6148, 6149, 6148, 6149) if i % 2 else (6149, 6149, 6148, 6148) for i in range(30)]
    )
    spec = ChartSpec(flat, timeframe("1s"), MCL.format, last=6149)
    prices = axis_prices(render_chart(spec, 60, 24))
    assert len(prices) == len(set(prices)), prices
    assert "61.49" in prices


@given(
    low=st.integers(min_value=1000, max_value=1010),
    span=st.integers(min_value=0, max_value=12),
    height=st.integers(min_value=6, max_value=40),
    order=st.integers(min_value=-3, max_value=15),
)
def test_the_axis_never_prints_a_price_twice(low: int, span: int, height: int, order: int) -> None:
    """Whatever the range and height, with the last price and a working order on the
    axis, no price is printed on two rows."""
    candles = bars(*[(low, low + span, low, low + span // 2)] * 20)
    spec = ChartSpec(
        candles,
        timeframe("1s"),
        MCL.format,
        last=low + span // 2,
        overlays=[Overlay(low + order, "B1", "buy")],
    )
    prices = axis_prices(render_chart(spec, 60, height))
    assert len(prices) == len(set(prices)), prices
