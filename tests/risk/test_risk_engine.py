"""The risk engine as a whole: trading states, exits, enforcement while locked, manual
lockouts, dry run, and the record of every decision."""

from __future__ import annotations

from cockpit.core.commands import (
    CancelAll,
    CancelOrder,
    ClosePosition,
    FlattenAll,
    StartLockout,
)
from cockpit.core.events import (
    EnforcementTaken,
    FlattenStarted,
    LockoutEnded,
    LockoutStarted,
    Notice,
    OrderDenied,
    RiskDecision,
    RiskStateChanged,
)
from cockpit.core.models import OrderStatus, OrderType, Side
from tests.risk.conftest import DeskFactory, at

MINUTE = 60 * 1_000_000_000


async def test_states_climb_active_warning_locked_with_an_event_each(desk: DeskFactory) -> None:
    """$79.50 of a $100 limit is ACTIVE, $80 (80%) warns, $100 locks: two RiskStateChanged
    events, in order."""
    d = await desk({"daily_loss": {"limit": 100}})
    await d.buy("MNQ", 1)
    await d.move("MNQ", -159)
    assert d.state.risk_state == "ACTIVE"
    await d.move("MNQ", -1)
    assert d.state.risk_state == "WARNING"
    await d.move("MNQ", -40)
    changes = [(e.previous, e.state, e.rule) for e in d.of(RiskStateChanged)]
    assert changes == [("ACTIVE", "WARNING", "daily-loss"), ("WARNING", "LOCKED", "daily-loss")]


async def test_quotes_that_change_nothing_emit_nothing(desk: DeskFactory) -> None:
    """Wiggling the market inside the same level raises no state event."""
    d = await desk({"daily_loss": {"limit": 300}})
    await d.buy("MNQ", 1)
    for ticks in (3, -5, 2, -1, 4):
        await d.move("MNQ", ticks)
    assert d.of(RiskStateChanged) == []


async def test_every_exit_passes_while_locked(desk: DeskFactory) -> None:
    """Locked: cancel, cancel all, close, flatten and a reducing order are all accepted."""
    d = await desk()
    await d.buy("MNQ", 3)
    await d.limit("MES", Side.SELL, 1, d.bid("MES") + 50)
    stop = await d.order(
        "MNQ", Side.SELL, 3, type=OrderType.STOP, stop_price=_price(d.bid("MNQ") - 40)
    )
    assert stop.accepted
    d.risk.store.extend(_lockout(d, 60), d.clock.now_ns())
    working = next(o for o in d.state.working_orders() if o.symbol == "MNQ")
    assert (await d.sell("MNQ", 1)).accepted
    assert (await d.submit(CancelOrder(order_id=working.id))).accepted
    assert (await d.submit(ClosePosition(symbol="MNQ"))).accepted
    assert (await d.submit(CancelAll())).accepted
    assert (await d.submit(FlattenAll())).accepted
    assert [e for e in d.denials() if e.rule == "lockout"] == []
    assert not (await d.buy("MNQ", 1)).accepted


def _price(ticks: int):  # type: ignore[no-untyped-def]
    from cockpit.core.instruments import INSTRUMENTS

    return INSTRUMENTS["MNQ"].to_price(ticks)


def _lockout(d, minutes: int):  # type: ignore[no-untyped-def]
    from cockpit.risk.lockout import Lockout

    now = d.clock.now_ns()
    return Lockout(now + minutes * MINUTE, "test lockout", "manual", now)


async def test_reducing_cancels_working_entries_and_keeps_protective_orders(
    desk: DeskFactory,
) -> None:
    """Entering REDUCE-ONLY cancels a resting entry order but keeps the stop of the open
    position."""
    d = await desk({"fills_per_day": {"limit": 2}})
    await d.limit("MES", Side.BUY, 1, d.bid("MES") - 40)
    await d.buy("MNQ", 2)
    stop = await d.order(
        "MNQ", Side.SELL, 2, type=OrderType.STOP, stop_price=_price(d.bid("MNQ") - 40)
    )
    assert stop.accepted
    await d.sell("MNQ", 1)
    assert d.state.risk_state == "REDUCE-ONLY"
    remaining = d.state.working_orders()
    assert [(o.symbol, o.type) for o in remaining] == [("MNQ", OrderType.STOP)]
    cancelled = [e for e in d.of(EnforcementTaken) if e.action == "cancel"]
    assert len(cancelled) == 1
    assert cancelled[0].rule == "fills-per-day"


