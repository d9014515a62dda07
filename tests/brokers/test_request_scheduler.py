"""The REST request scheduler on a fake clock: exits first, a reserve kept, the budget held."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.brokers.request_scheduler import (
    MAX_PAUSE_NS,
    Budget,
    Hold,
    Lane,
    QueueClosed,
    RequestScheduler,
    Ticket,
)
from cockpit.core.clock import NS_PER_SECOND, FakeClock
from tests.conftest import START_NS

WINDOW_NS = 60 * NS_PER_SECOND


@dataclass(eq=False)
class FakeTimer:
    at: int
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class Rig:
    """A scheduler on a fake clock whose timers fire only when the test moves time."""

    clock: FakeClock
    scheduler: RequestScheduler
    timers: list[FakeTimer] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    grants: list[tuple[int, Lane, int]] = field(default_factory=list)
    """(time, lane, request number) in the order requests were let go."""
    asked_at: list[int] = field(default_factory=list)
    """For each request number: how many requests had been let go when it was asked."""
    _next: int = 0

    def call_later(self, delay: float, callback: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer(self.clock.now_ns() + round(delay * NS_PER_SECOND), callback)
        self.timers.append(timer)
        return timer

    def ask(self, lane: Lane) -> Ticket:
        number = self._next
        self._next += 1
        self.asked_at.append(len(self.grants))
        return self.scheduler.submit(
            lane, lambda: self.grants.append((self.clock.now_ns(), lane, number))
        )

    def advance(self, seconds: float) -> None:
        """Move time forward, firing each timer at its own moment."""
        target = self.clock.now_ns() + round(seconds * NS_PER_SECOND)
        while True:
            due = [t for t in self.timers if not t.cancelled and t.at <= target]
            if not due:
                break
            timer = min(due, key=lambda t: t.at)
            timer.cancelled = True
            self.clock.set(max(self.clock.now_ns(), timer.at))
            timer.callback()
        self.clock.set(target)

    def lanes_granted(self) -> list[Lane]:
        return [lane for _, lane, _ in self.grants]


def rig(budget: Budget) -> Rig:
    clock = FakeClock(START_NS)
    holder: list[Rig] = []
    scheduler = RequestScheduler(
        clock,
        budget,
        on_hold=lambda hold: holder[0].holds.append(hold),
        call_later=lambda delay, callback: holder[0].call_later(delay, callback),
    )
    holder.append(Rig(clock, scheduler))
    return holder[0]


SMALL = Budget(10, WINDOW_NS, exit_reserve=2, entry_reserve=1)
"""Reads stop at 7 in the window, entries at 8, exits may use all 10."""


def test_the_cockpit_budget_keeps_a_reserve_for_exits_and_entries() -> None:
    """120 a minute: reads stop at 102, entries at 108, exits may use all 120."""
    budget = Budget.per_minute(120)
    assert [budget.ceiling(lane) for lane in Lane] == [120, 108, 102]
    assert [Budget.per_minute(10).ceiling(lane) for lane in Lane] == [10, 8, 7]


def test_a_budget_with_no_room_for_reads_is_refused() -> None:
    """Reserves that eat the whole budget are a clear error, not a silent stall."""
    with pytest.raises(ValueError, match="no room for reads"):
        Budget(3, WINDOW_NS, exit_reserve=2, entry_reserve=1)


def test_an_exit_goes_at_once_while_reads_wait_at_their_ceiling() -> None:
    """Reads used their share: the next read waits, a close and a cancel go at once."""
    r = rig(SMALL)
    for _ in range(7):
        r.ask(Lane.READ)
    waiting = r.ask(Lane.READ)
    assert waiting.granted_ns is None
    assert r.ask(Lane.EXIT).granted_ns is not None
    assert r.ask(Lane.EXIT).granted_ns is not None
    assert r.lanes_granted()[-2:] == [Lane.EXIT, Lane.EXIT]
    assert r.scheduler.in_window(r.clock.now_ns()) == 9


def test_an_entry_goes_past_waiting_reads_but_keeps_the_exit_reserve() -> None:
    """An order may use the entry reserve reads cannot; it never takes the exits' share."""
    r = rig(SMALL)
    for _ in range(7):
        r.ask(Lane.READ)
    r.ask(Lane.READ)
    assert r.ask(Lane.ENTRY).granted_ns is not None
    assert r.ask(Lane.ENTRY).granted_ns is None
    assert r.ask(Lane.EXIT).granted_ns is not None


