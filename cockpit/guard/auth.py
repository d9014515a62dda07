"""The guard's token: made once, kept in the state dir (mode 600), sent by every client.

Clients present it as ``Authorization: Bearer <token>`` or ``?token=<token>``; the
cockpit UI reads the file itself. The token is never logged, audited or journaled.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from aiohttp import web

TOKEN_FILE = "guard.token"
"""The token's file name in the state dir."""


def token_path(folder: Path) -> Path:
    return folder / TOKEN_FILE


def ensure_token(folder: Path) -> str:
    """The guard's token, made at the first start (mode 600) and the same on every start.

    A file others could read is tightened to 600 rather than trusted as it is: the token
    stays, only its permissions change.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = token_path(folder)
    token = read_token(folder)
    if token is not None:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
        return token
    token = secrets.token_urlsafe(32)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # an empty or unreadable leftover
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(token + "\n")
    return token


def read_token(folder: Path) -> str | None:
    """The token in ``folder``, or ``None`` when there is none (no guard ever started)."""
    try:
        text = token_path(folder).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def presented_token(request: web.BaseRequest) -> str | None:
    """The token a request carries: the Bearer header first, else ``?token=``."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("token") or None


def token_ok(request: web.BaseRequest, token: str) -> bool:
    """True when the request carries the guard's token (compared in constant time)."""
    given = presented_token(request)
    if given is None or not token:
        return False
    return hmac.compare_digest(given.encode(), token.encode())
