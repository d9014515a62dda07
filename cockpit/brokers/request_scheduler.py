"""One queue for every REST request to the gateway: exits first, with a reserve kept for them.

The Gateway allows so many requests a minute. project-x-py's own limiter is a single
first-come queue, so a burst of look-ups can make a flatten's close wait tens of seconds
behind them. The cockpit owns the budget instead. This scheduler keeps a sliding window
of ``per_window`` requests and three lanes in strict priority: exits (cancel, close,
flatten's calls, signing in), then entries (place, modify), then reads (look-ups,
reconciles, polls).

Each lane also has a ceiling, which keeps a reserve. Reads stop at
``per_window - exit_reserve - entry_reserve`` requests in the window, entries stop at
``per_window - exit_reserve``, and exits may use the whole budget. So an exit waits only
when exits alone have used the reserve, and never behind a queued read or entry. When the
Gateway answers 429 to a read anyway, reads pause, backing off (doubling up to a cap)
until the Gateway answers again.

Anything held for a noticeable time is reported (:class:`Hold`) so the screen can say
that the rate limit is what holds it up. SDK-free, with an injected clock and timer: the
tests drive it on a fake clock.
"""

from __future__ import annotations

import asyncio
import bisect
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol

from cockpit.core.broker import BrokerUnavailable
from cockpit.core.clock import NS_PER_SECOND, Clock

REPORT_AFTER_NS = NS_PER_SECOND
"""A hold shorter than this is not worth a line on screen."""
REPORT_GAP_NS = 10 * NS_PER_SECOND
"""At most one report per lane this often (a long squeeze is not a flood of notices)."""
FIRST_PAUSE_NS = 2 * NS_PER_SECOND
MAX_PAUSE_NS = 60 * NS_PER_SECOND


class QueueClosed(BrokerUnavailable):
    """The links closed while this request waited for its turn: it was never sent."""


class Lane(IntEnum):
    """Who a request is for, most urgent first."""

    EXIT = 0
    ENTRY = 1
    READ = 2

    @property
    def words(self) -> str:
        return ("exits", "orders", "look-ups")[self]


