"""A cockpit that falls behind never slows the guard: its outbox is bounded, and what it
missed comes back as a fresh snapshot, never as a silent hole."""

from __future__ import annotations

from cockpit.core.loop import run
from cockpit.guard import stream
from cockpit.guard.stream import Outbox


def test_an_outbox_gathers_events_in_order_behind_verdicts() -> None:
    """Rows join the last events batch; a verdict between them starts a new batch."""

    async def main() -> None:
        outbox = Outbox()
        assert outbox.wants_snapshot
        assert outbox.wake.is_set()  # the first snapshot goes out at once
        outbox.wants_snapshot = False
        outbox.take()
        outbox.event([1])
        outbox.event([2])
        outbox.send(["verdict", 1, True, "", None])
        outbox.event([3])
        assert outbox.take() == [
            ["events", [[1], [2]]],
            ["verdict", 1, True, "", None],
            ["events", [[3]]],
        ]
        assert not outbox.wake.is_set()

    run(main())


def test_an_outbox_too_far_behind_asks_for_a_snapshot_and_keeps_its_verdicts() -> None:
    """Past MAX_BEHIND events the rows are dropped and a snapshot is due; a verdict
    waiting in the outbox is kept (a command's answer is not state)."""

    async def main() -> None:
        outbox = Outbox()
        outbox.wants_snapshot = False
        outbox.take()
        outbox.send(["verdict", 7, False, "no", None])
        for seq in range(stream.MAX_BEHIND + 1):
            outbox.event([seq])
        assert outbox.wants_snapshot
        assert outbox.take() == [["verdict", 7, False, "no", None]]
        outbox.event([99])  # the snapshot will hold it
        assert outbox.take() == []

    run(main())
