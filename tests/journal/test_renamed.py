"""Journals written before the glossary's renames still read and replay."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from cockpit.core.events import DayStatsUpdated, Printed, QuoteUpdated, RiskStateChanged
from cockpit.core.models import Side
from cockpit.core.tradingstate import TradingState
from cockpit.journal import codec
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer

from .conftest import START_NS, make_writer

OLD_NAMES = {
    Printed: "cockpit.core.events:TradePrinted",  # vocab: keep
    DayStatsUpdated: "cockpit.core.events:SessionStatsUpdated",  # vocab: keep
}


def old_journal(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A journal as a cockpit before the renames wrote it: the old class names in its type
    table and the reduce-only state stored under its old value."""
    current = codec.type_name
    monkeypatch.setattr(codec, "type_name", lambda cls: OLD_NAMES.get(cls) or current(cls))
    writer = make_writer(folder)
    writer.record_event(START_NS, DayStatsUpdated(START_NS, "MNQ", 84_000), True)
    writer.record_event(START_NS + 1, QuoteUpdated(START_NS + 1, "MNQ", 84_010, 84_011, 3, 4), True)
    writer.record_event(START_NS + 2, Printed(START_NS + 2, "MNQ", 84_011, 2, Side.BUY), True)
    old_state = cast(TradingState, "REDUCING")  # vocab: keep: the value as it was stored
    changed = RiskStateChanged(START_NS + 3, old_state, TradingState.ACTIVE, "a limit", "x")
    writer.record_event(START_NS + 3, changed, False)
    writer.close()
    monkeypatch.setattr(codec, "type_name", current)
    assert writer.path is not None
    return writer.path


def test_a_journal_with_the_old_names_reads_as_the_new_classes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old type-table names and the old state value decode to the renamed class and member."""
    path = old_journal(tmp_path, monkeypatch)
    with open_journal(path) as journal:
        items = [record.item for record in journal]
    assert items[0] == DayStatsUpdated(START_NS, "MNQ", 84_000)
    assert items[2] == Printed(START_NS + 2, "MNQ", 84_011, 2, Side.BUY)
    assert items[3].state is TradingState.REDUCE_ONLY
    assert items[3].previous is TradingState.ACTIVE


def test_a_journal_with_the_old_names_replays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replayed, the old journal's print, settle and risk state reach the state as before."""
    path = old_journal(tmp_path, monkeypatch)
    with open_journal(path) as journal:
        replayer = Replayer(journal, rerun=False)
        replayer.go_to(journal.count)
        state = replayer.state
        assert replayer.error is None
        assert state.last["MNQ"] == 84_011
        assert state.settle["MNQ"] == 84_000
        assert state.risk_state is TradingState.REDUCE_ONLY
