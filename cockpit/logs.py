"""Where the cockpit's log goes: a rotating file in the user log dir, never the terminal.

A line printed to stderr would paint over the full-screen UI, so while the cockpit runs
every log record (the SDK's included) goes to ``cockpit.log``; live sessions mask
credentials in it (see :mod:`cockpit.brokers.projectx_redact`).
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from cockpit.config import APP_NAME

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME))


def log_to_file(level: int = logging.INFO, folder: Path | None = None) -> Path:
    """Send all logging to ``cockpit.log`` (5 files of 5 MB), nothing to the terminal."""
    folder = folder or log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cockpit.log"
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.StreamHandler) and not isinstance(
            handler, logging.FileHandler
        ):
            root.removeHandler(handler)
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        handler = RotatingFileHandler(path, maxBytes=5_000_000, backupCount=4, encoding="utf-8")
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    return path
