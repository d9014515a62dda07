"""The journal's codec: every event and command dataclass to a compact JSON array and back.

A record's payload is the tuple of its dataclass fields in declaration order (no field
names: the header's type table names the class, the class names the fields), so a quote
costs about 60 bytes before compression. Encoding is one C-level ``attrgetter`` per
record plus one ``orjson.dumps`` per batch; Decimals travel as strings (exact, exponent
kept), dates as ``YYYY-MM-DD``, enums as their values, nested dataclasses as nested
arrays, bars as 6-tuples.

Decoders are built from the dataclasses' type hints, so a new event type (the risk
engine's, say) is recorded and read back without touching this module.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import sys
import types
import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

import orjson

from cockpit.core.bars import Bar
from cockpit.core.commands import Command
from cockpit.core.events import Event
from cockpit.core.tradingstate import TradingState

Decoder = Callable[[Any], Any]

ALLOWED_PREFIX = "cockpit."
"""Only classes of this package are ever resolved from a journal's type table."""

RENAMED_TYPES = {  # vocab: keep
    "cockpit.core.events:TradePrinted": "cockpit.core.events:Printed",  # vocab: keep
    "cockpit.core.events:SessionStatsUpdated": "cockpit.core.events:DayStatsUpdated",  # vocab: keep
}
"""Classes under the names journals written before a rename stored (docs/architecture.md,
"Glossary"): a journal keeps its type table, so an old name is read as the new class."""

RENAMED_VALUES: dict[type[enum.Enum], dict[str, enum.Enum]] = {
    TradingState: {"REDUCING": TradingState.REDUCE_ONLY},  # vocab: keep
}
"""Enum values under their old spelling, read as the member that replaced them."""


class CodecError(ValueError):
    """A record that cannot be decoded: unknown type, wrong shape, bad value."""


def type_name(cls: type) -> str:
    """The stable name a journal stores for a class: ``module:QualName``."""
    return f"{cls.__module__}:{cls.__qualname__}"


def resolve(name: str) -> type:
    """The class a type-table entry names (only classes inside ``cockpit``)."""
    module_name, _, qualname = RENAMED_TYPES.get(name, name).partition(":")
    if not module_name.startswith(ALLOWED_PREFIX) or not qualname:
        raise CodecError(f"type {name!r} is not a cockpit type")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        raise CodecError(f"type {name!r} is unknown to this version of cockpit") from None
    if not isinstance(target, type) or not dataclasses.is_dataclass(target):
        raise CodecError(f"type {name!r} is not a recordable dataclass")
    return target


def _default(value: Any) -> Any:
    """orjson's fallback: what it cannot write natively, written compactly."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Bar):
        return value.as_tuple()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return getter_for(type(value))(value)
    raise TypeError(f"cannot journal a {type(value).__name__}")


_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def getter_for(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    getter = _GETTERS.get(cls)
    if getter is None:
        names = [f.name for f in dataclasses.fields(cls)]
        if not names:
            getter = lambda obj: ()  # noqa: E731
        elif len(names) == 1:
            single = attrgetter(names[0])
            getter = lambda obj: (single(obj),)  # noqa: E731 - attrgetter of one name is no tuple
        else:
            getter = attrgetter(*names)
        _GETTERS[cls] = getter
    return getter


def fields_of(obj: Any) -> tuple[Any, ...]:
    """The field values of a recordable dataclass, in declaration order."""
    return getter_for(type(obj))(obj)


DUMPS_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(value: Any) -> bytes:
    """Serialize a batch (lists of field tuples) in one C call."""
    return orjson.dumps(value, default=_default, option=DUMPS_OPTIONS)


# Decoding ------------------------------------------------------------------------------


def _identity(value: Any) -> Any:
    return value


def _decimal(value: Any) -> Decimal:
    return Decimal(value)


def _date(value: Any) -> date:
    """orjson writes a date as ``YYYY-MM-DD``."""
    return date.fromisoformat(value)


def _bar(value: Any) -> Bar:
    return Bar(*value)


def _optional(inner: Decoder) -> Decoder:
    def decode(value: Any) -> Any:
        return None if value is None else inner(value)

    return decode


def _tuple_of(inner: Decoder) -> Decoder:
    def decode(value: Any) -> tuple[Any, ...]:
        return tuple(inner(item) for item in value)

    return decode


def _enum(cls: type[enum.Enum]) -> Decoder:
    """Value to member by a dict lookup (calling the enum class is ten times slower)."""
    members: dict[Any, enum.Enum] = {member.value: member for member in cls}
    return {**RENAMED_VALUES.get(cls, {}), **members}.__getitem__


def _field_decoder(hint: Any) -> tuple[Decoder, bool]:
    """(decoder, optional) for one annotated field type; ``None`` passes through optionals."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1:
            return _field_decoder(args[0])[0], True
        return _identity, False
    if origin is tuple:
        items = typing.get_args(hint)
        inner = _field_decoder(items[0])[0] if items else _identity
        return _tuple_of(inner), False
    if hint is Decimal:
        return _decimal, False
    if hint is Bar:
        return _bar, False
    if hint is date:
        return _date, False
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum(hint), False
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return decoder_for(hint), False
    return _identity, False


