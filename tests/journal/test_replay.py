"""Replay: the recorded day re-judged exactly, and the controls a trader uses."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from cockpit.brokers.replay import NOT_SENT, ReplayBroker
from cockpit.core import loop as cockpit_loop
from cockpit.core.broker import BrokerUnavailable
from cockpit.core.commands import Command, FlattenAll, PlaceOrder, SetArmed
from cockpit.core.engine import Engine
from cockpit.core.events import ArmChanged, Event, FillReceived, OrderDenied, OrderSubmitted
from cockpit.core.models import Mode, OrderRequest, OrderType, Side
from cockpit.core.state import State
from cockpit.core.validation import Denial
from cockpit.journal.format import RecordKind
from cockpit.journal.reader import open_journal
from cockpit.journal.replay import Replayer
from cockpit.replay import ReplaySession, open_replay

from .conftest import Recorded, make_writer, record_session, seen


def state_key(state: State) -> tuple:
    """What two replays at the same point must agree on."""
    return (
        state.realized,
        state.fees,
        {s: (p.size, p.cost) for s, p in state.positions.items()},
        dict(state.last),
        {i: (o.status, o.filled) for i, o in state.orders.items()},
        state.armed,
        dict(state.pending),
        state.flattening,
        len(state.fills),
        state.account,
    )


def test_replay_reproduces_every_recorded_decision(recorded: Recorded) -> None:
    """Denials (disarmed, off the tick grid), accepted orders, arming and the flatten's
    second press are all derived again by the engine, identical to the recording."""
    with open_journal(recorded.path) as journal:
        replayer = Replayer(journal)
        assert replayer.verify() == []
        kinds = {type(r.item) for r in journal if r.kind is RecordKind.OUT}
    assert {OrderDenied, OrderSubmitted, ArmChanged} <= kinds
    reasons = {e.rule for e in recorded.outbound if isinstance(e, OrderDenied)}
    assert reasons == {"armed", "tick grid"}


def test_replay_ends_in_the_live_session_final_state(recorded: Recorded) -> None:
    """Played to the end, the replayed state shows what the live cockpit showed last."""
    with open_journal(recorded.path) as journal:
        replayer = Replayer(journal)
        replayer.verify()
        assert seen(replayer.state) == recorded.final


def test_a_decision_the_replay_does_not_reach_is_reported(
    recorded: Recorded, tmp_path: Path
) -> None:
    """A recorded denial with another reason than the engine gives is a mismatch, and so is
    a decision missing from the recording."""
    with open_journal(recorded.path) as journal:
        records = list(journal)
        header = journal.header
    writer = make_writer(tmp_path, settings=header.settings)
    dropped = False
    for record in records:
        item = record.item
        if isinstance(item, OrderDenied) and item.rule == "tick grid":
            item = replace(item, reason="a reason the engine never gives")
        if isinstance(item, ArmChanged) and not item.armed and not dropped:
            dropped = True
            continue
        if record.kind is RecordKind.COMMAND:
            writer.record_command(record.ns, item)
        elif record.kind is RecordKind.TICK:
            writer.record_tick(record.ns)
        else:
            writer.record_event(record.ns, item, record.kind is RecordKind.IN)
    writer.close()
    assert writer.path is not None
    with open_journal(writer.path) as journal:
        mismatches = Replayer(journal).verify()
    described = [m.describe() for m in mismatches]
    assert len(mismatches) == 2
    assert "replay decided" in described[0]
    assert "never gives" in described[0]
    assert described[1].startswith("replay decided what the session did not")
    assert "ArmChanged" in described[1]


class SizeLimit:
    """A stand-in risk gate: no order above ``limit`` contracts."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def check(self, command: Command, request: OrderRequest | None, state: State) -> Denial | None:
        if request is not None and request.size > self.limit:
            return Denial(f"size {request.size} is above the limit of {self.limit}", "max size")
        return None


class FlattenOnFirstClose:
    """A stand-in risk watcher: flattens (origin risk) on the first fill that realizes P&L,
    whatever the tape made of it, so it fires on any market."""

    def __init__(self) -> None:
        self.fired = False

    def on_event(self, event: Event, state: State) -> list[Command]:
        if isinstance(event, FillReceived) and not self.fired and event.fill.pnl is not None:
            self.fired = True
            return [FlattenAll(origin="risk", reason="first close")]
        return []


