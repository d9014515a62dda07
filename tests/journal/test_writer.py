"""The writer and reader: naming, flushing, rotation, seeking, torn tails, bad files."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from cockpit.core import loop as cockpit_loop
from cockpit.core.commands import SetArmed
from cockpit.core.events import Printed, QuoteUpdated
from cockpit.core.models import Mode, Side
from cockpit.journal.files import parts_of, runs
from cockpit.journal.format import HEAD_SIZE, MAGIC, FrameFlag, FrameKind, RecordKind, unpack_head
from cockpit.journal.reader import JournalError, open_journal, read_header
from cockpit.journal.writer import FLUSH_TURN

from .conftest import START_NS, crashed, make_writer, records_end


def quotes(count: int, start: int = START_NS, step: int = 1_000_000) -> list[QuoteUpdated]:
    return [
        QuoteUpdated(start + i * step, "MNQ", 84000 + i % 7, 84001 + i % 7, 5, 6)
        for i in range(count)
    ]


def write(folder: Path, events: list[QuoteUpdated], **options: object) -> Path:
    writer = make_writer(folder, **options)
    for event in events:
        writer.record_event(event.ts + 500, event, True)
    writer.close()
    assert writer.path is not None
    return writer.path


def test_file_is_named_by_date_account_and_mode(journals: Path) -> None:
    """The name says when (exchange time), which account and which mode."""
    writer = make_writer(journals, account="Topstep 50K #3", mode=Mode.LIVE)
    writer.record_event(START_NS, quotes(1)[0], True)
    writer.close()
    assert writer.path is not None
    assert writer.path.name == "2026-10-14_093000_Topstep-50K-3_LIVE.ckj"


def test_nothing_is_written_before_the_first_record(journals: Path) -> None:
    """A session that recorded nothing leaves no empty journal behind."""
    writer = make_writer(journals)
    writer.close()
    assert list(journals.iterdir()) == []


def test_two_runs_in_the_same_second_get_two_files(journals: Path) -> None:
    """A second run never appends to (or clobbers) the first one's file."""
    first = write(journals, quotes(3))
    second = write(journals, quotes(3))
    assert first != second
    assert runs(journals) == sorted([first, second])


def test_records_come_back_in_order_with_kinds_and_times(journals: Path) -> None:
    """Broker facts, engine conclusions, commands and ticks keep their order and clock."""
    writer = make_writer(journals)
    quote = quotes(1)[0]
    trade = Printed(START_NS + 5, "MNQ", 84001, 2, Side.BUY)
    writer.record_event(START_NS + 10, quote, True)
    writer.record_command(START_NS + 11, SetArmed(armed=True))
    writer.flush()
    writer.record_event(START_NS + 12, trade, False)
    writer.record_tick(START_NS + 13)
    writer.close()
    assert writer.path is not None
    with open_journal(writer.path) as journal:
        got = [(r.kind, r.ns, type(r.item).__name__) for r in journal]
    assert got == [
        (RecordKind.IN, START_NS + 10, "QuoteUpdated"),
        (RecordKind.COMMAND, START_NS + 11, "SetArmed"),
        (RecordKind.OUT, START_NS + 12, "Printed"),
        (RecordKind.TICK, START_NS + 13, "Tick"),
    ]


def test_header_identifies_the_run(journals: Path) -> None:
    """The header carries account, mode, watchlist, instruments and the start time."""
    path = write(journals, quotes(2), settings={"paper": {"seed": 7}})
    with open_journal(path) as journal:
        header = journal.header
    assert (header.account, header.mode, header.watchlist) == (
        "PRACTICE-50K",
        Mode.SIM,
        ("MNQ", "MES"),
    )
    assert header.started_ns == START_NS + 500
    assert header.instruments["MNQ"].tick_size == pytest.approx(0.25)
    assert header.settings == {"paper": {"seed": 7}}


def test_a_run_past_the_size_limit_continues_in_parts_read_as_one(journals: Path) -> None:
    """Rotation by size: several part files, one journal, nothing lost or repeated."""
    events = quotes(3000)
    writer = make_writer(journals, max_bytes=4096, frame_records=100)
    for chunk in range(0, len(events), 200):
        for event in events[chunk : chunk + 200]:
            writer.record_event(event.ts, event, True)
        writer.flush()
    writer.close()
    assert len(writer.paths) > 3
    assert parts_of(writer.paths[-1]) == writer.paths
    assert runs(journals) == [writer.paths[0]]
    with open_journal(writer.paths[2]) as journal:
        assert [r.item for r in journal] == events
        assert journal.parts == writer.paths


def test_seeking_finds_the_first_record_at_a_time(journals: Path) -> None:
    """position_at gives the first record at or after a time, across frames."""
    events = quotes(5000)
    path = write(journals, events, frame_records=256)
    with open_journal(path) as journal:
        assert len(journal.frames) > 10
        for index in (0, 1, 255, 256, 2500, 4999):
            assert journal.position_at(events[index].ts + 500) == index
        assert journal.position_at(events[10].ts + 501) == 11
        assert journal.position_at(0) == 0
        assert journal.position_at(events[-1].ts + 10**9) == journal.count


