"""Fixtures of the journal tests: a recorded trading session and a sample of every record.

The recorded session is a real one: the engine and the paper broker on the synthetic
tape, driven by a fake clock, recording into a :class:`JournalWriter`. Its script trades
three round trips, gets denied (disarmed, off the tick grid), cancels a working order,
flattens with a second press while the first runs, and notes what the live state showed
at every fill, so replay and review can be checked against what the trader saw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from lz4 import block as lz4_block

from cockpit.brokers.paper import PaperBroker
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import EXCHANGE_TZ, FakeClock, ns_from_datetime
from cockpit.core.commands import (
    CancelOrder,
    Command,
    FlattenAll,
    PlaceOrder,
    SetArmed,
)
from cockpit.core.engine import Engine
from cockpit.core.events import AccountUpdated, Event, FillReceived
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Mode, OrderType, Side
from cockpit.core.state import State
from cockpit.journal.format import HEAD_SIZE, SUFFIX, FrameFlag, FrameKind, pack_frame, unpack_head
from cockpit.journal.reader import open_journal
from cockpit.journal.writer import JournalWriter

START_NS = ns_from_datetime(datetime(2026, 10, 14, 9, 30, tzinfo=EXCHANGE_TZ))
SYMBOLS = ("MNQ", "MES")


@dataclass(frozen=True)
class Seen:
    """What the live cockpit showed right after a fill."""

    fill_id: int
    price: int
    realized: Decimal
    fees: Decimal
    positions: dict[str, tuple[int, int]]
    last: dict[str, int]
    open_pnl: Decimal
    day_pnl: Decimal
    balance: Decimal


def seen(state: State) -> Seen:
    """The figures a trader reads off the screen after a fill."""
    fill = state.fills[-1]
    assert state.account is not None
    return Seen(
        fill_id=fill.id,
        price=fill.price,
        realized=state.realized,
        fees=state.fees,
        positions={s: (p.size, p.cost) for s, p in state.positions.items()},
        last=dict(state.last),
        open_pnl=state.open_pnl_total(),
        day_pnl=state.day_pnl(),
        balance=state.account.balance,
    )


@dataclass
class Recorded:
    """A recorded live session and what it showed."""

    path: Path
    fills: list[Seen] = field(default_factory=list)
    final: Seen | None = None
    outbound: list[Event] = field(default_factory=list)
    """Every conclusion the live engine emitted, in order."""
    net: Decimal = Decimal(0)
    duration_ns: int = 0
    """From the first to the last moment of the session, as the clock measured it."""


Installer = Callable[[Engine], None]


async def record_session(
    directory: Path,
    *,
    install: Installer | None = None,
    settings: dict[str, Any] | None = None,
    flush_interval: float = 0.15,
    broker_class: type[PaperBroker] = PaperBroker,
) -> Recorded:
    """Trade the scripted session live and return its journal and what it showed."""
    clock = FakeClock(START_NS)
    broker = broker_class(clock, SYMBOLS, seed=11, pump_interval=0)
    state = State(INSTRUMENTS, SYMBOLS, mode=broker.mode)
    writer = JournalWriter(
        directory,
        account="PRACTICE-50K",
        mode=Mode.SIM,
        instruments=INSTRUMENTS,
        watchlist=SYMBOLS,
        settings=settings or {},
        flush_interval=flush_interval,
        frame_records=512,
    )
    engine = Engine(state, clock, broker=broker, recorder=writer)
    if install is not None:
        install(engine)
    recorded = Recorded(Path())
    waiting = False

    class Watch:
        """Notes the screen after each fill's balance update (a watcher sees every fold)."""

        def on_event(self, event: Event, _state: State) -> list[Command]:
            nonlocal waiting
            if isinstance(event, FillReceived):
                waiting = True
            elif isinstance(event, AccountUpdated) and waiting:
                recorded.fills.append(seen(state))
                waiting = False
            return []

    engine.watchers.append(Watch())
    original = engine.emit

    def emit(event: Event) -> None:
        recorded.outbound.append(event)
        original(event)

    engine.emit = emit  # type: ignore[method-assign]
    await broker.start(engine.on_event)

    def advance(seconds: float) -> None:
        clock.advance(seconds)
        broker.step(clock.now_ns())

    def price(symbol: str, ticks: int) -> Decimal:
        return INSTRUMENTS[symbol].to_price(ticks)

    async def order(symbol: str, side: Side, size: int = 1, **kw: Any) -> None:
        await engine.execute(PlaceOrder(symbol=symbol, side=side, size=size, **kw))

    advance(5)
    engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))  # disarmed
    await engine.execute(SetArmed(armed=True))
    engine.submit(
        PlaceOrder(
            symbol="MNQ",
            side=Side.BUY,
            type=OrderType.LIMIT,
            size=1,
            limit_price=Decimal("21000.10"),
        )
    )  # off the tick grid
    await order("MNQ", Side.BUY, 2)
    advance(30)
    await order("MNQ", Side.SELL, 1)
    advance(20)
    await order("MNQ", Side.SELL, 1)
    advance(10)
    bid = state.quotes["MES"].bid
    await order("MES", Side.BUY, 1, type=OrderType.LIMIT, limit_price=price("MES", bid - 1))
    for _ in range(240):
        if "MES" in state.positions:
            break
        advance(5)
    assert "MES" in state.positions, "the resting MES limit never filled"
    far = state.quotes["MNQ"].bid - 200
    await order("MNQ", Side.BUY, 1, type=OrderType.LIMIT, limit_price=price("MNQ", far))
    working = state.working_orders("MNQ")
    await engine.execute(CancelOrder(order_id=working[0].id))
    advance(15)
    first = engine.submit(FlattenAll())
    engine.submit(FlattenAll(reason="second press"))
    await first.done()
    advance(10)
    await order("MNQ", Side.SELL, 1)
    advance(40)
    await order("MNQ", Side.BUY, 1)
    advance(5)
    await engine.execute(SetArmed(armed=False))
    engine.submit(PlaceOrder(symbol="MES", side=Side.SELL, size=1))  # disarmed again
    advance(5)
    await engine.drain()
    writer.close()
    assert writer.path is not None
    recorded.path = writer.path
    recorded.final = seen(state)
    recorded.net = state.net_realized
    recorded.duration_ns = clock.now_ns() - START_NS
    return recorded