def install_rules(engine: Engine, settings: object = None) -> None:
    engine.gates.append(SizeLimit(1))
    engine.watchers.append(FlattenOnFirstClose())


@pytest.fixture(scope="module")
def ruled(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """The scripted session traded under a size gate and a flatten-on-first-close watcher."""
    folder = tmp_path_factory.mktemp("ruled")
    return cockpit_loop.run(record_session(folder, install=install_rules))


def test_gates_and_watchers_rerun_to_the_same_decisions(ruled: Recorded) -> None:
    """Rules installed on the replay engine deny and enforce exactly as they did live."""
    rule_denials = [
        e for e in ruled.outbound if isinstance(e, OrderDenied) and e.rule == "max size"
    ]
    assert rule_denials, "the size gate never fired live"
    with open_journal(ruled.path) as journal:
        risk_commands = [
            r for r in journal if r.kind is RecordKind.COMMAND and r.item.origin == "risk"
        ]
        assert risk_commands, "the flatten watcher never fired live"
        assert Replayer(journal, install=install_rules).verify() == []
        without = Replayer(journal).verify()
    assert any("max size" in m.describe() for m in without)


@pytest.mark.parametrize("every", [500, 1_000_000])
def test_going_back_gives_the_same_state_as_playing_straight(
    recorded: Recorded, every: int
) -> None:
    """Back to an earlier record (from a checkpoint or from the start) equals a fresh replay."""
    with open_journal(recorded.path) as journal:
        targets = [journal.count - 5, journal.count // 3, 17, journal.count // 2, 4000]
        moving = Replayer(journal, checkpoint_every=every)
        for target in targets:
            moving.go_to(target)
            straight = Replayer(journal)
            straight.go_to(target)
            assert moving.position == target
            assert state_key(moving.state) == state_key(straight.state)
            assert moving.mismatches == straight.mismatches == []
        assert moving.generation == 3  # three jumps back, each rebuilt


def test_jumping_to_each_fill_shows_what_the_live_session_showed(recorded: Recorded) -> None:
    """Next fill, one after another: same fill, price, positions, P&L and balance as live."""
    with open_journal(recorded.path) as journal:
        replay = ReplaySession(journal)
        for live in recorded.fills:
            record = replay.next_fill()
            assert record is not None
            assert isinstance(record.item, FillReceived)
            assert seen(replay.state) == live
        assert replay.next_fill() is None


def test_previous_fill_walks_back_through_the_same_screens(recorded: Recorded) -> None:
    """From the end, previous fill lands on each fill in reverse with the live figures."""
    with open_journal(recorded.path) as journal:
        replay = ReplaySession(journal, checkpoint_every=1000)
        replay.go_to_position(journal.count)
        for live in reversed(recorded.fills):
            assert replay.previous_fill() is not None
            assert seen(replay.state) == live
        assert replay.previous_fill() is None
        assert replay.generation > 0


def test_decision_jumps_land_after_each_denial(recorded: Recorded) -> None:
    """Next decision visits the recorded denials in order; previous comes back."""
    with open_journal(recorded.path) as journal:
        replay = ReplaySession(journal)
        denials = [e for e in recorded.outbound if isinstance(e, OrderDenied)]
        for denial in denials:
            record = replay.next_decision()
            assert record is not None
            assert record.item == denial
            assert replay.state.fills_and_events[-1] == denial
        assert replay.next_decision() is None
        assert replay.previous_decision() is not None
        assert replay.state.fills_and_events[-1] == denials[-2]
        assert replay.next_lockout() is None


def test_going_to_a_time_shows_the_session_at_that_time(recorded: Recorded) -> None:
    """go_to(t) applies every record up to t, whichever way it moves."""
    with open_journal(recorded.path) as journal:
        replay = ReplaySession(journal)
        middle = (journal.first_ns + journal.last_ns) // 2
        replay.go_to(journal.last_ns)
        replay.go_to(middle)
        assert replay.now_ns == middle
        assert replay.position == journal.position_at(middle + 1)
        straight = Replayer(journal)
        straight.seek(middle)
        assert state_key(replay.state) == state_key(straight.state)


def test_stepping_one_event_and_one_bar(recorded: Recorded) -> None:
    """Step event applies exactly one record; step bar stops at the end of the bar."""
    with open_journal(recorded.path) as journal:
        replay = ReplaySession(journal)
        first = replay.step_event()
        assert first is not None
        assert replay.position == 1
        replay.step_bar("1m")
        end = replay.now_ns + 1
        assert end % 60_000_000_000 == 0
        assert replay.position == journal.position_at(end)
        replay.step_bar("1m")
        assert replay.now_ns + 1 == end + 60_000_000_000


def test_keys_in_replay_are_refused_and_change_nothing(recorded: Recorded) -> None:
    """An order key during replay never reaches a broker, the tags or the decisions."""
    with open_journal(recorded.path) as journal:
        replay = ReplaySession(journal)
        replay.go_to_position(journal.count // 2)
        verdict = replay.engine.submit(PlaceOrder(symbol="MNQ", side=Side.BUY, size=1))
        flatten = replay.engine.submit(FlattenAll())
        arm = replay.engine.submit(SetArmed(armed=True))
        replay.engine.flatten_all()  # the key's direct path
        replay.engine.tick()  # a UI timer's tick
        assert not verdict.accepted
        assert verdict.reason == NOT_SENT
        assert not flatten.accepted
        assert not arm.accepted
        assert "not sent" in replay.state.fills_and_events[-1].text
        replay.go_to_position(journal.count)
        replay.replayer.finish()
        assert replay.mismatches == []
        assert replay.broker.denied == 0


def test_the_replay_broker_sends_nothing() -> None:
    """Every order path of the replay broker denies; its mode is REPLAY."""
    broker = ReplayBroker()
    request = OrderRequest("MNQ", Side.BUY, OrderType.MARKET, 1)

    async def calls() -> None:
        for call in (
            broker.place_order(request),
            broker.cancel_order(1),
            broker.modify_order(1, size=2),
            broker.close_position("MNQ"),
        ):
            with pytest.raises(BrokerUnavailable, match="not sent"):
                await call

    cockpit_loop.run(calls())
    assert broker.mode is Mode.REPLAY
    assert broker.denied == 4


def test_speed_controls(recorded: Recorded) -> None:
    """Faster and slower walk 0.25x..64x, then unpaced; other speeds are denied."""
    with open_journal(recorded.path) as journal:
        replay = ReplaySession(journal)
        ups = [replay.faster() for _ in range(8)]
        assert ups == [2, 4, 8, 16, 32, 64, None, None]
        assert replay.speed_label == "unpaced"
        downs = [replay.slower() for _ in range(10)]
        assert downs == [64, 32, 16, 8, 4, 2, 1, 0.5, 0.25, 0.25]
        assert replay.speed_label == "0.25x"
        with pytest.raises(ValueError, match="speed"):
            replay.set_speed(128)


async def test_playing_unpaced_runs_to_the_end_and_pauses(recorded: Recorded) -> None:
    """Started like any session, an unpaced replay plays through and stops at the end."""
    replay = open_replay(recorded.path)
    replay.set_speed(None)
    await replay.session.start()
    assert replay.position > 0  # the opening moment is shown at once
    replay.play()
    for _ in range(10_000):
        if replay.at_end:
            break
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert replay.at_end
    assert not replay.playing
    assert seen(replay.state) == recorded.final
    await replay.session.stop()
    replay.journal.close()


async def test_playing_paced_moves_forward_and_pause_holds(recorded: Recorded) -> None:
    """At 64x the replay advances with recorded time; paused, it stays where it is."""
    replay = open_replay(recorded.path)
    replay.set_speed(64)
    await replay.start()
    start = replay.now_ns
    replay.play()
    for _ in range(2000):
        if replay.now_ns > start:
            break
        await asyncio.sleep(0.005)
    assert replay.now_ns > start
    replay.pause()
    held = replay.position
    await asyncio.sleep(0.05)
    assert replay.position == held
    assert replay.faster() is None
    assert replay.slower() == 64
    await replay.stop()
    replay.journal.close()


def test_as_recorded_shows_the_recorded_decisions(recorded: Recorded) -> None:
    """rerun=False: nothing is re-judged, the recorded conclusions are shown as they were,
    and the screen ends where the live one did."""
    with open_journal(recorded.path) as journal:
        replayer = Replayer(journal, rerun=False)
        assert replayer.verify() == []
        assert seen(replayer.state) == recorded.final
        assert not replayer.derived.pending
        denials = [e for e in replayer.state.fills_and_events if isinstance(e, OrderDenied)]
        assert len(denials) == 3
