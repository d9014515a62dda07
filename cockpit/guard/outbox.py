"""One connection's outgoing queue: slow clients never slow the guard.

The guard's fold puts messages here synchronously and goes on; the connection's writer
takes them when the socket can take more. Quotes coalesce per symbol (a client that falls
behind gets the latest, in the place of the first it missed); everything else (orders,
fills, positions, account, risk, lockouts, enforcement, replies) is kept in order and never
dropped. When those pile up past ``limit`` the client cannot keep up: the outbox says so
once and takes nothing more, and the connection is closed with that reason.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any

from cockpit.guard.view import Message

DEFAULT_LIMIT = 4096
"""Account events and replies a client may fall behind by before it is closed."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer to a client (``pong``, ``subscribed``, ``error``...), not an event."""

    type: str
    data: dict[str, Any]
    ts: int
    request_id: str | int | None = None
    account_id: int | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """A place in the queue for the latest quote of ``symbol`` (read when it is sent)."""

    symbol: str


Item = Message | Reply | Quote


class Outbox:
    """A bounded queue with quotes coalesced per symbol."""

    __slots__ = ("_items", "_quoted", "coalesced", "limit", "overflow", "wake")

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._items: deque[Item] = deque()
        self._quoted: set[str] = set()
        """Symbols with a quote already waiting in the queue."""
        self.coalesced = 0
        """Quotes folded into one already waiting (a measure of how far behind it is)."""
        self.overflow = ""
        """Why this client could not keep up; empty while it can."""
        self.wake = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    def put_quote(self, symbol: str) -> None:
        """The market moved in ``symbol``: one place in the queue, whatever comes later."""
        if symbol in self._quoted:
            self.coalesced += 1
            return
        self._quoted.add(symbol)
        self._items.append(Quote(symbol))
        self.wake.set()

    def put(self, item: Message | Reply) -> bool:
        """Queue an account event or a reply; ``False`` once the client cannot keep up."""
        if self.overflow:
            return False
        if len(self._items) >= self.limit + len(self._quoted):
            self.overflow = f"cannot keep up: {self.limit} account events waiting to be sent"
            self.wake.set()
            return False
        self._items.append(item)
        self.wake.set()
        return True

    def take(self) -> list[Item]:
        """Everything waiting, oldest first; a quote's place is freed for the next one."""
        items = list(self._items)
        self._items.clear()
        self._quoted.clear()
        self.wake.clear()
        return items

    async def wait(self) -> None:
        """Until something is waiting (or the client overflowed)."""
        if not self._items and not self.overflow:
            await self.wake.wait()
