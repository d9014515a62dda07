"""The one money formatter and the one countdown formatter every screen and reason uses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.text import countdown, dollars, money, ticks

SECOND = NS_PER_SECOND


@pytest.mark.parametrize(
    ("amount", "plain", "signed"),
    [
        ("50000", "50,000.00", "+50,000.00"),
        ("12.5", "12.50", "+12.50"),
        ("-3", "-3.00", "-3.00"),
        ("-1234567.891", "-1,234,567.89", "-1,234,567.89"),
        ("0", "0.00", "0.00"),
        ("-0", "0.00", "0.00"),
        ("-0.004", "0.00", "0.00"),
        ("0.004", "0.00", "0.00"),
        ("0.005", "0.00", "0.00"),
        ("0.015", "0.02", "+0.02"),
        ("999.995", "1,000.00", "+1,000.00"),
    ],
)
def test_money_reads_with_sign_separator_and_cents(amount: str, plain: str, signed: str) -> None:
    """Two decimals, thousands separators, a sign only when asked and never on zero."""
    assert money(Decimal(amount)) == plain
    assert money(Decimal(amount), sign=True) == signed


def test_dollars_put_the_unit_after_the_sign() -> None:
    """Reasons read ``-$1,234.50`` and ``$300.00``; a rounded-away loss is ``$0.00``."""
    assert dollars(Decimal("-1234.5")) == "-$1,234.50"
    assert dollars(Decimal("300")) == "$300.00"
    assert dollars(Decimal("-0.001")) == "$0.00"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_money_reads_back_to_its_amount(amount: Decimal) -> None:
    """Any amount in cents reads back exactly once the separators are taken out."""
    assert Decimal(money(amount, sign=True).replace(",", "")) == amount


@pytest.mark.parametrize(
    ("left_ns", "shown"),
    [
        (249 * SECOND, "4:09"),
        (9 * SECOND, "0:09"),
        (59 * SECOND + 1, "1:00"),
        (SECOND // 2, "0:01"),
        (0, "0:00"),
        (-5 * SECOND, "0:00"),
        (3600 * SECOND, "1:00:00"),
        (3849 * SECOND, "1:04:09"),
        (26 * 3600 * SECOND, "26:00:00"),
    ],
)
def test_countdown_reads_like_a_clock(left_ns: int, shown: str) -> None:
    """``4:09`` under an hour, ``1:04:09`` over it, rounded up to the second, never negative."""
    assert countdown(left_ns) == shown


def test_ticks_read_signed_with_a_t_and_zero_unsigned() -> None:
    """``+16t``, ``-3t``, and zero as ``0t``: neither up nor down, like ``0.00``."""
    assert [ticks(16), ticks(-3), ticks(0)] == ["+16t", "-3t", "0t"]


def test_a_pnl_reads_back_in_ticks_only_when_it_is_whole_ticks() -> None:
    """MNQ ($0.50 a tick): 8.00 is 16 ticks, -0.50 is -1, 0.30 is no whole number."""
    mnq = INSTRUMENTS["MNQ"]
    assert mnq.ticks_in(Decimal("8.00")) == 16
    assert mnq.ticks_in(Decimal("-0.50")) == -1
    assert mnq.ticks_in(Decimal("0.30")) is None
