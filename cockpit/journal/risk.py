"""The risk engine in replay and what-if: the recorded rules, or other ones, re-run.

A journal's header keeps the ``[risk]`` settings of the session and the lockout that was
in force when it started (lockouts live in the state dir, not the config, so the header
is the only place a replay can learn of one). :func:`install_risk` rebuilds the same
risk engine on a replay engine, with an in-memory lockout store so a replay can never
lock live trading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cockpit.core.engine import Engine
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine
from cockpit.risk.lockout import Lockout, LockoutStore

LOCKOUT_KEY = "lockout"
"""Header settings key: the lockout in force when the session began, if any."""


class RulesError(ValueError):
    """Rules that cannot be used (a bad file, or a header from another version)."""


def note_lockout(writer: Any, store: LockoutStore) -> None:
    """Put the session's starting lockout into the journal header (before the first flush)."""
    state: dict[str, Any] = {"last_seen_ns": store.last_seen_ns}
    if store.lockout is not None:
        state["lockout"] = asdict(store.lockout)
    writer.settings[LOCKOUT_KEY] = state


def recorded_rules(settings: Mapping[str, Any]) -> RiskSettings:
    """The ``[risk]`` settings a journal was recorded under."""
    try:
        return RiskSettings.model_validate(settings.get("risk") or {})
    except ValidationError as exc:
        raise RulesError(f"the journal's risk rules cannot be read here: {exc}") from None


def starting_store(settings: Mapping[str, Any]) -> LockoutStore:
    """An in-memory lockout store holding the lockout the session started under."""
    store = LockoutStore.memory()
    state = settings.get(LOCKOUT_KEY) or {}
    store.last_seen_ns = int(state.get("last_seen_ns", 0))
    raw = state.get("lockout")
    if raw:
        store.lockout = Lockout(
            until_ns=int(raw["until_ns"]),
            reason=str(raw["reason"]),
            source=str(raw["source"]),
            started_ns=int(raw["started_ns"]),
        )
    return store


def install_risk(engine: Engine, settings: Mapping[str, Any]) -> None:
    """The replay installer: the risk engine of the recorded session, re-attached."""
    rules_with(recorded_rules(settings))(engine, settings)


def rules_with(risk: RiskSettings) -> Any:
    """An installer attaching a risk engine with ``risk`` rules (what-if's other rules)."""

    def install(engine: Engine, settings: Mapping[str, Any]) -> None:
        RiskEngine(risk, engine.clock, store=starting_store(settings)).attach(engine)

    return install


def rules_from_file(path: Path) -> RiskSettings:
    """The ``[risk]`` tables of a config file (the format ``cockpit rules check`` reads)."""
    from cockpit.config import ConfigError, parse_settings

    if not path.exists():
        raise RulesError(f"{path}: no such rules file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read it ({exc})") from None
    try:
        return parse_settings(text, path).risk
    except ConfigError as exc:
        raise RulesError(f"{path} is not valid\n{exc}") from None
