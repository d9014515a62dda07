"""Properties over random sequences of orders, outside fills, market moves, waits, exits
and lockouts, on the real engine and paper broker:

* an exit is never denied by a risk rule;
* once enforcement settles, no position is over its contract or account limit, and a
  locked account is flat;
* while a lockout runs, its end never moves earlier.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.core import loop as cockpit_loop
from cockpit.core.commands import CancelAll, CancelOrder, ClosePosition, FlattenAll, StartLockout
from cockpit.core.events import RiskStateChanged
from cockpit.core.models import OrderType, Side
from cockpit.risk.rules import RULES
from tests.risk.conftest import Desk

RISK_RULES = {cls.name for cls in RULES} | {"lockout", "confirm-size"}
SYMBOLS = ("MNQ", "MES", "NQ")
LIMITS = {"MNQ": 3, "MES": 3, "NQ": 1}
MICROS = 20
CONFIG: dict[str, Any] = {
    "contract_limit": {"contracts": 3, "symbols": {"NQ": 1}},
    "max_position": {"micros": MICROS},
    "max_order_size": {"contracts": 3},
    "daily_loss": {"limit": 150},
    "weekly_loss": {"limit": 2000},
    "profit_target": {"target": 1500, "action": "alert"},
    "fills_per_day": {"limit": 40},
    "consecutive_losses": {"limit": 4, "lock_until": "10m"},
    "cooldown": {"tiers": [{"loss": 150, "minutes": 2}]},
    "trade_clock": {"minutes": 0.01},
    "throttle": {"orders": 5, "seconds": 1},
    "no_adding_to_loser": {"enabled": True},
    "fat_finger": {"max_ticks": 200, "confirm_above": 2},
    "symbols": {"block": ["M2K"]},
    "require_stop": {"grace_seconds": 120},
    "stale": {"feed_seconds": 600},
    "trading_hours": {"windows": ["00:00-23:59"], "days": ["mon", "tue", "wed", "thu", "fri"]},
}

symbol = st.sampled_from(SYMBOLS)
side = st.sampled_from([Side.BUY, Side.SELL])
market_order = st.tuples(st.just("order"), symbol, side, st.integers(1, 4), st.just(0))
limit_order = st.tuples(st.just("order"), symbol, side, st.integers(1, 4), st.integers(-30, 30))
external = st.tuples(st.just("external"), symbol, side, st.integers(1, 5), st.booleans())
move = st.tuples(st.just("move"), symbol, st.integers(-500, 500))
wait = st.tuples(st.just("wait"), st.sampled_from([0, 1, 5, 31, 130, 700]))
operation = st.one_of(
    *[market_order] * 3,
    limit_order,
    *[external] * 2,
    *[move] * 3,
    *[wait] * 2,
    st.tuples(st.just("exit"), st.sampled_from(["flatten", "cancel-all", "cancel", "close"])),
    st.tuples(st.just("reduce"), symbol),
    st.tuples(st.just("lockout"), st.integers(1, 15), st.integers(0, 4)),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=1, max_size=30))
def test_exits_pass_limits_hold_and_lockouts_never_shorten(ops: list[tuple[Any, ...]]) -> None:
    """Random trading: exits always pass, enforcement keeps positions within limits and a
    locked account flat, a running lockout's end never moves earlier, and every state
    change names its rule and reason."""
    cockpit_loop.run(_play(ops))


async def _play(ops: list[tuple[Any, ...]]) -> None:
    d = await Desk(CONFIG).start()
    lock_end: int | None = None
    for op in ops:
        await _step(d, op)
        await d.tick()
        _check_limits(d)
        lock_end = _check_lockout(d, lock_end)
    unnamed = [e for e in d.of(RiskStateChanged) if not (e.rule and e.reason)]
    assert unnamed == [], "every state change names its rule and reason"


async def _step(d: Desk, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "order":
        _, sym, sd, size, offset = op
        if offset == 0:
            await d.order(sym, sd, size)
        else:
            await d.limit(
                sym, sd, size, d.bid(sym) - offset if sd is Side.BUY else d.bid(sym) + offset
            )
    elif kind == "external":
        _, sym, sd, size, market = op
        if market:
            await d.external(sym, sd, size)
        else:
            price = d.bid(sym) - 5 if sd is Side.BUY else d.bid(sym) + 5
            await d.external(sym, sd, size, OrderType.LIMIT, limit=price)
    elif kind == "move":
        await d.move(op[1], op[2])
    elif kind == "wait":
        await d.tick(op[1])
    elif kind == "exit":
        await _exit(d, op[1])
    elif kind == "reduce":
        position = d.state.positions.get(op[1])
        if position is not None:
            reduce_side = Side.SELL if position.size > 0 else Side.BUY
            verdict = await d.order(op[1], reduce_side, 1)
            _assert_not_refused_by_risk(d, verdict)
    elif kind == "lockout" and op[2] == 0:  # one in five: lockouts would drown the rest
        verdict = await d.submit(StartLockout(until_ns=d.clock.now_ns() + op[1] * 60 * 10**9))
        assert verdict.accepted


async def _exit(d: Desk, which: str) -> None:
    if which == "flatten":
        verdict = await d.submit(FlattenAll())
    elif which == "cancel-all":
        verdict = await d.submit(CancelAll())
    elif which == "cancel":
        working = d.state.working_orders()
        if not working:
            return
        verdict = await d.submit(CancelOrder(order_id=working[0].id))
    else:
        if not d.state.positions:
            return
        verdict = await d.submit(ClosePosition(symbol=next(iter(d.state.positions))))
    assert verdict.accepted, verdict.reason


def _assert_not_refused_by_risk(d: Desk, verdict: Any) -> None:
    if not verdict.accepted:
        assert d.denials()[-1].rule not in RISK_RULES, verdict.reason


def _check_limits(d: Desk) -> None:
    micros = 0
    for position in d.state.positions.values():
        assert abs(position.size) <= LIMITS[position.symbol], position
        micros += abs(position.size) * d.state.instruments[position.symbol].micros
    assert micros <= MICROS
    if d.risk.lockout() is not None:
        assert d.state.positions == {}
        assert all(not _adds(d, o) for o in d.state.working_orders())


def _adds(d: Desk, order: Any) -> bool:
    position = d.state.positions.get(order.symbol)
    return position is None or order.side.sign * position.size > 0


def _check_lockout(d: Desk, previous: int | None) -> int | None:
    lockout = d.risk.lockout()
    if lockout is None:
        assert previous is None or d.risk.now() >= previous
        assert d.state.risk_state != "LOCKED"
        return None
    if previous is not None and d.risk.now() < previous:
        assert lockout.until_ns >= previous
    assert d.state.lockout_until == lockout.until_ns
    return lockout.until_ns


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=20))
def test_the_same_sequence_gives_the_same_decisions(ops: list[tuple[Any, ...]]) -> None:
    """Replaying the same events and commands on the same clock gives the same record."""
    first = cockpit_loop.run(_record(ops))
    second = cockpit_loop.run(_record(ops))
    assert first == second


async def _record(ops: list[tuple[Any, ...]]) -> list[str]:
    d = await Desk(CONFIG).start()
    for op in ops:
        await _step(d, op)
        await d.tick()
    return [repr(event) for event in d.recorder.events]