def test_frames_with_fills_are_flagged(recorded) -> None:
    """Only the frames holding fills carry the FILLS flag (list and jumps read only those)."""
    with open_journal(recorded.path) as journal:
        flagged = [f for f in journal.frames if f.flags & FrameFlag.FILLS]
        fills = [
            r
            for r in journal.items(FrameFlag.FILLS, (object,))
            if type(r.item).__name__ == "FillReceived"
        ]
        assert 0 < len(flagged) < len(journal.frames)
        assert len(fills) == len(recorded.fills)


def test_the_timer_flushes_without_being_asked(journals: Path) -> None:
    """Started on a loop, the writer writes buffered records on its own."""

    async def scenario() -> int:
        writer = make_writer(journals, flush_interval=0.01)
        writer.start()
        writer.record_event(START_NS, quotes(1)[0], True)
        for _ in range(500):
            if writer.records:
                break
            await asyncio.sleep(0.01)
        written = writer.records
        await writer.aclose()
        return written

    assert cockpit_loop.run(scenario()) == 1


def test_a_broken_disk_stops_the_journal_without_raising(journals: Path) -> None:
    """A write error is reported on the writer, never raised into the engine."""
    target = journals / "blocked"
    target.write_text("a file where the folder should be")
    writer = make_writer(target)
    writer.record_event(START_NS, quotes(1)[0], True)
    assert writer.flush() == 0
    assert writer.error is not None
    assert "journal stopped" in writer.error
    writer.record_event(START_NS, quotes(1)[0], True)
    writer.close()
    assert writer.dropped == 2


def frame_kinds(path: Path) -> list[int]:
    """The kind of every frame in one part file, in order."""
    data = path.read_bytes()
    kinds, offset = [], len(MAGIC)
    while offset < len(data):
        head = unpack_head(data, offset)
        kinds.append(head.kind)
        offset += HEAD_SIZE + head.length
    return kinds


def test_closing_writes_one_close_record_as_the_last_frame(journals: Path) -> None:
    """close() ends the file with a close record holding the last time and the count;
    a second close() adds nothing."""
    events = quotes(250)
    writer = make_writer(journals, frame_records=100)
    for event in events:
        writer.record_event(event.ts, event, True)
    writer.close()
    assert writer.path is not None
    size = writer.path.stat().st_size
    writer.close()
    assert writer.path.stat().st_size == size
    assert frame_kinds(writer.path).count(FrameKind.CLOSE) == 1
    assert frame_kinds(writer.path)[-1] == FrameKind.CLOSE
    with open_journal(writer.path) as journal:
        close = journal.close_record
        assert close is not None
        assert (close.closed_ns, close.records, close.dropped, close.parts) == (
            events[-1].ts,
            250,
            0,
            1,
        )
        assert journal.ending.clean
        assert journal.ending.describe() == "closed cleanly at 09:30:00 CT, 250 records"


def test_a_run_in_parts_closes_in_its_last_part(journals: Path) -> None:
    """Rotation: only the last part ends with the close record, and the run reads as closed."""
    writer = make_writer(journals, max_bytes=4096, frame_records=100)
    for chunk in range(0, 3000, 200):
        for event in quotes(200, start=START_NS + chunk * 1_000_000):
            writer.record_event(event.ts, event, True)
        writer.flush()
    writer.close()
    assert len(writer.paths) > 3
    closes = [frame_kinds(part).count(FrameKind.CLOSE) for part in writer.paths]
    assert closes == [0] * (len(writer.paths) - 1) + [1]
    assert frame_kinds(writer.paths[-1])[-1] == FrameKind.CLOSE
    with open_journal(writer.paths[0]) as journal:
        assert journal.ending.clean
        assert journal.close_record is not None
        assert journal.close_record.parts == len(writer.paths)
        assert journal.close_record.records == journal.count == 3000


