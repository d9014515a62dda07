"""Fault injection: what can go wrong on a bad day, on demand.

A fault is a small JSON/TOML object with a ``fault`` kind, posted to ``/admin/faults``
or listed as a timed step in a scenario file::

    [[steps]]
    at = 20                 # seconds after the emulator started
    fault = "drop_hub"
    hub = "user"
    refuse_seconds = 3      # refuse reconnects for a while, so the banner is seen

Counted faults (``count``) apply to the next N matching requests or events; timed ones
(``silent``, ``refuse_seconds``) last for their seconds. Actions (drop, logout, expire)
happen at once.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

Hub = Literal["user", "market"]
Hubs = Literal["user", "market", "both"]


class _Fault(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DropHub(_Fault):
    """Close the hub's sockets; the client reconnects by itself.

    ``refuse_seconds`` refuses the WebSocket upgrade (503) for a while, as a hub node
    restarting would: negotiate still answers, so the client keeps retrying on its own.
    """

    fault: Literal["drop_hub"]
    hub: Hubs = "both"
    refuse_seconds: float = Field(default=0.0, ge=0, le=3600)


class Silent(_Fault):
    """Send nothing on the hub for a while (a frozen feed; REST stays fine)."""

    fault: Literal["silent"]
    hub: Hubs = "market"
    seconds: float = Field(default=35.0, gt=0, le=3600)


class HttpError(_Fault):
    """Answer an HTTP error on an endpoint; ``after`` processes the request first."""

    fault: Literal["http_error"]
    endpoint: str
    status: Literal[401, 429, 500, 502, 503, 504] = 500
    count: int = Field(default=1, ge=1)
    after: bool = False


class Delay(_Fault):
    """Hold an endpoint's answer (``after``: the work is done, only the answer waits)."""

    fault: Literal["delay"]
    endpoint: str
    seconds: float = Field(gt=0, le=600)
    count: int = Field(default=1, ge=1)
    after: bool = True


class Reject(_Fault):
    """Refuse the next orders with a Gateway ``PlaceOrder`` error code."""

    fault: Literal["reject"]
    code: int = Field(default=2, ge=1, le=10)
    message: str | None = None
    count: int = Field(default=1, ge=1)


class Malformed(_Fault):
    """Garble the next hub events: bad data in a valid message, or a frame that is not JSON."""

    fault: Literal["malformed"]
    hub: Hub = "market"
    kind: Literal["payload", "frame"] = "payload"
    count: int = Field(default=1, ge=1)


class Duplicate(_Fault):
    """Send each of the next N hub events twice."""

    fault: Literal["duplicate"]
    hub: Hub = "user"
    count: int = Field(default=1, ge=1)


class Reorder(_Fault):
    """Hold the next N hub events and send them in reverse order."""

    fault: Literal["reorder"]
    hub: Hub = "user"
    count: int = Field(default=2, ge=2)


class Logout(_Fault):
    """Send ``GatewayLogout`` and sign out (its token stops working)."""

    fault: Literal["logout"]
    hub: Hubs = "user"


class ExpireToken(_Fault):
    """Every token issued so far stops working; ``drop`` also closes the hubs."""

    fault: Literal["expire_token"]
    drop: bool = False


Fault = Annotated[
    DropHub
    | Silent
    | HttpError
    | Delay
    | Reject
    | Malformed
    | Duplicate
    | Reorder
    | Logout
    | ExpireToken,
    Field(discriminator="fault"),
]
FAULT = TypeAdapter(Fault)
KINDS = (
    "drop_hub, silent, http_error, delay, reject, malformed, duplicate, reorder, logout, "
    "expire_token"
)


class ScenarioError(ValueError):
    """A scenario file or fault body that cannot be used; the message says why."""


def parse_fault(body: Any) -> Fault:
    try:
        return FAULT.validate_python(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'fault'}: {e['msg']}" for e in exc.errors()
        )
        raise ScenarioError(f"bad fault ({problems}); kinds: {KINDS}") from None


