"""The issue's done-when scenario, headless: max 2 contracts and a $300 daily loss limit."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cockpit.cli import main
from cockpit.config import parse_settings
from cockpit.core.clock import FakeClock
from cockpit.core.commands import FlattenAll, PlaceOrder, SetArmed
from cockpit.core.events import (
    FlattenCompleted,
    LockoutStarted,
    OrderDenied,
    Printed,
    QuoteUpdated,
)
from cockpit.core.models import Side
from cockpit.session import Session, build_session
from tests.risk.conftest import TUESDAY_10, at, short_history

CONFIG = """\
[risk.contract_limit]
contracts = 2

[risk.daily_loss]
limit = 300
"""


async def _session(config: str, state_dir: Path, clock: FakeClock) -> Session:
    settings = parse_settings(config, Path("config.toml"))
    with short_history():
        session = build_session(settings, clock=clock, pump=False, risk_state_dir=state_dir)
    await session.start()
    session.engine.submit(SetArmed(armed=True))
    return session


async def test_third_contract_is_refused_with_the_reason(tmp_path: Path) -> None:
    """With max 2 contracts, buying a third is denied and the reason names the limit."""
    session = await _session(CONFIG, tmp_path, FakeClock(TUESDAY_10))
    for _ in range(2):
        verdict = await session.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
        assert verdict.accepted
    verdict = await session.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    assert not verdict.accepted
    assert "contract limit 2" in verdict.reason
    assert "3 long" in verdict.reason
    denied = [e for e in session.state.fills_and_events if isinstance(e, OrderDenied)]
    assert denied[-1].rule == "contract-limit"
    assert session.state.positions["MNQ"].size == 2
    await session.stop()


async def test_losing_300_flattens_locks_survives_restart_and_flatten_still_works(
    tmp_path: Path,
) -> None:
    """Losing $300 flattens and locks until the day ends; a restart is still locked with
    the same countdown; flatten works while locked; new entries are denied."""
    clock = FakeClock(TUESDAY_10)
    session = await _session(CONFIG, tmp_path, clock)
    engine, state = session.engine, session.state
    await engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=2))
    entry = state.positions["MNQ"].average
    # MNQ is $0.50 a tick: 2 contracts 300 ticks down is -$300, and fees take it past.
    await _push(session, "MNQ", int(entry) - 300)
    await engine.drain()
    assert state.positions == {}
    assert state.risk_state == "LOCKED"
    day_end = at(2026, 3, 10, 17, 0)
    assert state.lockout_until == day_end
    flattened = [e for e in state.fills_and_events if isinstance(e, FlattenCompleted)]
    assert flattened
    assert flattened[-1].flat
    banner = session.risk.banner(state)
    assert banner is not None
    assert banner.state == "LOCKED"
    assert banner.countdown == "7:00:00"
    await session.stop()

    # Quit and start again, a minute later: still locked, same end.
    clock.advance(60)
    again = await _session(CONFIG, tmp_path, clock)
    assert again.state.risk_state == "LOCKED"
    assert again.state.lockout_until == day_end
    assert any(isinstance(e, LockoutStarted) for e in again.state.fills_and_events)
    denied = await again.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    assert not denied.accepted
    assert denied.reason.startswith("locked until 17:00")
    flatten = await again.engine.execute(FlattenAll())
    assert flatten.accepted
    banner = again.risk.banner(again.state)
    assert banner is not None
    assert banner.countdown == "6:59:00"
    await again.stop()


async def _push(session: Session, symbol: str, bid: int) -> None:
    """Move the paper market's touch and tape to ``bid`` (account and engine both see it)."""
    now = session.clock.now_ns()
    quote = QuoteUpdated(now, symbol, bid, bid + 1, 10, 10)
    for event in (quote, Printed(now, symbol, bid, 1)):
        session.engine.on_event(event)
        session.broker.account.on_market(event)  # type: ignore[attr-defined]
        session.broker._flush()  # type: ignore[attr-defined]


def test_rules_check_on_a_broken_file_says_exactly_what_is_wrong(tmp_path: Path) -> None:
    """A broken risk config exits 2 and names the file, line, key, bad value and what is allowed."""
    path = tmp_path / "config.toml"
    path.write_text('[risk.contract_limit]\ncontracts = 0\n\n[risk.daily_loss]\nlimit = "lots"\n')
    result = CliRunner().invoke(main, ["rules", "check", str(path)])
    assert result.exit_code == 2
    assert (
        f"{path}:2: [risk.contract_limit] contracts = 0: "
        "Input should be greater than or equal to 1" in result.output
    )
    assert f'{path}:5: [risk.daily_loss] limit = "lots": ' in result.output
