"""The round trips each finished journal closed, remembered so a start need not reread
a week of journals.

Counting the week's trades at start (the weekly trades rule) or the days' net P&L (the
firm's consistency report) reads every journal of the account; opening a day's journal
scans all its frames, a second or more for a busy week. So what a journal closed, and
whose it is, is kept in ``trips-cache.json`` in the journals folder, under the run's
name with its size and modification time: a run whose files changed since is read
again, and a deleted or unreadable cache is rebuilt from the journals (it is a cache:
the journals stay the record). A run still being written is never cached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cockpit.journal.files import parts_of
from cockpit.risk.records import write_atomic

FILE_NAME = "trips-cache.json"
VERSION = 1


@dataclass(frozen=True, slots=True)
class Closed:
    """One round trip as these reports need it: when it closed and its net P&L."""

    exit_ns: int
    net: Decimal
    """P&L after fees."""


@dataclass(frozen=True, slots=True)
class RunTrips:
    """What one run closed, and the state of its files when it was read."""

    account: str
    stamp: tuple[int, int]
    """Total size and latest modification time of the run's files."""
    trips: tuple[Closed, ...]


def stamp_of(path: Path) -> tuple[int, int] | None:
    """The run's files' total size and latest modification (``None``: unreadable)."""
    try:
        stats = [part.stat() for part in parts_of(path)]
    except OSError:
        return None
    return sum(s.st_size for s in stats), max(s.st_mtime_ns for s in stats)


class TripCache:
    """The cache of one journals folder (read at once, written by :meth:`save`)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE_NAME
        self.runs: dict[str, RunTrips] = {}
        self.changed = False
        try:
            self.runs = _decode(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, InvalidOperation):
            self.runs = {}  # missing or damaged: rebuilt from the journals

    def get(self, path: Path, stamp: tuple[int, int]) -> RunTrips | None:
        found = self.runs.get(path.name)
        return found if found is not None and found.stamp == stamp else None

    def put(self, path: Path, run: RunTrips) -> None:
        self.runs[path.name] = run
        self.changed = True

    def save(self) -> None:
        """Write the cache if it changed; a failure only costs the next start a reread."""
        if not self.changed:
            return
        try:
            write_atomic(self.path, json.dumps(_encode(self.runs), separators=(",", ":")))
        except OSError:
            return
        self.changed = False


def _encode(runs: dict[str, RunTrips]) -> dict[str, Any]:
    return {
        "version": VERSION,
        "runs": {
            name: {
                "account": run.account,
                "stamp": list(run.stamp),
                "trips": [[trip.exit_ns, str(trip.net)] for trip in run.trips],
            }
            for name, run in runs.items()
        },
    }


def _decode(raw: Any) -> dict[str, RunTrips]:
    if raw.get("version") != VERSION:
        return {}
    out = {}
    for name, run in raw["runs"].items():
        size, mtime = run["stamp"]
        trips = tuple(Closed(int(ns), Decimal(net)) for ns, net in run["trips"])
        out[str(name)] = RunTrips(str(run["account"]), (int(size), int(mtime)), trips)
    return out