def test_a_journal_stopped_by_a_write_error_claims_no_clean_close(
    journals: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fails mid-session: no close record, so the journal says it ended abruptly."""
    writer = make_writer(journals)
    writer.record_event(START_NS, quotes(1)[0], True)
    writer.flush()

    def full(data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_write", full)
    writer.record_event(START_NS + 1, quotes(1)[0], True)
    writer.close()
    assert writer.error is not None
    assert writer.path is not None
    with open_journal(writer.path) as journal:
        assert not journal.ending.clean
        assert journal.ending.describe().startswith("ended abruptly: record stops at 09:30:00")


# Bad files ------------------------------------------------------------------------------


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    """No such file: the message names it."""
    with pytest.raises(JournalError, match="no such journal"):
        open_journal(tmp_path / "nope.ckj")


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    """A zero-byte file is not a journal."""
    path = tmp_path / "empty.ckj"
    path.touch()
    with pytest.raises(JournalError, match="empty"):
        open_journal(path)


def test_foreign_file_is_a_clear_error(tmp_path: Path) -> None:
    """Any other file is recognised as foreign from its first bytes."""
    path = tmp_path / "notes.ckj"
    path.write_text("these are my trading notes, not a journal\n" * 10)
    with pytest.raises(JournalError, match="not a cockpit journal"):
        open_journal(path)


def test_cut_header_is_a_clear_error(journals: Path) -> None:
    """A file cut inside its header cannot be used, and says so."""
    path = write(journals, quotes(5))
    path.write_bytes(path.read_bytes()[: len(MAGIC) + 40])
    with pytest.raises(JournalError, match="header"):
        open_journal(path)


def _last_frame_start(path: Path) -> int:
    with open_journal(path) as journal:
        return journal.frames[-1].offset - 32


def test_a_torn_last_frame_is_skipped_at_every_byte(journals: Path) -> None:
    """Cut anywhere inside the last frame: every earlier record is read, the cut is reported."""
    events = quotes(230)
    writer = make_writer(journals, frame_records=100)
    for event in events:
        writer.record_event(event.ts, event, True)
    writer.close()
    assert writer.path is not None
    whole = writer.path.read_bytes()
    start = _last_frame_start(writer.path)
    cut_path = journals / "cut.ckj"
    cut_path.write_bytes(whole[:start])
    with open_journal(cut_path) as journal:  # cut at a frame boundary: a clean, shorter file
        assert journal.count == 200
        assert journal.truncated is None
    for cut in range(start + 1, records_end(writer.path)):
        cut_path.write_bytes(whole[:cut])
        with open_journal(cut_path) as journal:
            assert [r.item for r in journal] == events[:200]
            assert journal.truncated is not None
            assert journal.truncated.offset == start
            assert f"byte {start:,}" in journal.truncated.describe()


def test_a_damaged_frame_ends_the_journal_there(journals: Path) -> None:
    """A flipped byte in the middle frame: the frames before it are read, then it stops."""
    events = quotes(300)
    writer = make_writer(journals, frame_records=100)
    for event in events:
        writer.record_event(event.ts, event, True)
    writer.close()
    assert writer.path is not None
    with open_journal(writer.path) as journal:
        middle = journal.frames[1].offset + 10
    data = bytearray(writer.path.read_bytes())
    data[middle] ^= 0xFF
    writer.path.write_bytes(bytes(data))
    with open_journal(writer.path) as journal:
        assert [r.item for r in journal] == events[:100]
        assert journal.truncated is not None
        assert "damaged" in journal.truncated.reason


def test_unreadable_permissions_are_a_clear_error(journals: Path) -> None:
    """A journal the user cannot read gives a message, not a traceback."""
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    path = write(journals, quotes(3))
    path.chmod(0)
    with pytest.raises(JournalError, match="permission"):
        open_journal(path)


def test_a_quick_open_checks_only_the_tail(journals: Path) -> None:
    """verify=False (journal list) skips middle checksums but still finds a torn tail."""
    events = quotes(300)
    writer = make_writer(journals, frame_records=100)
    for event in events:
        writer.record_event(event.ts, event, True)
    writer.close()
    assert writer.path is not None
    crashed(writer.path, cut=3)
    with open_journal(writer.path, verify=False) as journal:
        assert journal.count == 200
        assert journal.truncated is not None


def test_the_header_alone_is_read_for_latest(journals: Path, tmp_path: Path) -> None:
    """read_header reads one frame; a foreign file is denied with a clear error."""
    path = write(journals, quotes(5))
    assert read_header(path).account == "PRACTICE-50K"
    foreign = tmp_path / "x.ckj"
    foreign.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(JournalError, match="not a cockpit journal"):
        read_header(foreign)


def test_the_writer_keeps_under_thirty_attributes(tmp_path: Path) -> None:
    """The writer's hot path reads its attributes per event: it stays under the 30 at which
    CPython 3.12 stops keeping them inline (the journal_overhead benchmark doubled there)."""
    assert len(vars(make_writer(tmp_path))) < 30


def test_the_timer_writes_a_burst_in_slices_with_the_loop_free_between(journals: Path) -> None:
    """A burst bigger than a turn's slice is written FLUSH_TURN records a turn, other
    callbacks run between the slices, and every record comes back in order."""
    count = FLUSH_TURN * 2 + 100

    async def scenario() -> tuple[list[int], Path]:
        writer = make_writer(journals, flush_interval=0.01)
        for event in quotes(count):
            writer.record_event(event.ts, event, True)
        turns: list[int] = []

        def watch() -> None:  # a callback every turn of the loop, as a key's would be
            turns.append(writer.records)
            if writer.records < count:
                asyncio.get_running_loop().call_soon(watch)

        writer.start()
        asyncio.get_running_loop().call_soon(watch)
        for _ in range(500):
            if writer.records == count:
                break
            await asyncio.sleep(0.005)
        await writer.aclose()
        assert writer.path is not None
        return turns, writer.path

    turns, path = cockpit_loop.run(scenario())
    assert FLUSH_TURN in turns  # the loop turned between slices
    assert 2 * FLUSH_TURN in turns
    assert turns[-1] == count
    with open_journal(path) as journal:
        assert [r.ns for r in journal] == [e.ts for e in quotes(count)]
