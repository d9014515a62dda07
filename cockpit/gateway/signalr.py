"""SignalR JSON hub protocol, server side, exactly as pysignalr 1.3.3 reads it.

Messages are JSON objects each terminated by the record separator 0x1e; a frame may
carry several. The client opens with ``{"protocol": "json", "version": 1}``; the server
answers ``{}``. Invocations to the client carry exactly ``type``, ``target`` and
``arguments``: pysignalr builds a dataclass from the object, so any other key would
crash its hub task.
"""

from __future__ import annotations

from typing import Any

import orjson

RS = "\x1e"
INVOCATION = 1
PING = 6
CLOSE = 7
HANDSHAKE_OK = "{}" + RS
PING_FRAME = orjson.dumps({"type": PING}).decode() + RS


class ProtocolError(ValueError):
    """A client frame that is not SignalR JSON."""


def invocation(target: str, arguments: list[Any]) -> str:
    """One server-to-client invocation, separator included."""
    message = {"type": INVOCATION, "target": target, "arguments": arguments}
    return orjson.dumps(message).decode() + RS


def close_message(error: str | None = None) -> str:
    body: dict[str, Any] = {"type": CLOSE}
    if error:
        body["error"] = error
    return orjson.dumps(body).decode() + RS


def messages(frame: str | bytes) -> list[dict[str, Any]]:
    """Every JSON message in a frame; :class:`ProtocolError` for anything else."""
    text = frame.decode() if isinstance(frame, bytes) else frame
    out = []
    for part in text.split(RS):
        if not part.strip():
            continue
        try:
            message = orjson.loads(part)
        except orjson.JSONDecodeError as exc:
            raise ProtocolError(f"not JSON: {part[:80]!r}") from exc
        if not isinstance(message, dict):
            raise ProtocolError(f"not an object: {part[:80]!r}")
        out.append(message)
    return out


def check_handshake(frame: str | bytes) -> tuple[str | None, list[dict[str, Any]]]:
    """(error or None, messages that followed the handshake in the same frame)."""
    found = messages(frame)
    if not found:
        return "empty handshake", []
    first, rest = found[0], found[1:]
    if first.get("protocol") != "json":
        return f"protocol {first.get('protocol')!r} is not supported (json only)", rest
    if first.get("version") != 1:
        return f"protocol version {first.get('version')!r} is not supported", rest
    return None, rest
