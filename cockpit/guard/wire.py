"""The native stream's messages: what the guard and an attached cockpit say to each other.

Every message is one binary WebSocket frame holding a JSON array whose first item names
it; values are in the journal's encoding (:mod:`cockpit.journal.codec`), so an event
or a command arrives exactly as it left.

Guard to cockpit:

* ``["snapshot", {...}]``: the state at a sequence number (:mod:`cockpit.guard.snapshot`),
  the risk engine's settings and its views (:class:`RiskReadout`), the guard's dry run;
* ``["events", [[seq, recv_ns, type, fields], ...]]``: every event the guard folded
  after it, in order, numbered one by one (a gap means something was lost);
* ``["risk", fields]``: the risk views again, when they changed;
* ``["verdict", id, accepted, reason, why]``: the answer to a command.

Cockpit to guard: ``["command", id, type, fields]`` and ``["snapshot"]`` (a gap was
seen: start again from a fresh snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from cockpit.core.bracket_plan import NO_TEMPLATE
from cockpit.core.brackets import BracketManager
from cockpit.core.commands import Command
from cockpit.core.engine import Verdict
from cockpit.core.events import Event
from cockpit.core.state import State
from cockpit.core.tradingstate import TradingState
from cockpit.core.validation import Why
from cockpit.journal.codec import (
    CodecError,
    decode,
    decoder_for,
    dumps,
    fields_of,
    resolve,
    type_name,
)
from cockpit.risk.engine import RiskEngine
from cockpit.risk.rules.base import Level, Reading
from cockpit.risk.tally import ZERO
from cockpit.risk.views import Banner

VERSION = 3
"""The stream's version: a cockpit refuses a guard that speaks another (2: the readout
carries the bracket templates; 3: the banner names positions left without a stop)."""

LATCHED_RULES = ("profit-target",)
"""Latched limits the screen asks about (arming again after the profit target)."""


@dataclass(frozen=True, slots=True)
class RiskReadout:
    """What the screen reads of the risk engine at one moment: the banner, the R panel's
    rows, the header's room to the daily loss limit and the maximum loss floor."""

    at_ns: int
    trading_state: TradingState
    dry_run: bool
    banner: Banner | None
    status: tuple[Reading, ...]
    loss_room: Decimal | None
    loss_peak: Decimal | None
    """The day's best P&L the daily loss limit measures from (its profit protection)."""
    floor_distance: Decimal | None
    floor_buffer: Decimal | None
    floor_level: Level | None
    latched: tuple[str, ...]
    """Which of :data:`LATCHED_RULES` hold now."""
    brackets: tuple[str, ...] = ()
    """The bracket templates of the guard's ``[brackets]``, in config order (none: the
    guard runs no bracket manager)."""
    bracket: str = NO_TEMPLATE
    """The active template (``none``: entries go without a bracket)."""
    earlier_day_pnl: Decimal = ZERO
    """Earlier runs' realized P&L of today that the guard's broker did not report again
    (a paper guard restarted): the header adds it to the day, as in-process."""

    def same_view(self, other: RiskReadout | None) -> bool:
        """Whether ``other`` shows the same (its time aside): nothing to send."""
        return other is not None and fields_of(self)[1:] == fields_of(other)[1:]


def read_risk(
    risk: RiskEngine, state: State, now: int, brackets: BracketManager | None = None
) -> RiskReadout:
    """Read every view the screen shows, as the in-process cockpit would at ``now``: the
    risk engine's, and the bracket templates the footer names and `t` cycles."""
    floor = risk.max_loss_distance(state, now)
    daily = risk.daily_loss
    return RiskReadout(
        now,
        risk.trading_state,
        risk.dry_run,
        risk.banner(state, now),
        tuple(risk.status(state, now)),
        risk.daily_loss_room(state, now),
        daily.peak if daily is not None else None,
        floor[0] if floor is not None else None,
        floor[1] if floor is not None else None,
        floor[2] if floor is not None else None,
        tuple(rule for rule in LATCHED_RULES if risk.latched(rule, now)),
        tuple(brackets.templates) if brackets is not None else (),
        brackets.active_name if brackets is not None else NO_TEMPLATE,
        risk.earlier_day_pnl(now),
    )


