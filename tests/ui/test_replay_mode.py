"""REPLAY mode: a session recorded through the cockpit, played back in the cockpit."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import FillReceived
from cockpit.journal.format import RecordKind
from cockpit.journal.reader import open_journal
from cockpit.replay import open_replay
from cockpit.ui.app import make_app
from cockpit.ui.format import clock
from cockpit.ui.replay import GoToScreen, ReplayApp
from cockpit.ui.screens.review import ReviewScreen
from tests.frozen import FROZEN_START_NS, frozen_session
from tests.journal.conftest import damage_a_fill
from tests.ui.conftest import painted, press, private_user_dirs_at, settle


async def record_through_the_cockpit(folder: Path) -> tuple[Path, list[tuple[int, str]]]:
    """Trade two round trips with real keys; return the journal and what each fill showed."""
    app = make_app(frozen_session(journal_dir=folder))
    shown: list[tuple[int, str]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 30)
        for keys in (("a", "2", "b"), ("s",), ("1", "s"), ("b",)):
            await press(pilot, *keys)
            shown.append((app.state.fills[-1].price, str(app.state.net_realized)))
            await settle(pilot, 20)
        await press(pilot, "q")
    journal = app.session.journal
    assert journal is not None
    assert journal.path is not None
    return journal.path, shown


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, str]]]:
    """One recording for the module, made in private user dirs like every test's."""
    with private_user_dirs_at(tmp_path_factory.mktemp("home")):
        return cockpit_loop.run(record_through_the_cockpit(tmp_path_factory.mktemp("journals")))


def test_the_recording_ticks_with_its_clock_not_the_wall(recorded) -> None:  # type: ignore[no-untyped-def]
    """One tick per second of the session's clock (110 s), however long the recording took."""
    path, _ = recorded
    with open_journal(path) as journal:
        ticks = [record.ns for record in journal if record.kind is RecordKind.TICK]
    assert ticks == [FROZEN_START_NS + n * NS_PER_SECOND for n in range(1, 111)]


def replay_app(path: Path) -> ReplayApp:
    app = make_app(open_replay(path))
    assert isinstance(app, ReplayApp)
    return app


async def test_jumping_to_each_fill_shows_the_live_prices_and_pnl(recorded) -> None:  # type: ignore[no-untyped-def]
    """`j` lands on each fill with the price and realized P&L the live cockpit showed."""
    path, shown = recorded
    app = replay_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        seen = []
        for _ in shown:
            await press(pilot, "j")
            seen.append((app.state.fills[-1].price, str(app.state.net_realized)))
        assert seen == shown
        assert app.replay.mismatches == []
        await press(pilot, "J")
        assert len(app.state.fills) == len(shown) - 1


async def test_the_header_says_replay_and_order_keys_reach_no_broker(recorded) -> None:  # type: ignore[no-untyped-def]
    """The mode badge reads REPLAY and `b` is denied with the reason."""
    path, _ = recorded
    app = replay_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "j", "a", "b")
        assert app.header.render().plain.startswith(" REPLAY ")
        assert "orders are not sent" in app.footer.render().plain


async def test_space_plays_and_the_speed_keys_change_the_pace(recorded) -> None:  # type: ignore[no-untyped-def]
    """`space` plays and pauses; `.` and `,` walk the speed ladder up to unpaced."""
    path, _ = recorded
    app = replay_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "space")
        assert app.replay.playing
        await press(pilot, "space", "full_stop", "full_stop")
        assert not app.replay.playing
        assert app.replay.speed_label == "4x"
        for _ in range(6):
            await press(pilot, "full_stop")
        assert app.replay.speed_label == "unpaced"
        await press(pilot, "comma")
        assert app.replay.speed_label == "64x"


async def test_n_steps_one_event_and_g_goes_to_a_time(recorded) -> None:  # type: ignore[no-untyped-def]
    """`n` moves one record; `g` with a typed time lands there."""
    path, _ = recorded
    app = replay_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = app.replay.position
        await press(pilot, "n")
        assert app.replay.position == before + 1
        await press(pilot, "g")
        assert isinstance(app.screen, GoToScreen)
        field = app.screen.query_one("#goto-time")
        field.value = "09:45:40"  # type: ignore[attr-defined]
        await press(pilot, "enter")
        assert not isinstance(app.screen, GoToScreen)
        assert app.replay.now_ns >= app.replay.start_ns + 40 * 10**9


