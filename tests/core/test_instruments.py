"""Contract specs, exact prices and money, front months and ProjectX contract ids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.instruments import (
    DEFAULT_WATCHLIST,
    INSTRUMENTS,
    OffTickGrid,
    by_gateway_code,
    instrument,
)

# CME Group contract specs: (tick size, dollars per tick, micro-equivalents, ProjectX root)
CME = {
    "MNQ": ("0.25", "0.50", 1, "MNQ"),
    "MES": ("0.25", "1.25", 1, "MES"),
    "M2K": ("0.10", "0.50", 1, "M2K"),
    "MYM": ("1", "0.50", 1, "MYM"),
    "MGC": ("0.10", "1.00", 1, "MGC"),
    "MCL": ("0.01", "1.00", 1, "MCLE"),
    "NQ": ("0.25", "5.00", 10, "ENQ"),
    "ES": ("0.25", "12.50", 10, "EP"),
    "RTY": ("0.10", "5.00", 10, "RTY"),
    "YM": ("1", "5.00", 10, "YM"),
    "GC": ("0.10", "10.00", 10, "GCE"),
    "CL": ("0.01", "10.00", 10, "CLE"),
}


@pytest.mark.parametrize("symbol", list(CME))
def test_specs_match_cme(symbol: str) -> None:
    """Tick size, tick value, micro weight and ProjectX root are the exchange's."""
    spec = INSTRUMENTS[symbol]
    tick, value, micros, code = CME[symbol]
    assert spec.tick_size == Decimal(tick)
    assert spec.tick_value == Decimal(value)
    assert spec.micros == micros
    assert spec.gateway_code == code
    assert spec.symbol_id == f"F.US.{code}"
    assert spec.fee_per_side > 0


def test_point_values_follow_from_the_ticks() -> None:
    """A full point is worth what traders quote: MNQ $2, MES $5, NQ $20, ES $50, MCL $100."""
    point = {s: INSTRUMENTS[s].tick_value / INSTRUMENTS[s].tick_size for s in INSTRUMENTS}
    assert point["MNQ"] == 2
    assert point["MES"] == 5
    assert point["M2K"] == 5
    assert point["MYM"] == Decimal("0.5")
    assert point["MGC"] == 10
    assert point["MCL"] == 100
    assert point["NQ"] == 20
    assert point["ES"] == 50


def test_default_watchlist_is_the_micros() -> None:
    """The demo watches the six micros, all known."""
    assert DEFAULT_WATCHLIST == ("MNQ", "MES", "M2K", "MYM", "MGC", "MCL")
    assert all(INSTRUMENTS[s].micros == 1 for s in DEFAULT_WATCHLIST)


def test_lookup_is_case_insensitive_and_unknown_lists_the_valid() -> None:
    """instrument('mnq') works; an unknown root names every valid one."""
    assert instrument("mnq") is INSTRUMENTS["MNQ"]
    with pytest.raises(KeyError, match="unknown symbol 'ZZ'; valid symbols: MNQ, MES"):
        instrument("ZZ")


def test_gateway_code_maps_back() -> None:
    """EP is ES and ENQ is NQ; an unknown root is None."""
    assert by_gateway_code("EP") is INSTRUMENTS["ES"]
    assert by_gateway_code("ENQ") is INSTRUMENTS["NQ"]
    assert by_gateway_code("MCLE") is INSTRUMENTS["MCL"]
    assert by_gateway_code("XX") is None


@pytest.mark.parametrize(
    ("symbol", "price", "ticks"),
    [
        ("MNQ", "25480.25", 101_921),
        ("MNQ", "25480", 101_920),
        ("ES", "6890.75", 27_563),
        ("M2K", "2465.3", 24_653),
        ("MYM", "47850", 47_850),
        ("MGC", "4125.1", 41_251),
        ("MCL", "61.85", 6_185),
        ("MCL", "-37.63", -3_763),
    ],
)
def test_prices_become_exact_ticks_and_back(symbol: str, price: str, ticks: int) -> None:
    """A price on the grid is a whole number of ticks, and formats back as traders write it."""
    spec = INSTRUMENTS[symbol]
    assert spec.to_ticks(Decimal(price)) == ticks
    assert spec.to_ticks(price) == ticks
    assert spec.to_price(ticks) == Decimal(price)
    assert Decimal(spec.format(ticks)) == Decimal(price)


