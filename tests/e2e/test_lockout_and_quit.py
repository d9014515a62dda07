"""Lockouts survive a restart, and quitting with a position open asks first, in the real
cockpit started again on the same config, data and state dirs."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cockpit.core.events import FillReceived
from cockpit.core.models import Side
from cockpit.journal.format import FrameFlag
from cockpit.journal.reader import open_journal
from tests.e2e.conftest import POSITIONS, arm, expect, holding
from tests.e2e.terminal import Screen, Terminal

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

COUNTDOWN = re.compile(r"LOCKED\b.*?\b(\d{1,2}:\d{2}(?::\d{2})?) left")
"""The banner's lockout and the time it has left, e.g. ``LOCKED until 16:00 CT · 14:59 left``."""


def countdown(screen: Screen) -> str | None:
    found = COUNTDOWN.search(screen.banner)
    return found.group(1) if found else None


def test_a_lockout_outlives_a_restart(start_cockpit: Callable[..., Terminal]):
    """L 1 y locks 15 min; after q and a fresh start the banner counts down and b is denied."""
    term = start_cockpit()
    term.press("L")
    term.wait_for_text("╭─ lockout")
    term.press("1")
    term.wait_for_text("Flatten everything and lock 15 min")
    term.press("y")
    term.wait_for(countdown, "LOCKED with a countdown in the banner")
    term.press("q")
    expect(term, term.wait_exit() == 0, "q to quit with exit code 0")

    term = start_cockpit()
    first = term.wait_for(countdown, "LOCKED with a countdown in the banner after the restart")
    left = countdown(first)
    term.wait_for(
        lambda s: countdown(s) not in (None, left), f"the countdown to move on from {left}"
    )
    arm(term)
    term.press("b")
    screen = term.wait_for(lambda s: "✕ locked" in s.footer, "b denied: ✕ locked in the footer")
    expect(term, not screen.rows(POSITIONS), "no position after a denied b")
    expect(term, " FILL " not in "".join(screen.events_since(first)), "no fill after b")


def test_quit_with_a_position_open_asks_then_exits_cleanly(
    start_cockpit: Callable[..., Terminal], home: Path
):
    """q with MNQ +1 asks (n stays, y quits); exit code 0; the run's journal holds the buy."""
    term = start_cockpit()
    arm(term)
    term.press("b")
    term.wait_for(holding("MNQ", 1), "MNQ +1 in positions")
    term.press("q")
    term.wait_for_text("Open positions: MNQ +1")
    term.press("n")
    term.wait_for(lambda s: "quit?" not in s.text, "the quit question gone after n")
    expect(term, term.process.poll() is None, "the cockpit still running after n")
    term.press("q")
    term.wait_for_text("Open positions: MNQ +1")
    term.press("y")
    expect(term, term.wait_exit() == 0, "exit code 0 after y")

    journals = sorted(home.glob("data/**/*.ckj"))
    assert len(journals) == 1, f"one journal under the XDG data dir, found {journals}"
    with open_journal(journals[0]) as journal:
        fills = [r.item.fill for r in journal.items(FrameFlag.FILLS, (FillReceived,))]
    assert [(f.symbol, f.side, f.size) for f in fills] == [("MNQ", Side.BUY, 1)]
