"""Who is attached to the guard: every API or stream connection, by kind and peer.

The connection handlers register themselves when a client connects and unregister when
it goes; ``status`` counts them, and a stopping guard tells each one why it goes.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

log = logging.getLogger(__name__)

Goodbye = Callable[[str], Awaitable[None]]
"""Tells one client the guard is going (the reason), then closes its connection."""


@dataclass(eq=False, slots=True)
class Client:
    """One connection: ``kind`` is the route's family (``ws``, ``stream``...)."""

    id: int
    kind: str
    peer: str
    since_ns: int
    goodbye: Goodbye | None = None
    counted: bool = True
    """False for a connection that is part of another client (a cockpit's flatten line
    belongs to its stream): told goodbye, not counted."""


class Clients:
    """The registry of connected clients."""

    def __init__(self, now: Callable[[], int] = lambda: 0) -> None:
        self._now = now
        """The guard's clock: when a client connected."""
        self._clients: dict[int, Client] = {}
        self._ids = itertools.count(1)

    def register(
        self,
        kind: str,
        peer: str,
        since_ns: int | None = None,
        goodbye: Goodbye | None = None,
        *,
        counted: bool = True,
    ) -> Client:
        """Count a new connection (``since_ns``: now by the guard's clock, unless given);
        keep what ``register`` returns to unregister it."""
        since = self._now() if since_ns is None else since_ns
        client = Client(next(self._ids), kind, peer, since, goodbye, counted)
        self._clients[client.id] = client
        return client

    def unregister(self, client: Client) -> None:
        """Forget a connection that ended (twice is harmless)."""
        self._clients.pop(client.id, None)

    def __len__(self) -> int:
        return sum(client.counted for client in self._clients.values())

    def __iter__(self) -> Iterator[Client]:
        return iter(list(self._clients.values()))

    def counts(self) -> dict[str, int]:
        """How many clients of each kind are attached."""
        return dict(Counter(client.kind for client in self._clients.values() if client.counted))

    async def tell_all(self, reason: str) -> None:
        """Tell every client why the guard goes; one that fails to hear it is only logged."""
        for client in self:
            if client.goodbye is None:
                continue
            try:
                await client.goodbye(reason)
            except Exception:
                log.exception(
                    "could not tell client %s (%s) the guard stops", client.id, client.peer
                )
            with contextlib.suppress(KeyError):
                self._clients.pop(client.id)
