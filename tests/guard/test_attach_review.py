"""Review when attached: the guard's pid file names the journal it writes, and a cockpit
on the same machine opens that journal read-only for `v` as the in-process one does."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from cockpit.config import Settings, state_dir
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.models import Side
from cockpit.guard.attached import AttachedSession, guard_journal
from cockpit.guard.client import GuardLink
from cockpit.guard.daemon import Guard
from cockpit.guard.pidfile import PidFile, Running, read_running
from cockpit.guard.runner import GuardOptions, run_guard
from cockpit.ui.app import make_app
from cockpit.ui.attached import ELSEWHERE, AttachedApp
from cockpit.ui.screens.review import ReviewScreen
from tests.guard.streaming import TOKEN, served_guard, until

DEADLINE_S = 60.0


async def test_a_running_guard_names_its_journal_in_the_pid_file(tmp_path: Path) -> None:
    """A real guard run with a journal: once serving, its pid file names the journal part
    it writes, and that file exists."""
    options = GuardOptions(Settings(), tmp_path / "state", port=0, journal_dir=tmp_path / "j")
    stop = asyncio.Event()
    ready: list[Guard] = []
    run = asyncio.get_running_loop().create_task(
        run_guard(options, stop=stop, on_ready=ready.append)
    )
    async with asyncio.timeout(DEADLINE_S):
        await until(lambda: bool(ready), "the guard to serve", DEADLINE_S)
        running = read_running(tmp_path / "state")
        stop.set()
        await run
    assert running is not None
    assert running.journal is not None
    assert written_in(Path(running.journal), tmp_path / "j")
    assert guard_journal(running.address or "", tmp_path / "state") is None  # it has ended


def written_in(path: Path, folder: Path) -> bool:
    """``path`` is a journal file under ``folder``."""
    return path.is_file() and folder in path.parents


async def test_v_on_an_attached_cockpit_reviews_the_guards_journal(tmp_path: Path) -> None:
    """The guard on this machine (its pid file in the state dir): `v` opens the review of
    its session so far from its journal, with the round trip the guard made."""
    async with served_guard(journal_dir=tmp_path) as served:
        guard = served.guard
        guard.submit(SetArmed(armed=True))
        await guard.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1)).done()
        await guard.session.advance(2)
        journal = guard.session.journal
        assert journal is not None
        journal.flush()
        pid = PidFile(state_dir())
        pid.claim()
        pid.write(Running(os.getpid(), served.address, False, str(journal.path)))
        try:
            link = GuardLink(served.address, TOKEN)
            await link.connect()
            app = make_app(AttachedSession(Settings(), link, guard.session.clock))
            assert isinstance(app, AttachedApp)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.press("v")
                await until(lambda: isinstance(app.screen, ReviewScreen), "the review")
                await app.session.stop()
        finally:
            pid.release()


async def test_v_with_the_guard_elsewhere_says_where_the_journal_is(tmp_path: Path) -> None:
    """No pid file here (the guard is on another machine, through a tunnel): `v` says the
    guard keeps the journal, and opens nothing."""
    async with served_guard(journal_dir=tmp_path) as served:
        link = GuardLink(served.address, TOKEN)
        await link.connect()
        app = make_app(AttachedSession(Settings(), link, served.guard.session.clock))
        assert isinstance(app, AttachedApp)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("v")
            await until(lambda: ELSEWHERE in app._message, "the words")
            assert not isinstance(app.screen, ReviewScreen)
            await app.session.stop()
