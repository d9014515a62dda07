"""Money and time left read the same on every screen: the banner, the header, the journal."""

from __future__ import annotations

from decimal import Decimal

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import LockoutStarted
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.state import State
from cockpit.journal.show import money as journal_money
from cockpit.ui.format import money as screen_money
from cockpit.ui.widgets.banner import banner_text
from tests.conftest import START_NS


def test_the_banner_counts_down_like_the_risk_reasons() -> None:
    """A lockout with 4 min 9 s left reads ``LOCKED 4:09`` (not ``04:09``), and half a
    second left still reads ``0:01``, as the rules' reasons count."""
    state = State(INSTRUMENTS, ("MNQ",))
    until = START_NS + 249 * NS_PER_SECOND
    state.apply(LockoutStarted(START_NS, until, "manual lockout"))
    assert banner_text(state, START_NS) is not None
    assert banner_text(state, START_NS)[1].startswith("LOCKED 4:09 ")  # type: ignore[index]
    half_second_left = until - NS_PER_SECOND // 2
    assert banner_text(state, half_second_left)[1].startswith("LOCKED 0:01 ")  # type: ignore[index]


def test_the_journal_and_the_screen_write_zero_and_losses_alike() -> None:
    """``cockpit journal show`` and the header agree: zero is ``0.00``, a loss ``-1,234.50``."""
    for amount in (Decimal(0), Decimal("-0"), Decimal("-1234.5"), Decimal("12.5")):
        assert journal_money(amount) == screen_money(amount, sign=True)
    assert journal_money(Decimal(0)) == "0.00"
