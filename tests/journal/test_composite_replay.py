"""Replay of the composite commands: a partial close, a reverse and orders moved to the
market are re-derived step by step from the recording, never re-sent twice."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from cockpit.brokers.paper import PaperBroker
from cockpit.core.clock import FakeClock
from cockpit.core.commands import (
    CloseContracts,
    Command,
    MoveToMarket,
    PlaceOrder,
    ReversePosition,
    SetArmed,
)
from cockpit.core.engine import Engine
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import OrderType, Side
from cockpit.core.state import State
from cockpit.journal.format import RecordKind
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer

from .conftest import START_NS, SYMBOLS, make_writer


async def test_partial_close_reverse_and_moves_to_the_market_replay_the_same(
    tmp_path: Path,
) -> None:
    """`b` x2, `o`, `r`, a stop then `M`, a limit then `M`: the replay reaches every
    recorded decision (the reverse's close and entry, the stop's close) and ends flat too."""
    clock = FakeClock(START_NS)
    broker = PaperBroker(clock, SYMBOLS, seed=11, pump_interval=0)
    state = State(INSTRUMENTS, SYMBOLS, mode=broker.mode)
    writer = make_writer(tmp_path)
    engine = Engine(state, clock, broker=broker, recorder=writer)
    await broker.start(engine.on_event)
    spec = INSTRUMENTS["MNQ"]

    def advance(seconds: float) -> None:
        clock.advance(seconds)
        broker.step(clock.now_ns())

    async def do(command: Command) -> None:
        verdict = engine.submit(command)
        assert verdict.accepted, verdict.reason
        await verdict.done()
        await engine.drain()
        advance(2)

    advance(5)
    await do(SetArmed(armed=True))
    await do(PlaceOrder(symbol="MNQ", side=Side.BUY, size=2))
    await do(CloseContracts(symbol="MNQ", size=1))
    assert state.position_size("MNQ") == 1
    await do(ReversePosition(symbol="MNQ"))
    assert state.position_size("MNQ") == -1
    stop = spec.to_price(state.quotes["MNQ"].ask + 40)
    await do(PlaceOrder(symbol="MNQ", side=Side.BUY, type=OrderType.STOP, size=1, stop_price=stop))
    [stop_order] = state.working_orders("MNQ")
    await do(MoveToMarket(order_id=stop_order.id))
    assert state.is_flat()
    limit = spec.to_price(state.quotes["MNQ"].bid - 40)
    await do(
        PlaceOrder(symbol="MNQ", side=Side.BUY, type=OrderType.LIMIT, size=1, limit_price=limit)
    )
    [limit_order] = state.working_orders("MNQ")
    await do(MoveToMarket(order_id=limit_order.id))
    assert state.position_size("MNQ") == 1
    writer.close()
    assert writer.path is not None

    with open_journal(writer.path) as journal:
        origins = [
            (type(r.item).__name__, r.item.origin) for r in journal if r.kind is RecordKind.COMMAND
        ]
        replayer = Replayer(journal)
        assert replayer.verify() == []
        assert replayer.state.position_size("MNQ") == 1
    assert ("ClosePosition", "reverse") in origins
    assert ("PlaceOrder", "reverse") in origins
    assert ("ModifyOrder", "to market") in origins
    assert ("CloseContracts", "to market") in origins
    assert Decimal(0) != state.realized