async def test_locked_cancels_and_closes_what_appears_from_elsewhere(desk: DeskFactory) -> None:
    """While locked, an outside resting order is cancelled and an outside fill closed."""
    d = await desk()
    await d.submit(StartLockout(until_ns=d.clock.now_ns() + 30 * MINUTE))
    order_id = await d.external("MNQ", Side.BUY, 1, OrderType.LIMIT, limit=d.bid("MNQ") - 10)
    assert d.state.orders[order_id].status is OrderStatus.CANCELLED
    await d.external("MES", Side.SELL, 2)
    assert d.size("MES") == 0
    rules = {(e.rule, e.action) for e in d.of(EnforcementTaken)}
    assert ("lockout", "cancel") in rules
    assert ("lockout", "close") in rules


async def test_start_lockout_locks_then_flattens(desk: DeskFactory) -> None:
    """StartLockout: LockoutStarted comes before FlattenStarted (nothing new can go out once
    the flatten runs, whenever its tasks run), positions and orders go, nothing is closed
    twice, and the state is LOCKED until the chosen time."""
    d = await desk()
    await d.buy("MNQ", 2)
    await d.limit("MES", Side.BUY, 1, d.bid("MES") - 40)
    until = d.clock.now_ns() + 15 * MINUTE
    verdict = await d.submit(StartLockout(until_ns=until, reason="manual lockout 15 min"))
    assert verdict.accepted
    kinds = [type(e) for e in d.recorder.events if isinstance(e, FlattenStarted | LockoutStarted)]
    assert kinds == [LockoutStarted, FlattenStarted]
    assert not d.of(OrderDenied)
    assert d.state.is_flat()
    assert d.state.risk_state == "LOCKED"
    assert d.state.lockout_until == until


async def test_a_lockout_can_never_be_shortened(desk: DeskFactory) -> None:
    """A second, shorter lockout leaves the first end in place; a longer one extends it."""
    d = await desk()
    now = d.clock.now_ns()
    await d.submit(StartLockout(until_ns=now + 60 * MINUTE))
    await d.submit(StartLockout(until_ns=now + 15 * MINUTE))
    assert d.state.lockout_until == now + 60 * MINUTE
    assert d.risk.lockout().until_ns == now + 60 * MINUTE  # type: ignore[union-attr]
    assert any("never shortened" in n.text for n in d.of(Notice))
    await d.submit(StartLockout(until_ns=now + 90 * MINUTE))
    assert d.state.lockout_until == now + 90 * MINUTE


async def test_a_lockout_in_the_past_is_refused(desk: DeskFactory) -> None:
    """A lockout that would already be over is denied with a reason."""
    d = await desk()
    verdict = await d.submit(StartLockout(until_ns=d.clock.now_ns()))
    assert not verdict.accepted
    assert d.denials()[-1].rule == "lockout"


async def test_a_lockout_ends_on_the_tick_at_its_time(desk: DeskFactory) -> None:
    """A second before the end still locked; at the end LockoutEnded and ACTIVE."""
    d = await desk()
    await d.submit(StartLockout(until_ns=d.clock.now_ns() + 15 * MINUTE))
    await d.tick(15 * 60 - 1)
    assert not (await d.buy("MNQ", 1)).accepted
    assert d.state.risk_state == "LOCKED"
    await d.tick(1)
    assert d.of(LockoutEnded)
    assert d.state.risk_state == "ACTIVE"
    assert d.state.lockout_until is None
    assert (await d.buy("MNQ", 1)).accepted


async def test_lockout_to_the_next_trading_day_from_a_rule(desk: DeskFactory) -> None:
    """``lock_until = "next-day"`` after 17:00 CT runs to tomorrow's 17:00."""
    d = await desk({"daily_loss": {"limit": 100}}, start=at(2026, 3, 10, 18, 0))
    await d.buy("MNQ", 1)
    await d.move("MNQ", -200)
    assert d.state.lockout_until == at(2026, 3, 11, 17, 0)


