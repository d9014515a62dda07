"""A cockpit whose terminal closes without a SIGHUP ends by itself, in the real entry point."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cockpit.core.events import FillReceived
from cockpit.core.models import Side
from cockpit.journal.format import FrameFlag
from cockpit.journal.reader import open_journal
from cockpit.ui.hangup import HUNG_UP
from tests.e2e.conftest import arm, ended, holding, log_tail
from tests.e2e.terminal import Terminal

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def test_a_cockpit_whose_terminal_hangs_up_ends_and_its_journal_reads(
    start_cockpit: Callable[..., Terminal], home: Path
) -> None:
    """The demo with MNQ +1, its terminal closed under it (no SIGHUP: a session of its
    own): it ends with SIGHUP's status within seconds, and its journal reads to the fill."""
    term = start_cockpit()
    arm(term)
    term.press("b")
    term.wait_for(holding("MNQ", 1), "MNQ +1 in the positions panel")
    term.hang_up()
    assert ended(term) == HUNG_UP, log_tail(home)
    journals = sorted(home.glob("data/**/*.ckj"))
    assert len(journals) == 1, f"one journal under the XDG data dir, found {journals}"
    with open_journal(journals[0]) as journal:
        fills = [r.item.fill for r in journal.items(FrameFlag.FILLS, (FillReceived,))]
    assert [(f.symbol, f.side, f.size) for f in fills] == [("MNQ", Side.BUY, 1)]
