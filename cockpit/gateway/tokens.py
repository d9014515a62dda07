"""Session tokens: JWT-shaped (the SDK reads ``exp`` from the payload), checked by lookup.

The signature is random bytes: the emulator knows every token it issued, so it needs
no key, and the SDK never verifies signatures.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(slots=True)
class Session:
    username: str
    expires: float
    revoked: bool = False


class TokenBook:
    """Issues, checks, refreshes and revokes session tokens."""

    def __init__(self, ttl_seconds: float = 86_400.0, now: Callable[[], float] = time.time):
        self.ttl = ttl_seconds
        self._now = now
        self._sessions: dict[str, Session] = {}

    def issue(self, username: str) -> str:
        expires = self._now() + self.ttl
        header = _b64(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
        payload = _b64(
            orjson.dumps({"sub": "emulator", "exp": int(expires), "jti": secrets.token_hex(8)})
        )
        token = f"{header}.{payload}.{_b64(secrets.token_bytes(16))}"
        self._sessions[token] = Session(username, expires)
        return token

    def user(self, token: str | None) -> str | None:
        """The user a live token belongs to; ``None`` if unknown, expired or revoked."""
        session = self._sessions.get(token or "")
        if session is None or session.revoked or session.expires <= self._now():
            return None
        return session.username

    def revoke(self, token: str) -> None:
        session = self._sessions.get(token)
        if session is not None:
            session.revoked = True

    def expire_all(self) -> int:
        """Make every token issued so far unusable (the "expire the token" fault)."""
        live = [s for s in self._sessions.values() if not s.revoked]
        for session in live:
            session.revoked = True
        return len(live)