@dataclass(frozen=True, slots=True)
class Step:
    at: float
    fault: Fault


def load_scenario(path: Path) -> list[Step]:
    """Timed faults from a TOML file of ``[[steps]]``, each with ``at`` and a fault."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ScenarioError(f"{path}: list the faults as [[steps]] tables")
    out = []
    for number, step in enumerate(steps, start=1):
        body = dict(step)
        at = body.pop("at", None)
        if not isinstance(at, int | float) or at < 0:
            raise ScenarioError(f"{path}: step {number}: 'at' must be seconds >= 0")
        try:
            out.append(Step(float(at), parse_fault(body)))
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: step {number}: {exc}") from None
    return sorted(out, key=lambda s: s.at)


def endpoint_key(path: str) -> str:
    """``/api/Order/place``, ``Order/place`` and ``/order/place`` all name one endpoint."""
    return "/" + path.strip().strip("/").lower().removeprefix("api/")


@dataclass(slots=True)
class _Counted:
    fault: Any
    left: int


@dataclass
class FaultBook:
    """The faults in force; the REST and hub code ask it before answering or sending."""

    now: Callable[[], float] = time.monotonic
    counted: list[_Counted] = field(default_factory=list)
    silent_until: dict[str, float] = field(default_factory=dict)
    refuse_until: dict[str, float] = field(default_factory=dict)

    def add(self, fault: Fault) -> None:
        if isinstance(fault, Silent):
            for hub in _hubs(fault.hub):
                self.silent_until[hub] = self.now() + fault.seconds
        elif isinstance(fault, DropHub):
            for hub in _hubs(fault.hub):
                self.refuse_until[hub] = self.now() + fault.refuse_seconds
        elif isinstance(fault, HttpError | Delay | Reject | Malformed | Duplicate | Reorder):
            self.counted.append(_Counted(fault, fault.count))

    def clear(self) -> None:
        self.counted.clear()
        self.silent_until.clear()
        self.refuse_until.clear()

    def _take[F](self, kind: type[F], match: Callable[[F], bool]) -> F | None:
        for entry in self.counted:
            fault = entry.fault
            if entry.left > 0 and isinstance(fault, kind) and match(fault):
                entry.left -= 1
                if entry.left == 0:
                    self.counted.remove(entry)
                return fault
        return None

    def http_error(self, endpoint: str) -> HttpError | None:
        key = endpoint_key(endpoint)
        return self._take(HttpError, lambda f: endpoint_key(f.endpoint) == key)

    def delay(self, endpoint: str) -> Delay | None:
        key = endpoint_key(endpoint)
        return self._take(Delay, lambda f: endpoint_key(f.endpoint) == key)

    def reject(self) -> Reject | None:
        return self._take(Reject, lambda f: True)

    def malformed(self, hub: str) -> Malformed | None:
        return self._take(Malformed, lambda f: f.hub == hub)

    def duplicate(self, hub: str) -> bool:
        return self._take(Duplicate, lambda f: f.hub == hub) is not None

    def reorder(self, hub: str) -> Reorder | None:
        """The reorder fault to start, if any (it is used up at once: it holds N events)."""
        for entry in self.counted:
            if isinstance(entry.fault, Reorder) and entry.fault.hub == hub:
                self.counted.remove(entry)
                return entry.fault
        return None

    def silent(self, hub: str) -> bool:
        return self.now() < self.silent_until.get(hub, 0.0)

    def refusing(self, hub: str) -> bool:
        return self.now() < self.refuse_until.get(hub, 0.0)

    def describe(self) -> list[str]:
        now = self.now()
        out = [f"{e.fault.fault} x{e.left}: {e.fault.model_dump_json()}" for e in self.counted]
        out += [f"silent {h} {t - now:.1f}s" for h, t in self.silent_until.items() if t > now]
        out += [f"refusing {h} {t - now:.1f}s" for h, t in self.refuse_until.items() if t > now]
        return out


def _hubs(hubs: str) -> tuple[str, ...]:
    return ("user", "market") if hubs == "both" else (hubs,)
