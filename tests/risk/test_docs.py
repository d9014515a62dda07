"""docs/rules.md documents every rule, and its examples are valid configs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cockpit.config import parse_settings
from cockpit.risk.rules import RULES

DOC = Path(__file__).parents[2] / "docs" / "rules.md"
BLOCKS = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example-{i}" for i in range(len(BLOCKS))])
def test_every_toml_example_is_a_valid_config(block: str) -> None:
    """Each example parses and validates as a config file."""
    parse_settings(block, DOC)


def test_every_rule_has_a_section() -> None:
    """Each rule's name appears in a heading of the rules page."""
    headings = re.findall(r"^### .*$", DOC.read_text(encoding="utf-8"), re.M)
    for rule in RULES:
        assert any(f"`{rule.name}`" in heading for heading in headings), rule.name
