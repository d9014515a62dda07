"""An exit pressed while a flatten is still waiting on the broker, in the real cockpit
trading the ProjectX Gateway emulator (``cockpit gateway``) as docs/live.md shows.

The emulator holds ``/Position/closeContract`` (a ``delay`` fault, answered after the
work, as a slow Gateway would), so the flatten is still running when ``s`` is pressed.
A flatten must never keep a trader from getting out by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cockpit.core.events import FillReceived, FlattenCompleted, FlattenStarted
from cockpit.core.models import Side
from cockpit.journal.reader import open_journal
from tests.e2e.conftest import (
    GATEWAY_SYMBOLS,
    Gateway,
    arm,
    expect,
    fresh_second,
    holding,
    wait_verified_flat,
)
from tests.e2e.terminal import Screen, Terminal

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

HELD_S = 5.0
"""How long the emulator holds the close: ages for a key press, and under the cockpit's
10 s REST timeout (docs/live.md), so the close is late, never lost."""
LIVE_START_S = 60.0
"""A live start signs in, reads contracts, history and the account: give it time."""


def test_an_exit_during_a_flatten_is_accepted(
    gateway: Gateway,
    start_cockpit: Callable[..., Terminal],
    isolated_env: Callable[..., dict[str, str]],
    home: Path,
):
    """b, then F while the Gateway holds the close, then s: the exit is not denied, fills
    during the flatten, and the account ends verified flat."""
    env = isolated_env(**gateway.login_env())
    args = ("--broker", "projectx", "--symbols", GATEWAY_SYMBOLS)
    term = start_cockpit(*args, env=env, within=LIVE_START_S)
    expect(term, "LIVE" in term.screen.header, "LIVE in the header")
    arm(term)
    term.press("b")
    term.wait_for(holding("MNQ", 1), "MNQ +1 in positions")
    gateway.fault(fault="delay", endpoint="/Position/closeContract", seconds=HELD_S, after=False)

    before = fresh_second(term)
    term.press("F")
    term.wait_for(lambda s: tagged(s, before, "FLATTEN"), "the FLATTEN line")
    term.press("s")
    answered = term.wait_for(
        lambda s: holding("MNQ", 0)(s) or "✕" in s.footer or tagged(s, before, "DENIED"),
        "the exit's answer: MNQ flat, or a denial",
    )
    expect(term, "✕" not in answered.footer, "no ✕ in the footer for the exit")
    expect(term, not tagged(answered, before, "DENIED"), "no DENIED line for the exit")
    wait_verified_flat(term, before)

    # The panel shows the newest entries only (a 38-column panel wraps them): the order
    # of the whole flatten is read from the run's journal once the cockpit has quit.
    term.press("q")
    expect(term, term.wait_exit() == 0, "exit code 0 after q, flat")
    [path] = sorted(home.glob("data/**/*.ckj"))
    with open_journal(path) as journal:
        order = [step for record in journal if (step := flatten_step(record.item))]
    steps = [order.index(tag) if tag in order else -1 for tag in ("FLATTEN", "SELL", "FLAT ✓")]
    expect(
        term,
        -1 < steps[0] < steps[1] < steps[2],
        f"FLATTEN, then the exit's SELL fill, then FLAT ✓ (the journal's order: {order})",
    )


def flatten_step(item: object) -> str:
    """A journal item as a step of the flatten ("" for any other item)."""
    if isinstance(item, FlattenStarted):
        return "FLATTEN"
    if isinstance(item, FillReceived) and item.fill.side is Side.SELL:
        return "SELL"
    if isinstance(item, FlattenCompleted) and item.flat:
        return "FLAT ✓"
    return ""


def tag_of(line: str) -> str:
    """An events line's tag (``FLATTEN``, ``FLAT ✓``, ...), or ``SELL`` for a sell fill."""
    tag = line[9:18].strip()  # "15:38:58 FLAT ✓    verified flat ...": time, tag, text
    return "SELL" if tag == "FILL" and line[19:].startswith("SELL") else tag


def tagged(screen: Screen, before: Screen, tag: str) -> bool:
    return any(tag_of(line) == tag for line in screen.events_since(before))
