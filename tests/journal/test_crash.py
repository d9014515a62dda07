"""A ``kill -9`` in the middle of a session loses only what was not yet flushed, and
leaves a journal that says it ended without a clean close and where its record stops."""

from __future__ import annotations

import dataclasses
import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cockpit.cli import main
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import exchange_time
from cockpit.core.events import QuoteUpdated
from cockpit.journal.files import runs
from cockpit.journal.format import MAGIC, FrameKind, pack_frame, unpack_head
from cockpit.journal.header import JournalHeader
from cockpit.journal.reader import open_journal
from cockpit.replay import ReplaySession

from .conftest import Recorded, crashed, make_writer, records_end
from .test_writer import quotes

CUT = "the record stops here: the session ended without a clean close"

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from cockpit.core.events import QuoteUpdated
    from cockpit.core.instruments import INSTRUMENTS
    from cockpit.core.models import Mode
    from cockpit.journal.writer import JournalWriter

    START = 1_791_988_200_000_000_000

    async def main(folder):
        writer = JournalWriter(Path(folder), account="KILLED", mode=Mode.SIM,
                               instruments=INSTRUMENTS, watchlist=("MNQ",), flush_interval=0.02)
        flush = writer.flush
        def reporting_flush(most=None):
            written = flush(most)
            if written:
                print(f"flushed {writer.records}", flush=True)
            return written
        writer.flush = reporting_flush
        writer.start()
        i = 0
        while True:
            for _ in range(40):
                writer.record_event(START + i, QuoteUpdated(START + i, "MNQ", i, i + 1, 1, 1), True)
                i += 1
            await asyncio.sleep(0.0005)

    asyncio.run(main(sys.argv[1]))
    """
)


def _read_line(proc: subprocess.Popen[str], timeout: float = 60.0) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise AssertionError("the writing process said nothing for a minute")
    return proc.stdout.readline()


def kill_writer(folder: Path, flushes: int) -> tuple[Path, int]:
    """Run a real writer process, ``kill -9`` it after ``flushes`` flushes; its journal and
    the records it had reported written."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        reported = 0
        seen = 0
        while seen < flushes:
            line = _read_line(proc)
            assert line.startswith("flushed "), f"unexpected output {line!r}"
            reported = int(line.split()[1])
            seen += 1
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    [path] = runs(folder)
    return path, reported


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def listed(folder: Path, name: str) -> str:
    """The ``journal list`` row of journal ``name``: its cells, wrapped lines rejoined."""
    result = run("journal", "list", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first = next(i for i, line in enumerate(lines) if name in line)
    columns: list[list[str]] = []
    for line in lines[first:]:
        cells = line.split("│")[1:-1]
        if not cells or (line is not lines[first] and cells[0].strip()):
            break
        columns = columns or [[] for _ in cells]
        for column, cell in zip(columns, cells, strict=True):
            column.append(cell.strip())
    return " | ".join(" ".join(part for part in column if part) for column in columns)


def clock(ns: int) -> str:
    return f"{exchange_time(ns):%H:%M:%S}"


@pytest.mark.slow
@pytest.mark.parametrize("flushes", [3, 11])
def test_kill_9_keeps_every_flushed_record_and_a_readable_file(
    tmp_path: Path, flushes: int
) -> None:
    """Killed mid-stream: everything flushed before the kill is there, in order, readable."""
    path, reported = kill_writer(tmp_path, flushes)
    with open_journal(path) as journal:
        items = [r.item for r in journal]
    assert len(items) >= reported
    assert all(isinstance(q, QuoteUpdated) and q.bid == i for i, q in enumerate(items))


@pytest.mark.slow
def test_kill_9_is_listed_as_ended_abruptly_with_where_the_record_stops(tmp_path: Path) -> None:
    """`journal list` after a kill -9: ended abruptly, the last record's time and the count."""
    path, reported = kill_writer(tmp_path, 3)
    with open_journal(path) as journal:
        count, last_ns = journal.count, journal.last_ns
    assert count >= reported
    row = listed(tmp_path, path.name)
    assert f"ended abruptly: record stops at {clock(last_ns)} CT, {count:,} records" in row
    assert "closed cleanly" not in row


def test_a_cleanly_closed_session_is_listed_as_closed_cleanly(tmp_path: Path) -> None:
    """A writer closed by aclose() (what quitting does): `journal list` says closed cleanly."""
    events = quotes(120)

    async def trade() -> Path:
        writer = make_writer(tmp_path, flush_interval=0.02)
        writer.start()
        for event in events:
            writer.record_event(event.ts, event, True)
        await writer.aclose()
        assert writer.path is not None
        return writer.path

    path = cockpit_loop.run(trade())
    row = listed(tmp_path, path.name)
    assert f"closed cleanly at {clock(events[-1].ts)} CT, 120 records" in row
    assert "abruptly" not in row


@pytest.mark.slow
def test_replay_of_a_killed_journal_plays_every_whole_record_and_reports_the_cut(
    tmp_path: Path,
) -> None:
    """Replay after a kill -9 applies every record written and says the record stops there."""
    path, reported = kill_writer(tmp_path, 4)
    with open_journal(path) as journal:
        replay = ReplaySession(journal)
        assert replay.end_notice is None  # not at the end yet: nothing to say
        replay.replayer.verify()
        assert replay.position == journal.count >= reported
        assert replay.state.quotes["MNQ"].bid == journal.count - 1
        assert replay.end_notice == CUT
        count = journal.count
    result = run("replay", str(path), "--headless")
    assert result.exit_code == 0, result.output
    assert f"Replayed {count:,} of {count:,} records: {CUT}." in result.output
    assert "Ended abruptly: record stops at" in result.output


@pytest.mark.parametrize("torn", [1, 100, "all but the head"])
def test_a_journal_cut_inside_its_last_record_replays_up_to_the_cut(
    recorded: Recorded, tmp_path: Path, torn: int | str
) -> None:
    """A last frame torn anywhere is skipped and counted; every record before it replays."""
    with open_journal(recorded.path) as whole:
        last = whole.frames[-1]
        before = [r.item for r in whole.records(0, last.start)]
    cut = last.length if torn == "all but the head" else int(torn)
    path = tmp_path / recorded.path.name
    path.write_bytes(recorded.path.read_bytes())
    crashed(path, cut=cut)
    with open_journal(path) as journal:
        assert [r.item for r in journal] == before
        replay = ReplaySession(journal)
        replay.go_to_position(journal.count)
        assert replay.position == last.start
        assert replay.end_notice == CUT
        torn_frame = journal.ending.torn
        assert torn_frame is not None
        assert torn_frame.skipped_records == last.count
        assert torn_frame.skipped_bytes == 32 + last.length - cut
    skipped = f"a torn frame of {last.count:,} records"
    result = run("replay", str(path), "--headless")
    assert result.exit_code == 0, result.output
    assert f"Replayed {last.start:,} of {last.start:,} records: {CUT}." in result.output
    assert skipped in result.output
    assert skipped in listed(tmp_path, path.name)


def older_format(path: Path, cut: int = 0) -> Path:
    """Rewrite a journal as a cockpit before close records wrote it (format 1, no close
    record), with ``cut`` bytes torn off its last frame."""
    data = path.read_bytes()[: records_end(path) - cut]
    head = unpack_head(data, len(MAGIC))
    body = len(MAGIC) + 32
    header = JournalHeader.from_json(data[body : body + head.length])
    old = dataclasses.replace(header, version=1).to_json()
    frame = pack_frame(FrameKind.HEADER, 0, old, 0, head.first_ns, head.last_ns)
    path.write_bytes(MAGIC + frame + data[body + head.length :])
    return path


def test_an_older_journal_opens_and_says_it_has_no_close_record(
    recorded: Recorded, tmp_path: Path
) -> None:
    """A format-1 journal (before close records) opens, replays whole, and is labelled as
    such, not as a crash; torn, it did end abruptly."""
    path = tmp_path / recorded.path.name
    path.write_bytes(recorded.path.read_bytes())
    older_format(path)
    with open_journal(path) as journal:
        assert journal.header.version == 1
        count, last_ns = journal.count, journal.last_ns
        replay = ReplaySession(journal)
        replay.go_to_position(count)
        assert replay.end_notice == "the record stops here: no close record (older format)"
    with open_journal(recorded.path) as whole:
        assert count == whole.count
    row = listed(tmp_path, path.name)
    assert f"no close record (older format): record stops at {clock(last_ns)} CT" in row
    path.write_bytes(recorded.path.read_bytes())
    older_format(path, cut=9)
    assert "ended abruptly: record stops at" in listed(tmp_path, path.name)