async def test_the_replay_footer_shows_replay_keys_only(recorded) -> None:  # type: ignore[no-untyped-def]
    """The footer offers the replay's keys (play, speed, go to...) and none that trade."""
    path, _ = recorded
    app = replay_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        footer = app.footer.render().plain
        for offered in ("space play", ",. speed", "g go to", "jJ fill", "? keys"):
            assert offered in footer, footer
        for trading in (" b buy", " s sell", " F flatten", "C cancel all", "ARMED", "size"):
            assert trading not in footer, footer
        assert "space" not in app.replay_bar.render().plain, "the keys are said once"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_go_to_prompt_is_whole(recorded, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """`g`'s prompt, with both ends of the recording and the formats, fits at 80x24 and 120x40."""
    path, _ = recorded
    app = replay_app(path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "g")
        text = "\n".join(painted(app.screen.query_one("#goto-prompt")))
        start, end = clock(app.replay.start_ns), clock(app.replay.end_ns)
        assert f"Go to a time between {start} and {end} CT" in text
        assert "HH:MM or HH:MM:SS · Enter goes · esc closes" in text


async def test_v_opens_the_review_of_the_recording(recorded) -> None:  # type: ignore[no-untyped-def]
    """`v` shows the round trips of the recorded session."""
    path, _ = recorded
    app = replay_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "v")
        assert isinstance(app.screen, ReviewScreen)


async def test_v_in_a_live_session_reviews_it_so_far(tmp_path: Path) -> None:
    """`v` in the demo reviews the session being traded, from its own journal."""
    app = make_app(frozen_session(journal_dir=tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 10)
        await press(pilot, "a", "b")
        await settle(pilot, 10)
        await press(pilot, "s", "v")
        assert isinstance(app.screen, ReviewScreen)
        await press(pilot, "escape")
        await press(pilot, "q")


def test_replay_snapshot(snap_compare, recorded) -> None:  # type: ignore[no-untyped-def]
    """The cockpit in REPLAY mode, paused on the second fill."""
    path, _ = recorded

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await press(pilot, "j", "j")

    assert snap_compare(replay_app(path), terminal_size=(120, 40), run_before=run_before)


def test_review_snapshot(snap_compare, recorded) -> None:  # type: ignore[no-untyped-def]
    """The review screen: summary, P&L curve, round trips with MAE and MFE."""
    path, _ = recorded

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await press(pilot, "v")

    assert snap_compare(replay_app(path), terminal_size=(120, 40), run_before=run_before)


async def test_o_in_a_replay_jumps_to_a_lockout_not_a_close(recorded) -> None:  # type: ignore[no-untyped-def]
    """`o` closes one contract live; in a replay the replay's `o` wins: the next lockout,
    and `?` lists `o` once."""
    path, _ = recorded
    app = replay_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        assert app._replay_message == "no next lockout"
        assert "close 1" not in app.footer.render().plain
        keys = [key for key, _, _ in app.key_rows()]
        assert keys.count("o") == 1


async def test_j_stops_at_an_unreadable_record_and_says_so(recorded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A journal whose third fill cannot be read: `j` reaches the two fills before it, then
    stops at the bad record with the reason on the replay bar; pressing on never crashes,
    and `J` goes back from there."""
    path, shown = recorded
    app = replay_app(damage_a_fill(path, 2, tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(len(shown) + 2):
            await press(pilot, "j")
        assert [fill.price for fill in app.state.fills] == [price for price, _ in shown[:2]]
        assert app.replay.stopped is not None
        assert "cannot be read" in app.replay.stopped
        bar = app.replay_bar.render().plain
        assert "no next fill before the unreadable record" in bar
        assert "stopped: record" in bar
        stopped_at = app.replay.position
        await press(pilot, "J")  # back to the second fill: the replay moves again
        assert len(app.state.fills) == 2
        assert app.replay.position < stopped_at
        assert app.replay.stopped is None
        await press(pilot, "j")
        assert app.replay.stopped is not None
        assert app.replay.position == stopped_at


async def test_n_and_play_stop_at_an_unreadable_record_and_say_so(recorded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Stepping with `n` onto the unreadable record, and playing unpaced into it, stop there
    with the reason on the replay bar instead of raising out of the app."""
    path, _ = recorded
    damaged = damage_a_fill(path, 2, tmp_path)
    with open_journal(path) as journal:  # the damage spoils the fill's whole frame
        fills = [n for n, r in enumerate(journal) if isinstance(r.item, FillReceived)]
        bad = journal.frames[journal.frame_of(fills[2])].start
    app = replay_app(damaged)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.replay.go_to_position(bad)
        await press(pilot, "n")
        assert app.replay.position == bad
        assert app.replay.stopped is not None
        assert "stopped: record" in app.replay_bar.render().plain
    app = replay_app(damaged)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.replay.go_to_position(bad - 1)
        await press(pilot, "full_stop", "space")
        await app.workers.wait_for_complete()
        for _ in range(200):
            if app.replay.stopped is not None:
                break
            await pilot.pause()
        assert app.replay.stopped is not None
        assert app.replay.position == bad
