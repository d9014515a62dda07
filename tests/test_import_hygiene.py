"""The headless packages never load the UI or the broker SDK (checked in a clean interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HEADLESS = ("cockpit.core", "cockpit.market", "cockpit.risk")
"""Packages imported with every submodule (cockpit.risk only once it exists)."""
MODULES = ("cockpit.brokers.paper", "cockpit.brokers.lots")
FORBIDDEN = ("textual", "rich", "project_x_py")

PROBE = """
import importlib, json, pkgutil, sys
imported = []
for name in {packages!r}:
    try:
        package = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            continue  # the package does not exist (yet)
        raise
    imported.append(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
for name in {modules!r}:
    importlib.import_module(name)
    imported.append(name)
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({forbidden!r}))
print(json.dumps({{"imported": imported, "loaded": loaded}}))
"""


@pytest.fixture(scope="module")
def probe() -> dict[str, list[str]]:
    code = PROBE.format(packages=HEADLESS, modules=MODULES, forbidden=FORBIDDEN)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_headless_packages_do_not_load_textual_rich_or_the_sdk(probe: dict[str, list[str]]) -> None:
    """Importing the core, market, risk and paper broker loads no UI and no broker SDK."""
    assert probe["loaded"] == []


def test_the_probe_really_imported_the_core(probe: dict[str, list[str]]) -> None:
    """The probe walked every core module (a probe that imported nothing would prove nothing)."""
    for name in ("cockpit.core.engine", "cockpit.core.state", "cockpit.market.synthetic"):
        assert name in probe["imported"]
    assert "cockpit.brokers.paper" in probe["imported"]


def test_the_probe_would_notice_a_forbidden_import() -> None:
    """The same check reports rich when something does import it."""
    code = PROBE.format(packages=(), modules=("rich.text",), forbidden=FORBIDDEN)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1])["loaded"] == ["rich"]


SESSION_PROBE = """
import json, os, sys, tempfile
for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
    os.environ[var] = tempfile.mkdtemp()
from cockpit.config import Settings
from cockpit.session import build_session
build_session(Settings())
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"polars", "textual"})))
"""


def test_building_a_session_loads_no_polars() -> None:
    """The start path (the week's trades and the day so far included) leaves polars, half a
    second of import, to review: a session builds without it."""
    result = subprocess.run(
        [sys.executable, "-c", SESSION_PROBE], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
