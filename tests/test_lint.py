"""Lint as a test: CI runs only `uv run pytest`, so ruff's verdict is part of it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ruff from this environment on the repository."""
    executable = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if executable is None:
        pytest.fail("ruff is not installed: run `uv sync` (it is a dev dependency)")
    return subprocess.run(
        [executable, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_ruff_check_is_clean() -> None:
    """`ruff check .` finds nothing."""
    result = ruff("check", ".", "--no-cache", "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    """`ruff format --check .` would change nothing."""
    result = ruff("format", "--check", ".", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