_DECODERS: dict[type, Decoder] = {}


def decoder_for(cls: type) -> Decoder:
    """The function turning a stored field array back into a ``cls`` instance."""
    decoder = _DECODERS.get(cls)
    if decoder is None:
        decoder = _DECODERS[cls] = _build_decoder(cls)
    return decoder


def _build_decoder(cls: type) -> Decoder:
    module = sys.modules.get(cls.__module__)
    hints = typing.get_type_hints(cls, globalns=vars(module) if module else None)
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    specs = [_field_decoder(hints.get(f.name, Any)) for f in fields]
    slots = [inspect.getattr_static(cls, n, None) for n in names]
    direct = not hasattr(cls, "__post_init__") and all(
        isinstance(slot, types.MemberDescriptorType) for slot in slots
    )
    if direct:
        return _slot_writer(cls, specs, slots)
    fns = [fn if fn is _identity or not optional else _optional(fn) for fn, optional in specs]
    if any(f.kw_only for f in fields):

        def by_keyword(values: Any) -> Any:
            return cls(**{n: fn(v) for n, fn, v in zip(names, fns, values, strict=True)})

        return by_keyword

    def by_position(values: Any) -> Any:
        return cls(*[fn(v) for fn, v in zip(fns, values, strict=True)])

    return by_position


def _slot_writer(cls: type, specs: list[tuple[Decoder, bool]], slots: list[Any]) -> Decoder:
    """A decoder that fills the slots of a frozen dataclass directly.

    A frozen dataclass's ``__init__`` goes through ``object.__setattr__`` per field and
    costs twice as much; replay decodes a million of these, so the function is generated
    (as :mod:`dataclasses` generates ``__init__``) with one C-level slot write per field.
    The stored array must have exactly the class's fields, which the writer guarantees.
    """
    env: dict[str, Any] = {"cls": cls, "new": object.__new__}
    lines = [
        "def decode(v):",
        f"    if len(v) != {len(specs)}: raise ValueError('wrong field count')",
        "    o = new(cls)",
    ]
    for i, ((fn, optional), slot) in enumerate(zip(specs, slots, strict=True)):
        env[f"s{i}"] = slot.__set__
        if fn is _identity:
            lines.append(f"    s{i}(o, v[{i}])")
        elif optional:
            env[f"f{i}"] = fn
            lines.append(f"    x = v[{i}]")
            lines.append(f"    s{i}(o, None if x is None else f{i}(x))")
        else:
            env[f"f{i}"] = fn
            lines.append(f"    s{i}(o, f{i}(v[{i}]))")
    lines.append("    return o")
    exec("\n".join(lines), env)
    decoder: Decoder = env["decode"]
    return decoder


def decode(cls: type, values: Any) -> Any:
    """One stored record payload back into its dataclass, or :class:`CodecError`."""
    try:
        return decoder_for(cls)(values)
    except (TypeError, ValueError, KeyError, IndexError, ArithmeticError) as exc:
        raise CodecError(f"bad {cls.__name__} record: {exc!r}") from None


def encode_one(obj: Any) -> bytes:
    """A single event or command as JSON (tests and the header)."""
    return dumps(fields_of(obj))


def decode_one(cls: type, data: bytes) -> Any:
    return decode(cls, orjson.loads(data))


# The known types -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Tick:
    """A clock tick the engine was given (time-based rules fire on these); no fields."""


TICK = Tick()


def _subclasses(base: type) -> list[type]:
    out: list[type] = []
    stack: list[type] = [base]
    while stack:
        subclasses: list[type] = stack.pop().__subclasses__()
        for sub in subclasses:
            stack.append(sub)
            if dataclasses.is_dataclass(sub):
                out.append(sub)
    return out


def known_types() -> list[type]:
    """Every concrete event and command class loaded now, in a stable order."""
    found = {Tick, *_subclasses(Event), *_subclasses(Command)}
    return sorted((cls for cls in found if _current(cls)), key=type_name)


def _current(cls: type) -> bool:
    """Whether ``cls`` is what its module now names (a ``slots=True`` dataclass leaves
    its pre-slots original behind as a stale subclass)."""
    module = sys.modules.get(cls.__module__)
    target: Any = module
    for part in cls.__qualname__.split("."):
        target = getattr(target, part, None)
    return target is cls


def is_command(cls: type) -> bool:
    return issubclass(cls, Command)
