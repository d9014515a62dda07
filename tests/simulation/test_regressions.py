"""Shortened reproductions of the defects the simulation found, as it printed them.

While a defect is known (listed in known.py) its reproduction is a strict xfail, which
turns red the day the defect is fixed: the cue to drop its entry in known.py. Each run
tolerates the other known defects, so it flips on its own defect alone. Fixed ones stay
here as plain regression tests: what the tester once found must never come back.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.simulation import (
    Close,
    CloseSome,
    Exit,
    Flatten,
    Lockout,
    Modify,
    Nudge,
    Outage,
    Place,
    Restart,
    Reverse,
    Wait,
    Yield,
    run_seed,
)
from tests.simulation.known import KNOWN

BUY_M2K = Place(symbol="M2K", side="buy", kind="market", size=1)
SELL_M2K = Place(symbol="M2K", side="sell", kind="market", size=1)

REPRODUCTIONS: dict[str, tuple[int, str, dict[int, Any]]] = {
    "second-close-never-sent": (
        15,
        "eager",
        {
            39: BUY_M2K,
            46: Flatten(presses=1, gap=1),
            55: Place(symbol="M2K", side="buy", kind="market", size=3),
            75: Wait(seconds=0.689),
            76: Flatten(presses=1, gap=1),
        },
    ),
    "close-joins-finished-close": (
        15,
        "eager",
        {
            39: BUY_M2K,
            46: Flatten(presses=1, gap=1),
            55: Place(symbol="M2K", side="buy", kind="market", size=3),
            63: Place(symbol="RTY", side="sell", kind="market", size=1),
            65: Lockout(seconds=30.0),
        },
    ),
    "flatten-forgets-first-failure": (
        29,
        "eager",
        {
            3: Place(symbol="MYM", side="buy", kind="limit", size=1, ticks=-1),
            11: Outage(seconds=1.34),
            15: Flatten(presses=1, gap=1),
        },
    ),
    "exit-denied-during-flatten": (
        2,
        "eager",
        {
            5: Place(symbol="MYM", side="sell", kind="market", size=1),
            10: Flatten(presses=1, gap=1),
            12: Place(symbol="MYM", side="buy", kind="market", size=1),
        },
    ),
    "flat-with-orders-in-flight": (
        1,
        "eager",
        {
            14: Place(symbol="RTY", side="buy", kind="stop-limit", size=1, ticks=1),
            15: Flatten(presses=3, gap=3),
        },
    ),
    "reducing-order-over-contract-limit": (
        73,
        "eager",
        {
            7: Place(symbol="RTY", side="sell", kind="join-bid", size=1, ticks=1),
            10: Place(symbol="RTY", side="buy", kind="stop", size=3, ticks=6),
            14: Exit(symbol="RTY", size=1, kind="limit", ticks=6),
        },
    ),
    "tag-reused-after-restart": (
        74,
        "eager",
        {
            4: Place(symbol="M2K", side="sell", kind="market", size=2),
            9: Restart(),
            10: Place(symbol="RTY", side="buy", kind="limit", size=2, ticks=11),
        },
    ),
    "bracket-replay-nesting": (
        130,
        "eager",
        {
            1: Place(symbol="M2K", side="buy", kind="market", size=1, ticks=0),
            3: Place(symbol="MYM", side="sell", kind="market", size=1, ticks=0),
            5: Place(symbol="M2K", side="buy", kind="market", size=1, ticks=0),
            14: Wait(seconds=7.91),
            15: Exit(symbol="M2K", size=2, kind="market", ticks=4),
            16: Place(symbol="M2K", side="sell", kind="join-bid", size=1, ticks=11),
            17: Wait(seconds=5.61),
            22: Place(symbol="M2K", side="buy", kind="market", size=1, ticks=0),
        },
    ),
    "bracket-replay-nesting-62": (
        62,
        "eager",
        {
            19: Place(symbol="RTY", side="buy", kind="join-ask", size=1, ticks=1),
            55: Flatten(presses=1, gap=3),
            57: Wait(seconds=0.366),
            58: Place(symbol="RTY", side="sell", kind="market", size=1),
            61: Flatten(presses=2, gap=0),
            63: Wait(seconds=4.63),
            64: Place(symbol="M2K", side="buy", kind="market", size=2),
            67: Place(symbol="M2K", side="sell", kind="market", size=1),
            68: Wait(seconds=0.955),
        },
    ),
    # Found while fixing the one above: a cancel joining one already on its way makes no
    # broker call, and the replay must not take the next call's answers for its own.
    "replay-joined-cancel-takes-next-call": (
        62,
        "eager",
        {
            19: Place(symbol="RTY", side="buy", kind="join-ask", size=1, ticks=1),
            55: Flatten(presses=1, gap=3),
            57: Wait(seconds=0.366),
            58: Place(symbol="RTY", side="sell", kind="market", size=1),
            63: Wait(seconds=4.63),
            64: Place(symbol="M2K", side="buy", kind="market", size=2),
            65: Close(symbol="RTY"),
            67: Place(symbol="M2K", side="sell", kind="market", size=1),
        },
    ),
    "contract-limit-replay-after-legs": (
        128,
        "eager",
        {
            21: Place(symbol="RTY", side="sell", kind="limit", size=2, ticks=12),
            30: Wait(seconds=0.455),
            38: Place(symbol="RTY", side="buy", kind="market", size=1, ticks=0),
        },
    ),
    # Found with --order-keys: the limits' own count took a moved bracket leg for a new
    # order outside its OCO pair (the simulation's harness, not the cockpit).
    "moved-leg-counted-outside-its-pair": (
        11,
        "eager",
        {
            47: Place(symbol="RTY", side="buy", kind="limit", size=2, ticks=11),
            52: Place(symbol="RTY", side="sell", kind="limit", size=1, ticks=-1),
            55: Restart(),
            58: Nudge(pick=1, ticks=-1),
        },
    ),
    # Found with --order-keys: a reverse denied live because a close of the symbol was on
    # its way; the replay took every broker call for over at once and let it through.
    "replay-call-on-its-way": (
        59,
        "eager",
        {
            96: Place(symbol="RTY", side="sell", kind="join-bid", size=2, ticks=-2),
            105: Wait(seconds=2.21),
            109: Close(symbol="RTY"),
            113: Reverse(symbol="RTY"),
        },
    ),
    # Found with --order-keys: a close on its way (its fill not yet in the position) left
    # the short counted, so a buy beside the bracket's legs passed the contract limit.
    "close-on-its-way-not-counted": (
        5012,
        "eager",
        {
            21: Place(symbol="RTY", side="sell", kind="market", size=1, ticks=0),
            22: Wait(seconds=0.861),
            24: CloseSome(symbol="RTY", part="half"),
            28: Place(symbol="RTY", side="buy", kind="join-bid", size=1, ticks=5),
            29: Yield(times=1),
            30: Exit(symbol="RTY", size=1, kind="limit", ticks=6),
        },
    ),
    # Found with --order-keys: a modify growing an order counted at its old size until the
    # broker reported it, so a second one passed the contract limit beside it.
    "grown-order-counted-at-old-size": (
        5065,
        "eager",
        {
            22: Wait(seconds=0.462),
            24: Place(symbol="M2K", side="sell", kind="join-ask", size=1, ticks=9),
            26: Place(symbol="M2K", side="sell", kind="stop", size=1, ticks=1),
            27: Place(symbol="MYM", side="buy", kind="stop-limit", size=1, ticks=11),
            28: Wait(seconds=0.564),
            29: Modify(pick=3, size=3, ticks=None),
            30: Yield(times=1),
            31: Modify(pick=2, size=3, ticks=0),
        },
    ),
    # Found with --order-keys once the close above counted: a long's close on its way,
    # counted from flat on the short side, let a buy past the limit on the long side.
    "close-on-its-way-lends-the-other-side": (
        6116,
        "eager",
        {
            2: Wait(seconds=0.552),
            4: Wait(seconds=0.916),
            14: Wait(seconds=7.62),
            15: Wait(seconds=0.401),
            16: Wait(seconds=0.708),
            34: Wait(seconds=0.567),
            43: Wait(seconds=3.65),
            47: Wait(seconds=7.06),
            49: Wait(seconds=0.284),
            55: Wait(seconds=7.72),
            57: Place(symbol="MYM", side="buy", kind="join-bid", size=3, ticks=12),
            59: Wait(seconds=0.384),
            60: Wait(seconds=0.314),
            64: Place(symbol="MYM", side="sell", kind="stop", size=2, ticks=10),
            65: CloseSome(symbol="MYM", part="half"),
            66: Close(symbol="MYM"),
            67: Place(symbol="MYM", side="buy", kind="market", size=3),
        },
    ),
    # Found with --order-keys (the tester's own): on lazy tasks a flatten runs a turn after
    # the key; the reports had closed what it saw, so it waited for an order in flight.
    "flatten-runs-after-the-reports": (
        6936,
        "lazy",
        {
            0: Place(symbol="M2K", side="buy", kind="join-bid", size=3, ticks=8),
            2: Wait(seconds=0.413),
            19: Place(symbol="M2K", side="sell", kind="market", size=3),
            21: Yield(times=3),
            22: Place(symbol="MYM", side="buy", kind="market", size=2),
            25: Flatten(presses=1, gap=0),
        },
    ),
    # Found with --order-keys: a target grown to the whole long of two brackets filled
    # past its own entry (the gate bounded a leg by the position, not its entry's share).
    "leg-grown-past-its-entry": (
        7235,
        "eager",
        {
            2: Place(symbol="MYM", side="buy", kind="join-ask", size=1, ticks=-1),
            3: Flatten(presses=2, gap=0),
            6: Wait(seconds=7.05),
            7: Wait(seconds=4.76),
            8: Wait(seconds=3.6),
            26: Wait(seconds=4.12),
            35: Wait(seconds=6.65),
            37: Place(symbol="MYM", side="buy", kind="stop", size=1, ticks=8),
            40: Wait(seconds=0.746),
            43: Place(symbol="MYM", side="buy", kind="join-ask", size=1, ticks=2),
            48: Modify(pick=4, size=2, ticks=2),
            49: Wait(seconds=3.55),
            51: Modify(pick=0, size=3, ticks=-1),
            60: Yield(times=5),
        },
    ),
    "replay-misorders-lockout": (
        13,
        "eager",
        {
            0: BUY_M2K,
            2: SELL_M2K,
            4: BUY_M2K,
            6: SELL_M2K,
            8: BUY_M2K,
            10: BUY_M2K,
            11: Wait(seconds=1.0),
            12: Lockout(seconds=30.0),
        },
    ),
}


def _case(key: str) -> Any:
    known = next((k for k in KNOWN if k.key == key), None)
    if known is None:
        return pytest.param(key, id=key)
    return pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=known.summary), id=key)


def test_every_known_defect_has_a_reproduction() -> None:
    """Every defect in known.py has its shortened run here."""
    assert {k.key for k in KNOWN} <= set(REPRODUCTIONS)


@pytest.mark.parametrize("key", [_case(key) for key in REPRODUCTIONS])
def test_the_shortened_run_keeps_its_promises(key: str) -> None:
    """The shortened run of a defect the tester found keeps every promise."""
    seed, schedule, steps = REPRODUCTIONS[key]
    others = tuple(k for k in KNOWN if k.key != key)
    outcome = run_seed(seed, schedule=schedule, steps=steps, tolerate=others)
    assert outcome.ok, [v.describe() for v in outcome.violations]


def test_an_entry_accepted_after_a_lockout_ends_is_not_cancelled_as_locked() -> None:
    """An order placed after the lockout ended, before the next tick, stays working."""
    resting = Place(symbol="M2K", side="buy", kind="limit", size=1, ticks=10)
    steps = [Wait(0.5), Lockout(3.0), Wait(3.1), resting, Wait(0.1)]
    outcome = run_seed(0, steps=steps, tolerate=KNOWN)
    assert outcome.ok
    assert "enforced cancel" not in outcome.coverage
