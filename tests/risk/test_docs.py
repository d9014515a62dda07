"""docs/rules.md documents every rule, and its examples are valid configs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cockpit.config import parse_settings
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
