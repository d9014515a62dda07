"""Work gathered during one turn of the event loop and done once, on the next turn.

A burst of callbacks (a flatten's events, a storm of depth messages) arrives inside one
turn of the loop; doing the slow part for each of them (a disk write, an event out)
would make the burst wait on it. A :class:`TurnBatch` lets each caller say "there is
work" and runs the flush once, from ``call_soon``, after everything already queued on
the loop has run. Without a running loop (a script, a test outside one) the flush runs
at once, so nothing waits for a turn that never comes.
"""

from __future__ import annotations

from asyncio import get_running_loop
from collections.abc import Callable


class TurnBatch:
    """Runs ``flush`` once on the loop's next turn, however often :meth:`soon` is called
    before it runs. The owner keeps what is gathered, ``flush`` takes it all, and the
    owner's own "write it out now" calls :meth:`now`."""

    __slots__ = ("_flush", "_scheduled")

    def __init__(self, flush: Callable[[], None]) -> None:
        self._flush = flush
        self._scheduled = False

    @property
    def scheduled(self) -> bool:
        """Whether a flush is waiting for the loop's next turn."""
        return self._scheduled

    def soon(self) -> None:
        """There is work: flush on the next turn (at once when no loop runs)."""
        if self._scheduled:
            return
        try:
            loop = get_running_loop()
        except RuntimeError:
            self._flush()
            return
        self._scheduled = True
        loop.call_soon(self.now)

    def now(self) -> None:
        """Flush now, not waiting for the turn (a turn already asked for finds nothing)."""
        self._scheduled = False  # first: work gathered during the flush gets a turn of its own
        self._flush()
