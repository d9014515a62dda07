"""The packages import each other in one direction only: the layers in pyproject.toml.

``lint-imports`` (import-linter) reads every import statement, those inside functions
and under ``TYPE_CHECKING`` included, so a lazy import against the layers breaks it too.
The order and why it is so: docs/architecture.md, "Layers".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the ``cockpit`` package found in ``root``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_package_imports_only_the_ones_below_it() -> None:
    """Every import-linter contract is kept: no cycle, no import up the layers."""
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "statement"),
    [
        ("cockpit/journal/files.py", "from cockpit.ui.app import make_app"),
        ("cockpit/config.py", "from cockpit.session import Session"),
        ("cockpit/brokers/paper.py", "from cockpit.risk.engine import RiskEngine"),
        ("cockpit/core/state.py", "import textual"),
    ],
)
def test_an_import_against_the_layers_breaks_the_check(
    tmp_path: Path, module: str, statement: str
) -> None:
    """A copy of the package with one bad import, tucked inside a function, fails the check."""
    shutil.copytree(
        ROOT / "cockpit", tmp_path / "cockpit", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / module
    target.write_text(
        target.read_text(encoding="utf-8") + f"\n\ndef _sneaky() -> None:\n    {statement}\n",
        encoding="utf-8",
    )
    result = lint(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout


def test_opening_the_cockpit_loads_no_polars_emulator_or_sdk() -> None:
    """Plain ``cockpit`` (the command and its start-up) imports neither the analysis
    (polars), the emulator, the replay nor the broker SDK: subcommands load lazily."""
    code = (
        "import sys, cockpit.cli, cockpit.cli.start;"
        "print(sorted(m for m in ('polars', 'project_x_py', 'cockpit.gateway', "
        "'cockpit.cli.gateway', 'cockpit.cli.journal', 'cockpit.replay') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"
