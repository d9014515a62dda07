"""Frozen sessions: a paper session on a clock that stands still until told to move.

Tests, snapshots, benchmarks and the README's screenshots start here; none of it ships
in the installed package.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cockpit.config import Settings
from cockpit.core.broker import Broker
from cockpit.core.clock import EXCHANGE_TZ, FakeClock, ns_from_datetime
from cockpit.risk.lockout import LockoutStore
from cockpit.session import Session, build_session

FROZEN_START_NS = ns_from_datetime(datetime(2026, 11, 20, 9, 45, tzinfo=EXCHANGE_TZ))
"""A Friday morning in Chicago, fifteen minutes after the open: where frozen sessions start."""


def frozen_session(
    settings: Settings | None = None,
    *,
    broker: Broker | None = None,
    lockouts: LockoutStore | None = None,
    journal_dir: Path | None = None,
) -> Session:
    """A paper session on a clock that stands still until told to move.

    The same seed and steps give the same screen on every machine: tests, snapshots and
    the screenshots in the README all start here. Its lockouts live in memory unless a
    store is given, and it keeps no journal unless given a folder for one, so a test can
    never lock the trader's real account or fill their journal folder.
    """
    settings = settings or Settings()
    if journal_dir is None:
        journal = settings.journal.model_copy(update={"enabled": False})
        settings = settings.model_copy(update={"journal": journal})
    clock = FakeClock(FROZEN_START_NS)
    if broker is not None and hasattr(broker, "clock"):
        broker.clock = clock  # type: ignore[attr-defined]
    return build_session(
        settings,
        clock=clock,
        broker=broker,
        pump=False,
        lockouts=lockouts or LockoutStore.memory(),
        journal_dir=journal_dir,
    )
