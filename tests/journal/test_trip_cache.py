"""The trips cache: finished journals are read once for the week's trades and the days'
net; a changed, unfinished or unreadable one is read again, a damaged cache rebuilt."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.core.events import FillReceived
from cockpit.core.models import Fill, Side
from cockpit.journal import days
from cockpit.journal.days import closed_trips
from cockpit.journal.trip_cache import FILE_NAME, TripCache

from .conftest import START_NS, make_writer


def _run(folder: Path, start: int, trips: int, *, close: bool = True) -> Path:
    """A journal closing ``trips`` MNQ round trips of +5.00 before a 0.50 fee a side."""
    writer = make_writer(folder)
    number = 0
    for _ in range(trips):
        for side, pnl in ((Side.BUY, None), (Side.SELL, Decimal(5))):
            number += 1
            ts = start + number * 1_000_000_000
            fill = Fill(number, number, 1, "MNQ", side, 1, 84_000, Decimal("0.5"), pnl, ts)
            writer.record_event(ts, FillReceived(ts, fill), True)
    if close:
        writer.close()
    else:
        writer.flush()
    assert writer.path is not None
    return writer.path


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every journal the days module opens."""
    seen: list[Path] = []
    real = days.open_journal

    def counting(path: Path, **options: object) -> object:
        seen.append(path)
        return real(path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(days, "open_journal", counting)
    return seen


def test_a_finished_journal_is_read_once(tmp_path: Path, opened: list[Path]) -> None:
    """The second count takes both runs from the cache, with the same trips and net."""
    _run(tmp_path, START_NS, 2)
    _run(tmp_path, START_NS + 3600 * 10**9, 1)
    first = closed_trips(tmp_path, "PRACTICE-50K")
    assert len(opened) == 2
    again = closed_trips(tmp_path, "PRACTICE-50K")
    assert len(opened) == 2
    assert again.trips == first.trips
    assert [t.net for t in again.trips] == [Decimal(4)] * 3


def test_a_changed_unfinished_or_damaged_cache_is_read_again(
    tmp_path: Path, opened: list[Path]
) -> None:
    """A run still open is never cached; a run whose file changed is read again; a
    damaged cache file is rebuilt from the journals with nothing lost."""
    done = _run(tmp_path, START_NS, 1)
    _run(tmp_path, START_NS + 3600 * 10**9, 1, close=False)
    assert len(closed_trips(tmp_path, "PRACTICE-50K").trips) == 2
    assert len(opened) == 2
    assert len(closed_trips(tmp_path, "PRACTICE-50K").trips) == 2
    assert len(opened) == 3  # only the open run again
    done.write_bytes(done.read_bytes())  # rewritten: a new modification time
    closed_trips(tmp_path, "PRACTICE-50K")
    assert done in opened[3:]
    (tmp_path / FILE_NAME).write_text('{"version": 1, "runs": {"x": 3}}')
    assert TripCache(tmp_path).runs == {}
    assert len(closed_trips(tmp_path, "PRACTICE-50K").trips) == 2
