"""TradingHours for benchmarks, wired as ``build_session`` wires them, away from the trader's files.

Where ``build_session`` keeps a journal and persistent lockouts, a benchmark must keep
them too (they are part of what the figure measures) but never in the trader's folders:
the journal goes to a scratch folder that lives as long as the process, and lockouts
stay in memory. Options ``build_session`` does not have are simply not passed, so the
same benchmark runs before and after those pieces land.
"""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path

from cockpit.config import Settings
from cockpit.core.broker import Broker
from cockpit.core.clock import Clock
from cockpit.session import Session, build_session

_SCRATCH = tempfile.TemporaryDirectory(prefix="cockpit-bench-")


def scratch() -> Path:
    """A folder for this benchmark process's journals and state, removed at exit."""
    return Path(_SCRATCH.name)


def bench_session(
    settings: Settings, *, clock: Clock, broker: Broker | None = None, pump: bool = False
) -> Session:
    """``build_session`` with the journal in :func:`scratch` and lockouts in memory."""
    options = inspect.signature(build_session).parameters
    extra: dict[str, object] = {}
    if "journal_dir" in options:
        extra["journal_dir"] = scratch() / "journals"
    if "lockouts" in options:
        from cockpit.risk.lockout import LockoutStore  # type: ignore[import-not-found]

        extra["lockouts"] = LockoutStore.memory()
    elif "risk_state_dir" in options:
        extra["risk_state_dir"] = scratch() / "state"
    return build_session(settings, clock=clock, broker=broker, pump=pump, **extra)  # type: ignore[arg-type]


def config_text(folder: Path) -> str:
    """A config file that changes nothing but keeps any journal inside ``folder``."""
    if "journal" in Settings.model_fields:
        return f'[journal]\ndir = "{(folder / "journals").as_posix()}"\n'
    return ""