def pack(message: list[Any]) -> bytes:
    """One frame."""
    return dumps(message)


def unpack(frame: bytes | str) -> list[Any]:
    """One frame back into its array; :class:`CodecError` when it is not one."""
    try:
        message = orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise CodecError(f"not JSON: {exc}") from None
    if not isinstance(message, list) or not message or not isinstance(message[0], str):
        raise CodecError(f"not a stream message: {str(message)[:80]}")
    return message


_NAMES: dict[type, str] = {}
_EVENT_TYPES: dict[str, type[Event]] = {}


def event_row(seq: int, recv_ns: int, event: Event) -> list[Any]:
    cls = type(event)
    name = _NAMES.get(cls)
    if name is None:
        name = _NAMES[cls] = type_name(cls)
    return [seq, recv_ns, name, fields_of(event)]


def event_type(name: str) -> type[Event]:
    """The event class a row names (looked up once per name)."""
    cls = _EVENT_TYPES.get(name)
    if cls is None:
        found = resolve(name)
        if not issubclass(found, Event):
            raise CodecError(f"{name} is not an event")
        cls = _EVENT_TYPES[name] = found
    return cls


def read_event_row(row: Any) -> tuple[int, int, Event]:
    """(seq, recv_ns, event) from one row of an ``events`` message."""
    if not isinstance(row, list) or len(row) != 4:
        raise CodecError(f"not an event row: {str(row)[:80]}")
    seq, recv_ns, name, values = row
    event: Event = decode(event_type(name), values)
    return int(seq), int(recv_ns), event


def command_message(command_id: int, command: Command, flatten: int | None = None) -> list[Any]:
    """A command for the guard; ``flatten`` is the number of a flatten key the flatten
    line (:mod:`cockpit.guard.line`) may have carried already."""
    message = ["command", command_id, type_name(type(command)), fields_of(command)]
    if flatten is not None:
        message.append(flatten)
    return message


def read_command(message: list[Any]) -> tuple[int, Command, int | None]:
    """(id, command, flatten number or ``None``) from a ``command`` message;
    :class:`CodecError` naming what is wrong."""
    if len(message) not in (4, 5) or not isinstance(message[1], int):
        raise CodecError('a command message is ["command", id, type, fields, flatten?]')
    flatten = message[4] if len(message) == 5 else None
    if flatten is not None and type(flatten) is not int:
        raise CodecError("a command's flatten number is an integer")
    cls = resolve(message[2])
    if not issubclass(cls, Command):
        raise CodecError(f"{message[2]} is not a command")
    command: Command = decode(cls, message[3])
    return message[1], command, flatten


def verdict_message(command_id: int, verdict: Verdict) -> list[Any]:
    why = verdict.why.value if verdict.why is not None else None
    return ["verdict", command_id, verdict.accepted, verdict.reason, why]


def read_verdict(message: list[Any]) -> tuple[int, Verdict]:
    """(id, verdict) from a ``verdict`` message (the denial's ``Why`` kept for the screen)."""
    if len(message) != 5:
        raise CodecError('a verdict message is ["verdict", id, accepted, reason, why]')
    _, command_id, accepted, reason, why = message
    return int(command_id), Verdict(bool(accepted), str(reason), why=Why(why) if why else None)


def readout_fields(readout: RiskReadout) -> tuple[Any, ...]:
    return fields_of(readout)


def read_readout(values: Any) -> RiskReadout:
    try:
        readout: RiskReadout = decoder_for(RiskReadout)(values)
    except (TypeError, ValueError, KeyError, IndexError, ArithmeticError) as exc:
        raise CodecError(f"bad risk readout: {exc!r}") from None
    return readout
