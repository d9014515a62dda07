"""The trading state does not flap: WARNING is raised at `warn_at` of a limit, lifted only
below `warn_at - warn_band` and after `warn_hold_seconds` on the engine clock, and every
RiskStateChanged names its rule and a reason a trader can read."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cockpit.core import loop as cockpit_loop
from cockpit.core.commands import StartLockout
from cockpit.core.events import RiskStateChanged
from cockpit.risk.config import RiskSettings
from cockpit.risk.rules.base import Level
from tests.risk.conftest import Desk, DeskFactory

LIMIT = 300
"""Dollars; one MNQ tick is $0.50, so 480 ticks against 1 MNQ is $240: 80% of it."""
WARN_TICKS = 480
CLEAR_TICKS = 450
"""$225: 75% of the limit, where a warning may lift."""


async def _long_one(d: Desk) -> int:
    """Long 1 MNQ at the touch; the entry price in ticks."""
    entry = d.bid("MNQ")
    assert (await d.buy("MNQ", 1)).accepted
    return entry


def _print_at_loss(d: Desk, entry: int, ticks: int, seconds: float = 0.0) -> None:
    """The touch ``ticks`` under the entry (one tick wide) and a print at its bid."""
    if seconds:
        d.clock.advance(seconds)
    bid = entry - ticks
    d.quote("MNQ", bid, bid + 1)
    d.tape("MNQ", bid)


def _changes(d: Desk) -> list[tuple[str, str, str]]:
    return [(e.previous, e.state, e.rule) for e in d.of(RiskStateChanged)]


async def test_a_bouncing_print_at_80_percent_warns_once(desk: DeskFactory) -> None:
    """Prints bouncing between bid and ask at 80% of the daily loss (the defect: 11 flips
    in 3 s at the same P&L) give one ACTIVE -> WARNING and nothing more."""
    d = await desk({"daily_loss": {"limit": LIMIT}})
    entry = await _long_one(d)
    bid = entry - WARN_TICKS
    d.quote("MNQ", bid, bid + 1)
    for n in range(12):
        d.clock.advance(0.25)
        d.tape("MNQ", bid if n % 2 == 0 else bid + 1)
        await d.settle()
    assert _changes(d) == [("ACTIVE", "WARNING", "daily-loss")]


async def test_the_events_panel_is_not_flooded(desk: DeskFactory) -> None:
    """A minute of a P&L wobbling around 80% (a tick either way, four prints a second):
    at most one RiskStateChanged reaches the fills & events panel."""
    d = await desk({"daily_loss": {"limit": LIMIT}})
    entry = await _long_one(d)
    for n in range(240):
        _print_at_loss(d, entry, WARN_TICKS + (n % 3) - 1, seconds=0.25)
        if n % 4 == 3:
            await d.tick()
    await d.settle()
    shown = [e for e in d.state.fills_and_events if isinstance(e, RiskStateChanged)]
    assert len(shown) == 1


async def test_a_warning_lifts_below_the_band_after_the_hold(desk: DeskFactory) -> None:
    """Back to 76%: still WARNING (inside the band). Back to 74% within 10 s: still WARNING
    (the hold). On the tick after 10 s: ACTIVE, naming the rule and why."""
    d = await desk({"daily_loss": {"limit": LIMIT}})
    entry = await _long_one(d)
    _print_at_loss(d, entry, WARN_TICKS)
    assert d.state.risk_state == "WARNING"
    _print_at_loss(d, entry, 456, seconds=20)
    await d.tick()
    assert d.state.risk_state == "WARNING"
    d2 = await desk({"daily_loss": {"limit": LIMIT}})
    entry = await _long_one(d2)
    _print_at_loss(d2, entry, WARN_TICKS)
    _print_at_loss(d2, entry, 444, seconds=1)
    await d2.tick(8)
    assert d2.state.risk_state == "WARNING"
    await d2.tick(1)
    assert d2.state.risk_state == "ACTIVE"
    lifted = d2.of(RiskStateChanged)[-1]
    assert (lifted.previous, lifted.state, lifted.rule) == ("WARNING", "ACTIVE", "daily-loss")
    assert lifted.reason == (
        "warning lifted: daily loss at 74% of the $300.00 limit (day P&L -$222.00), below 75%"
    )


async def test_every_state_change_names_its_rule_and_reason(desk: DeskFactory) -> None:
    """Up to WARNING, back to ACTIVE, up to LOCKED: each change has a rule and a reason."""
    d = await desk({"daily_loss": {"limit": LIMIT}})
    entry = await _long_one(d)
    _print_at_loss(d, entry, WARN_TICKS)
    _print_at_loss(d, entry, 0, seconds=1)
    await d.tick(30)
    _print_at_loss(d, entry, 600, seconds=1)
    await d.settle()
    changes = d.of(RiskStateChanged)
    assert [(e.previous, e.state) for e in changes] == [
        ("ACTIVE", "WARNING"),
        ("WARNING", "ACTIVE"),
        ("ACTIVE", "LOCKED"),
    ]
    assert all(e.rule and e.reason for e in changes), changes


async def test_escalation_is_never_held_back(desk: DeskFactory) -> None:
    """A WARNING just raised does not delay the breach: 80% then 100% a moment later
    locks at once."""
    d = await desk({"daily_loss": {"limit": LIMIT}})
    entry = await _long_one(d)
    _print_at_loss(d, entry, WARN_TICKS)
    _print_at_loss(d, entry, 600, seconds=0.1)
    await d.settle()
    assert d.state.risk_state == "LOCKED"


async def test_band_and_hold_are_configurable(desk: DeskFactory) -> None:
    """`warn_band = 0` and `warn_hold_seconds = 0`: the warning lifts on the next print
    under 80%, as a trader who wants no memory asked."""
    d = await desk({"warn_band": 0, "warn_hold_seconds": 0, "daily_loss": {"limit": LIMIT}})
    entry = await _long_one(d)
    _print_at_loss(d, entry, WARN_TICKS)
    _print_at_loss(d, entry, WARN_TICKS - 1)
    assert _changes(d) == [("ACTIVE", "WARNING", "daily-loss"), ("WARNING", "ACTIVE", "daily-loss")]


async def test_the_risk_panel_and_banner_agree_while_a_warning_is_held(
    desk: DeskFactory,
) -> None:
    """At 76% after 80%: the banner still warns and the R panel row reads WARN, saying
    where the warning lifts, so the screen never contradicts itself."""
    d = await desk({"daily_loss": {"limit": LIMIT}})
    entry = await _long_one(d)
    _print_at_loss(d, entry, WARN_TICKS)
    _print_at_loss(d, entry, 456, seconds=30)
    await d.tick()
    banner = d.risk.banner(d.state)
    assert banner is not None
    assert banner.state == "WARNING"
    row = next(r for r in d.risk.status(d.state) if r.rule == "daily-loss")
    assert row.level is Level.WARN
    assert row.detail == "warning held: it lifts below 75% of the limit"


def test_a_band_as_wide_as_the_warning_is_refused() -> None:
    """`warn_band` must leave a level to lift at: not as wide as `warn_at`."""
    assert RiskSettings.model_validate({"warn_at": 0.5, "warn_band": 0.2}).clear_at == 0.3
    with pytest.raises(ValidationError, match=r"warn_band\n.*must be smaller than warn_at"):
        RiskSettings.model_validate({"warn_at": 0.5, "warn_band": 0.5})


async def test_the_way_back_from_reducing_and_locked_is_named(desk: DeskFactory) -> None:
    """A cooldown ending and a lockout ending each come back to ACTIVE with the rule that
    held the state up and why it no longer does."""
    d = await desk({"cooldown": {"tiers": [{"loss": 10, "minutes": 1}]}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -40)
    await d.sell("MNQ", 1)
    assert d.state.risk_state == "REDUCE-ONLY"
    await d.tick(60)
    back = d.of(RiskStateChanged)[-1]
    assert (back.previous, back.state, back.rule) == ("REDUCE-ONLY", "ACTIVE", "cooldown")
    assert back.reason == "entries allowed again: the cooldown after a $20.00 loss is over"
    await d.submit(StartLockout(until_ns=d.clock.now_ns() + 60 * 10**9, reason="a break"))
    await d.tick(60)
    back = d.of(RiskStateChanged)[-1]
    assert (back.previous, back.state, back.rule) == ("LOCKED", "ACTIVE", "manual")
    assert back.reason == "lockout over (a break)"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(CLEAR_TICKS, 599), st.sampled_from([0, 0.1, 1, 5, 11, 60])),
        min_size=1,
        max_size=40,
    )
)
def test_a_pnl_inside_the_band_changes_the_state_at_most_once(
    steps: list[tuple[int, float]],
) -> None:
    """Any sequence of losses between 75% and the limit, at any pace (hold long past),
    changes the state at most once, and the change names its rule and reason."""
    cockpit_loop.run(_inside_the_band(steps))


async def _inside_the_band(steps: list[tuple[int, float]]) -> None:
    d = await Desk({"daily_loss": {"limit": LIMIT}}).start()
    entry = await _long_one(d)
    for ticks, seconds in steps:
        _print_at_loss(d, entry, ticks, seconds)
        await d.tick()
    changes = d.of(RiskStateChanged)
    assert len(changes) <= 1, _changes(d)
    assert all(e.rule == "daily-loss" and e.reason for e in changes)
