"""The codec: every event and command survives the journal exactly."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import sys
import types
import typing
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.core import commands, events
from cockpit.core.bars import Bar
from cockpit.core.commands import Command
from cockpit.core.events import Event
from cockpit.journal import codec
from cockpit.journal.format import RecordKind
from cockpit.journal.reader import open_journal

from .conftest import START_NS, make_writer

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
DECIMALS = st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**12)
BARS = st.builds(Bar, INT64, INT64, INT64, INT64, INT64, INT64)


def strategy_for_hint(hint: Any) -> st.SearchStrategy:
    """Values of one annotated field type, exact ones only (no NaN, 64-bit ints)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = st.one_of(*(strategy_for_hint(a) for a in args))
        return st.one_of(st.none(), inner) if type(None) in typing.get_args(hint) else inner
    if origin is tuple:
        return st.lists(strategy_for_hint(typing.get_args(hint)[0]), max_size=3).map(tuple)
    if hint is Decimal:
        return DECIMALS
    if hint is Bar:
        return BARS
    if hint is date:
        return st.dates()
    if hint is bool:
        return st.booleans()
    if hint is int:
        return INT64
    if hint is str:
        return st.text(max_size=12)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return st.sampled_from(list(hint))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return strategy_for(hint)
    raise AssertionError(f"no strategy for {hint!r}")


def strategy_for(cls: type) -> st.SearchStrategy:
    """Instances of a recordable dataclass, every field drawn from its annotation."""
    module = sys.modules[cls.__module__]
    hints = typing.get_type_hints(cls, globalns=vars(module))
    fields = {f.name: strategy_for_hint(hints[f.name]) for f in dataclasses.fields(cls)}
    return st.builds(cls, **fields)


ALL_TYPES = [t for t in codec.known_types() if t is not codec.Tick]


def core_types() -> set[type]:
    """Every concrete event and command class the core defines."""
    found = set()
    for module, base in ((events, Event), (commands, Command)):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls is not base and dataclasses.is_dataclass(cls):
                found.add(cls)
    return found


def test_every_core_event_and_command_has_a_code() -> None:
    """Each event and command class of the core is in the journal's type table."""
    assert core_types() <= set(codec.known_types())


@pytest.mark.parametrize("cls", ALL_TYPES, ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_type_round_trips_through_the_codec(cls: type, data: st.DataObject) -> None:
    """Any instance, Decimals, enums, nested dataclasses and bars included, comes back equal."""
    value = data.draw(strategy_for(cls))
    back = codec.decode_one(cls, codec.encode_one(value))
    assert back == value
    assert type(back) is cls


def test_decimals_keep_their_exponent() -> None:
    """A balance written as 50000.00 reads back as 50000.00, not 5E+4 or 50000."""
    from cockpit.core.events import AccountUpdated
    from cockpit.core.models import Account

    event = AccountUpdated(1, Account(7, "A", Decimal("50000.00")))
    back = codec.decode_one(AccountUpdated, codec.encode_one(event))
    assert str(back.account.balance) == "50000.00"


def test_a_record_of_the_wrong_shape_is_a_codec_error() -> None:
    """A payload with missing fields or a bad enum value is denied with a clear error."""
    from cockpit.core.events import Printed

    with pytest.raises(codec.CodecError, match="Printed"):
        codec.decode(Printed, [1, "MNQ", 5])
    with pytest.raises(codec.CodecError, match="Printed"):
        codec.decode(Printed, [1, "MNQ", 5, 1, 9])


def test_only_cockpit_classes_are_resolved() -> None:
    """A type table naming a class outside cockpit is denied, never imported."""
    with pytest.raises(codec.CodecError, match="not a cockpit type"):
        codec.resolve("os:system")
    with pytest.raises(codec.CodecError, match="unknown"):
        codec.resolve("cockpit.core.events:NoSuchEvent")


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_every_type_round_trips_through_a_journal_file(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """A batch holding one record of every type is read back in order, kinds and times intact."""
    folder: Path = tmp_path_factory.mktemp("codec")
    writer = make_writer(folder)
    expected = []
    for offset, cls in enumerate(ALL_TYPES):
        value = data.draw(strategy_for(cls))
        ns = START_NS + offset
        if issubclass(cls, Command):
            writer.record_command(ns, value)
            expected.append((RecordKind.COMMAND, ns, value))
        else:
            inbound = data.draw(st.booleans())
            writer.record_event(ns, value, inbound)
            expected.append((RecordKind.IN if inbound else RecordKind.OUT, ns, value))
    writer.record_tick(START_NS + 10_000)
    expected.append((RecordKind.TICK, START_NS + 10_000, codec.TICK))
    writer.close()
    assert writer.path is not None
    with open_journal(writer.path) as journal:
        assert [tuple(r) for r in journal] == expected