def test_when_the_window_slides_the_most_urgent_waiting_request_goes_first() -> None:
    """A full window: the exit queued after the reads still goes first when a slot frees."""
    r = rig(SMALL)
    for _ in range(10):
        r.ask(Lane.EXIT)
    read = r.ask(Lane.READ)
    entry = r.ask(Lane.ENTRY)
    exit_ = r.ask(Lane.EXIT)
    assert None is read.granted_ns is entry.granted_ns is exit_.granted_ns
    r.advance(60)
    assert exit_.granted_ns is not None
    assert r.lanes_granted()[10:] == [Lane.EXIT, Lane.ENTRY, Lane.READ]


def test_requests_of_one_lane_go_in_the_order_asked() -> None:
    """Within a lane the queue is first come, first served."""
    r = rig(SMALL)
    for _ in range(7):
        r.ask(Lane.READ)
    r.advance(1)
    later = [r.ask(Lane.READ) for _ in range(3)]
    r.advance(59)
    numbers = [n for _, lane, n in r.grants if lane is Lane.READ]
    assert numbers == sorted(numbers)
    assert all(t.granted_ns is not None for t in later)


def test_held_reads_are_reported_once_with_how_long() -> None:
    """The screen hears that look-ups are paused and for how long, not once per request."""
    r = rig(SMALL)
    for _ in range(7):
        r.ask(Lane.READ)
    r.advance(12)
    for _ in range(3):
        r.ask(Lane.READ)
    assert len(r.holds) == 1
    hold = r.holds[0]
    assert hold.lane is Lane.READ
    assert hold.seconds == pytest.approx(48)
    assert hold.describe(10) == (
        "gateway rate limit (10 requests a minute): look-ups paused 48 s; exits go first"
    )


def test_a_short_hold_is_not_reported() -> None:
    """A wait under a second is not worth a line."""
    r = rig(SMALL)
    for _ in range(7):
        r.ask(Lane.READ)
    r.advance(59.5)
    r.ask(Lane.READ)
    assert not r.holds


def test_a_429_pauses_reads_backing_off_but_not_exits() -> None:
    """The Gateway's own 429: reads pause 2 s, then 4 s...; exits still go; an answer resets."""
    r = rig(SMALL)
    first = r.scheduler.gateway_refused()
    assert first.gateway
    assert first.seconds == 2
    assert r.ask(Lane.READ).granted_ns is None
    assert r.ask(Lane.EXIT).granted_ns is not None
    r.advance(2)
    assert r.lanes_granted() == [Lane.EXIT, Lane.READ]
    assert r.scheduler.gateway_refused().seconds == 4
    for _ in range(10):
        r.scheduler.gateway_refused()
    assert r.scheduler.gateway_refused().seconds == MAX_PAUSE_NS / NS_PER_SECOND
    r.scheduler.gateway_answered()
    assert r.scheduler.gateway_refused().seconds == 2
    assert "the gateway answered 429" in first.describe(120)


def test_a_withdrawn_request_does_not_block_the_queue() -> None:
    """A caller that gave up leaves the queue; the next one in line gets its turn."""
    r = rig(SMALL)
    for _ in range(10):
        r.ask(Lane.EXIT)
    gone = r.ask(Lane.EXIT)
    read = r.ask(Lane.READ)
    r.scheduler.withdraw(gone)
    r.advance(60)
    assert gone.granted_ns is None
    assert read.granted_ns is not None


async def test_a_cancelled_wait_leaves_the_queue() -> None:
    """``acquire`` cancelled while it waits: its place is given up, nothing is counted."""
    clock = FakeClock(START_NS)
    scheduler = RequestScheduler(clock, SMALL)
    for _ in range(10):
        await scheduler.acquire(Lane.EXIT)
    waiter = asyncio.get_running_loop().create_task(scheduler.acquire(Lane.READ))
    await asyncio.sleep(0)
    assert len(scheduler.waiting[Lane.READ]) == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not scheduler.waiting[Lane.READ]
    assert scheduler.in_window(clock.now_ns()) == 10
    scheduler.close()


async def test_closing_refuses_every_waiting_request() -> None:
    """The session ends: a request still waiting fails clearly instead of hanging forever."""
    clock = FakeClock(START_NS)
    scheduler = RequestScheduler(clock, SMALL)
    for _ in range(7):
        await scheduler.acquire(Lane.READ)
    waiter = asyncio.get_running_loop().create_task(scheduler.acquire(Lane.READ))
    await asyncio.sleep(0)
    scheduler.close()
    with pytest.raises(QueueClosed, match="not sent"):
        await waiter
    assert not scheduler.waiting[Lane.READ]


