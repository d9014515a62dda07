"""The cockpit app: its layout, its start and stop, and the core trading keys.

The app never talks to a broker: keys become commands for the engine, and a single
timer (15 Hz) reads what changed in the state and updates only those widgets inside
``batch_update()``. Blotters update at 4 Hz and the chart at 2 Hz, whatever the tape.

The rest is mixed in, one idea a module: the drain (``drain.py``), the order keys
(``order_keys.py``), the ladder and its keys (``ladder_keys.py``), the bracket template
key (``brackets.py``), arming (``arming.py``), the panels (``panels.py``) and the
theme picker (``theme_choice.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property, partial
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Static

from cockpit.core import memory
from cockpit.core.bars import TIMEFRAMES
from cockpit.core.commands import (
    TYPED_BEFORE,
    CancelAll,
    CancelOrder,
    Command,
    FlattenAll,
    PlaceOrder,
)
from cockpit.core.engine import Verdict
from cockpit.core.events import Notice
from cockpit.core.memory import FullCollections
from cockpit.core.models import Mode, OrderType, Side
from cockpit.core.state import State
from cockpit.risk.views import Banner
from cockpit.session import Session
from cockpit.ui.arming import Arming
from cockpit.ui.bindings import COCKPIT_BINDINGS, FOOTER_KEYS, FOOTER_ORDER, LADDER_BINDINGS
from cockpit.ui.brackets import BracketKeys
from cockpit.ui.denials import denial_words, spelt_key
from cockpit.ui.drain import Drain, Pending
from cockpit.ui.flatten_key import FlattenRoad
from cockpit.ui.format import clock
from cockpit.ui.key_road import KeyRoad
from cockpit.ui.keymap import check_keymap
from cockpit.ui.ladder_keys import LadderKeys
from cockpit.ui.order_keys import OrderKeys
from cockpit.ui.panels import Panels
from cockpit.ui.pnl import pnl_view
from cockpit.ui.screens.quit import QuitScreen
from cockpit.ui.screens.ticket import OrderTicket
from cockpit.ui.seat import Seat
from cockpit.ui.theme import (
    DEFAULT_THEME,
    ThemeProblem,
    derived_variables,
    theme_catalogue,
)
from cockpit.ui.theme_choice import ThemeChoice
from cockpit.ui.widgets.banner import RiskBanner
from cockpit.ui.widgets.blotters import PositionsTable, WorkingOrdersTable
from cockpit.ui.widgets.chart import CandleChart
from cockpit.ui.widgets.fills_events import FillsAndEvents, describe
from cockpit.ui.widgets.footer import StatusFooter, entries_shut
from cockpit.ui.widgets.header import HeaderBar
from cockpit.ui.widgets.watchlist import Watchlist

if TYPE_CHECKING:
    from cockpit.guard.attached import AttachedSession
    from cockpit.replay import ReplaySession

MIN_SIZE = (80, 24)
FULL_SIZE = (120, 36)
DRAIN_HZ = 15
MESSAGE_SECONDS = 6


class FlattenKey(Message):
    """The flatten key, on its way to the app behind the keys typed before it."""


class CockpitApp(Drain, OrderKeys, LadderKeys, BracketKeys, Arming, Panels, ThemeChoice, App[int]):
    """A trading cockpit over one :class:`Session`."""

    CSS_PATH = "cockpit.tcss"
    AUTO_FOCUS = None
    TITLE = "cockpit"
    BINDINGS: ClassVar[list[BindingType]] = [*COCKPIT_BINDINGS]

    def __init__(
        self,
        session: Seat,
        *,
        drain_hz: float = DRAIN_HZ,
        themes: tuple[dict[str, Theme], list[ThemeProblem]] | None = None,
    ) -> None:
        super().__init__()
        self.session: Seat = session
        self.state = session.state
        self.engine = session.engine
        self.clock = session.clock
        settings = session.settings
        self.symbol = self.state.watchlist[0]
        self.ticket_size = settings.ui.default_size
        self.timeframe = settings.ui.timeframe
        self.paused = False
        self.drain_hz = drain_hz
        self._pending = Pending()
        self._frame = 0
        self._message = ""
        self._message_until = 0
        self._cockpit_timers: list[Timer] = []
        self.flatten_road = FlattenRoad(self, self.flatten_now)
        self.key_road = KeyRoad(self)
        self.collections: FullCollections | None = None
        """Full garbage collections while flat, from the tick (a live clock only)."""
        self._key_in_hand: events.Key | None = None
        """The key whose bindings run now (a key typed before the flatten sends no order)."""
        self.hidden = False
        """True while the terminal is below the minimum size: nothing the trader could act
        on is visible, so order keys do nothing (exits still work)."""
        self._size_text = ""
        self._risk_banner: Banner | None = None
        self._pnl = pnl_view(self.state)
        """The frame's P&L: the header and the positions blotter show this one."""
        available, self.theme_problems = themes if themes is not None else theme_catalogue()
        for theme in available.values():
            self.register_theme(theme)
        wanted = settings.ui.theme
        self.theme = wanted if wanted in available else DEFAULT_THEME
        for name in set(self.available_themes) - set(available):
            self.unregister_theme(name)  # the palette offers the catalogue, nothing else
        if settings.keys:
            self.set_keymap(check_keymap(settings.keys))
        # The drain writes to these directly: no DOM query on the hot path.
        self.header = HeaderBar(id="header")
        self.banner = RiskBanner(id="banner", flatten_key=self.key_words("flatten-all"))
        self.watchlist = Watchlist(self.state, id="watchlist")
        self.chart = CandleChart(self.state, self.symbol, self.timeframe, id="chart")
        self.positions = PositionsTable(id="positions")
        self.orders = WorkingOrdersTable(id="orders", cursor=True)
        self.fills_and_events = FillsAndEvents(id="fills-and-events")
        self.footer = StatusFooter(id="footer")
        self.build_ladder()
        self._drained = (
            self.header,
            self.banner,
            self.watchlist,
            self.chart,
            self.ladder,
            self.tape,
            self.positions,
            self.orders,
            self.fills_and_events,
            self.footer,
        )

    # Layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.banner
        with Horizontal(id="top"):
            yield self.watchlist
            yield self.chart
            yield self.ladder
        with Horizontal(id="bottom"):
            yield self.positions
            yield self.orders
            yield self.fills_and_events
            yield self.tape
        yield self.footer
        yield Static(id="too-small", markup=False)

    def on_mount(self) -> None:
        if self._driver is not None:
            self.flatten_road.install(self._driver)
        self.watchlist.border_title = "watchlist"
        self.positions.border_title = "positions"
        self.orders.border_title = "working orders"
        self.fills_and_events.border_title = "fills & events"
        self._apply_size((self.size.width, self.size.height))
        for problem in self.theme_problems:
            self.notify(
                f"{problem}; using {self.theme}", severity="warning", timeout=15, markup=False
            )
            self.engine.emit(Notice(self.clock.now_ns(), "warning", str(problem)))
        self._cockpit_timers = [self.set_interval(1 / self.drain_hz, self.drain, name="drain")]
        if not self.session.frozen:  # a frozen session ticks as its own clock moves
            self._cockpit_timers.append(self.set_interval(1.0, self.tick, name="tick"))
            self.collections = FullCollections(self.clock.now_ns())
        if not self.session.started:
            self.run_worker(self._start_session(), exclusive=True, group="session")
        else:
            memory.settle()
        self.drain(force=True)

    async def _start_session(self) -> None:
        try:
            await self.session.start()
        except Exception as exc:  # a broker that cannot start ends the run with its reason
            self.exit(2, message=f"cockpit: could not start the broker: {exc}")
            return
        memory.settle()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_size((event.size.width, event.size.height))

    def _apply_size(self, size: tuple[int, int]) -> None:
        width, height = size
        too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        compact = not too_small and (width < FULL_SIZE[0] or height < FULL_SIZE[1])
        screen = self.screen
        self.hidden = too_small
        screen.set_class(too_small, "-too-small")
        screen.set_class(compact, "-compact")
        if too_small:
            self._size_text = (
                f"resize to at least {MIN_SIZE[0]}×{MIN_SIZE[1]} (now {width}×{height})\n"
                f"order keys are off while the cockpit cannot be seen · "
                f"{self.key_words('flatten-all')} still flattens"
            )
            self._show_hidden_message("")

    def _show_hidden_latest(self, state: State) -> None:
        """While the cockpit cannot be seen, the newest fills & events line still can (a
        flatten pressed blind says how it ended)."""
        event = state.fills_and_events[-1]
        tag, text, _ = describe(event, state)
        self._show_hidden_message(f"{clock(event.ts)} {tag} {text}")

    def _show_hidden_message(self, message: str) -> None:
        """What the trader reads while the cockpit is too small: the size, and the last word."""
        text = f"{self._size_text}\n\n{message}" if message else self._size_text
        self.query_one("#too-small", Static).update(text)

    def get_css_variables(self) -> dict[str, str]:
        """Theme variables, with cockpit colours derived for themes that lack them."""
        variables = super().get_css_variables()
        return {**derived_variables(variables), **variables}

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette offers every cockpit action by name, with its key."""
        yield from super().get_system_commands(screen)
        for binding in COCKPIT_BINDINGS:
            if binding.id is None or binding.id.startswith("size-"):
                continue
            key = self.palette_key(binding)
            where = f"key {key}" if key is not None else "no key here"
            yield SystemCommand(
                binding.description.capitalize(),
                escape(f"{where} · {binding.id}"),  # the palette reads help as markup
                partial(self.call_later, self.run_action, binding.action),
            )

    def mode_detail(self) -> str:
        """Words beside the mode badge (replay shows its speed)."""
        return ""

    def rebind(self, session: Session) -> None:
        """Show another session's objects (a replay rebuilt its state): start the view over."""
        self.session = session
        self.state, self.engine, self.clock = session.state, session.engine, session.clock
        self.watchlist.state = self.chart.state = session.state
        self.rebind_ladder(session.state)
        self.positions.reset()
        self.orders.reset()
        self.fills_and_events.reset()
        self.watchlist.invalidate_rows()
        self._pending = Pending()

    def engine_feed_latency(self) -> int | None:
        return getattr(self.engine, "feed_latency_ns", None)

    def _update_footer(self, now: int) -> None:
        message = self._message if now < self._message_until else ""
        aim, keys = self.ladder_footer() or ("", self._footer_keys)
        self.footer.update_view(
            armed=self.state.armed,
            symbol=self.symbol,
            size=self.ticket_size,
            timeframe=self.timeframe,
            keys=keys,
            message=message,
            paused=self.paused,
            aim=aim,
            bracket=self.bracket_label(),
            shut=entries_shut(self.state, now, self._risk_banner),
        )

    @cached_property
    def _footer_keys(self) -> list[tuple[int, str, str]]:
        """Footer keys, most important first; the footer shows what fits, in screen order."""
        return [
            (FOOTER_ORDER.index(binding_id), self.key_for(binding_id), label)
            for binding_id, label in FOOTER_KEYS
        ]

    def key_for(self, binding_id: str) -> str:
        """The key bound to ``binding_id`` now, remaps included, as a trader reads it."""
        for binding in (*COCKPIT_BINDINGS, *LADDER_BINDINGS):
            if binding.id == binding_id:
                key = self._keymap.get(binding_id, binding.key).split(",")[0]
                return self.get_key_display(binding.with_key(key))
        return "?"

    def palette_key(self, binding: Binding) -> str | None:
        """The key that runs ``binding``'s action on this screen, as the palette labels it
        (``None``: no key does here)."""
        return self.key_for(binding.id) if binding.id is not None else None

    def key_words(self, binding_id: str) -> str:
        """The key bound to ``binding_id`` now, spelt out for a sentence (``ctrl+a``)."""
        binding = next(b for b in COCKPIT_BINDINGS if b.id == binding_id)
        return spelt_key(self._keymap.get(binding_id, binding.key).split(",")[0])

    def denial_text(self, verdict: Verdict) -> str:
        """A denial in words, naming the trader's own key where one helps."""
        return denial_words(verdict.reason, verdict.why, self.key_words)

    # Commands --------------------------------------------------------------------------

    def submit(self, command: Command) -> Verdict:
        """Hand a command to the engine; a denial is shown in the footer at once, and so is
        what an accepted command did instead of the obvious (a close joined, nothing to do).

        While the cockpit is too small to be seen, only exits reach the engine.
        """
        if self.hidden and not command.is_exit:
            reason = "the cockpit cannot be seen: enlarge the terminal first"
            self.say(f"✕ {command.label}: {reason}")
            return Verdict(False, reason)
        if self.flatten_road.typed_before(self._key_in_hand, command):
            reason = TYPED_BEFORE
            self.say(f"✕ {command.label}: {reason}")
            # On the blotter too (the screen's own line: the engine never saw the order).
            self.state.apply(Notice(self.clock.now_ns(), "warning", f"{command.label}: {reason}"))
            return Verdict(False, reason)
        verdict = self.engine.submit(command)
        if not verdict.accepted:
            self.say(f"✕ {self.denial_text(verdict)}")
        elif verdict.reason:
            self.say(verdict.reason)
        return verdict

    def visible_or_say(self, what: str) -> bool:
        """Panels and tickets open only where the trader can see them."""
        if self.hidden:
            self.say(f"✕ {what}: the cockpit cannot be seen: enlarge the terminal first")
        return not self.hidden

    def say(self, message: str) -> None:
        self._message = message
        self._message_until = self.clock.now_ns() + MESSAGE_SECONDS * 1_000_000_000
        self._update_footer(self.clock.now_ns())
        if self.hidden:
            self._show_hidden_message(message)

    def _market(self, side: Side, kind: OrderType = OrderType.MARKET) -> None:
        self.submit(PlaceOrder(symbol=self.symbol, side=side, type=kind, size=self.ticket_size))

    def action_buy_market(self) -> None:
        self._market(Side.BUY)

    def action_sell_market(self) -> None:
        self._market(Side.SELL)

    def action_join_bid(self) -> None:
        self._market(Side.BUY, OrderType.JOIN_BID)

    def action_join_ask(self) -> None:
        self._market(Side.SELL, OrderType.JOIN_ASK)

    def action_limit_ticket(self) -> None:
        if not self.visible_or_say("order ticket"):
            return
        quote = self.state.quotes.get(self.symbol)
        if quote is None:
            self.say(f"✕ no quote for {self.symbol} yet")
            return
        spec = self.state.instruments[self.symbol]
        self.push_screen(OrderTicket(spec, quote.bid, self.ticket_size, quote.bid, quote.ask))

    def action_set_size(self, size: int) -> None:
        self.ticket_size = size
        self._update_footer(self.clock.now_ns())

    def action_size_step(self, step: int) -> None:
        self.ticket_size = max(1, self.ticket_size + step)
        self._update_footer(self.clock.now_ns())

    def action_select(self, step: int) -> None:
        watchlist = self.watchlist
        index = (watchlist.selected + step) % len(self.state.watchlist)
        watchlist.selected = index
        self.symbol = self.state.watchlist[index]
        self.chart.show(self.symbol, self.timeframe)
        self._update_footer(self.clock.now_ns())

    def action_timeframe(self, step: int) -> None:
        labels = list(TIMEFRAMES)
        index = labels.index(self.timeframe) + step
        self.timeframe = labels[max(0, min(len(labels) - 1, index))]
        self.chart.show(self.symbol, self.timeframe)
        self._update_footer(self.clock.now_ns())

    def action_cancel_selected(self) -> None:
        order_id = self.orders.highlighted_order
        if order_id is None:
            self.say("no working order to cancel")
            return
        self.submit(CancelOrder(order_id=order_id))

    def action_cancel_all(self) -> None:
        working = len(self.state.working_orders())
        verdict = self.submit(CancelAll())
        if verdict.accepted and not verdict.reason:  # each cancel is a fills & events entry
            self.say(f"cancel all: {working} working order" + ("s" if working > 1 else ""))

    def action_flatten_all(self) -> None:
        """F by the binding (a key posted straight to the app; the terminal's F takes the
        short road). A priority binding is answered before the keys typed ahead of it
        reach theirs (they go by the focused widget first): the flatten takes their road,
        so `b F` posted in one burst flattens what `b` opened instead of running first."""
        (self.focused or self.screen).post_message(FlattenKey())

    def on_flatten_key(self, message: FlattenKey) -> None:
        message.stop()
        self.flatten_now()

    def flatten_now(self) -> None:
        """The flatten key: by its short road (:mod:`cockpit.ui.flatten_key`) in a
        terminal, by the binding's for a key posted straight to the app."""
        self.submit(FlattenAll(reason="flatten key"))

    async def on_event(self, event: events.Event) -> None:
        """Every binding runs inside the app's handling of its key: note which key it is."""
        if type(event) is not events.Key:
            await super().on_event(event)
            return
        self._key_in_hand = event
        try:
            if await self.key_road.at_once(event):
                return
            back = event.is_forwarded
            await super().on_event(event)
            self.key_road.read(event, back=back)
        finally:
            self._key_in_hand = None

    def action_focus_orders(self) -> None:
        table = self.orders
        if table.has_focus:
            self.screen.set_focus(None)
        else:
            table.focus()

    def action_pause_blotters(self) -> None:
        self.paused = not self.paused
        for blotter in (self.positions, self.orders, self.fills_and_events):
            blotter.set_class(self.paused, "-paused")
        if not self.paused:
            self._drain_blotters(self._pending, force=True)
        self._update_footer(self.clock.now_ns())

    def action_request_quit(self) -> None:
        positions = self.state.open_positions()
        if not positions:
            self.run_worker(self._stop_and_exit(), group="shutdown")
            return
        summary = ", ".join(f"{p.symbol} {p.size:+d}" for p in positions)

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.run_worker(self._stop_and_exit(), group="shutdown")

        demo = self.state.mode is Mode.SIM  # attached to a guard, q detaches instead
        self.push_screen(QuitScreen(summary, self.key_words("flatten-all"), demo=demo), answered)

    async def on_unmount(self) -> None:
        """However the app ends: no more drains, the broker stops, the journal closes."""
        for timer in self._cockpit_timers:
            timer.stop()
        if self.collections is not None:
            self.collections.release()
        await self.session.stop()

    async def action_quit(self) -> None:
        """Textual's own quit (ctrl+q, the palette) asks first too when positions are open."""
        self.action_request_quit()

    async def _stop_and_exit(self) -> None:
        await self.session.stop()
        self.exit(0)


def make_app(
    session: Session | ReplaySession | AttachedSession,
    *,
    drain_hz: float = DRAIN_HZ,
    themes: tuple[dict[str, Theme], list[ThemeProblem]] | None = None,
) -> CockpitApp:
    """The one way an app is built (the CLI, the tests, the screenshots): the cockpit over
    a session, attached to a guard, or in REPLAY mode over a replayed journal. ``themes``
    defaults to the shipped and the user's own themes."""
    if isinstance(session, Session):
        return CockpitApp(session, drain_hz=drain_hz, themes=themes)
    from cockpit.replay import ReplaySession

    if isinstance(session, ReplaySession):
        from cockpit.ui.replay import ReplayApp  # it extends this module's app; replay only

        return ReplayApp(session, drain_hz=drain_hz, themes=themes)
    from cockpit.ui.attached import AttachedApp  # the engine runs in a guard

    return AttachedApp(session, drain_hz=drain_hz, themes=themes)
