"""`cockpit guard run` starts without the UI: a headless daemon never loads Textual
(checked in a clean interpreter that runs the command's start path up to serving)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import asyncio, json, sys
import cockpit.guard.runner as runner

real = runner.run_guard

async def once(options, *, stop=None, on_ready=None):
    stop = asyncio.Event()

    def ready(guard):
        on_ready(guard)
        stop.set()  # serving: the start path is done

    await real(options, stop=stop, on_ready=ready)

runner.run_guard = once
from cockpit.cli import main

try:
    main(["guard", "run", "--port", "0"], standalone_mode=False)
finally:
    loaded = sorted({name.split(".")[0] for name in sys.modules} & {"textual", "rich"})
    print(json.dumps({"loaded": loaded, "guard": "cockpit.guard.daemon" in sys.modules}))
"""


def test_guard_run_serves_without_loading_textual(tmp_path: Path) -> None:
    """The guard's start path (the command, its checks, the settings lock, the session, the
    server) reaches serving with neither Textual nor Rich in sys.modules."""
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "guard serving on 127.0.0.1:" in result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe == {"loaded": [], "guard": True}
