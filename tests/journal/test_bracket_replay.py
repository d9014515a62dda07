"""Brackets in the journal: their orders, moves and template choices are recorded, and a
replay decides every one of them again, at the same nanosecond."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.bracket_config import BracketSettings
from cockpit.config import Settings, UiSettings
from cockpit.core import loop as cockpit_loop
from cockpit.core.brackets import ChooseBracket
from cockpit.core.clock import FakeClock
from cockpit.core.commands import FlattenAll, PlaceOrder, SetArmed
from cockpit.core.events import Notice
from cockpit.core.models import Side
from cockpit.journal.format import RecordKind
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.session import build_session

from .conftest import START_NS

BRACKETS = {
    "active": "tight",
    "tight": {
        "stop": 12,
        "target": 20,
        "breakeven": {"trigger": 1, "offset": 0},
        "trail": {"trigger": 3, "distance": 2, "step": 1},
    },
    "wide": {"stop": 40, "targets": [{"ticks": 4, "size": 1}, {"ticks": 80, "size": 1}]},
}


@pytest.fixture(scope="module")
def bracketed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A paper session trading under two templates, switched by the `t` command."""
    folder = tmp_path_factory.mktemp("bracketed")
    settings = Settings(
        ui=UiSettings(watchlist=["MNQ"]), brackets=BracketSettings.model_validate(BRACKETS)
    )

    async def run() -> Path:
        clock = FakeClock(START_NS)
        session = build_session(
            settings, clock=clock, pump=False, journal_dir=folder / "j", risk_state_dir=folder
        )
        await session.start()
        engine = session.engine

        async def wait(seconds: int) -> None:
            for _ in range(seconds * 4):
                clock.advance(0.25)
                session.broker.step(clock.now_ns())  # type: ignore[attr-defined]
                engine.tick()
                await engine.drain()

        await engine.execute(SetArmed(armed=True))
        for side in (Side.BUY, Side.SELL) * 3:
            await engine.execute(PlaceOrder(symbol="MNQ", side=side, size=1))
            await wait(20)
        await engine.execute(ChooseBracket(name="wide"))
        await engine.execute(PlaceOrder(symbol="MNQ", side=Side.BUY, size=2))
        await wait(30)
        await engine.execute(FlattenAll())
        await wait(2)
        await session.stop()
        assert session.journal is not None
        assert session.journal.path is not None
        return session.journal.path

    return cockpit_loop.run(run())


def test_the_journal_holds_the_brackets_orders_and_moves(bracketed: Path) -> None:
    """Bracket orders (origin bracket), a stop moved, the template chosen: all recorded."""
    with open_journal(bracketed) as journal:
        records = list(journal)
        assert journal.header.settings["brackets"]["active"] == "tight"
    commands = [r.item for r in records if r.kind is RecordKind.COMMAND]
    assert any(isinstance(c, PlaceOrder) and c.origin == "bracket" for c in commands)
    assert any(isinstance(c, ChooseBracket) for c in commands)
    notices = [r.item.text for r in records if isinstance(r.item, Notice)]
    assert any("stop moved" in text for text in notices)
    assert "bracket template: wide" in notices


def test_replay_reproduces_every_bracket_decision(bracketed: Path) -> None:
    """Re-run with the recorded templates: the same orders, moves and notices, exactly."""
    with open_journal(bracketed) as journal:
        assert Replayer(journal).verify() == []


def test_review_shows_each_bracketed_trade_with_what_hit_and_r(bracketed: Path) -> None:
    """Review: every bracketed trade's first stop and target, which one closed it, R."""
    from rich.console import Console

    from cockpit.journal.review import review
    from cockpit.journal.show import review_view

    with open_journal(bracketed) as journal:
        seen = review(journal)
    rows = seen.brackets.to_dicts()
    assert len(rows) == seen.trades.height
    assert {row["hit"] for row in rows} <= {"stop", "target", "other", None}
    for row in rows:
        trade = seen.trades.row(row["trade"] - 1, named=True)
        risk = abs(trade["entry"] - row["stop"]) / Decimal("0.25")
        if row["r"] is not None:
            assert row["r"] == pytest.approx(float(row["ticks"] / risk), abs=0.005)
        if row["hit"] == "target":
            assert trade["exit"] == row["target"]
    console = Console(width=120, record=True)
    console.print(review_view(seen))
    assert "Brackets" in console.export_text()