def test_format_uses_the_instrument_decimals() -> None:
    """Decimals follow the tick size as CME writes it (0.10 gives two); no price is a dash."""
    assert INSTRUMENTS["MNQ"].format(101_921) == "25480.25"
    assert INSTRUMENTS["MGC"].format(41_251) == "4125.10"
    assert INSTRUMENTS["MYM"].format(47_850) == "47850"
    assert INSTRUMENTS["MCL"].format(6_185) == "61.85"
    assert INSTRUMENTS["MNQ"].format(None) == "-"


def test_off_grid_price_is_refused_with_the_neighbours() -> None:
    """Between ticks: an OffTickGrid error that names the tick size and the two nearest prices."""
    with pytest.raises(OffTickGrid) as caught:
        INSTRUMENTS["MNQ"].to_ticks(Decimal("25480.10"))
    assert str(caught.value) == (
        "MNQ price 25480.10 is off the tick grid (tick size 0.25: try 25480.00 or 25480.25)"
    )
    with pytest.raises(OffTickGrid, match=r"try 4125\.10 or 4125\.20"):
        INSTRUMENTS["MGC"].to_ticks("4125.15")
    with pytest.raises(OffTickGrid, match="try 47850 or 47851"):
        INSTRUMENTS["MYM"].to_ticks("47850.5")


def test_negative_off_grid_price_suggests_the_neighbours_around_it() -> None:
    """Crude went negative once: -37.625 lies between -37.63 and -37.62."""
    with pytest.raises(OffTickGrid, match=r"try -37\.63 or -37\.62"):
        INSTRUMENTS["MCL"].to_ticks("-37.625")


def test_nearest_ticks_rounds_a_broker_float() -> None:
    """A broker's float price becomes the nearest tick, floating-point noise and all."""
    assert INSTRUMENTS["MNQ"].nearest_ticks(25480.249999999) == 101_921
    assert INSTRUMENTS["MCL"].nearest_ticks(61.850000001) == 6_185
    assert INSTRUMENTS["ES"].nearest_ticks(Decimal("6890.75")) == 27_563


def test_money_is_exact() -> None:
    """Ticks times contracts times tick value, in Decimal, never a float."""
    assert INSTRUMENTS["MNQ"].money(3, 2) == Decimal("3.00")
    assert INSTRUMENTS["ES"].money(-7) == Decimal("-87.50")
    assert INSTRUMENTS["MES"].money(1, 3) == Decimal("3.75")
    assert INSTRUMENTS["MCL"].money(185, 1) == Decimal("185.00")


def test_money_of_a_fraction_rounds_to_the_cent() -> None:
    """An average-price difference (a fraction of ticks) is valued to the cent."""
    assert INSTRUMENTS["MES"].money(Fraction(1, 3), 1) == Decimal("0.42")
    assert INSTRUMENTS["MNQ"].money(Fraction(4, 3), 3) == Decimal("2.00")


@given(st.integers(-(10**7), 10**7), st.integers(1, 500), st.sampled_from(sorted(INSTRUMENTS)))
def test_money_adds_up_per_contract(ticks: int, contracts: int, symbol: str) -> None:
    """n contracts are worth n times one contract, exactly, and are whole cents."""
    spec = INSTRUMENTS[symbol]
    total = spec.money(ticks, contracts)
    assert total == spec.money(ticks) * contracts
    assert total == total.quantize(Decimal("0.01"))


@given(st.integers(-(10**8), 10**8), st.sampled_from(sorted(INSTRUMENTS)))
def test_ticks_round_trip_through_prices(ticks: int, symbol: str) -> None:
    """Every tick count survives price formatting and parsing."""
    spec = INSTRUMENTS[symbol]
    assert spec.to_ticks(spec.to_price(ticks)) == ticks
    assert spec.to_ticks(spec.format(ticks)) == ticks


