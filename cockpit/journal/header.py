"""A journal's identity: who traded what, where, from when, under which rules.

The header is the first frame of every journal file. It is what makes a foreign file
recognisable, and it carries what a replay needs to judge the day as the live session
did: the instruments' specs, the watchlist, the tag prefix of the engine's order tags,
and the settings sections that decide (the paper account, the risk rules). It never
carries credentials: settings are copied through an allowlist of sections.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

from cockpit import __version__
from cockpit.core.instruments import INSTRUMENTS, Instrument
from cockpit.core.models import Mode
from cockpit.journal.format import FORMAT, VERSION

REPLAY_SECTIONS = ("broker", "paper", "risk", "brackets")
"""Settings sections copied into a journal: what decides, never what authenticates."""


class HeaderError(ValueError):
    """A header that is not a cockpit journal header (or of a newer format)."""


@dataclass(frozen=True, slots=True)
class JournalHeader:
    run_id: str
    """Identifies the run; every part file of one run carries the same value."""
    started_ns: int
    account: str
    mode: Mode
    watchlist: tuple[str, ...]
    instruments: Mapping[str, Instrument]
    part: int = 1
    tag_prefix: str = "ck"
    """The engine's order-tag prefix (``ck`` gives ``ck-1``, ``ck-2``...)."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    types: tuple[str, ...] = ()
    """The initial type table: record code ``i`` is ``types[i]``."""
    version: int = VERSION
    app_version: str = __version__

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "format": FORMAT,
                "version": self.version,
                "app_version": self.app_version,
                "session": self.run_id,  # vocab: keep: the stored key
                "part": self.part,
                "started_ns": self.started_ns,
                "account": self.account,
                "mode": self.mode.value,
                "watchlist": list(self.watchlist),
                "instruments": {s: _spec_json(i) for s, i in self.instruments.items()},
                "tag_prefix": self.tag_prefix,
                "settings": dict(self.settings),
                "types": list(self.types),
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> JournalHeader:
        try:
            raw = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise HeaderError("the header is not readable") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise HeaderError("not a cockpit journal header")
        version = raw.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise HeaderError(
                f"journal format version {version} is newer than this cockpit reads ({VERSION})"
            )
        try:
            return cls(
                run_id=str(raw["session"]),  # vocab: keep: the stored key
                started_ns=int(raw["started_ns"]),
                account=str(raw["account"]),
                mode=Mode(raw["mode"]),
                watchlist=tuple(raw["watchlist"]),
                instruments={s: _spec_from(v) for s, v in raw["instruments"].items()},
                part=int(raw.get("part", 1)),
                tag_prefix=str(raw.get("tag_prefix", "ck")),
                settings=dict(raw.get("settings") or {}),
                types=tuple(raw.get("types") or ()),
                version=version,
                app_version=str(raw.get("app_version", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise HeaderError(f"the header is damaged ({exc})") from None


def _spec_json(spec: Instrument) -> dict[str, Any]:
    return {
        f.name: str(v) if isinstance(v := getattr(spec, f.name), Decimal) else v
        for f in dataclasses.fields(spec)
    }


def _spec_from(raw: Mapping[str, Any]) -> Instrument:
    values = dict(raw)
    for name in ("tick_size", "tick_value", "fee_per_side"):
        values[name] = Decimal(values[name])
    return Instrument(**values)


def replay_settings(settings: Any) -> dict[str, Any]:
    """The allowlisted settings sections as plain JSON values (no credentials, ever)."""
    out: dict[str, Any] = {}
    for name in REPLAY_SECTIONS:
        section = getattr(settings, name, None)
        dump = getattr(section, "model_dump", None)
        if dump is not None:
            out[name] = dump(mode="json")
    return out


def default_instruments() -> Mapping[str, Instrument]:
    return INSTRUMENTS
