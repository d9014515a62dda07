"""Contracts per symbol, account micros, max order size: denials and enforcement."""

from __future__ import annotations

from cockpit.core.commands import PlaceOrder
from cockpit.core.events import CloseSubmitted, EnforcementTaken, RiskDecision
from cockpit.core.models import OrderRequest, OrderStatus, OrderType, Side
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine
from tests.risk.conftest import DeskFactory


async def test_contract_limit_counts_working_orders_on_the_same_side(desk: DeskFactory) -> None:
    """A resting buy for 1 plus a position of 1 fills a limit of 2: one more buy is denied."""
    d = await desk({"contract_limit": {"contracts": 2}})
    await d.buy("MNQ", 1)
    await d.limit("MNQ", Side.BUY, 1, d.bid("MNQ") - 20)
    denied = await d.buy("MNQ", 1)
    assert not denied.accepted
    assert denied.reason == (
        "MNQ contract limit 2: buying 1 would make 3 long (position +1, counting working orders)"
    )
    assert d.denials()[-1].rule == "contract-limit"


async def test_contract_limit_is_per_side(desk: DeskFactory) -> None:
    """Long 2 at a limit of 2: a sell that flips to short 2 passes, one to short 3 does not."""
    d = await desk({"contract_limit": {"contracts": 2}})
    await d.buy("MNQ", 2)
    assert not (await d.sell("MNQ", 5)).accepted
    assert (await d.sell("MNQ", 4)).accepted
    assert d.size("MNQ") == -2


async def test_orders_in_flight_count_against_the_limit(desk: DeskFactory) -> None:
    """Two quick presses: the second is judged with the first still in flight."""
    d = await desk({"contract_limit": {"contracts": 1}})
    first = d.engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    second = d.engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
    await d.settle()
    assert first.accepted
    assert not second.accepted
    assert d.size("MNQ") == 1


async def test_beside_a_close_on_its_way_the_limit_counts_the_position_as_flat_too(
    desk: DeskFactory,
) -> None:
    """Long 1 at a limit of 2 with a sell of 2 resting and a close on its way: the broker
    may already be flat, so one more sell (short 3 then) is denied and says why; a buy,
    within the limit either way, passes."""
    d = await desk({"contract_limit": {"contracts": 2}})
    await d.buy("MNQ", 1)
    await d.limit("MNQ", Side.SELL, 2, d.bid("MNQ") + 40)
    d.engine.emit(CloseSubmitted(d.clock.now_ns(), "MNQ"))  # sent, not yet answered
    denied = d.engine.submit(PlaceOrder(symbol="MNQ", side=Side.SELL, size=1))
    assert not denied.accepted
    assert denied.reason == (
        "MNQ contract limit 2: selling 1 would make 3 short (position 0 once the close on "
        "its way fills, counting working orders)"
    )
    assert d.engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).accepted


async def test_per_symbol_contract_limit_overrides_the_default(desk: DeskFactory) -> None:
    """``symbols = { NQ = 1 }`` limits NQ to 1 while MNQ keeps the default 3."""
    d = await desk({"contract_limit": {"contracts": 3, "symbols": {"NQ": 1}}})
    assert (await d.buy("NQ", 1)).accepted
    assert not (await d.buy("NQ", 1)).accepted
    assert (await d.buy("MNQ", 3)).accepted


async def test_reaching_the_contract_limit_exactly_is_allowed(desk: DeskFactory) -> None:
    """A limit of 2 allows 2."""
    d = await desk({"contract_limit": {"contracts": 2}})
    assert (await d.buy("MNQ", 2)).accepted
    assert d.size("MNQ") == 2


async def test_an_outside_order_over_the_limit_is_cancelled(desk: DeskFactory) -> None:
    """A resting order placed on another platform that breaks the limit is cancelled."""
    d = await desk({"contract_limit": {"contracts": 2}})
    await d.buy("MNQ", 2)
    order_id = await d.external("MNQ", Side.BUY, 1, OrderType.LIMIT, limit=d.bid("MNQ") - 40)
    assert d.state.orders[order_id].status is OrderStatus.CANCELLED
    taken = d.of(EnforcementTaken)[-1]
    assert taken.rule == "contract-limit"
    assert taken.action == "cancel"
    decision = d.of(RiskDecision)[-1]
    assert decision.outcome == "enforced"
    assert f"order={order_id}" in decision.inputs


