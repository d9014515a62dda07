"""The firm's scaling plan: the contract ceiling from the end-of-day balance."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from cockpit.cli import main
from cockpit.core.events import EnforcementTaken, Notice
from cockpit.core.models import OrderType, Side
from cockpit.risk.config import RiskSettings, ScalingStep
from cockpit.risk.eod import FILE_NAME
from cockpit.risk.rules.contract_limit import ContractLimit, scaling_step
from tests.risk.conftest import DeskFactory, at

PLAN = {
    "steps": [
        {"balance": 50000, "contracts": 2},
        {"balance": 50100, "contracts": 3},
        {"balance": 52000, "contracts": 5},
    ]
}
STEPS = RiskSettings.model_validate({"scaling": PLAN}).scaling.steps


@pytest.mark.parametrize(
    ("balance", "index"),
    [
        (None, 0),
        (Decimal("45000"), 0),
        (Decimal("50000"), 0),
        (Decimal("50099.99"), 0),
        (Decimal("50100"), 1),
        (Decimal("51999"), 1),
        (Decimal("52000"), 2),
        (Decimal("90000"), 2),
    ],
)
def test_the_step_in_force_is_the_last_one_reached(balance: Decimal | None, index: int) -> None:
    """Below the first step, or with no balance yet, the first step; a step from its
    balance exactly; the top step above it."""
    assert scaling_step(STEPS, balance) == index


@pytest.mark.parametrize(
    "steps",
    [
        [{"balance": 50000, "contracts": 2}, {"balance": 50000, "contracts": 3}],
        [{"balance": 51000, "contracts": 3}, {"balance": 50000, "contracts": 2}],
    ],
)
def test_steps_out_of_order_are_a_config_error(steps: list[dict[str, int]]) -> None:
    """A table not strictly increasing by balance is refused, saying how to list it."""
    with pytest.raises(ValidationError, match="from the lowest balance up"):
        RiskSettings.model_validate({"scaling": {"steps": steps}})


def test_a_step_needs_a_positive_balance_and_a_contract() -> None:
    """A step of zero contracts is refused."""
    with pytest.raises(ValidationError):
        ScalingStep.model_validate({"balance": 50000, "contracts": 0})


async def test_the_ceiling_comes_from_the_end_of_day_balance_across_a_boundary(
    desk: DeskFactory,
) -> None:
    """Day 1 ends at 50,000.00: 2 contracts, however much is made during the day; the
    17:00 CT tick records 50,150.00 and the next day allows 3."""
    d = await desk({"scaling": PLAN})
    await d.tick()
    assert (await d.buy("NQ", 2)).accepted
    denied = await d.buy("NQ", 1)
    assert not denied.accepted
    assert denied.reason == (
        "scaling plan: 2 minis at an end-of-day balance of 50,000.00 (micros count 1/10): "
        "buying 1 NQ would make 3"
    )
    await d.move("NQ", 15)  # +2 x 15 ticks x $5 = +150.00
    assert (await d.sell("NQ", 2)).accepted
    assert d.state.account is not None
    assert d.state.account.balance == Decimal("50150.00")
    assert not (await d.buy("NQ", 3)).accepted  # the day's own profit does not count yet
    d.clock.set(at(2026, 3, 10, 16, 59, 59))
    await d.tick()
    assert d.eod.balance == Decimal("50000")
    d.clock.set(at(2026, 3, 10, 17, 0))
    await d.tick()
    assert d.eod.balance == Decimal("50150.00")
    assert (await d.buy("NQ", 3)).accepted
    reading = next(r for r in d.risk.rules if isinstance(r, ContractLimit)).reading(
        d.state, d.clock.now_ns()
    )
    assert reading.detail == (
        "scaling plan: 3 minis at an end-of-day balance of 50,150.00 (micros count 1/10); "
        "account 3; next: 5 at 52,000.00"
    )
    assert reading.limit == "scaling 3 minis (next: 5 at 52,000.00)"
    assert (reading.current, reading.headroom) == ("account 3 minis", "0")


async def test_the_smaller_of_the_contract_limit_and_the_plan_applies(
    desk: DeskFactory,
) -> None:
    """A contract limit of 1 under a plan of 2: the denial names the contract limit."""
    d = await desk({"scaling": PLAN, "contract_limit": {"contracts": 1}})
    await d.tick()
    assert (await d.buy("MNQ", 1)).accepted
    denied = await d.buy("MNQ", 1)
    assert denied.reason.startswith("MNQ contract limit 1: buying 1 would make 2 long")


async def test_the_plan_counts_minis_across_the_account_with_micros_as_a_tenth(
    desk: DeskFactory,
) -> None:
    """Under 2 minis, 1 NQ and 10 MES fill the plan between them, and 5 MNQ more is denied
    with the account-wide count in minis; without the MES, 10 MNQ fit and the 11th does not."""
    d = await desk({"scaling": PLAN})
    await d.tick()
    assert (await d.buy("NQ", 1)).accepted
    assert (await d.buy("MES", 10)).accepted
    denied = await d.buy("MNQ", 5)
    assert not denied.accepted
    assert denied.reason == (
        "scaling plan: 2 minis at an end-of-day balance of 50,000.00 (micros count 1/10): "
        "buying 5 MNQ would make 2.5"
    )
    assert (await d.sell("MES", 10)).accepted
    assert (await d.buy("MNQ", 10)).accepted
    assert not (await d.buy("MNQ", 1)).accepted


async def test_exits_pass_when_the_account_is_over_the_plan(desk: DeskFactory) -> None:
    """A working order from another platform counts like a position (1 NQ and 5 MNQ
    resting make 1.5), and at the ceiling a sell that reduces still passes."""
    d = await desk({"scaling": PLAN})
    await d.tick()
    await d.buy("NQ", 1)
    order_id = await d.external("MNQ", Side.BUY, 5, OrderType.LIMIT, limit=d.bid("MNQ") - 40)
    assert d.state.orders[order_id].status.is_working
    denied = await d.buy("MNQ", 6)
    assert denied.reason.endswith("buying 6 MNQ would make 2.1")
    assert (await d.buy("MNQ", 5)).accepted
    assert not (await d.buy("MNQ", 1)).accepted
    assert (await d.sell("NQ", 1)).accepted


async def test_an_outside_fill_over_the_plan_is_closed(desk: DeskFactory) -> None:
    """A mini bought on another platform that takes the account over the plan is closed."""
    d = await desk({"scaling": PLAN})
    await d.tick()
    await d.buy("MNQ", 15)
    await d.external("NQ", Side.BUY, 1)
    assert d.size("NQ") == 0
    assert d.size("MNQ") == 15
    assert d.of(EnforcementTaken)[-1].rule == "contract-limit"


async def test_the_end_of_day_balance_survives_a_restart_during_the_day(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """Recorded at 50,000.00 at the start, the day's balance stays the day's after a restart
    at 50,150.00 (still 2 contracts), and is written whole to the state dir."""
    first = await desk({"scaling": PLAN}, state_dir=tmp_path)
    await first.tick()
    record = json.loads((tmp_path / FILE_NAME).read_text())
    assert record == {"day": "2026-03-10", "balance": "50000"}
    again = await desk(
        {"scaling": PLAN},
        state_dir=tmp_path,
        start=at(2026, 3, 10, 11, 0),
        balance=Decimal("50150.00"),
    )
    await again.tick()
    assert again.eod.balance == Decimal("50000")
    await again.buy("NQ", 2)
    assert not (await again.buy("NQ", 1)).accepted
    nextday = await desk(
        {"scaling": PLAN},
        state_dir=tmp_path,
        start=at(2026, 3, 11, 9, 0),
        balance=Decimal("50150.00"),
    )
    await nextday.tick()
    assert nextday.eod.balance == Decimal("50150.00")
    assert json.loads((tmp_path / FILE_NAME).read_text())["day"] == "2026-03-11"


async def test_a_damaged_record_is_said_and_recorded_afresh(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """An unreadable end-of-day record is a notice, never a crash; the balance is taken
    again from the account."""
    (tmp_path / FILE_NAME).write_text("{not json")
    d = await desk({"scaling": PLAN}, state_dir=tmp_path)
    assert any("end-of-day balance record" in notice.text for notice in d.of(Notice))
    await d.tick()
    assert d.eod.balance == Decimal("50000")
    assert json.loads((tmp_path / FILE_NAME).read_text())["balance"] == "50000"


def test_rules_check_names_the_line_of_a_table_out_of_order(tmp_path: Path) -> None:
    """``cockpit rules check`` on steps out of order: file:line, the key, exit 2."""
    path = tmp_path / "config.toml"
    path.write_text(
        "[risk.scaling]\n"
        "steps = [{ balance = 50000, contracts = 2 }, { balance = 49000, contracts = 3 }]\n"
    )
    result = CliRunner().invoke(main, ["rules", "check", str(path)])
    assert result.exit_code == 2
    assert f"{path}:2: [risk.scaling] steps = [" in result.output
    assert "steps out of order: balance 49000 follows 50000" in result.output
