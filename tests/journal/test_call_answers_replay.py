"""A broker's answers given inside a send are replayed inside the re-judged command.

On eager tasks (what Textual installs) a broker that never suspends acknowledges and
fills a market order before ``submit`` returns: the paper broker did until it reported a
turn later, like a real broker, and the journals it wrote then must still replay. A
watcher that judges the state once the outermost fold or command is over (as the
bracket manager does) sees those answers together live; a replay that fed them one by
one afterwards showed it in-between states (an order working, then filled) that the
session never judged, and it decided differently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cockpit.brokers.paper import PaperBroker
from cockpit.core import loop as cockpit_loop
from cockpit.core.engine import Engine
from cockpit.core.events import Notice
from cockpit.core.sends import CallEnded, CallOpened, CallReturned
from cockpit.journal.format import RecordKind
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer

from .conftest import record_session


class SaysWorkingWhenSettled:
    """A stand-in watcher: once each outermost fold or command is over, says how many
    orders are working whenever that number changed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.said = 0
        engine.settled.append(self.settled)

    def settled(self) -> None:
        working = len(self.engine.state.working_orders())
        if working != self.said:
            self.said = working
            self.engine.emit(Notice(self.engine.now(), "info", f"{working} working"))


def install(engine: Engine, settings: Any = None) -> None:
    SaysWorkingWhenSettled(engine)


class AnswersInside(PaperBroker):
    """The paper broker as it was: each request matched and its reports folded inside the
    request, before it gives the loop back."""

    async def _received(self) -> None:
        return None

    async def _report(self) -> None:
        self._flush()


@pytest.fixture(scope="module", params=["eager", "lazy"])
def journal_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scripted session with the watcher, on eager tasks and on lazy ones."""
    folder = tmp_path_factory.mktemp(f"answers-{request.param}")
    session = record_session(folder, install=install, broker_class=AnswersInside)
    return cockpit_loop.run(session, eager=request.param == "eager").path


def test_the_replay_reaches_the_decisions_taken_after_answers_inside_a_send(
    journal_path: Path,
) -> None:
    """A watcher judging after the outermost command decides the same in the replay."""
    with open_journal(journal_path) as journal:
        said = [r for r in journal if isinstance(r.item, Notice) and "working" in r.item.text]
        assert said, "the watcher never spoke live"
        assert Replayer(journal, install=install).verify() == []


def test_every_broker_call_is_marked_where_it_opened_and_returned(journal_path: Path) -> None:
    """Each call's marks pair up and each call ends once; the answers of a quick broker sit
    between its opening and return marks on eager tasks only."""
    with open_journal(journal_path) as journal:
        records = list(journal)
    opened = [r for r in records if isinstance(r.item, CallOpened)]
    returned = [r for r in records if isinstance(r.item, CallReturned)]
    ended = [r.item.call for r in records if isinstance(r.item, CallEnded)]
    assert opened
    assert len(opened) == len(returned)
    assert sorted(ended) == [r.item.call for r in opened]  # each call ends, once
    assert all(r.kind is RecordKind.OUT for r in opened + returned)
    depth, answered_inside = 0, 0
    for record in records:
        if isinstance(record.item, CallOpened):
            depth += 1
        elif isinstance(record.item, CallReturned):
            depth -= 1
            assert depth >= 0
        elif record.kind is RecordKind.IN and depth:
            answered_inside += 1
    assert depth == 0
    eager = "eager" in journal_path.parent.name
    assert (answered_inside > 0) is eager