def make_writer(folder: Path, **options: Any) -> JournalWriter:
    """A writer for the demo account that tests flush by hand."""
    defaults: dict[str, Any] = {
        "account": "PRACTICE-50K",
        "mode": Mode.SIM,
        "instruments": INSTRUMENTS,
        "watchlist": SYMBOLS,
    }
    return JournalWriter(folder, **(defaults | options))


def records_end(path: Path) -> int:
    """Where the last records frame ends: a writer killed after its last flush stops here
    (a closed journal has its close record after it)."""
    with open_journal(path) as journal:
        last = journal.frames[-1]
        return last.offset + last.length


def crashed(path: Path, cut: int = 0) -> Path:
    """Make ``path`` what a crash leaves: no close record, and ``cut`` bytes torn off the
    last records frame."""
    path.write_bytes(path.read_bytes()[: records_end(path) - cut])
    return path


def damage_a_fill(path: Path, nth: int, folder: Path) -> Path:
    """A copy of the journal in ``folder`` whose ``nth`` fill (from 0) holds a record this
    cockpit cannot read: the frame stays whole (its checksum matches), the fill's fields
    are garbage."""
    with open_journal(path) as journal:
        fills = [n for n, r in enumerate(journal) if isinstance(r.item, FillReceived)]
        frame = journal.frames[journal.frame_of(fills[nth])]
        offset = fills[nth] - frame.start
    data = path.read_bytes()
    start, end = frame.offset, frame.offset + frame.length
    payload = data[start:end]
    lz4 = bool(frame.flags & FrameFlag.LZ4)
    times, codes, values = orjson.loads(lz4_block.decompress(payload) if lz4 else payload)
    values[offset] = ["not", "a", "fill"]
    payload = orjson.dumps([times, codes, values])
    payload = lz4_block.compress(payload) if lz4 else payload
    head = unpack_head(data, start - HEAD_SIZE)
    framed = pack_frame(
        FrameKind.RECORDS, head.flags, payload, head.records, head.first_ns, head.last_ns
    )
    damaged = folder / ("damaged" + SUFFIX)
    damaged.write_bytes(data[: start - HEAD_SIZE] + framed + data[end:])
    return damaged


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """One scripted session, recorded once for the whole run (tests only read it)."""
    directory = tmp_path_factory.mktemp("recorded")
    return cockpit_loop.run(record_session(directory))


@pytest.fixture
def journals(tmp_path: Path) -> Path:
    """An empty journals folder."""
    folder = tmp_path / "journals"
    folder.mkdir()
    return folder
