"""Lockouts that survive quitting, a crash, a restart, an edited config and a clock set back.

A lockout lives in ``lockout.json`` under the state dir (never in the config, so editing
or deleting the config cannot touch it). Writes are atomic (a temporary file, fsync,
rename), so a crash leaves either the old file or the new one. The file also keeps the
latest time the engine saw while locked: after a restart the engine counts from the
later of that and the clock, so setting the system clock back never shortens a lockout.

A file that exists but cannot be read is not taken as "no lockout": the store reports
the problem and the risk engine locks until the trading day ends, to be safe.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "lockout.json"
VERSION = 1
TOUCH_NS = 5_000_000_000


@dataclass(frozen=True, slots=True)
class Lockout:
    """One lockout: trading stays locked until ``until_ns`` (epoch ns)."""

    until_ns: int
    reason: str
    source: str
    """``manual`` (the lockout panel) or the rule that locked."""
    started_ns: int


class LockoutStore:
    """The persisted lockout. ``directory=None`` keeps it in memory (replay, tests)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.path = directory / FILE_NAME if directory is not None else None
        self.lockout: Lockout | None = None
        self.last_seen_ns = 0
        """The latest engine time saved while locked (a floor for the clock)."""
        self.problem: str | None = None
        """Why the saved file could not be read, when it could not."""
        self._saved_seen = 0
        self._load()

    @classmethod
    def memory(cls) -> LockoutStore:
        return cls(None)

    def _load(self) -> None:
        path = self.path
        if path is None or not path.exists():
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.last_seen_ns = int(data.get("last_seen_ns", 0))
            raw = data.get("lockout")
            if raw is not None:
                self.lockout = Lockout(
                    until_ns=int(raw["until_ns"]),
                    reason=str(raw["reason"]),
                    source=str(raw["source"]),
                    started_ns=int(raw["started_ns"]),
                )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            self.problem = f"lockout file {path} is unreadable ({type(exc).__name__})"
            self._keep_aside(path)

    @staticmethod
    def _keep_aside(path: Path) -> None:
        """Move a damaged file out of the way (kept for inspection, never deleted)."""
        with contextlib.suppress(OSError):
            path.replace(path.with_name(path.name + ".damaged"))

    def active(self, now_ns: int) -> Lockout | None:
        """The lockout in force at ``now_ns``, if any."""
        lockout = self.lockout
        if lockout is not None and now_ns < lockout.until_ns:
            return lockout
        return None

    def extend(self, lockout: Lockout, now_ns: int) -> tuple[Lockout, str | None]:
        """Lock until ``lockout.until_ns`` unless already locked longer; never shortens.

        Returns the lockout now in force and the save error, if the disk refused.
        """
        current = self.active(now_ns)
        if current is not None and current.until_ns >= lockout.until_ns:
            return current, None
        self.lockout = lockout
        self.last_seen_ns = max(self.last_seen_ns, now_ns)
        return lockout, self._save()

    def clear(self, now_ns: int) -> str | None:
        """Forget a lockout that has run out (only ever called once it has)."""
        if self.lockout is not None and now_ns < self.lockout.until_ns:
            raise ValueError("a lockout cannot be cleared before it ends")
        self.lockout = None
        return self._save()

    def touch(self, now_ns: int, every_ns: int = TOUCH_NS) -> str | None:
        """Save the engine's time while locked, at most once per ``every_ns`` (a write
        with fsync on the UI's loop is not free; a clock set back after a crash can win
        back at most this much)."""
        if self.lockout is None or now_ns - self._saved_seen < every_ns:
            return None
        self.last_seen_ns = max(self.last_seen_ns, now_ns)
        return self._save()

    def _save(self) -> str | None:
        path = self.path
        if path is None:
            return None
        data = {
            "version": VERSION,
            "lockout": asdict(self.lockout) if self.lockout is not None else None,
            "last_seen_ns": self.last_seen_ns,
        }
        try:
            write_atomic(path, json.dumps(data, indent=1))
        except OSError as exc:
            return f"could not save the lockout to {path}: {exc}"
        self._saved_seen = self.last_seen_ns
        return None


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves the old or the new file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return  # directories cannot be opened on every platform; the rename is done
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
