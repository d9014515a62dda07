"""loosens(old, new): every [risk] key knows which way allows more."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cockpit.risk.config import RiskSettings
from cockpit.risk.loosening import ACTIONS, DIRECTIONS, Looser, loosens

BASE: dict[str, Any] = {
    "daily_loss": {"limit": 300},
    "weekly_loss": {"limit": 900},
    "profit_target": {"target": 500},
    "max_position": {"micros": 20},
    "fills_per_day": {"limit": 30},
    "consecutive_losses": {"limit": 3},
    "trade_clock": {"minutes": 2},
    "require_stop": {"grace_seconds": 10},
    "throttle": {"orders": 5},
    "fat_finger": {"confirm_above": 5},
    "stale": {"feed_seconds": 5},
}
PROTECTED = {"limit": 300, "trail_after": 100, "trail_by": 50}
COMPARED = [key for key, way in DIRECTIONS.items() if way is not Looser.IGNORED]


@st.composite
def pair(draw: st.DrawFn, way: Looser) -> tuple[Any, Any]:
    """(tighter, looser) values for a key that loosens ``way``."""
    if way in (Looser.HIGHER, Looser.LOWER):
        low = draw(st.integers(1, 40))
        high = draw(st.integers(low + 1, 50))
        unset = draw(st.booleans())
        if way is Looser.HIGHER:
            return low, None if unset else high
        return high, None if unset else low
    if way is Looser.TRUE:
        return False, True
    if way is Looser.FALSE:
        return True, False
    if way is Looser.BASIS:
        return "net", "realized"
    if way is Looser.ACTION:
        weak = draw(st.integers(0, len(ACTIONS) - 2))
        strong = draw(st.integers(weak + 1, len(ACTIONS) - 1))
        return ACTIONS[strong], ACTIONS[weak]
    if way is Looser.LATER:
        early = draw(st.integers(0, 1438))
        late = draw(st.integers(early + 1, 1439))

        def hhmm(since_open: int) -> str:
            minutes = (17 * 60 + since_open) % (24 * 60)
            return f"{minutes // 60:02d}:{minutes % 60:02d}"

        return hhmm(early), None if draw(st.booleans()) else hhmm(late)
    assert way is Looser.LOCK_END
    short = draw(st.integers(1, 100))
    long = draw(st.integers(short + 1, 200))
    return draw(st.sampled_from([(f"{long}m", f"{short}m"), ("next-week", "next-day")]))


def with_value(base: dict[str, Any], key: tuple[str, ...], value: Any) -> RiskSettings:
    data = {name: dict(table) if isinstance(table, dict) else table for name, table in base.items()}
    if key[0] == "daily_loss" and key[1].startswith("trail_"):
        data["daily_loss"] = dict(PROTECTED)
        if key[1] == "trail_pct":
            data["daily_loss"] = {"limit": 300, "trail_after": 100, "trail_pct": 0.5}
            value = None if value is None else value / 100
    if len(key) == 1:
        data[key[0]] = value
    else:
        data.setdefault(key[0], {})[key[1]] = value
    try:
        return RiskSettings.model_validate(data)
    except ValidationError:
        assume(False)
        raise


@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data(), key=st.sampled_from(COMPARED))
def test_tightening_one_key_never_loosens_and_loosening_it_always_does(
    data: st.DataObject, key: tuple[str, ...]
) -> None:
    """For any key and any pair of values, the tighter is no loosening of the looser, and the
    looser is reported as a loosening of the tighter, under that key."""
    others = data.draw(st.sampled_from([k for k in COMPARED if k != key and len(k) == 2]))
    base_value = data.draw(pair(DIRECTIONS[others]))[0]
    base = dict(BASE)
    if not (others[0] == "daily_loss" and others[1].startswith("trail_")):
        base[others[0]] = {**base.get(others[0], {}), others[1]: base_value}
    tight, loose = data.draw(pair(DIRECTIONS[key]))
    tighter, looser = with_value(base, key, tight), with_value(base, key, loose)
    assert loosens(looser, tighter) == []
    assert [item.key for item in loosens(tighter, looser)] == [key]


def risk(**tables: Any) -> RiskSettings:
    return RiskSettings.model_validate(tables)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        (
            {"contract_limit": {"contracts": 1}},
            {"contract_limit": {"symbols": {"NQ": 1}}},
            "contracts",
        ),
        (
            {"contract_limit": {"contracts": 2, "symbols": {"NQ": 1}}},
            {"contract_limit": {"contracts": 2}},
            "contracts",
        ),
        (
            {"max_order_size": {"symbols": {"MNQ": 2}}},
            {"max_order_size": {"symbols": {"MNQ": 3}}},
            "symbols",
        ),
        ({"symbols": {"block": ["CL", "MCL"]}}, {"symbols": {"block": ["CL"]}}, "block"),
        ({"symbols": {"allow": ["MNQ"]}}, {"symbols": {"allow": ["MNQ", "MES"]}}, "allow"),
        (
            {"trading_hours": {"windows": ["08:30-11:30"]}},
            {"trading_hours": {"windows": ["08:30-12:00"]}},
            "windows",
        ),
        ({"trading_hours": {"windows": ["08:30-11:30"]}}, {}, "windows"),
        (
            {"trading_hours": {"windows": ["08:30-11:30"]}},
            {
                "trading_hours": {
                    "windows": ["08:30-11:30"],
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat"],
                }
            },
            "days",
        ),
        (
            {"trading_hours": {"flatten_at": "15:00"}},
            {"trading_hours": {"flatten_at": "15:30"}},
            "flatten_at",
        ),
        (
            {"cooldown": {"tiers": [{"loss": 100, "minutes": 15}]}},
            {"cooldown": {"tiers": [{"loss": 150, "minutes": 15}]}},
            "tiers",
        ),
        (
            {"require_stop": {"grace_seconds": 5}},
            {"require_stop": {"grace_seconds": 5, "action": "alert"}},
            "action",
        ),
        ({"stale": {"feed_seconds": 5}}, {"stale": {"feed_seconds": 0}}, "feed_seconds"),
    ],
)
def test_tables_loosen_by_what_they_allow(
    old: dict[str, Any], new: dict[str, Any], key: str
) -> None:
    """Per-symbol limits, symbols, trading windows, cooldowns, stop and feed guards loosen
    by what they allow in effect; the reverse change is a tightening."""
    before, after = risk(**old), risk(**new)
    assert [item.key[-1] for item in loosens(before, after)] == [key]
    assert loosens(after, before) == []


def test_warning_levels_and_the_lock_itself_loosen_nothing() -> None:
    """warn_at and its band and hold, and [risk] lock, are not limits."""
    old = risk(daily_loss={"limit": 300}, lock="day")
    new = risk(daily_loss={"limit": 300}, warn_at=0.5, warn_band=0.1, warn_hold_seconds=0)
    assert loosens(old, new) == []


def test_a_key_with_no_order_loosens_whenever_it_changes() -> None:
    """Moving the trading-day boundary cannot be ordered, so it counts as loosening."""
    found = loosens(risk(), risk(day_boundary="16:00"))
    assert [item.label for item in found] == ["[risk] day_boundary"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"daily_loss": {"limit": 300}}, {"daily_loss": {"limit": 301}}),
        ({"daily_loss": {"limit": 300}}, {}),
        ({"daily_loss": {"limit": 300}}, {"daily_loss": {"limit": 300, "basis": "realized"}}),
        ({"daily_loss": {"limit": 300, "trailing": True}}, {"daily_loss": {"limit": 300}}),
        ({"daily_loss": {"limit": 300}}, {"daily_loss": {"limit": 300, "action": "alert"}}),
        (
            {"weekly_loss": {"limit": 900}},
            {"weekly_loss": {"limit": 900, "lock_until": "next-day"}},
        ),
        ({"trade_clock": {"minutes": 5}}, {"trade_clock": {"minutes": 2}}),
        ({"throttle": {"orders": 5, "seconds": 2}}, {"throttle": {"orders": 5, "seconds": 1}}),
        ({"consecutive_losses": {"limit": 3}}, {"consecutive_losses": {"limit": 4}}),
        ({"no_adding_to_loser": {"enabled": True}}, {}),
        ({}, {"dry_run": True}),
        ({"profit_target": {"target": 500}}, {"profit_target": {"target": 800}}),
    ],
)
def test_what_a_trader_calls_loosening_is_one(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Examples written by hand, independent of the direction table: each new config allows
    more than the old one."""
    assert loosens(risk(**old), risk(**new)) != []


@pytest.mark.parametrize(
    ("tight", "loose"),
    [
        ({"no_widening": {"enabled": True}}, {}),
        ({"max_risk_per_trade": {"amount": 200}}, {"max_risk_per_trade": {"amount": 250}}),
        ({"max_risk_per_trade": {"amount": 200}}, {}),
    ],
)
def test_stop_rules_loosen_one_way_only(tight: dict[str, Any], loose: dict[str, Any]) -> None:
    """Turning no-widening off or raising (or removing) max-risk-per-trade loosens, under
    its key; turning it on or lowering it is a tightening the lock allows."""
    table = next(iter(tight))
    found = loosens(risk(**tight), risk(**loose))
    assert [item.key[0] for item in found] == [table]
    assert loosens(risk(**loose), risk(**tight)) == []
