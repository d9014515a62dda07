"""A ``kill -9`` in the middle of a session loses only what was not yet flushed."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cockpit.core.events import QuoteUpdated
from cockpit.journal.files import runs
from cockpit.journal.reader import open_journal

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
        def reporting_flush():
            written = flush()
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


@pytest.mark.slow
@pytest.mark.parametrize("flushes", [3, 11])
def test_kill_9_keeps_every_flushed_record_and_a_readable_file(
    tmp_path: Path, flushes: int
) -> None:
    """Killed mid-stream: everything flushed before the kill is there, in order, readable."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
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
    [path] = runs(tmp_path)
    with open_journal(path) as journal:
        items = [r.item for r in journal]
    assert len(items) >= reported
    assert all(isinstance(q, QuoteUpdated) and q.bid == i for i, q in enumerate(items))
