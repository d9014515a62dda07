"""What every record the risk layer keeps on disk shares: a checksum over its content,
an atomic write, and one read per folder that tells a missing copy from an unreadable one.

The lockout (:mod:`cockpit.risk.lockout`), the maximum loss floor
(:mod:`cockpit.risk.floor`) and the daily loss limit's day peak (:mod:`cockpit.risk.peak`)
each keep one copy in the state dir and one beside the journals. A copy that is missing
while its sibling says they were written together is a trace (someone deleted it), so
each store must know which copies were there, which were not, and which could not be
read: :func:`read_copies` says so, and each store decides what that means for its rule.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DAMAGED_SUFFIX = ".damaged"
"""A damaged copy is kept beside the record under this suffix before it is replaced."""


def checksum(body: dict[str, Any]) -> str:
    """The checksum of a record's fields (key order does not count)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Copy:
    """What reading one copy of a record found."""

    path: Path
    data: bytes | None = None
    """The bytes read; ``None`` when the copy is missing or could not be read."""
    error: str | None = None
    """Why a copy that is there could not be read (the system's reason)."""

    @property
    def missing(self) -> bool:
        return self.data is None and self.error is None


def read_copies(paths: list[Path]) -> list[Copy]:
    """Read every copy, in order; nothing is decoded here (each record has its format)."""
    copies = []
    for path in paths:
        try:
            copies.append(Copy(path, path.read_bytes()))
        except FileNotFoundError:
            copies.append(Copy(path))
        except OSError as exc:
            copies.append(Copy(path, error=str(exc.strerror)))
    return copies


def write_copies(
    paths: list[Path], data: str | bytes, damaged: dict[Path, bytes | None], what: str
) -> list[str]:
    """Write ``data`` to every copy, keeping a damaged copy aside first (``damaged``
    forgets it once its copy is written); one line per copy that could not be written."""
    errors = []
    for path in paths:
        try:
            kept = damaged.get(path)
            if kept is not None:
                write_atomic(path.with_name(path.name + DAMAGED_SUFFIX), kept)
            write_atomic(path, data)
            damaged.pop(path, None)
        except OSError as exc:
            errors.append(f"could not save {what} to {path}: {exc}")
    return errors


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with open(tmp, "wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return  # directories cannot be opened on every platform; the rename is done
    with contextlib.suppress(OSError):
        os.fsync(fd)
    os.close(fd)
