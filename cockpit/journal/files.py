"""Where journals live and what they are called.

``<data dir>/journals/2026-03-04_093005_PRACTICE-50K_SIM.ckj``: the start in exchange
(Chicago) time, the account and the mode, so a directory listing already reads as a
trading log. A run that outgrows the size limit continues in ``....2.ckj``, ``....3.ckj``;
the parts of a run share its stem and are read as one journal.
"""

from __future__ import annotations

import re
from pathlib import Path

from cockpit.core.clock import exchange_time
from cockpit.core.models import Mode
from cockpit.journal.format import SUFFIX

_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")
_PART = re.compile(r"^(?P<stem>[^.]+)(?:\.(?P<part>\d+))?" + re.escape(SUFFIX) + "$")


def journal_dir(base: Path | None = None) -> Path:
    """The journals folder under ``base`` (default: the platformdirs data dir)."""
    if base is None:
        from cockpit.config import data_dir

        base = data_dir()
    return base / "journals"


def safe(text: str) -> str:
    """A file-name-safe version of an account name: letters, digits and dashes."""
    return _UNSAFE.sub("-", text).strip("-") or "account"


def session_stem(started_ns: int, account: str, mode: Mode) -> str:
    when = exchange_time(started_ns).strftime("%Y-%m-%d_%H%M%S")
    return f"{when}_{safe(account)}_{mode.value}"


def part_path(directory: Path, stem: str, part: int) -> Path:
    name = f"{stem}{SUFFIX}" if part == 1 else f"{stem}.{part}{SUFFIX}"
    return directory / name


def fresh_stem(directory: Path, started_ns: int, account: str, mode: Mode) -> str:
    """A stem no existing journal uses (two runs in the same second get ``-2``...)."""
    stem = session_stem(started_ns, account, mode)
    candidate, n = stem, 1
    while part_path(directory, candidate, 1).exists():
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def split_name(path: Path) -> tuple[str, int] | None:
    """(stem, part) of a journal file name, or ``None`` for anything else."""
    match = _PART.match(path.name)
    if match is None:
        return None
    return match["stem"], int(match["part"] or 1)


def parts_of(path: Path) -> list[Path]:
    """Every part of the run ``path`` belongs to, in order (just ``[path]`` if alone)."""
    named = split_name(path)
    if named is None:
        return [path]
    stem, _ = named
    found: dict[int, Path] = {}
    for sibling in path.parent.glob(f"{stem}*{SUFFIX}"):
        other = split_name(sibling)
        if other is not None and other[0] == stem:
            found[other[1]] = sibling
    if not found:
        return [path]
    ordered = []
    for number in range(1, max(found) + 1):
        if number not in found:
            break  # a missing part ends the run: later parts cannot follow on from it
        ordered.append(found[number])
    return ordered or [path]


def runs(directory: Path) -> list[Path]:
    """The first part of every run in ``directory``, oldest name first."""
    if not directory.is_dir():
        return []
    firsts = [p for p in directory.glob(f"*{SUFFIX}") if (n := split_name(p)) and n[1] == 1]
    return sorted(firsts)
