"""The rules brackets bring: no widening a stop, max risk per trade; and a bracket's stop
satisfies the required stop."""

from __future__ import annotations

from cockpit.core.bracket_plan import Target, Template
from cockpit.core.models import OrderType, Side
from tests.core.bracket_desk import SCALP, bracket_desk

WIDE = Template("wide", stop=40, targets=(Target(40),))


async def test_moving_a_stop_away_is_denied_and_closer_passes() -> None:
    """no-widening: the long's stop 2 ticks lower is denied with the reason; 2 higher passes."""
    desk = await bracket_desk(SCALP, risk={"no_widening": {"enabled": True}})
    await desk.buy("MNQ", 1)
    stop = desk.stop()
    spec = desk.state.instruments["MNQ"]
    verdict = await desk.modify(stop.id, stop_price=spec.to_price(stop.stop - 2))
    assert not verdict.accepted
    assert "2 ticks farther from the market: a stop may only tighten" in verdict.reason
    assert desk.stop().stop == stop.stop
    verdict = await desk.modify(stop.id, stop_price=spec.to_price(stop.stop + 2))
    assert verdict.accepted, verdict.reason
    assert desk.stop().stop == stop.stop + 2


async def test_a_short_stop_moved_up_is_widening() -> None:
    """no-widening on a short: its buy stop may only come down."""
    desk = await bracket_desk(SCALP, risk={"no_widening": {"enabled": True}})
    await desk.sell("MNQ", 1)
    stop = desk.stop()
    spec = desk.state.instruments["MNQ"]
    verdict = await desk.modify(stop.id, stop_price=spec.to_price(stop.stop + 1))
    assert not verdict.accepted
    assert verdict.reason.startswith("MNQ stop")


async def test_widening_is_allowed_without_the_rule() -> None:
    """The rule off: a stop may be moved either way (the trader's choice)."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    stop = desk.stop()
    spec = desk.state.instruments["MNQ"]
    assert (await desk.modify(stop.id, stop_price=spec.to_price(stop.stop - 2))).accepted


async def test_max_risk_per_trade_denies_an_entry_over_the_amount() -> None:
    """MNQ $0.50 a tick: scalp's 8 ticks x 3 = $12 passes a $15 limit, x 4 = $16 does not."""
    desk = await bracket_desk(SCALP, risk={"max_risk_per_trade": {"amount": 15}})
    assert (await desk.buy("MNQ", 3)).accepted
    verdict = await desk.buy("MNQ", 4)
    assert not verdict.accepted
    assert verdict.reason == (
        "BUY 4 MNQ market risks $16.00 (8 ticks x 4 x $0.50), over the $15.00 per trade: "
        "at most 3 at this stop"
    )


async def test_max_risk_per_trade_denies_an_entry_without_a_stop() -> None:
    """With no template active an entry has no stop: denied while the rule is on."""
    desk = await bracket_desk(SCALP, active=None, risk={"max_risk_per_trade": {"amount": 100}})
    verdict = await desk.buy("MNQ", 1)
    assert not verdict.accepted
    assert "has no stop" in verdict.reason


async def test_max_risk_never_denies_the_brackets_own_legs_or_exits() -> None:
    """The bracket's stop and target and a manual exit all pass the rule."""
    desk = await bracket_desk(WIDE, active="wide", risk={"max_risk_per_trade": {"amount": 25}})
    assert (await desk.buy("MNQ", 1)).accepted
    assert set(desk.legs()) == {"SL", "TP1"}
    assert (await desk.sell("MNQ", 1)).accepted
    assert desk.state.is_flat()


async def test_a_bracket_stop_satisfies_require_stop() -> None:
    """require-stop with a 2 s grace: the bracketed position is never closed for want of one."""
    desk = await bracket_desk(SCALP, risk={"require_stop": {"grace_seconds": 2}})
    await desk.buy("MNQ", 1)
    await desk.tick(5)
    assert desk.size() == 1


async def test_bracket_targets_pass_a_lockout_as_exits() -> None:
    """Under reduce-only (a contract limit of 1 reached) the target is still placed."""
    desk = await bracket_desk(SCALP, risk={"contract_limit": {"contracts": 1}})
    await desk.order("MNQ", Side.BUY, 1)
    assert set(desk.legs()) == {"SL", "TP1"}


async def test_contract_limit_enforcement_never_cancels_a_brackets_stop() -> None:
    """A buy stop for 3 from elsewhere at a 3-contract limit, then short 1 under a bracket
    (its OCO legs count once, so the long side stays at 3), then a buy for 1 from elsewhere
    takes it over: enforcement cancels an outside order, never the bracket's stop or target."""
    desk = await bracket_desk(SCALP, risk={"contract_limit": {"contracts": 3}})
    outside = await desk.external(
        "MNQ", Side.BUY, 3, type=OrderType.STOP, stop=desk.bid("MNQ") + 40
    )
    await desk.sell("MNQ", 1)
    assert set(desk.legs()) == {"SL", "TP1"}
    assert not desk.state.orders[outside].status.is_terminal
    more = await desk.external("MNQ", Side.BUY, 1, type=OrderType.LIMIT, limit=desk.bid("MNQ") - 40)
    assert set(desk.legs()) == {"SL", "TP1"}
    cancelled = [o for o in (outside, more) if desk.state.orders[o].status.is_terminal]
    assert cancelled
