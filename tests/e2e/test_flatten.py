"""Flatten, pressed again and again in the real cockpit, on the loop ``App.run()`` runs.

A green suite once shipped a flatten that failed the second time it was pressed, because
the tests drove a different event loop than the trader's. These start the real command.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.conftest import (
    ORDERS,
    arm,
    expect,
    flatten_verified,
    fresh_second,
    holding,
    position,
)
from tests.e2e.terminal import Screen, Terminal

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

DOWN = "\x1b[B"
UP = "\x1b[A"
ROUNDS = (1, 2, 3)


def fills_since(before: Screen, screen: Screen) -> int:
    """How many FILL lines fills & events gained since ``before``."""
    return sum(" FILL " in line for line in screen.events_since(before))


def filled(before: Screen, count: int) -> Callable[[Screen], bool]:
    """A wait condition: ``count`` fills since ``before``."""
    return lambda screen: fills_since(before, screen) == count


def placed(before: Screen, count: int) -> Callable[[Screen], bool]:
    """A wait condition: ``count`` orders since ``before``, each working or filled."""
    return lambda screen: len(screen.rows(ORDERS)) + fills_since(before, screen) == count


def test_arm_buy_flatten_three_times_in_a_row_on_mnq(start_cockpit: Callable[..., Terminal]):
    """a, then b and F three times on MNQ: every flatten ends verified flat, nothing left."""
    term = start_cockpit()
    arm(term)
    for round_ in ROUNDS:
        term.press("b")
        term.wait_for(holding("MNQ", 1), f"round {round_}: MNQ +1 in positions")
        flatten_verified(term)


def test_buy_buy_sell_then_flatten_three_times(start_cockpit: Callable[..., Terminal]):
    """b b s leaves MNQ +1 and F closes it, verified flat, three times in a row."""
    term = start_cockpit()
    arm(term)
    for round_ in ROUNDS:
        before = fresh_second(term)
        term.press("b", "b", "s")
        screen = term.wait_for(filled(before, 3), f"round {round_}: three FILLs")
        expect(term, position(screen, "MNQ") == 1, f"round {round_}: MNQ +1 after b b s")
        flatten_verified(term)


def test_join_bid_and_ask_then_flatten_three_times(start_cockpit: Callable[..., Terminal]):
    """B S rest two limit orders; F cancels what still works, verified flat, three times."""
    term = start_cockpit()
    arm(term)
    for round_ in ROUNDS:
        before = fresh_second(term)
        term.press("B", "S")
        term.wait_for(placed(before, 2), f"round {round_}: both orders working (or filled)")
        flatten_verified(term)


def test_flatten_closes_every_symbol_twice(start_cockpit: Callable[..., Terminal]):
    """b on MNQ, down to MES, b, F: both closed and verified flat; then the same again."""
    term = start_cockpit()
    arm(term)
    for round_ in (1, 2):
        term.press("b")
        term.wait_for(holding("MNQ", 1), f"round {round_}: MNQ +1 in positions")
        term.press(DOWN)
        term.wait_for(lambda s: "MES · size" in s.footer, "MES selected (the footer's ticket)")
        term.press("b")
        term.wait_for(
            lambda s: position(s, "MNQ") == 1 and position(s, "MES") == 1,
            f"round {round_}: MNQ +1 and MES +1",
        )
        flatten_verified(term)
        term.press(UP)
        term.wait_for(lambda s: "MNQ · size" in s.footer, "MNQ selected again")
