"""The cockpit's end of the flatten line (:mod:`cockpit.guard.line`).

A blocking WebSocket (websockets' threaded client) that the terminal driver's input
thread writes when it reads the flatten key: one lock, one 40-byte frame, one system
call, and nothing waits for the cockpit's loop. The library's own background thread
answers the guard's pings. The line is opened after every stream connection and is
never needed: while it is down, ``F`` flattens by the stream alone.
"""

from __future__ import annotations

import itertools
import logging

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from cockpit.guard.line import LINE_PATH, LINK_HEADER, line_frame

log = logging.getLogger(__name__)

OPEN_TIMEOUT = 5.0
CLOSE_TIMEOUT = 1.0
PING_INTERVAL = 15.0
"""Seconds between the line's pings (a line the guard dropped is found before the key)."""


class FlattenLine:
    """Numbers the flatten keys the line carries, and tells the stream which one it may
    carry too."""

    def __init__(self, address: str, token: str, link_id: str) -> None:
        self.address = address
        self._token = token
        self.link_id = link_id
        self._connection: ClientConnection | None = None
        self._numbers = itertools.count(1)
        self.sent = 0
        """The number of the last flatten the line carried."""
        self._carried = 0
        """The number of the last flatten the stream carried too."""

    @property
    def up(self) -> bool:
        return self._connection is not None

    def open(self) -> None:
        """Open the line (blocking: run it in a thread); down, and logged, when the guard
        does not take it."""
        self.close()
        try:
            self._connection = connect(
                f"ws://{self.address}{LINE_PATH}",
                additional_headers={
                    "Authorization": f"Bearer {self._token}",
                    LINK_HEADER: self.link_id,
                },
                open_timeout=OPEN_TIMEOUT,
                close_timeout=CLOSE_TIMEOUT,
                ping_interval=PING_INTERVAL,
                compression=None,
                legacy=True,  # kept open for the cockpit's life, not one with-block
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            log.info("no flatten line to the guard at %s: %s", self.address, exc)

    def flatten(self) -> int | None:
        """From any thread: carry the next flatten; its number, or ``None`` when the line
        is down (the stream carries it alone)."""
        connection = self._connection
        if connection is None:
            return None
        number = next(self._numbers)
        try:
            connection.send(line_frame(self.link_id, number))
        except (OSError, WebSocketException) as exc:
            if self._connection is connection:  # not a line opened meanwhile
                self._connection = None
            log.info("the flatten line went down: %s", exc)
            return None
        self.sent = number
        return number

    def carry(self) -> int | None:
        """On the loop, for the flatten the stream sends next: the number of a flatten the
        line carried that the stream has not, or ``None``."""
        sent = self.sent
        if sent <= self._carried:
            return None
        self._carried = sent
        return sent

    def close(self) -> None:
        """Close the line (blocking for at most :data:`CLOSE_TIMEOUT`)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
