"""REPLAY mode: a recorded session played back in the same cockpit.

Recorded time drives everything: ``space`` plays and pauses, ``,`` and ``.`` change the
speed (0.25x to 64x, then unpaced), ``n`` steps one event and ``m`` one bar of the
chart's timeframe, ``g`` goes to a time, ``j`` ``d`` ``o`` jump to the next fill, rule
decision or lockout (shifted: the previous one). Order keys reach no broker: the replay
engine denies them and says so. The risk engine re-runs and its decisions are checked
against the recorded ones; a mismatch is shown in the replay bar.
"""

from __future__ import annotations

from datetime import datetime, time
from functools import cached_property
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Input, Static

from cockpit.core.clock import EXCHANGE_TZ, exchange_time, ns_from_datetime
from cockpit.journal.review import review
from cockpit.journal.show import review_view
from cockpit.replay import ReplaySession
from cockpit.ui.app import DRAIN_HZ, CockpitApp
from cockpit.ui.bindings import REPLAY_BINDINGS
from cockpit.ui.format import clock
from cockpit.ui.keymap import normalize
from cockpit.ui.screens.review import ReviewScreen
from cockpit.ui.theme import ThemeProblem, review_palette
from cockpit.ui.widgets.inputs import time_input

REPLAY_FOOTER = (
    (("replay-play",), "play"),
    (("replay-slower", "replay-faster"), "speed"),
    (("show-keys",), "keys"),
    (("replay-go-to",), "go to"),
    (("replay-step",), "event"),
    (("replay-bar",), "bar"),
    (("replay-next-fill", "replay-prev-fill"), "fill"),
    (("replay-next-decision", "replay-prev-decision"), "decision"),
    (("replay-next-lockout", "replay-prev-lockout"), "lockout"),
    (("review",), "review"),
)
"""The replay's footer keys, most important first (the footer drops from the end when
narrow). Order keys are not among them: in a replay they reach no broker."""
REPLAY_FOOTER_ORDER = (
    "play",
    "speed",
    "event",
    "bar",
    "go to",
    "fill",
    "decision",
    "lockout",
    "review",
    "keys",
)
"""Left to right on screen."""


class ReplayBar(Widget):
    """Where the replay stands: playing or paused, speed, recorded time (CT), progress,
    and how the recording ended; the keys are in the footer below."""

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
        if replay.stopped is not None:
            text.append(f" · stopped: {replay.stopped}", style("warn"))
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
            yield Static(
                f"Go to a time between {start} and {end} CT\n"
                "HH:MM or HH:MM:SS · Enter goes · esc closes",
                id="goto-prompt",
                markup=False,
            )
            yield time_input(clock(self.replay.now_ns), id="goto-time")
            yield Static(id="goto-error", markup=False)

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
        drain_hz: float = DRAIN_HZ,
        themes: tuple[dict[str, Theme], list[ThemeProblem]] | None = None,
    ) -> None:
        self.replay = replay
        self._generation = replay.generation
        self._replay_message = ""
        super().__init__(replay.session, drain_hz=drain_hz, themes=themes)
        self.replay_bar = ReplayBar()

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self.replay_bar

    def mode_detail(self) -> str:
        return self.replay.speed_label

    def key_for(self, binding_id: str) -> str:
        """Replay keys as well as the cockpit's, remaps included."""
        for binding in REPLAY_BINDINGS:
            if binding.id == binding_id:
                key = self._keymap.get(binding_id, binding.key).split(",")[0]
                return self.get_key_display(binding.with_key(key))
        return super().key_for(binding_id)

    def palette_key(self, binding: Binding) -> str | None:
        """A cockpit key a replay key answers instead runs nothing of the cockpit's here
        (``d`` is the next rule decision, not the ladder): the palette shows another key
        of the action when it has one, else none."""
        if binding.id is None:
            return None
        for key in normalize(self._keymap.get(binding.id, binding.key)):
            if key not in self._replay_keys:
                return self.get_key_display(binding.with_key(key))
        return None

    @cached_property
    def _replay_keys(self) -> frozenset[str]:
        """Every key a replay binding answers, remaps included (Textual's key names)."""
        return frozenset(
            key
            for binding in REPLAY_BINDINGS
            if binding.id is not None
            for key in normalize(self._keymap.get(binding.id, binding.key))
        )

    def key_rows(self) -> list[tuple[str, str, str]]:
        """``?`` in a replay lists the replay keys first, then the cockpit's that a replay
        key does not take (``o`` is the next lockout here, not close one)."""
        replay = [(self.key_for(b.id), b.description, b.id) for b in REPLAY_BINDINGS if b.id]
        taken = {key for key, _, _ in replay}
        return replay + [row for row in super().key_rows() if row[0] not in taken]

    @cached_property
    def _footer_keys(self) -> list[tuple[int, str, str]]:
        """The footer shows replay keys only: b, s, F and the rest reach no broker here."""
        return [
            (REPLAY_FOOTER_ORDER.index(label), "".join(self.key_for(i) for i in ids), label)
            for ids, label in REPLAY_FOOTER
        ]

    def _update_footer(self, now: int) -> None:
        message = self._message if now < self._message_until else ""
        self.footer.update_view(
            armed=None,
            symbol=self.symbol,
            size=self.ticket_size,
            timeframe=self.timeframe,
            keys=self._footer_keys,
            message=message,
            paused=self.paused,
        )

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
        if record is not None:
            self._replay_message = ""
        elif self.replay.stopped is not None:
            self._replay_message = f"no {where} {what} before the unreadable record"
        else:
            self._replay_message = f"no {where} {what}"
        self.drain(force=True)

    def action_replay_go_to(self) -> None:
        def chosen(ns: int | None) -> None:
            if ns is not None:
                self.replay.go_to(ns)
                self.drain(force=True)

        self.replay.pause()
        self.push_screen(GoToScreen(self.replay), chosen)

    def action_review(self) -> None:
        palette = review_palette(self.get_css_variables())
        self.push_screen(
            ReviewScreen(review_view(review(self.replay.journal), palette), "recording")
        )
