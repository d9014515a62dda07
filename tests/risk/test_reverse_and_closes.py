"""The order keys' composite commands under the risk engine: a reverse is judged like an
entry once flat and never exceeds the contract limit; closes are exits it never blocks."""

from __future__ import annotations

from cockpit.core.commands import CloseContracts, ReversePosition, StartLockout
from cockpit.core.models import OrderType, Side
from tests.risk.conftest import DeskFactory


async def test_a_reverse_with_its_stop_working_stays_within_the_contract_limit(
    desk: DeskFactory,
) -> None:
    """Long 2 at a limit of 2 with a sell stop for 2: the stop is cancelled before the
    entry is judged, so the reverse ends short 2 and nothing is left working."""
    d = await desk({"contract_limit": {"contracts": 2}})
    await d.buy("MNQ", 2)
    stop = d.bid("MNQ") - 40
    spec = d.state.instruments["MNQ"]
    placed = await d.order("MNQ", Side.SELL, 2, type=OrderType.STOP, stop_price=spec.to_price(stop))
    assert placed.accepted, placed.reason
    verdict = await d.submit(ReversePosition(symbol="MNQ"))
    assert verdict.accepted, verdict.reason
    await verdict.done()
    await d.settle()
    assert d.size("MNQ") == -2
    assert d.state.working_orders("MNQ") == []
    assert d.denials() == []


async def test_a_partial_close_passes_while_locked(desk: DeskFactory) -> None:
    """A lockout's flatten running or not, a close of one contract is an exit: never denied."""
    d = await desk()
    await d.buy("MNQ", 2)
    await d.submit(CloseContracts(symbol="MNQ", size=1))
    assert d.size("MNQ") == 1
    await d.submit(StartLockout(until_ns=d.clock.now_ns() + 3_600_000_000_000))
    assert d.size("MNQ") == 0
    assert d.denials() == []
