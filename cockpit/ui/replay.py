"""REPLAY mode: a recorded session played back in the same cockpit.

Recorded time drives everything: ``space`` plays and pauses, ``,`` and ``.`` change the
speed (0.25x to 64x, then unpaced), ``n`` steps one event and ``m`` one bar of the
chart's timeframe, ``g`` goes to a time, ``j`` ``d`` ``o`` jump to the next fill, rule
decision or lockout (shifted: the previous one). Order keys reach no broker: the replay
engine refuses them and says so. The risk engine re-runs and its decisions are checked
against the recorded ones; a mismatch is shown in the replay bar.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from cockpit.config import Settings
from cockpit.core.clock import EXCHANGE_TZ, exchange_time, ns_from_datetime
from cockpit.journal.player import ReplaySession
from cockpit.journal.review import review
from cockpit.journal.show import review_view
from cockpit.logs import log_to_file
from cockpit.ui.app import CockpitApp, check_start
from cockpit.ui.bindings import REPLAY_BINDINGS
from cockpit.ui.format import clock
from cockpit.ui.screens.review import ReviewScreen
from cockpit.ui.theme import ThemeProblem
from cockpit.ui.widgets.inputs import time_input


class ReplayBar(Widget):
    """Where the replay stands: playing or paused, speed, recorded time, progress."""

    COMPONENT_CLASSES = {"replaybar--state", "replaybar--key", "replaybar--warn"}

    def __init__(self) -> None:
        super().__init__(id="replay-bar")
        self._text = Text()

    def render(self) -> Text:
        return self._text

    def update_view(self, replay: ReplaySession, message: str = "") -> None:
        def style(name: str) -> Style:
            return self.get_component_rich_style(f"replaybar--{name}", partial=True)

        text = Text(no_wrap=True, overflow="ellipsis")
        status = "▶ PLAYING" if replay.playing else "‖ PAUSED"
        if replay.at_end:
            status = "■ END"
        text.append(f" {status} {replay.speed_label} ", style("state"))
        done = replay.position / replay.count * 100 if replay.count else 100.0
        text.append(
            f" {clock(replay.now_ns)} CT · {replay.position:,}/{replay.count:,} ({done:.0f}%)"
        )
        problems = len(replay.mismatches)
        if problems:
            text.append(f" · ✕ {problems} decisions differ from the recording", style("warn"))
        notice = replay.end_notice  # the end of the record: how the session ended
        if notice is not None:
            text.append(f" · {notice}", style("state" if replay.ending.clean else "warn"))
        if message:
            text.append(f" · {message}", style("warn"))
        text.append(" │")
        for key, label in (
            ("space", "play"),
            (",.", "speed"),
            ("n", "event"),
            ("m", "bar"),
            ("g", "go to"),
            ("jJ", "fill"),
            ("dD", "decision"),
            ("oO", "lockout"),
            ("v", "review"),
        ):
            text.append(f" {key}", style("key"))
            text.append(f" {label}")
        if text.plain != self._text.plain:
            self._text = text
            self.refresh()


class GoToScreen(ModalScreen[int | None]):
    """``g``: type a Chicago time of the recorded day; Enter goes there."""

    BINDINGS = [Binding("escape", "dismiss(None)", "close", priority=True)]

    def __init__(self, replay: ReplaySession) -> None:
        super().__init__()
        self.replay = replay

    def compose(self) -> ComposeResult:
        start, end = clock(self.replay.start_ns), clock(self.replay.end_ns)
        with Vertical(id="goto-box"):
            yield Label(f"Go to a time between {start} and {end} CT (HH:MM or HH:MM:SS)")
            yield time_input(clock(self.replay.now_ns), id="goto-time")
            yield Static(id="goto-error")

    def on_mount(self) -> None:
        self.query_one("#goto-box").border_title = "go to"
        self.query_one("#goto-time", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.dismiss(self.resolve(event.value.strip()))
        except ValueError as exc:
            self.query_one("#goto-error", Static).update(f"✕ {exc}")

    def resolve(self, text: str) -> int:
        """The recorded moment at ``text`` on the session's day(s)."""
        parts = text.split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
            raise ValueError(f"not a time: {text!r}; use HH:MM or HH:MM:SS")
        hour, minute, second = (int(p) for p in [*parts, "0"][:3])
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"not a time: {text!r}")
        start = exchange_time(self.replay.start_ns)
        for day in (start.date(), exchange_time(self.replay.end_ns).date()):
            moment = datetime.combine(day, time(hour, minute, second), tzinfo=EXCHANGE_TZ)
            ns = ns_from_datetime(moment)
            if self.replay.start_ns <= ns <= self.replay.end_ns:
                return ns
        raise ValueError(
            f"{text} is outside the recording ({clock(self.replay.start_ns)} to "
            f"{clock(self.replay.end_ns)} CT)"
        )


class ReplayApp(CockpitApp):
    """The cockpit over a replayed journal."""

    BINDINGS: ClassVar[list[BindingType]] = [*REPLAY_BINDINGS]

    def __init__(
        self,
        replay: ReplaySession,
        *,
        themes: tuple[dict[str, Theme], list[ThemeProblem]] | None = None,
    ) -> None:
        self.replay = replay
        self._generation = replay.generation
        self._replay_message = ""
        super().__init__(replay.session, themes=themes)
        self.replay_bar = ReplayBar()

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self.replay_bar

    def mode_detail(self) -> str:
        return self.replay.speed_label

    def drain(self, force: bool = False) -> None:
        if self.replay.generation != self._generation:
            self._generation = self.replay.generation
            self.rebind(self.replay.session)
            force = True
        super().drain(force=force)
        if self.replay_bar.is_attached:
            self.replay_bar.update_view(self.replay, self._replay_message)

    def action_replay_toggle(self) -> None:
        self.replay.toggle()
        self._replay_message = ""

    def action_replay_speed(self, step: int) -> None:
        if step > 0:
            self.replay.faster()
        else:
            self.replay.slower()

    def action_replay_step(self) -> None:
        record = self.replay.step_event()
        self._replay_message = "" if record is not None else "end of the recording"

    def action_replay_bar(self) -> None:
        self.replay.step_bar(self.timeframe)

    def action_replay_jump(self, what: str, backward: bool = False) -> None:
        record = self.replay.jump(what, backward=backward)
        where = "previous" if backward else "next"
        self._replay_message = "" if record is not None else f"no {where} {what}"
        self.drain(force=True)

    def action_replay_go_to(self) -> None:
        def chosen(ns: int | None) -> None:
            if ns is not None:
                self.replay.go_to(ns)
                self.drain(force=True)

        self.replay.pause()
        self.push_screen(GoToScreen(self.replay), chosen)

    def action_review(self) -> None:
        self.push_screen(ReviewScreen(review_view(review(self.replay.journal)), "recording"))


def run_replay(replay: ReplaySession, settings: Settings) -> int:
    """``cockpit replay FILE|latest``: the cockpit in REPLAY mode over a journal."""
    code = check_start(settings)
    if code:
        return code
    replay.session.settings = replay.session.settings.model_copy(
        update={"ui": replay.session.settings.ui.model_copy(update={"theme": settings.ui.theme})}
    )
    log_to_file()
    app = ReplayApp(replay)
    result = app.run()
    if replay.warning:
        print(f"cockpit: {replay.warning}")
    return int(result or app.return_code or 0)
