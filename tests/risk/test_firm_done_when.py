"""Issue 15's done-when, headless on a fake clock: the TopstepX 50K Combine profile, a
losing day that reaches the buffer above the maximum loss floor flattens and locks with
the firm's rule named, a restart keeps floor and lock, and under `lock = "day"` a config
that loosens a limit is refused at start naming its line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli.start import check_settings_lock
from cockpit.config import parse_settings
from cockpit.core.events import EnforcementTaken, FlattenStarted
from cockpit.risk.floor import FloorStore
from cockpit.risk.rules.base import Level
from tests.risk.conftest import TUESDAY_10, DeskFactory, at

COMBINE = """\
[account]
firm = "topstep-50k-combine"

[risk]
lock = "day"
"""
LOOSER = (
    COMBINE
    + """
[risk.max_loss]
buffer_pct = 0.05
"""
)
RULE = "Topstep Trading Combine 50K maximum loss limit"


async def test_the_combine_flattens_and_locks_at_the_buffer_and_a_restart_keeps_both(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """Balance 48,500 after earlier losses (floor 48,000 from the 50,000 high, buffer $200):
    the header's distance reads 500 (a warning: 83% of the way
    from the start to the buffer); one NQ losing $300 reaches the buffer: flattened and
    locked until 17:00 CT, the reason naming the Combine's maximum loss limit. Restarted
    at the new balance, the floor is still 48,000 and the lock still holds."""
    settings = parse_settings(COMBINE, tmp_path / "config.toml")
    state, journals = tmp_path / "state", tmp_path / "journals"
    d = await desk(
        settings.risk,
        balance=Decimal(48500),
        state_dir=state,
        floors=FloorStore(state, journals),
    )
    assert d.risk.max_loss_distance(d.state) == (Decimal(500), Decimal(200), Level.WARN)
    await d.buy("NQ", 1)
    await d.move("NQ", -59)
    assert d.size("NQ") == 1
    await d.move("NQ", -1)
    assert d.size("NQ") == 0
    assert d.state.risk_state == "LOCKED"
    assert d.state.lockout_until == at(2026, 3, 10, 17)
    reason = d.of(FlattenStarted)[-1].reason
    assert reason == (
        f"{RULE}: equity 48,200.00 is 200.00 above the floor 48,000.00 (buffer 200.00)"
    )
    assert [(e.rule, e.action) for e in d.of(EnforcementTaken)] == [
        ("max-loss", "lock"),
        ("max-loss", "flatten"),
    ]
    d.clock.advance(60)
    again = await desk(
        settings.risk,
        balance=Decimal(48200),
        state_dir=state,
        floors=FloorStore(state, journals),
        clock=d.clock,
    )
    await again.tick(1)
    assert again.risk.max_loss is not None
    assert again.risk.max_loss.floor() == Decimal(48000)
    assert again.state.risk_state == "LOCKED"
    assert again.state.lockout_until == at(2026, 3, 10, 17)
    denied = await again.buy("NQ", 1)
    assert not denied.accepted
    assert "locked until 17:00 CT" in denied.reason


def test_a_config_loosening_the_combine_under_a_day_lock_is_refused_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first start takes the day lock; a config that lowers the buffer (acts later,
    closer to the floor) is refused with exit 2 at config.toml:8, until 17:00 CT."""
    config = tmp_path / "config.toml"
    config.write_text(COMBINE)
    assert check_settings_lock(parse_settings(COMBINE, config), TUESDAY_10) == 0
    config.write_text(LOOSER)
    assert check_settings_lock(parse_settings(LOOSER, config), TUESDAY_10 + 60 * 10**9) == 2
    err = capsys.readouterr().err
    assert f"{config}:8: [risk.max_loss] buffer_pct = 0.05 loosens 0.1 until 17:00 CT" in err
