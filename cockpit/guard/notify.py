"""systemd's notify protocol: READY, WATCHDOG, STOPPING and STATUS for ``Type=notify``.

The stdlib socket does it in a few lines (a datagram to ``$NOTIFY_SOCKET``, ``@`` for
Linux's abstract namespace), so no package is added for it. Without ``NOTIFY_SOCKET``
(not under systemd) every call does nothing. The watchdog is fed from the guard's own
event loop: a loop that hangs stops feeding it, and systemd restarts the guard.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Speaks to systemd when it listens (``NOTIFY_SOCKET``), else stays quiet."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self.watchdog_s = _watchdog_seconds(env)
        self._socket: socket.socket | None = None
        self._status = ""
        if self.address:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    @property
    def enabled(self) -> bool:
        return self._socket is not None

    def send(self, message: str) -> None:
        """Send one notification; a systemd that went away is logged, never fatal."""
        sock = self._socket
        if sock is None:
            return
        try:
            sock.sendto(message.encode(), self.address)
        except OSError as exc:
            log.warning("systemd notify failed (%s): %s", message.split("=", 1)[0], exc)

    def ready(self, status: str) -> None:
        self._status = status
        self.send(f"READY=1\nSTATUS={status}")

    def status(self, status: str) -> None:
        """A ``STATUS=`` line, sent only when it changed (``systemctl status`` shows it)."""
        if status != self._status:
            self._status = status
            self.send(f"STATUS={status}")

    def stopping(self, status: str) -> None:
        self._status = status
        self.send(f"STOPPING=1\nSTATUS={status}")

    async def feed_watchdog(self) -> None:
        """``WATCHDOG=1`` at half of ``WATCHDOG_USEC``, from this loop, until cancelled."""
        if self.watchdog_s is None or not self.enabled:
            return
        while True:
            self.send("WATCHDOG=1")
            await asyncio.sleep(self.watchdog_s / 2)

    def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()


def _watchdog_seconds(env: Mapping[str, str]) -> float | None:
    """``WATCHDOG_USEC`` in seconds, when it is meant for this process."""
    usec = env.get("WATCHDOG_USEC")
    pid = env.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 1_000_000 if value > 0 else None
