"""How a session is wired: order tags unique per run, the journal keeps them, and a
frozen session's time (its ticks, its time-driven risk) moves only with its clock."""

from __future__ import annotations

from pathlib import Path

from cockpit.config import Settings
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import NS_PER_SECOND, FakeClock
from cockpit.core.commands import PlaceOrder, SetArmed, StartLockout
from cockpit.core.events import LockoutEnded
from cockpit.core.models import Side
from cockpit.journal.format import RecordKind
from cockpit.journal.reader import open_journal
from cockpit.session import build_session, claim_run_tag, run_tag
from tests.frozen import FROZEN_START_NS, frozen_session


def test_runs_a_second_apart_tag_their_orders_differently() -> None:
    """ProjectX wants customTag unique per account: each run has its own prefix."""
    assert run_tag(FROZEN_START_NS) != run_tag(FROZEN_START_NS + 1_000_000_000)
    assert run_tag(FROZEN_START_NS).startswith("ck")


def test_orders_carry_the_run_tag_and_the_journal_keeps_it(tmp_path: Path) -> None:
    """The first order of a run is tagged <run tag>-N, and the journal header says so."""

    async def trade() -> tuple[str, Path]:
        session = build_session(
            Settings(), clock=FakeClock(FROZEN_START_NS), pump=False, journal_dir=tmp_path
        )
        await session.start()
        await session.engine.execute(SetArmed(armed=True))
        await session.engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
        (order,) = session.state.orders.values()
        await session.stop()
        assert order.tag is not None
        assert session.journal is not None
        assert session.journal.path is not None
        return order.tag, session.journal.path

    tag, path = cockpit_loop.run(trade())
    prefix = run_tag(FROZEN_START_NS)
    assert tag.startswith(f"{prefix}-")
    with open_journal(path) as journal:
        assert journal.header.tag_prefix == prefix


def test_a_frozen_session_ticks_once_for_each_second_its_clock_passes(tmp_path: Path) -> None:
    """advance() ticks at every whole second it crosses; extra ticks in a second add nothing."""

    async def trade() -> Path:
        session = frozen_session(journal_dir=tmp_path)
        await session.start()
        await session.advance(2.5)
        for _ in range(3):  # a wall-clock timer firing while the frozen clock stands still
            session.engine.tick()
        await session.advance(0.7)
        await session.stop()
        assert session.journal is not None
        assert session.journal.path is not None
        return session.journal.path

    path = cockpit_loop.run(trade())
    with open_journal(path) as journal:
        ticks = [record.ns for record in journal if record.kind is RecordKind.TICK]
    assert ticks == [FROZEN_START_NS + n * NS_PER_SECOND for n in (1, 2, 3)]


def test_a_lockout_ends_when_the_session_clock_reaches_its_end() -> None:
    """Time-driven risk moves with the session's clock: a 30 s lockout ends at +30 s."""

    async def trade() -> tuple[bool, bool, list[LockoutEnded]]:
        session = frozen_session()
        ended: list[LockoutEnded] = []
        session.engine.listeners.append(
            lambda event: ended.append(event) if isinstance(event, LockoutEnded) else None
        )
        await session.start()
        await session.engine.execute(StartLockout(until_ns=FROZEN_START_NS + 30 * NS_PER_SECOND))
        assert session.risk is not None
        await session.advance(29.5)
        locked_before = session.risk.store.active(session.clock.now_ns()) is not None
        await session.advance(1)
        locked_after = session.risk.store.lockout is not None
        await session.stop()
        return locked_before, locked_after, ended

    locked_before, locked_after, ended = cockpit_loop.run(trade())
    assert locked_before
    assert not locked_after
    assert [event.ts for event in ended] == [FROZEN_START_NS + 30 * NS_PER_SECOND]


def test_two_runs_started_in_the_same_second_never_share_a_run_tag(tmp_path: Path) -> None:
    """A quick restart (same start second) claims the next second, so order tags stay unique;
    a run with nowhere to remember (tests, replay) still gets the plain tag."""
    start = FROZEN_START_NS + 400_000_000
    first = claim_run_tag(start, tmp_path)
    second = claim_run_tag(start, tmp_path)
    third = claim_run_tag(start - 5 * NS_PER_SECOND, tmp_path)  # a clock set back
    assert len({first, second, third}) == 3
    assert first == run_tag(start)
    assert claim_run_tag(start, None) == run_tag(start)
