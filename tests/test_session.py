"""How a session is wired: order tags unique per run, and the journal keeps them."""

from __future__ import annotations

from pathlib import Path

from cockpit.config import Settings
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import FakeClock
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.models import Side
from cockpit.journal.reader import open_journal
from cockpit.session import FROZEN_START_NS, build_session, run_tag


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