async def test_an_outside_fill_over_the_limit_is_closed(desk: DeskFactory) -> None:
    """A position grown past the limit elsewhere is closed."""
    d = await desk({"contract_limit": {"contracts": 2}})
    await d.external("MNQ", Side.BUY, 3)
    assert d.size("MNQ") == 0
    assert "close" in [e.action for e in d.of(EnforcementTaken)]


async def test_reducing_an_oversized_position_is_never_refused(desk: DeskFactory) -> None:
    """Over every size limit, an order that only shrinks the position still passes, while
    one that adds is denied."""
    d = await desk()
    await d.buy("MNQ", 4)
    settings = {
        "contract_limit": {"contracts": 2},
        "max_order_size": {"contracts": 1},
        "max_position": {"micros": 1},
    }
    judge = RiskEngine(RiskSettings.model_validate(settings), d.clock)
    sell = PlaceOrder(symbol="MNQ", side=Side.SELL, size=3)
    assert judge.check(sell, OrderRequest("MNQ", Side.SELL, OrderType.MARKET, 3), d.state) is None
    buy = PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)
    denial = judge.check(buy, OrderRequest("MNQ", Side.BUY, OrderType.MARKET, 1), d.state)
    assert denial is not None


async def test_account_micros_count_a_mini_as_ten(desk: DeskFactory) -> None:
    """With 15 micros allowed, 1 NQ leaves room for 5 MNQ and not 6."""
    d = await desk({"max_position": {"micros": 15}})
    assert (await d.buy("NQ", 1)).accepted
    denied = await d.buy("MNQ", 6)
    assert not denied.accepted
    assert denied.reason.startswith("account limit 15 micros: buy 6 MNQ")
    assert (await d.buy("MNQ", 5)).accepted
    assert not (await d.buy("NQ", 1)).accepted


async def test_account_micros_breached_elsewhere_closes_the_position(desk: DeskFactory) -> None:
    """An NQ fill from another platform over the account limit is closed."""
    d = await desk({"max_position": {"micros": 15}})
    await d.buy("MNQ", 10)
    await d.external("NQ", Side.BUY, 1)
    assert d.size("NQ") == 0
    assert d.size("MNQ") == 10
    assert d.of(EnforcementTaken)[-1].rule == "max-position"


async def test_account_micros_outside_order_over_the_limit_is_cancelled(desk: DeskFactory) -> None:
    """A resting NQ order from elsewhere that would take the account over is cancelled."""
    d = await desk({"max_position": {"micros": 15}})
    await d.buy("MNQ", 10)
    order_id = await d.external("NQ", Side.BUY, 1, OrderType.LIMIT, limit=d.bid("NQ") - 40)
    assert d.state.orders[order_id].status is OrderStatus.CANCELLED


async def test_max_order_size_refuses_one_over(desk: DeskFactory) -> None:
    """Max 5 per order: 5 passes, 6 is denied with the limit in the reason."""
    d = await desk({"max_order_size": {"contracts": 5}})
    assert (await d.buy("MNQ", 5)).accepted
    denied = await d.buy("MNQ", 6)
    assert not denied.accepted
    assert denied.reason == "order size 6 is above the 5-contract maximum for MNQ"


async def test_max_order_size_judges_a_modify_that_grows_an_order(desk: DeskFactory) -> None:
    """Growing a working order past the maximum is denied; shrinking it is fine."""
    d = await desk({"max_order_size": {"contracts": 3}})
    await d.limit("MNQ", Side.BUY, 2, d.bid("MNQ") - 30)
    order = d.state.working_orders("MNQ")[0]
    assert not (await d.modify(order.id, size=4)).accepted
    assert (await d.modify(order.id, size=1)).accepted


async def test_max_order_size_cancels_a_large_outside_order(desk: DeskFactory) -> None:
    """A 10-lot resting order from elsewhere is cancelled when the maximum is 5."""
    d = await desk({"max_order_size": {"contracts": 5}})
    order_id = await d.external("MNQ", Side.BUY, 10, OrderType.LIMIT, limit=d.bid("MNQ") - 40)
    assert d.state.orders[order_id].status is OrderStatus.CANCELLED
