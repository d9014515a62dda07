"""When the garbage collector may pause the loop: the young generations as Python decides,
full collections only while nothing is at risk.

A full collection walks every object made since start (bars, fills, the journal's
buffers) and holds the loop the whole time: 15-28 ms in a guard measured a minute into
the flatten benchmark, long enough to hold a flatten key that lands in it. So start-up
objects are frozen out of the collector's sight (:func:`settle`), the automatic full
collection is turned off, and :class:`FullCollections` runs one from the 1 Hz tick when
the account is flat with nothing working or on its way (no key has anything to reach)
and at least :data:`EVERY_NS` has passed since the last; an account never flat for
:data:`AT_MOST_NS` gets one anyway, so memory cannot grow without end. Collections of
the young generations stay automatic: they are short (objects made since the last one).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.state import State

EVERY_NS = 5 * 60 * NS_PER_SECOND
"""A full collection while flat at most this often."""
AT_MOST_NS = 30 * 60 * NS_PER_SECOND
"""However long the account is at risk, a full collection after this long."""
NO_AUTOMATIC_FULL = 1 << 30
"""The oldest generation's threshold: young collections before Python starts a full one."""


@contextlib.contextmanager
def collector_held() -> Iterator[None]:
    """No collection inside: for the few hundred microseconds a flatten's requests take
    to go out. Its own allocations started a young collection there (0.3-0.5 ms,
    measured in a guard) between the gates and the last request; the collection runs
    once they are out instead."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def settle() -> None:
    """Collect once and freeze what is left (start-up's bars, widgets, instruments) out of
    every later collection."""
    gc.collect()
    gc.freeze()


class FullCollections:
    """Takes full collections over from Python and runs them when nothing is at risk."""

    def __init__(self, now_ns: int) -> None:
        self.last_ns = now_ns
        """When the last full collection ran (or this took over)."""
        self.count = 0
        self._thresholds = gc.get_threshold()
        young, middle, _ = self._thresholds
        gc.set_threshold(young, middle, NO_AUTOMATIC_FULL)

    def release(self) -> None:
        """Give full collections back to Python (the session ended; twice is harmless)."""
        gc.set_threshold(*self._thresholds)

    def on_tick(self, now_ns: int, state: State) -> bool:
        """Run a full collection if it is time; True when one ran."""
        since = now_ns - self.last_ns
        if since < EVERY_NS or (since < AT_MOST_NS and not state.is_flat()):
            return False
        gc.collect()
        self.last_ns = now_ns
        self.count += 1
        return True
