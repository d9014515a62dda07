"""Profit protection: the daily loss floor trails the day's best once it reaches
``trail_after`` (``[risk.daily_loss] trail_after / trail_by / trail_pct``)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from cockpit.core.events import FlattenStarted
from cockpit.core.state import State
from cockpit.risk.config import RiskSettings
from cockpit.risk.rules.base import Env
from cockpit.risk.rules.daily_loss import DailyLoss
from cockpit.risk.tally import Tally
from cockpit.risk.timing import Calendar
from tests.risk.conftest import TUESDAY_10, DeskFactory

PROTECT = {"limit": 275, "trail_after": 200, "trail_by": 100, "action": "reduce-only"}


async def test_before_the_threshold_the_floor_is_the_limit(desk: DeskFactory) -> None:
    """Up $150 (short of trail_after $200) and back to -$250: no breach, the floor is -$275."""
    d = await desk({"daily_loss": PROTECT})
    await d.buy("MNQ", 1)
    await d.move("MNQ", 300)
    await d.move("MNQ", -800)
    assert d.state.day_pnl() == Decimal("-250.00")
    assert d.state.risk_state == "WARNING"
    assert d.risk.daily_loss_room(d.state) == Decimal("25.00")


async def test_past_the_threshold_the_floor_locks_in_profit(desk: DeskFactory) -> None:
    """Up $260 then back to +$160 reaches the floor $260 - $100: entries are denied, and the
    reason names the protected floor."""
    d = await desk({"daily_loss": PROTECT})
    await d.buy("MNQ", 1)
    await d.move("MNQ", 520)
    assert d.risk.daily_loss_room(d.state) == Decimal("100.00")
    assert d.risk.daily_loss is not None
    assert d.risk.daily_loss.locked_in == Decimal("160.00")
    await d.move("MNQ", -199)
    assert d.state.risk_state == "WARNING"
    await d.move("MNQ", -1)
    assert d.state.day_pnl() == Decimal("160.00")
    assert d.state.risk_state == "REDUCE-ONLY"
    denied = await d.buy("MES", 1)
    assert not denied.accepted
    assert "protected floor $160.00" in denied.reason


async def test_a_share_of_the_best_trails_by_pct(desk: DeskFactory) -> None:
    """trail_pct 0.4 past $200: at a $300 best the floor is $180, and reaching it flattens."""
    d = await desk({"daily_loss": {"limit": 275, "trail_after": 200, "trail_pct": 0.4}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", 600)
    assert d.risk.daily_loss_room(d.state) == Decimal("120.00")
    await d.move("MNQ", -240)
    assert d.state.positions == {}
    assert d.of(FlattenStarted)[-1].reason.startswith("daily loss limit: day P&L $180.00")


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"trail_after": 200}, "needs trail_after with trail_by or trail_pct"),
        ({"trail_by": 100}, "needs trail_after with trail_by or trail_pct"),
        ({"trail_after": 200, "trail_by": 100, "trail_pct": 0.5}, "not both"),
        ({"trail_after": 200, "trail_by": 100, "trailing": True}, "not both"),
        ({"trail_after": 200, "trail_pct": 1.5}, "less than 1"),
    ],
)
def test_an_incomplete_protection_is_a_config_error(table: dict[str, object], words: str) -> None:
    """A threshold without a distance, or two distances, or trailing as well, is refused."""
    with pytest.raises(ValidationError, match=words):
        RiskSettings.model_validate({"daily_loss": {"limit": 275, **table}})


class Scripted(DailyLoss):
    """The daily loss rule fed a scripted P&L instead of a desk's."""

    script: Decimal = Decimal(0)

    def pnl(self, state: State, now: int) -> Decimal:
        return self.script


def scripted(table: dict[str, object]) -> Scripted:
    settings = RiskSettings.model_validate({"daily_loss": table})
    calendar = Calendar(settings.boundary, settings.zone)
    return Scripted(Env(settings, calendar, Tally(calendar)))


cents = st.decimals(min_value=-2000, max_value=2000, places=2, allow_nan=False)
distance = st.one_of(
    st.fixed_dictionaries({"trail_by": st.decimals(min_value=1, max_value=500, places=2)}),
    st.fixed_dictionaries({"trail_pct": st.floats(min_value=0.01, max_value=0.99)}),
)


@given(
    path=st.lists(cents, min_size=1, max_size=40),
    limit=st.decimals(min_value=1, max_value=1000, places=2),
    after=st.decimals(min_value=1, max_value=1000, places=2),
    trail=distance,
)
def test_the_floor_never_falls_within_a_day(
    path: list[Decimal], limit: Decimal, after: Decimal, trail: dict[str, object]
) -> None:
    """For any day's P&L path the floor only rises, never below -limit, and the rule breaches
    exactly when the P&L is at or under it."""
    rule = scripted({"limit": limit, "trail_after": after, **trail})
    state = State({}, [])
    previous = -limit
    for pnl in path:
        rule.script = pnl
        floor = rule.measure(state, TUESDAY_10)
        assert floor.floor >= previous
        assert floor.floor >= -limit
        assert (rule.level(state, TUESDAY_10).name == "BREACH") == (pnl <= floor.floor)
        previous = floor.floor
