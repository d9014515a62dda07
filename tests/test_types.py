"""Types as a test: CI runs only `uv run pytest`, so mypy's verdict is part of it.

The configuration is pyproject.toml's ``[tool.mypy]`` (strict, on the whole package); the
cache lives in the checkout's ``.mypy_cache`` (git ignores it), so a second run takes ~2 s.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # cold (a fresh clone): about 12 s of CPU, 25 s on a busy machine
def test_mypy_finds_no_errors() -> None:
    """`mypy` (strict, no stale or code-less ignores) reports no error in cockpit/."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
