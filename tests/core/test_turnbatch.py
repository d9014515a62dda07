"""TurnBatch: one flush per turn of the loop, however many callers say there is work."""

from __future__ import annotations

import asyncio

from cockpit.core.turnbatch import TurnBatch


class Gathered:
    """What a batch's owner keeps: items, and the lots its flushes took."""

    def __init__(self) -> None:
        self.items: list[int] = []
        self.lots: list[list[int]] = []
        self.batch = TurnBatch(self.flush)

    def add(self, item: int) -> None:
        self.items.append(item)
        self.batch.soon()

    def flush(self) -> None:
        lot, self.items = self.items, []
        self.lots.append(lot)


async def next_turn() -> None:
    """Let every callback already on the loop run (a zero sleep yields one turn)."""
    await asyncio.sleep(0)


async def test_a_burst_is_flushed_once_on_the_next_turn() -> None:
    """Three items in one turn: nothing flushed yet, then one flush takes all three."""
    owner = Gathered()
    for item in (1, 2, 3):
        owner.add(item)
    assert owner.lots == []
    assert owner.batch.scheduled
    await next_turn()
    assert owner.lots == [[1, 2, 3]]
    assert not owner.batch.scheduled


async def test_work_after_a_flush_gets_a_turn_of_its_own() -> None:
    """An item added after the flush ran is flushed on a later turn, not lost."""
    owner = Gathered()
    owner.add(1)
    await next_turn()
    owner.add(2)
    assert owner.lots == [[1]]
    await next_turn()
    assert owner.lots == [[1], [2]]


async def test_work_added_during_the_flush_is_flushed_next_turn() -> None:
    """A flush that gathers more (an event raised while writing) schedules another."""
    owner = Gathered()
    first = owner.flush

    def flush_and_add() -> None:
        first()
        if len(owner.lots) == 1:
            owner.add(99)

    owner.batch = TurnBatch(flush_and_add)
    owner.add(1)
    await next_turn()
    assert owner.lots == [[1]]
    await next_turn()
    assert owner.lots == [[1], [99]]


async def test_now_flushes_at_once() -> None:
    """``now()`` flushes what waits immediately; later work is scheduled again, and no
    item is flushed twice or lost."""
    owner = Gathered()
    owner.add(1)
    owner.batch.now()
    assert owner.lots == [[1]]
    assert not owner.batch.scheduled
    owner.add(2)
    assert owner.batch.scheduled
    await next_turn()
    assert [item for lot in owner.lots for item in lot] == [1, 2]


def test_without_a_running_loop_it_flushes_at_once() -> None:
    """No loop (a script, a closing guard): each call flushes there and then."""
    owner = Gathered()
    owner.add(1)
    owner.add(2)
    assert owner.lots == [[1], [2]]
    assert not owner.batch.scheduled