@dataclass(frozen=True, slots=True)
class Budget:
    """A sliding window of ``per_window`` requests, with the reserves the lanes keep."""

    per_window: int
    window_ns: int = 60 * NS_PER_SECOND
    exit_reserve: int = 0
    entry_reserve: int = 0

    def __post_init__(self) -> None:
        if self.window_ns <= 0 or min(self.exit_reserve, self.entry_reserve) < 0:
            raise ValueError("the window and the reserves cannot be negative or empty")
        if self.ceiling(Lane.READ) < 1:
            raise ValueError(
                f"a budget of {self.per_window} leaves no room for reads after reserving "
                f"{self.exit_reserve} for exits and {self.entry_reserve} for entries"
            )

    @classmethod
    def per_minute(cls, requests: int) -> Budget:
        """The cockpit's split: about a tenth kept for exits and a twentieth for entries."""
        return cls(
            requests,
            60 * NS_PER_SECOND,
            exit_reserve=max(2, requests // 10),
            entry_reserve=max(1, requests // 20),
        )

    def ceiling(self, lane: Lane) -> int:
        """How many requests may be in the window when a request of ``lane`` goes."""
        if lane is Lane.EXIT:
            return self.per_window
        if lane is Lane.ENTRY:
            return self.per_window - self.exit_reserve
        return self.per_window - self.exit_reserve - self.entry_reserve


@dataclass(frozen=True, slots=True)
class Hold:
    """A lane is held up: by the budget (``gateway`` False) or by the Gateway's 429s."""

    lane: Lane
    seconds: float
    """How long it is expected to wait from now (at least)."""
    gateway: bool = False

    def describe(self, per_minute: int) -> str:
        """The screen's line, e.g. "gateway rate limit: look-ups paused 12 s; exits go first"."""
        seconds = max(1, round(self.seconds))
        why = "the gateway answered 429" if self.gateway else f"{per_minute} requests a minute"
        if self.lane is Lane.EXIT:
            return f"gateway rate limit ({why}): exits wait {seconds} s, the whole budget is used"
        verb = "paused" if self.lane is Lane.READ else "wait"
        return f"gateway rate limit ({why}): {self.lane.words} {verb} {seconds} s; exits go first"


@dataclass(eq=False, slots=True)
class Ticket:
    """One request waiting for (or given) its turn."""

    lane: Lane
    queued_ns: int
    on_grant: Callable[[], None] = field(repr=False)
    on_closed: Callable[[], None] = field(default=lambda: None, repr=False)
    granted_ns: int | None = None

    @property
    def waited_ns(self) -> int:
        return 0 if self.granted_ns is None else self.granted_ns - self.queued_ns


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


CallLater = Callable[[float, Callable[[], None]], TimerHandle]


def _loop_call_later(delay: float, callback: Callable[[], None]) -> TimerHandle:
    return asyncio.get_running_loop().call_later(delay, callback)


class RequestScheduler:
    """Grants requests their turn: lanes in strict priority, ceilings keep the reserves."""

    def __init__(
        self,
        clock: Clock,
        budget: Budget,
        *,
        on_hold: Callable[[Hold], None] = lambda hold: None,
        call_later: CallLater = _loop_call_later,
    ) -> None:
        self.clock = clock
        self.budget = budget
        self.on_hold = on_hold
        self._call_later = call_later
        self.sent: list[int] = []
        """When each request in the window went (sorted)."""
        self.waiting: dict[Lane, deque[Ticket]] = {lane: deque() for lane in Lane}
        self.longest_wait_ns: dict[Lane, int] = dict.fromkeys(Lane, 0)
        self._reads_paused_until = 0
        self._pause_ns = FIRST_PAUSE_NS
        self._reported_ns: dict[Lane, int | None] = dict.fromkeys(Lane)
        self._timer: TimerHandle | None = None
        self._timer_at = 0

    # Asking for a turn ------------------------------------------------------------------

    async def acquire(self, lane: Lane) -> None:
        """Wait for ``lane``'s turn; the request counts against the budget from then on."""
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not turn.done():
                turn.set_result(None)

        def refuse() -> None:
            if not turn.done():
                turn.set_exception(QueueClosed("the gateway links closed; not sent"))

        ticket = self.submit(lane, wake, refuse)
        if ticket.granted_ns is not None:
            return
        try:
            await turn
        except asyncio.CancelledError:
            self.withdraw(ticket)
            raise

    def submit(
        self,
        lane: Lane,
        on_grant: Callable[[], None],
        on_closed: Callable[[], None] = lambda: None,
    ) -> Ticket:
        """Queue a request; ``on_grant`` runs when it may go (at once if it may go now),
        ``on_closed`` if the scheduler closes first."""
        now = self.clock.now_ns()
        ticket = Ticket(lane, now, on_grant, on_closed)
        if not any(self.waiting[ahead] for ahead in Lane if ahead <= lane) and self._may_go(
            lane, now
        ):
            self._grant(ticket, now)
            return ticket
        self.waiting[lane].append(ticket)
        self._report(lane, now)
        self._arm(now)
        return ticket

    def withdraw(self, ticket: Ticket) -> None:
        """A waiting request was given up (its caller was cancelled)."""
        queue = self.waiting[ticket.lane]
        if ticket in queue:
            queue.remove(ticket)
            self.dispatch()

    # The Gateway's own word -------------------------------------------------------------

    def gateway_refused(self) -> Hold:
        """The Gateway answered 429: pause reads, longer each time until it answers again."""
        now = self.clock.now_ns()
        self._reads_paused_until = max(self._reads_paused_until, now + self._pause_ns)
        hold = Hold(Lane.READ, self._pause_ns / NS_PER_SECOND, gateway=True)
        self._pause_ns = min(self._pause_ns * 2, MAX_PAUSE_NS)
        self._reported_ns[Lane.READ] = now
        self.on_hold(hold)
        return hold

    def gateway_answered(self) -> None:
        """A request went through: the next 429 starts the back-off afresh."""
        self._pause_ns = FIRST_PAUSE_NS

    # The budget -------------------------------------------------------------------------

    def in_window(self, now: int) -> int:
        """Requests sent in the window that ends now."""
        del self.sent[: bisect.bisect_right(self.sent, now - self.budget.window_ns)]
        return len(self.sent)

    def ready_at(self, lane: Lane, now: int) -> int:
        """The earliest time ``lane`` may send, were nothing else waiting."""
        count = self.in_window(now)
        ceiling = self.budget.ceiling(lane)
        at = now if count < ceiling else self.sent[count - ceiling] + self.budget.window_ns
        if lane is Lane.READ:
            at = max(at, self._reads_paused_until)
        return at

    def _may_go(self, lane: Lane, now: int) -> bool:
        return self.ready_at(lane, now) <= now

    def _grant(self, ticket: Ticket, now: int) -> None:
        bisect.insort(self.sent, now)
        ticket.granted_ns = now
        lane = ticket.lane
        self.longest_wait_ns[lane] = max(self.longest_wait_ns[lane], ticket.waited_ns)
        ticket.on_grant()

    def dispatch(self) -> None:
        """Give waiting requests their turn, most urgent lane first, as the budget allows."""
        now = self.clock.now_ns()
        for lane in Lane:
            queue = self.waiting[lane]
            while queue and self._may_go(lane, now):
                self._grant(queue.popleft(), now)
            if queue:
                break  # strict priority: nothing less urgent goes while this lane waits
        self._arm(now)

    # Timers and reports -----------------------------------------------------------------

    def _arm(self, now: int) -> None:
        """Wake up when the most urgent waiting lane may go."""
        lane = next((lane for lane in Lane if self.waiting[lane]), None)
        if lane is None:
            return
        due = max(self.ready_at(lane, now), now + 1)
        if self._timer is not None:
            if self._timer_at <= due:
                return
            self._timer.cancel()
        self._timer_at = due
        self._timer = self._call_later((due - now) / NS_PER_SECOND, self._ring)

    def _ring(self) -> None:
        self._timer = None
        self.dispatch()

    def _report(self, lane: Lane, now: int) -> None:
        """Say a lane is held up, if for long enough and not said just now."""
        wait = self.ready_at(lane, now) - now
        last = self._reported_ns[lane]
        if wait < REPORT_AFTER_NS or (last is not None and now - last < REPORT_GAP_NS):
            return
        self._reported_ns[lane] = now
        paused = lane is Lane.READ and now < self._reads_paused_until
        self.on_hold(Hold(lane, wait / NS_PER_SECOND, gateway=paused))

    def close(self) -> None:
        """The links close: stop the timer and refuse every request still waiting."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for queue in self.waiting.values():
            while queue:
                queue.popleft().on_closed()
