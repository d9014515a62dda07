"""The journal in a real session: on by default, off when asked, never a credential."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import lz4.block
import pytest

from cockpit.brokers.paper import PaperBroker
from cockpit.config import ConfigError, Settings, parse_settings
from cockpit.core import loop as cockpit_loop
from cockpit.core.broker import EventSink
from cockpit.core.clock import FakeClock
from cockpit.core.commands import SetArmed
from cockpit.core.events import LockoutStarted
from cockpit.core.models import Mode
from cockpit.journal.files import runs
from cockpit.journal.format import HEAD_SIZE, MAGIC, FrameFlag, unpack_head
from cockpit.journal.header import REPLAY_SECTIONS
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.journal.risk import FLOOR_KEY, WEEK_KEY
from cockpit.risk.lockout import Lockout, LockoutStore
from cockpit.session import build_session

from .conftest import START_NS

SECRET = "sk-live-9f8e7d6c5b4a-do-not-log"


async def trade_briefly(settings: Settings, tmp_path: Path) -> Path | None:
    """Start a paper session, move the market, arm, stop; the journal path (if any)."""
    clock = FakeClock(START_NS)
    session = build_session(
        settings,
        clock=clock,
        pump=False,
        journal_dir=tmp_path / "journals",
        risk_state_dir=tmp_path / "state",
    )
    await session.start()
    for _ in range(3):
        clock.advance(1)
        session.broker.step(clock.now_ns())  # type: ignore[attr-defined]
        session.engine.tick()
    await session.engine.execute(SetArmed(armed=True))
    await session.stop()
    return session.journal.path if session.journal is not None else None


def test_every_session_is_recorded_by_default(tmp_path: Path) -> None:
    """build_session wires the journal as the engine's recorder; stop() closes it cleanly."""
    path = cockpit_loop.run(trade_briefly(Settings(), tmp_path))
    assert path is not None
    assert runs(tmp_path / "journals") == [path]
    assert path.name == "2026-10-14_093000_PRACTICE-50K_SIM.ckj"
    with open_journal(path) as journal:
        assert journal.header.mode is Mode.SIM
        assert journal.truncated is None
        assert journal.ending.clean
        assert journal.close_record is not None
        assert journal.close_record.closed_ns == START_NS + 3 * 10**9
        assert Replayer(journal).verify() == []
        assert any(f.flags & FrameFlag.TICKS for f in journal.frames)


def test_journal_can_be_turned_off(tmp_path: Path) -> None:
    """[journal] enabled = false: no recorder, no file."""
    settings = parse_settings("[journal]\nenabled = false\n", Path("config.toml"))
    assert cockpit_loop.run(trade_briefly(settings, tmp_path)) is None
    assert not (tmp_path / "journals").exists()


def test_journal_settings_are_validated(tmp_path: Path) -> None:
    """A bad [journal] value names the key and what is allowed; ~ expands in dir."""
    with pytest.raises(ConfigError, match="flush_ms"):
        parse_settings("[journal]\nflush_ms = 0\n", Path("config.toml"))
    settings = parse_settings('[journal]\ndir = "~/trading/journals"\n', Path("c.toml"))
    assert settings.journal.dir is not None
    assert "~" not in str(settings.journal.dir)


def _all_bytes(path: Path) -> bytes:
    """The header and every frame's payload, decompressed."""
    data = path.read_bytes()
    out = [data]
    offset = len(MAGIC)
    while offset < len(data):
        head = unpack_head(data, offset)
        payload = data[offset + HEAD_SIZE : offset + HEAD_SIZE + head.length]
        out.append(lz4.block.decompress(payload) if head.flags & FrameFlag.LZ4 else payload)
        offset += HEAD_SIZE + head.length
    return b"".join(out)


def test_credentials_never_reach_the_journal(tmp_path: Path) -> None:
    """Settings holding an API key: the journal keeps only the allowlisted sections."""
    base = Settings()
    settings = base.model_copy(
        update={"projectx": SimpleNamespace(api_key=SECRET, username="trader@example.com")}
    )
    path = cockpit_loop.run(trade_briefly(settings, tmp_path))
    assert path is not None
    everything = _all_bytes(path)
    assert SECRET.encode() not in everything
    assert b"trader@example.com" not in everything
    with open_journal(path) as journal:
        assert set(journal.header.settings) <= {*REPLAY_SECTIONS, "lockout", FLOOR_KEY, WEEK_KEY}


def test_a_session_started_under_a_lockout_replays_it(tmp_path: Path) -> None:
    """A lockout restored from the state dir is in the header, so replay restores it too."""
    store = LockoutStore(tmp_path / "state")
    store.extend(Lockout(START_NS + 3600 * 10**9, "tilt", "manual", START_NS - 10), START_NS)
    path = cockpit_loop.run(trade_briefly(Settings(), tmp_path))
    assert path is not None
    with open_journal(path) as journal:
        assert journal.header.settings["lockout"]["lockout"]["reason"] == "tilt"
        restored = [r.item for r in journal if isinstance(r.item, LockoutStarted)]
        assert restored
        assert restored[0].reason == "tilt"
        assert Replayer(journal).verify() == []


class LoggingInBroker(PaperBroker):
    """A broker that, like a live login, knows its account's name only once started."""

    resolved = False

    @property
    def account_name(self) -> str:
        return "COMBINE-150K" if self.resolved else "unresolved"

    async def start(self, sink: EventSink) -> None:
        self.resolved = True
        await super().start(sink)


def test_the_journal_names_the_account_the_broker_resolved(tmp_path: Path) -> None:
    """The header and the file name carry the broker's account once it has started, not a
    name guessed from the settings or the environment."""
    clock = FakeClock(START_NS)
    broker = LoggingInBroker(clock, ["MNQ"], pump_interval=0.0)

    async def run() -> Path | None:
        session = build_session(
            Settings(),
            clock=clock,
            broker=broker,
            journal_dir=tmp_path / "journals",
            risk_state_dir=tmp_path / "state",
        )
        await session.start()
        await session.stop()
        return session.journal.path if session.journal is not None else None

    path = cockpit_loop.run(run())
    assert path is not None
    assert "COMBINE-150K" in path.name
    with open_journal(path) as journal:
        assert journal.header.account == "COMBINE-150K"