async def test_dry_run_records_but_refuses_and_enforces_nothing(desk: DeskFactory) -> None:
    """Dry run: the third contract goes out with a "would deny" record, the loss limit
    records a "dry run" decision and a notice, and nothing is flattened or locked."""
    d = await desk(
        {"dry_run": True, "contract_limit": {"contracts": 2}, "daily_loss": {"limit": 100}}
    )
    assert (await d.buy("MNQ", 3)).accepted
    assert d.size("MNQ") == 3
    would = [e for e in d.of(RiskDecision) if e.outcome == "would deny"]
    assert [(e.rule, e.command) for e in would] == [("contract-limit", "BUY 3 MNQ market")]
    assert any(n.text.startswith("DRY RUN: would deny BUY 3 MNQ") for n in d.of(Notice))
    await d.move("MNQ", -100)
    assert d.size("MNQ") == 3
    assert d.state.lockout_until is None
    assert d.of(FlattenStarted) == []
    assert [e.outcome for e in d.of(RiskDecision) if e.rule == "daily-loss"] == ["dry run"]
    assert d.state.risk_state == "REDUCE-ONLY"
    assert d.state.risk_reason.startswith("DRY RUN: daily loss limit")
    banner = d.risk.banner(d.state)
    assert banner is not None
    assert banner.dry_run
    assert banner.text.startswith("DRY RUN · REDUCE-ONLY")


async def test_dry_run_still_honours_a_lockout(desk: DeskFactory) -> None:
    """A lockout is not up to the config: in dry run it still denies and enforces."""
    d = await desk({"dry_run": True})
    await d.submit(StartLockout(until_ns=d.clock.now_ns() + 5 * MINUTE))
    assert not (await d.buy("MNQ", 1)).accepted
    await d.external("MNQ", Side.BUY, 1)
    assert d.size("MNQ") == 0


async def test_every_decision_is_recorded_with_its_rule_and_inputs(desk: DeskFactory) -> None:
    """A denial and an enforcement each leave a RiskDecision in the engine's record, with
    the rule, the action, the outcome and the inputs."""
    d = await desk({"contract_limit": {"contracts": 1}})
    await d.buy("MNQ", 1)
    await d.buy("MNQ", 1)
    await d.external("MES", Side.BUY, 2)
    decisions = d.of(RiskDecision)
    denied = decisions[0]
    assert (denied.rule, denied.action, denied.outcome) == ("contract-limit", "reject", "denied")
    assert "limit=1 position=1 before=1 after=2 side=long" in denied.inputs
    assert denied.command == "BUY 1 MNQ market"
    enforced = [e for e in decisions if e.outcome == "enforced"]
    assert {e.action for e in enforced} >= {"close"}
    assert all(e.rule == "contract-limit" for e in enforced)
    denials = d.of(OrderDenied)
    assert d.recorder.events.index(denied) < d.recorder.events.index(denials[0])


async def test_lock_ends_in_every_form(desk: DeskFactory) -> None:
    """next-day, next-week, hours-end (inside a window, else the day's end), HH:MM and a
    duration all give the expected end from Tuesday 10:00 CT."""
    d = await desk({"trading_hours": {"windows": ["08:30-11:00", "12:00-15:00"]}})
    now = d.clock.now_ns()
    assert d.risk.lock_end("next-day", now) == at(2026, 3, 10, 17, 0)
    assert d.risk.lock_end("next-week", now) == at(2026, 3, 15, 17, 0)
    assert d.risk.lock_end("hours-end", now) == at(2026, 3, 10, 11, 0)
    assert d.risk.lock_end("hours-end", at(2026, 3, 10, 11, 30)) == at(2026, 3, 10, 17, 0)
    assert d.risk.lock_end("09:45", now) == at(2026, 3, 11, 9, 45)
    assert d.risk.lock_end("1h30m", now) == now + 90 * MINUTE


async def test_dry_run_enforcement_is_said_once_and_not_done(desk: DeskFactory) -> None:
    """In dry run an outside order over the limit stays, with one "would cancel" notice."""
    d = await desk({"dry_run": True, "max_order_size": {"contracts": 2}})
    order_id = await d.external("MNQ", Side.BUY, 5, OrderType.LIMIT, limit=d.bid("MNQ") - 20)
    await d.tick(1)
    await d.tick(1)
    assert d.state.orders[order_id].status is OrderStatus.OPEN
    would = [n for n in d.of(Notice) if n.text.startswith("DRY RUN: would cancel")]
    assert len(would) == 1
    assert [e.outcome for e in d.of(RiskDecision)] == ["dry run"]


async def test_require_stop_places_a_stop_above_a_short(desk: DeskFactory) -> None:
    """Short 1 with ``place-stop`` 20 ticks: a buy stop 20 ticks over the entry."""
    d = await desk({"require_stop": {"grace_seconds": 5, "action": "place-stop", "stop_ticks": 20}})
    await d.sell("MNQ", 1)
    entry = int(d.state.positions["MNQ"].average)
    await d.tick(5)
    stop = d.state.working_orders("MNQ")[0]
    assert (stop.side, stop.type, stop.stop) == (Side.BUY, OrderType.STOP, entry + 20)
