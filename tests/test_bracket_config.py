"""``[brackets]`` in the config: templates read, every mistake named by file, line and key,
and ``cockpit rules check`` exits 2 on them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cockpit.cli import main
from cockpit.config import ConfigError, parse_settings
from cockpit.core.bracket_plan import Breakeven, Target, Template, Trail

GOOD = """\
[brackets]
active = "scalp"

[brackets.scalp]
stop = 8
target = 16

[brackets.runner]
stop = 12
size = 2
targets = [{ ticks = 8, size = 1 }, { ticks = 24, size = 1 }]
breakeven = { trigger = 8, offset = 1 }
trail = { trigger = 16, distance = 8, step = 2 }
"""


def test_templates_are_read_in_config_order() -> None:
    """Two templates, the active one named: both read exactly, in the file's order."""
    settings = parse_settings(GOOD, Path("config.toml"))
    assert settings.brackets.active == "scalp"
    assert settings.brackets.templates() == [
        Template("scalp", 8, (Target(16),)),
        Template("runner", 12, (Target(8, 1), Target(24, 1)), Breakeven(8, 1), Trail(16, 8, 2)),
    ]


def test_no_brackets_section_means_no_template() -> None:
    """Without [brackets] entries go out bare."""
    settings = parse_settings("", Path("config.toml"))
    assert settings.brackets.active == "none"
    assert settings.brackets.templates() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[brackets]\nactive = "swing"\n[brackets.scalp]\nstop = 8\n',
            'config.toml:2: [brackets] active = "swing": no template of that name; '
            "known: scalp, none",
        ),
        (
            "[brackets.scalp]\nstop = 0\n",
            "config.toml:2: [brackets.scalp] stop = 0: Input should be greater than 0",
        ),
        (
            "[brackets.scalp]\nstop = 8\ntarget = -16\n",
            "config.toml:3: [brackets.scalp] target = -16: Input should be greater than 0",
        ),
        (
            "[brackets.scalp]\nstop = 8\nsize = 3\n"
            "targets = [{ ticks = 8, size = 1 }, { ticks = 16, size = 1 }]\n",
            "config.toml:4: [brackets.scalp] targets = [{ ticks = 8, size = 1 }, "
            "{ ticks = 16, size = 1 }]: the sizes add up to 2, not the entry size 3",
        ),
        (
            "[brackets.scalp]\nstop = 8\nbreakeven = { trigger = 4, offset = 4 }\n",
            "config.toml:3: [brackets.scalp] breakeven = { trigger = 4, offset = 4 }: "
            "offset 4 must be below the trigger 4: the stop would be on the wrong side "
            "of the market",
        ),
    ],
)
def test_bad_templates_name_file_line_and_key(text: str, expected: str) -> None:
    """Wrong side, zero or negative ticks, sizes that do not add up, an unknown name."""
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, Path("config.toml"))
    assert str(caught.value) == expected


def test_rules_check_exits_2_on_a_bad_template(tmp_path: Path) -> None:
    """`cockpit rules check` on a bad template: the located error and exit 2."""
    path = tmp_path / "config.toml"
    path.write_text("[brackets.scalp]\nstop = -8\n")
    result = CliRunner().invoke(main, ["rules", "check", str(path)])
    assert result.exit_code == 2
    assert f"{path}:2: [brackets.scalp] stop = -8" in result.output
