"""The venue side of a replay: a journal is played back, and orders never leave.

A replayed session's engine has this broker behind it. The recorded broker facts reach
the engine from the journal (:mod:`cockpit.journal.replay`), in recorded time; every
request the engine could make of a venue is denied here with
:class:`~cockpit.core.broker.BrokerUnavailable`, so no key pressed during a replay can
reach a real or paper account. Starting and stopping the broker starts and stops the
playback, so a replay session runs through the same ``Session.start()`` as a live one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from cockpit.core.broker import BrokerUnavailable, EventSink
from cockpit.core.models import Mode, OrderRequest

NOT_SENT = "replay: orders are not sent"


class ReplayBroker:
    """A Broker that sends nothing: it only starts and stops the playback."""

    mode = Mode.REPLAY

    def __init__(
        self,
        on_start: Callable[[], Awaitable[None]] | None = None,
        on_stop: Callable[[], Awaitable[None]] | None = None,
        *,
        account_name: str = "replay",
    ) -> None:
        self.account_name = account_name
        """The recorded session's account (from its journal's header)."""
        self._on_start = on_start
        self._on_stop = on_stop
        self.sink: EventSink | None = None
        self.denied = 0
        """Requests denied so far (each one a key that would have traded)."""

    async def start(self, sink: EventSink) -> None:
        self.sink = sink
        if self._on_start is not None:
            await self._on_start()

    async def stop(self) -> None:
        if self._on_stop is not None:
            await self._on_stop()
        self.sink = None

    def _not_sent(self) -> BrokerUnavailable:
        self.denied += 1
        return BrokerUnavailable(NOT_SENT)

    async def place_order(self, request: OrderRequest) -> int:
        raise self._not_sent()

    async def cancel_order(self, order_id: int) -> None:
        raise self._not_sent()

    async def modify_order(
        self,
        order_id: int,
        *,
        size: int | None = None,
        limit: int | None = None,
        stop: int | None = None,
    ) -> None:
        raise self._not_sent()

    async def close_position(self, symbol: str) -> None:
        raise self._not_sent()

    async def reconcile(self) -> None:
        """Nothing to re-read: the recording already holds what reconciling found."""
        return None
