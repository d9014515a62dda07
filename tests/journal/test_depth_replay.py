"""Depth in the journal: a replay rebuilds the order book the live session showed."""

from __future__ import annotations

from pathlib import Path

from cockpit.brokers.paper import PaperBroker
from cockpit.core.book import Book
from cockpit.core.clock import FakeClock
from cockpit.core.engine import Engine
from cockpit.core.events import DepthUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.state import State
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer

from .conftest import START_NS, SYMBOLS, make_writer


def book_key(book: Book) -> tuple:
    """What a ladder shows of a book: levels, volume at each price, the last prints."""
    return dict(book.bids), dict(book.asks), dict(book.traded), book.volume, list(book.tape)


async def test_replay_rebuilds_every_book_as_the_live_session_had_it(tmp_path: Path) -> None:
    """A paper session's depth is journaled; replayed to the end, and to a moment in the
    middle, each instrument's book equals the live one at that moment."""
    clock = FakeClock(START_NS)
    broker = PaperBroker(clock, SYMBOLS, seed=3, pump_interval=0)
    state = State(INSTRUMENTS, SYMBOLS, mode=broker.mode)
    writer = make_writer(tmp_path, frame_records=512)
    engine = Engine(state, clock, broker=broker, recorder=writer)
    await broker.start(engine.on_event)
    middle: dict[str, tuple] = {}
    for second in range(1, 41):
        clock.advance(1)
        broker.step(clock.now_ns())
        writer.flush()
        if second == 20:
            middle = {s: book_key(state.books[s]) for s in SYMBOLS}
            middle_ns = clock.now_ns()
    await engine.drain()
    writer.close()
    assert writer.path is not None
    with open_journal(writer.path) as journal:
        assert sum(1 for r in journal if isinstance(r.item, DepthUpdated)) > 1_000
        replayer = Replayer(journal)
        replayer.seek(middle_ns)
        assert {s: book_key(replayer.state.books[s]) for s in SYMBOLS} == middle
        assert replayer.verify() == []
        for symbol in SYMBOLS:
            assert book_key(replayer.state.books[symbol]) == book_key(state.books[symbol])
            assert len(replayer.state.books[symbol].bids) == 10
