"""Sign-in tokens: JWT-shaped (the SDK reads ``exp`` from the payload), checked by lookup.

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
class SignIn:
    username: str
    expires: float
    revoked: bool = False


class TokenBook:
    """Issues, checks, refreshes and revokes sign_in tokens."""

    def __init__(self, ttl_seconds: float = 86_400.0, now: Callable[[], float] = time.time):
        self.ttl = ttl_seconds
        self._now = now
        self._sign_ins: dict[str, SignIn] = {}

    def issue(self, username: str) -> str:
        expires = self._now() + self.ttl
        header = _b64(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
        payload = _b64(
            orjson.dumps({"sub": "emulator", "exp": int(expires), "jti": secrets.token_hex(8)})
        )
        token = f"{header}.{payload}.{_b64(secrets.token_bytes(16))}"
        self._sign_ins[token] = SignIn(username, expires)
        return token

    def user(self, token: str | None) -> str | None:
        """The user a live token belongs to; ``None`` if unknown, expired or revoked."""
        sign_in = self._sign_ins.get(token or "")
        if sign_in is None or sign_in.revoked or sign_in.expires <= self._now():
            return None
        return sign_in.username

    def revoke(self, token: str) -> None:
        sign_in = self._sign_ins.get(token)
        if sign_in is not None:
            sign_in.revoked = True

    def expire_all(self) -> int:
        """Make every token issued so far unusable (the "expire the token" fault)."""
        live = [s for s in self._sign_ins.values() if not s.revoked]
        for sign_in in live:
            sign_in.revoked = True
        return len(live)
