"""Settings that only tighten: ``[risk] lock = "hours"`` or ``"day"``.

When the cockpit starts with a lock on and none in force, it takes one: it records the
``[risk]`` settings in force and when the lock ends (``day``: the trading day's end at
``[risk] day_boundary``; ``hours``: the end of the ``[risk.trading_hours]`` window now
open or next to open that day, the day's end without windows or after the last one).
Until then every start compares the config with that record (:func:`loosens`): a config
that loosens any limit stops the start, naming the line and when it may change; one that only
tightens is taken at once and becomes the record, so a limit tightened at noon cannot be
loosened back at two. Turning the lock off does not end one in force.

The record is kept like a lockout (cockpit.risk.lockout): in the state dir and beside
the journals, each written atomically with a checksum. A damaged record that no whole
copy contradicts means "locked, and what was held is unknown": every start is stopped
until the trading day ends (the damaged file is kept aside as ``.damaged``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from cockpit.risk.config import RiskSettings
from cockpit.risk.loosening import Loosening, loosens
from cockpit.risk.records import checksum, read_copies, write_copies
from cockpit.risk.timing import Calendar, Window

FILE_NAME = "settings-lock.json"
VERSION = 1


@dataclass(frozen=True, slots=True)
class SettingsLock:
    """A lock in force: the ``[risk]`` settings held until ``until_ns``."""

    kind: str
    """``hours`` or ``day`` (the ``[risk] lock`` that took it)."""
    started_ns: int
    until_ns: int
    held: RiskSettings | None
    """The settings nothing may loosen; ``None`` when a damaged record lost them."""


def lock_end(settings: RiskSettings, kind: str, now_ns: int) -> int:
    """When a lock of ``kind`` taken at ``now_ns`` ends."""
    calendar = Calendar(settings.boundary, settings.zone)
    day_end = calendar.day_end(now_ns)
    if kind != "hours":
        return day_end
    hours = settings.trading_hours
    zone = ZoneInfo(hours.timezone)
    ends = [calendar.next_time(now_ns, Window.parse(text).end, zone) for text in hours.windows]
    return min([*ends, day_end])


def encode(lock: SettingsLock) -> str:
    held = lock.held.model_dump(mode="json") if lock.held is not None else None
    body = {
        "version": VERSION,
        "kind": lock.kind,
        "started_ns": lock.started_ns,
        "until_ns": lock.until_ns,
        "held": held,
    }
    return json.dumps({**body, "checksum": checksum(body)}, indent=1)


def decode(data: bytes) -> SettingsLock:
    """A record read back, or ``ValueError`` saying why it cannot be trusted."""
    try:
        raw = json.loads(data.decode("utf-8"))
        body = {key: value for key, value in raw.items() if key != "checksum"}
        if raw.get("version") != VERSION:
            raise ValueError(f"unknown version {raw.get('version')!r}")
        if raw.get("checksum") != checksum(body):
            raise ValueError("its checksum does not match: edited or corrupted")
        held = raw["held"]
        return SettingsLock(
            kind=str(raw["kind"]),
            started_ns=int(raw["started_ns"]),
            until_ns=int(raw["until_ns"]),
            held=RiskSettings.model_validate(held) if held is not None else None,
        )
    except ValueError:
        raise
    except (KeyError, TypeError, AttributeError, ValidationError) as exc:
        raise ValueError(f"unreadable: {type(exc).__name__}") from None


class SettingsLockStore:
    """The lock's record, one copy per folder. Loading only reads."""

    def __init__(self, *folders: Path) -> None:
        self.paths = list(dict.fromkeys(folder / FILE_NAME for folder in folders))
        self.lock: SettingsLock | None = None
        self.problem: str | None = None
        """Why no copy could be trusted while some copy exists (a trace of a lock)."""
        self._damaged: dict[Path, bytes | None] = {}
        whole: list[SettingsLock] = []
        problems: list[str] = []
        for copy in read_copies(self.paths):
            path, data = copy.path, copy.data
            if data is None:
                if copy.error is not None:
                    problems.append(f"{path} cannot be read ({copy.error})")
                continue
            try:
                whole.append(decode(data))
            except ValueError as exc:
                self._damaged[path] = data
                problems.append(f"{path} is damaged ({exc})")
        if whole:
            self.lock = max(whole, key=lambda lock: lock.until_ns)
        elif problems:
            self.problem = "; ".join(problems)

    def active(self, now_ns: int) -> SettingsLock | None:
        lock = self.lock
        return lock if lock is not None and now_ns < lock.until_ns else None

    def save(self, lock: SettingsLock) -> str | None:
        """Write every copy (a damaged one first kept aside); the error, if any."""
        text = encode(lock)
        errors = write_copies(self.paths, text, self._damaged, "the settings lock")
        self.lock = lock
        self.problem = None
        return "; ".join(errors) or None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a start may do under the lock."""

    stops: list[str]
    """One line per reason the config cannot start (empty: it may)."""
    lock: SettingsLock | None
    """The lock in force after the start (taken, tightened or held)."""
    note: str | None = None
    """Something to tell the trader (a record that could not be saved)."""


def judge_start(
    settings: RiskSettings,
    store: SettingsLockStore,
    now_ns: int,
    where: Callable[[Loosening], str],
) -> Verdict:
    """Compare a starting config with the lock in force; take, tighten or stop the start.

    ``where(loosening)`` places a loosening in the config file (``file:line``).
    """
    calendar = Calendar(settings.boundary, settings.zone)
    current = store.active(now_ns)
    if current is None and store.problem is not None:
        end = calendar.day_end(now_ns)
        note = store.save(SettingsLock("day", now_ns, end, None))
        current = SettingsLock("day", now_ns, end, None)
        return Verdict([_unknown(current, store.problem, calendar, now_ns)], current, note)
    if current is not None and current.held is None:
        return Verdict([_unknown(current, None, calendar, now_ns)], current)
    if current is not None:
        assert current.held is not None
        found = loosens(current.held, settings)
        if found:
            until = when(calendar, current.until_ns, now_ns)
            lines = [
                f"{where(item)}: {shown(item)} loosens {written(item.old)} until {until} "
                f'(locked by [risk] lock = "{current.kind}")'
                for item in found
            ]
            return Verdict(lines, current)
        until_ns = current.until_ns
        if settings.lock != "off":
            until_ns = max(until_ns, lock_end(settings, settings.lock, now_ns))
        taken = SettingsLock(current.kind, current.started_ns, until_ns, settings)
        if taken == current:
            return Verdict([], current)
        return Verdict([], taken, store.save(taken))
    if settings.lock == "off":
        return Verdict([], None)
    taken = SettingsLock(settings.lock, now_ns, lock_end(settings, settings.lock, now_ns), settings)
    return Verdict([], taken, store.save(taken))


def _unknown(lock: SettingsLock, problem: str | None, calendar: Calendar, now_ns: int) -> str:
    why = f"the settings lock record {problem}" if problem else "a damaged settings lock record"
    return (
        f"{why}: the settings are locked and what they held is unknown, so no config may "
        f"start until {when(calendar, lock.until_ns, now_ns)}"
    )


def when(calendar: Calendar, until_ns: int, now_ns: int) -> str:
    """``17:00 CT``, or ``Wed 17:00 CT`` when the lock ends on another calendar day."""
    return calendar.until_label(until_ns, now_ns)


def shown(item: Loosening) -> str:
    """``[risk.daily_loss] limit = 500``, or ``... limit not set`` when left out."""
    if item.new is None:
        return f"{item.label} not set"
    return f"{item.label} = {written(item.new)}"


def written(value: Any) -> str:
    """A value as the config file writes it (``off`` for a limit not set)."""
    if value is None:
        return "off"
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(written(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {written(v)}" for k, v in value.items()) + " }"
    return str(value)
