"""The Broker protocol: what the engine needs from any venue.

It lives in the core because the engine depends on it; the implementations (paper,
ProjectX, replay) live in :mod:`cockpit.brokers`. A broker reports everything it knows
as events through the sink it is started with, and its methods only *ask*: the truth
about an order arrives later as an ``OrderUpdated`` event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from cockpit.core.events import Event
from cockpit.core.models import Mode, OrderRequest

EventSink = Callable[[Event], None]


class BrokerError(Exception):
    """A broker rejected or failed a request; the message is shown to the trader."""


class OrderRejected(BrokerError):
    """The broker answered and said no."""


class SubmissionUncertain(BrokerError):
    """No clear answer (timeout, 5xx, 401, 429): the order may or may not exist.

    Never re-send after this; reconcile first.
    """


class BrokerUnavailable(BrokerError):
    """Not connected: nothing was sent."""


class Broker(Protocol):
    """A venue the engine can trade through."""

    mode: Mode

    @property
    def account_name(self) -> str:
        """The account traded, by name (never a secret): the one the broker resolved once
        started, the one it was told to trade before that."""
        ...

    async def start(self, sink: EventSink) -> None:
        """Connect, load history, reconcile, and begin reporting events to ``sink``."""
        ...

    async def stop(self) -> None: ...

    async def place_order(self, request: OrderRequest) -> int:
        """Place an order; returns the broker's order id."""
        ...

    async def cancel_order(self, order_id: int) -> None: ...

    async def modify_order(
        self,
        order_id: int,
        *,
        size: int | None = None,
        limit: int | None = None,
        stop: int | None = None,
    ) -> None: ...

    async def close_position(self, symbol: str) -> None:
        """Close whatever position the broker holds in ``symbol`` at market.

        Sized by the broker from its own confirmed position, so a close can never
        overshoot into the other side.
        """
        ...

    async def reconcile(self) -> None:
        """Re-read orders, positions and account, report them, then ``Reconciled``."""
        ...
