"""The settings lock's start check, shared by the cockpit and the guard.

Its own module, without the UI: ``cockpit guard run`` makes this check and must start
without loading Textual (a headless daemon has no screen to draw).
"""

from __future__ import annotations

import sys
from pathlib import Path

from cockpit.config import Settings, locate
from cockpit.core.clock import WallClock
from cockpit.risk.loosening import Loosening
from cockpit.risk.settings_lock import SettingsLockStore, judge_start


def check_settings_lock(settings: Settings, now_ns: int | None = None) -> int:
    """Under ``[risk] lock``: take the lock, tighten it, or stop a config that loosens
    a limit the lock holds (exit 2, each loosening at its ``file:line``)."""
    from cockpit.config import state_dir  # looked up at the call: tests move the folders
    from cockpit.journal.files import journal_dir

    store = SettingsLockStore(state_dir(), journal_dir())
    text = text_of(settings.file)

    def where(item: Loosening) -> str:
        line = locate(text, ["risk", *item.key])[0] if text is not None else None
        return f"{settings.file}:{line}" if line else str(settings.file)

    now = WallClock().now_ns() if now_ns is None else now_ns
    verdict = judge_start(settings.risk, store, now, where)
    if verdict.note:
        print(f"cockpit: {verdict.note}", file=sys.stderr)
    for line in verdict.stops:
        print(f"cockpit: {line}", file=sys.stderr)
    return 2 if verdict.stops else 0


def text_of(path: Path) -> str | None:
    """The config file's text, to place a problem at its line (``None`` when unreadable:
    the settings were already read, so this only loses the line number)."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