def test_average_price_formats_with_two_extra_decimals() -> None:
    """A 3-lot bought at 100, 101, 101 ticks averages 100.667 ticks: 25.1666... on MNQ."""
    assert INSTRUMENTS["MNQ"].format_fraction(Fraction(302, 3)) == "25.1667"


# Front months ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "today", "contract_id", "name"),
    [
        ("MNQ", date(2026, 10, 14), "CON.F.US.MNQ.Z26", "MNQZ6"),
        ("ES", date(2026, 10, 14), "CON.F.US.EP.Z26", "ESZ6"),
        ("NQ", date(2026, 10, 14), "CON.F.US.ENQ.Z26", "NQZ6"),
        # December 2026 expires Friday 18 Dec; the roll is eight days before, Thursday 10 Dec.
        ("MNQ", date(2026, 12, 9), "CON.F.US.MNQ.Z26", "MNQZ6"),
        ("MNQ", date(2026, 12, 10), "CON.F.US.MNQ.H27", "MNQH7"),
        ("ES", date(2026, 12, 31), "CON.F.US.EP.H27", "ESH7"),
        # March 2026 expires Friday 20 Mar; roll Thursday 12 Mar.
        ("MES", date(2026, 3, 11), "CON.F.US.MES.H26", "MESH6"),
        ("MES", date(2026, 3, 12), "CON.F.US.MES.M26", "MESM6"),
        ("M2K", date(2026, 6, 10), "CON.F.US.M2K.M26", "M2KM6"),
        ("M2K", date(2026, 6, 11), "CON.F.US.M2K.U26", "M2KU6"),
        ("MYM", date(2026, 9, 9), "CON.F.US.MYM.U26", "MYMU6"),
        ("MYM", date(2026, 9, 10), "CON.F.US.MYM.Z26", "MYMZ6"),
        # Crude lists every month and expires around the 20th of the month before.
        ("MCL", date(2026, 10, 14), "CON.F.US.MCLE.X26", "MCLX6"),
        ("MCL", date(2026, 10, 15), "CON.F.US.MCLE.Z26", "MCLZ6"),
        ("CL", date(2026, 12, 20), "CON.F.US.CLE.G27", "CLG7"),
        # Gold trades Feb, Apr, Jun, Aug and Dec and rolls late in the month before.
        ("MGC", date(2026, 1, 24), "CON.F.US.MGC.G26", "MGCG6"),
        ("MGC", date(2026, 1, 25), "CON.F.US.MGC.J26", "MGCJ6"),
        ("MGC", date(2026, 7, 24), "CON.F.US.MGC.Q26", "MGCQ6"),
        ("MGC", date(2026, 7, 25), "CON.F.US.MGC.Z26", "MGCZ6"),
        ("MGC", date(2026, 9, 1), "CON.F.US.MGC.Z26", "MGCZ6"),
        ("GC", date(2026, 10, 14), "CON.F.US.GCE.Z26", "GCZ6"),
        ("MGC", date(2026, 11, 25), "CON.F.US.MGC.G27", "MGCG7"),
    ],
)
def test_front_month_and_contract_id(symbol: str, today: date, contract_id: str, name: str) -> None:
    """The contract most traders are in on a date, as ProjectX names it and as traders say it."""
    spec = INSTRUMENTS[symbol]
    assert spec.contract_id(today) == contract_id
    assert spec.contract_name(today) == name


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_front_month_is_never_expired_and_within_a_quarter(today: date) -> None:
    """For equity indices the front month is this or a later quarter month, at most 4 months out."""
    code, year = INSTRUMENTS["MNQ"].front_month(today)
    month = "FGHJKMNQUVXZ".index(code) + 1
    months_ahead = (year - today.year) * 12 + month - today.month
    assert code in "HMUZ"
    assert 0 <= months_ahead <= 4