async def test_acquire_returns_when_the_window_frees() -> None:
    """A waiting ``acquire`` resumes when its timer finds room (real loop timer, fake clock)."""
    clock = FakeClock(START_NS)
    scheduler = RequestScheduler(clock, Budget(2, NS_PER_SECOND // 100, 0, 0))
    await scheduler.acquire(Lane.READ)
    await scheduler.acquire(Lane.READ)
    waiter = asyncio.get_running_loop().create_task(scheduler.acquire(Lane.READ))
    await asyncio.sleep(0)
    assert not waiter.done()
    clock.advance(1)
    await asyncio.wait_for(waiter, 5)  # the timer is 10 ms; 5 s only stops a hung test
    assert scheduler.in_window(clock.now_ns()) == 1


# Properties ----------------------------------------------------------------------------

arrivals = st.lists(
    st.tuples(  # lane, and ms after the one before: bursts, trickles and pauses
        st.sampled_from(list(Lane)),
        st.one_of(st.just(0), st.integers(1, 500), st.integers(500, 20_000)),
    ),
    min_size=1,
    max_size=80,
)
budgets = st.builds(
    lambda n, x, e: Budget(n, WINDOW_NS, exit_reserve=x, entry_reserve=e),
    st.integers(4, 20),
    st.integers(0, 2),
    st.integers(0, 1),
)


def play(budget: Budget, steps: list[tuple[Lane, int]]) -> tuple[Rig, list[Ticket]]:
    r = rig(budget)
    tickets = []
    for lane, gap_ms in steps:
        r.advance(gap_ms / 1000)
        tickets.append(r.ask(lane))
    r.advance(len(steps) * 60 + 60)  # long enough for everyone
    return r, tickets


@settings(max_examples=150, deadline=None)
@given(budgets, arrivals)
def test_the_budget_is_never_exceeded_in_any_window(
    budget: Budget, steps: list[tuple[Lane, int]]
) -> None:
    """However requests arrive, no window of the budget's length holds more than its size."""
    r, tickets = play(budget, steps)
    times = sorted(t for t, _, _ in r.grants)
    for i, start in enumerate(times):
        inside = [t for t in times[i:] if t < start + budget.window_ns]
        assert len(inside) <= budget.per_window
    assert all(t.granted_ns is not None for t in tickets)  # and everyone gets a turn


@settings(max_examples=150, deadline=None)
@given(budgets, arrivals)
def test_no_read_or_entry_goes_while_an_exit_waits(
    budget: Budget, steps: list[tuple[Lane, int]]
) -> None:
    """An exit is never behind a queued read or entry: nothing less urgent passes it."""
    r, tickets = play(budget, steps)
    order = [number for _, _, number in r.grants]  # who was let go, in order
    for number, ticket in enumerate(tickets):
        if ticket.lane is not Lane.EXIT:
            continue
        assert ticket.granted_ns is not None
        # Everyone let go after this exit was asked for and before it went passed it (by
        # order of events, not by time: on a fake clock many things share an instant).
        waiting = order[r.asked_at[number] : order.index(number)]
        passed = [n for n in waiting if tickets[n].lane is not Lane.EXIT]
        assert not passed


@settings(max_examples=150, deadline=None)
@given(budgets, arrivals)
def test_an_exit_waits_only_when_exits_used_the_reserve(
    budget: Budget, steps: list[tuple[Lane, int]]
) -> None:
    """The reserve holds: an exit waits only if exits alone filled it in the last window."""
    r, tickets = play(budget, steps)
    for ticket in tickets:
        if ticket.lane is not Lane.EXIT or ticket.waited_ns == 0:
            continue
        recent_exits = [
            t
            for t, lane, _ in r.grants
            if lane is Lane.EXIT and ticket.queued_ns - budget.window_ns < t <= ticket.queued_ns
        ]
        assert len(recent_exits) >= budget.exit_reserve


@settings(max_examples=100, deadline=None)
@given(budgets, arrivals)
def test_each_lane_is_first_come_first_served(
    budget: Budget, steps: list[tuple[Lane, int]]
) -> None:
    """Within a lane, requests go in the order they were asked for."""
    r, _ = play(budget, steps)
    for lane in Lane:
        numbers = [n for _, granted, n in r.grants if granted is lane]
        assert numbers == sorted(numbers)


def test_the_scheduler_and_the_lookup_plan_load_no_sdk() -> None:
    """The budget and look-up logic are SDK-free (checked in a clean interpreter)."""
    code = (
        "import sys, cockpit.brokers.request_scheduler, cockpit.brokers.projectx_lookups; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'project_x_py', 'textual'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
