"""docs/rules.md documents every rule, and its examples are valid configs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel

from cockpit.config import parse_settings
from cockpit.risk.firms import FirmProfile, read_profile
from cockpit.risk.market_calendar import parse_calendar
from cockpit.risk.rules import RULES

DOC = Path(__file__).parents[2] / "docs" / "rules.md"
FENCED = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
CALENDARS = [block for block in FENCED if block.startswith("# calendar.toml")]
"""Examples of the exchange calendar file (they start with ``# calendar.toml``)."""
BLOCKS = [block for block in FENCED if block not in CALENDARS]


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example-{i}" for i in range(len(BLOCKS))])
def test_every_toml_example_is_a_valid_config(block: str) -> None:
    """Each example parses and validates as a config file."""
    parse_settings(block, DOC)


@pytest.mark.parametrize("block", CALENDARS, ids=[f"calendar-{i}" for i in range(len(CALENDARS))])
def test_every_calendar_example_is_a_valid_calendar(block: str) -> None:
    """Each calendar example parses and validates as a calendar file."""
    assert parse_calendar(block).listed_twice() is None


def test_the_calendar_file_has_an_example() -> None:
    """The rules page shows the calendar file (so the check above checks something)."""
    assert CALENDARS


def test_every_rule_has_a_section() -> None:
    """Each rule's name appears in a heading of the rules page."""
    headings = re.findall(r"^### .*$", DOC.read_text(encoding="utf-8"), re.M)
    for rule in RULES:
        assert any(f"`{rule.name}`" in heading for heading in headings), rule.name


FIRM_SECTION = DOC.read_text(encoding="utf-8").split("## Firm profiles", 1)[1].split("\n## ")[0]
FIRM_BLOCKS = re.findall(r"```toml firm-profile\n(.*?)```", FIRM_SECTION, re.S)


def test_the_firm_profile_example_is_a_valid_profile() -> None:
    """The page's example profile validates as a firm file named like its ``name``."""
    assert FIRM_BLOCKS
    for block in FIRM_BLOCKS:
        name = re.search(r'^name = "(.*)"$', block, re.M)
        assert name is not None
        read_profile(Path(f"{name.group(1)}.toml"), block)


def test_every_firm_profile_field_is_documented_and_in_the_example() -> None:
    """Each key of the profile schema, nested tables included, has a row in the table of
    the Firm profiles section and appears in the example."""
    models: list[type[BaseModel]] = [FirmProfile]
    keys: list[str] = []
    while models:
        model = models.pop()
        for key, field in model.model_fields.items():
            keys.append(key)
            for inner in (field.annotation, *get_args(field.annotation)):
                for kind in (inner, *get_args(inner)):
                    if isinstance(kind, type) and issubclass(kind, BaseModel):
                        models.append(kind)
    for key in keys:
        assert re.search(rf"^\| `(\[\[?)?{key}(\]\]?)?` \|", FIRM_SECTION, re.M), key
        assert re.search(rf"^\[*{key}\b", FIRM_BLOCKS[0], re.M), key


def _profile_tables() -> dict[str, type[BaseModel]]:
    """Each table of the profile schema by its name (``""``: the top level), with the
    model whose fields it holds."""
    tables: dict[str, type[BaseModel]] = {"": FirmProfile}
    for key, field in FirmProfile.model_fields.items():
        for inner in (field.annotation, *get_args(field.annotation)):
            for kind in (inner, *get_args(inner)):
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    tables[key] = kind
    return tables


def _rows_by_table() -> dict[str, set[str]]:
    """The keys of the Firm profiles table, grouped under the ``[table]`` row above them."""
    rows: dict[str, set[str]] = {"": set()}
    table = ""
    for match in re.finditer(r"^\| `(\[\[?)?([a-z_]+)(\]\]?)?` \|", FIRM_SECTION, re.M):
        if match.group(1):
            table = match.group(2)
            rows.setdefault(table, set())
            rows[""].add(table)
        else:
            rows[table].add(match.group(2))
    return rows


def test_every_profile_field_has_its_row_under_its_table_and_a_value_in_the_example() -> None:
    """Each field of each profile table has a row under that table's row (a key shared by
    two tables, ``amount`` or ``contracts``, is checked in both), and the example profile
    sets every field of every table, optional ones included."""
    example = tomllib.loads(FIRM_BLOCKS[0])
    rows = _rows_by_table()
    for table, model in _profile_tables().items():
        documented = rows.get(table, set())
        fields = set(model.model_fields)
        if table == "":
            fields = {key for key in fields if key not in _profile_tables()} | {
                key for key in _profile_tables() if key
            }
        assert fields <= documented, (table, fields - documented)
        values = example if table == "" else example[table]
        for entry in values if isinstance(values, list) else [values]:
            assert set(model.model_fields) <= set(entry), (
                table,
                set(model.model_fields) - set(entry),
            )
