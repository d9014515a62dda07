"""``cockpit rules check`` refuses the ``[keys]`` the cockpit would refuse at start, and
names the file, the line and what is allowed, as it does for ``[risk]``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cockpit.cli import main

RULES = """\
[risk.daily_loss]
limit = 300

[keys]
arm = "ctrl+a"
"""


def check(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "check", str(path)])
    return result.exit_code, result.output, path


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('flaten-all = "ctrl+x"', "unknown binding id 'flaten-all'; did you mean flatten-all?"),
        ('flatten-all = "b"', "key 'b' is bound to both buy-market (buy market) and flatten-all"),
        ('review = " , "', 'review has no key; give one like "ctrl+x"'),
    ],
)
def test_a_key_the_cockpit_would_refuse_is_an_error_at_its_line(
    tmp_path: Path, line: str, expected: str
) -> None:
    """An unknown action, a key taken twice or an empty key: exit 2, file:line, and why."""
    code, output, path = check(tmp_path, RULES + line + "\n")
    assert code == 2, output
    assert f"{path} is not valid" in output
    assert f"{path}:6: [keys] {expected}" in output
    assert "Traceback" not in output


def test_the_unknown_action_error_lists_every_valid_action(tmp_path: Path) -> None:
    """The message lists what is allowed: every binding id."""
    _, output, _ = check(tmp_path, RULES + 'flaten-all = "ctrl+x"\n')
    assert "valid ids: arm, buy-market," in output
    assert "flatten-all" in output.split("valid ids:")[1]


def test_good_keys_pass_and_the_rules_are_printed(tmp_path: Path) -> None:
    """A remap that clashes with nothing is fine: exit 0, the effective rules."""
    code, output, _ = check(tmp_path, RULES + 'flatten-all = "ctrl+x"\n')
    assert code == 0, output
    assert "daily-loss          on   $300.00" in output
