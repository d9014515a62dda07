"""The drain: the one path from state to widgets, as a mixin of
:class:`~cockpit.ui.app.CockpitApp`.

A timer (15 Hz) reads what changed in the state and updates only those widgets inside
``batch_update()``; the blotters update at 4 Hz and the chart at 2 Hz, whatever the tape,
and never on the same tick, so a key waits behind one of them at most. A live clock's
second also ticks the engine (time-driven risk).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from textual.screen import Screen
from textual.widget import Widget

from cockpit.core.clock import Clock
from cockpit.core.engine import Engine
from cockpit.core.memory import FullCollections
from cockpit.core.state import Changes, State
from cockpit.risk.views import Banner
from cockpit.ui.pnl import ZERO, PnlView, floor_room, loss_room, pnl_view
from cockpit.ui.screens.ticket import OrderTicket
from cockpit.ui.seat import Seat
from cockpit.ui.widgets.banner import RiskBanner
from cockpit.ui.widgets.blotters import PositionsTable, WorkingOrdersTable
from cockpit.ui.widgets.chart import CandleChart
from cockpit.ui.widgets.fills_events import FillsAndEvents
from cockpit.ui.widgets.header import HeaderBar
from cockpit.ui.widgets.watchlist import Watchlist

BLOTTER_EVERY = 4
"""Drain ticks between blotter updates (15 Hz / 4: about 4 Hz)."""
CHART_EVERY = 8
"""Drain ticks between chart redraws (about 2 Hz)."""


@dataclass
class Pending:
    """Changes not yet shown by the slower widgets (blotters, chart)."""

    quotes: set[str] = field(default_factory=set)
    bars: set[str] = field(default_factory=set)
    orders: bool = False
    positions: bool = False
    fills_and_events: bool = False

    def add(self, changes: Changes) -> None:
        self.quotes |= changes.quotes
        self.bars |= changes.bars
        self.orders |= bool(changes.orders)
        self.positions |= bool(changes.positions)
        self.fills_and_events |= changes.fills_and_events


class _Cockpit(Protocol):
    """What the drain uses of the app."""

    _frame: int
    _risk_banner: Banner | None
    _pnl: PnlView
    collections: FullCollections | None

    @property
    def session(self) -> Seat: ...

    @property
    def state(self) -> State: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def symbol(self) -> str: ...

    @property
    def paused(self) -> bool: ...

    @property
    def hidden(self) -> bool: ...

    @property
    def header(self) -> HeaderBar: ...

    @property
    def banner(self) -> RiskBanner: ...

    @property
    def watchlist(self) -> Watchlist: ...

    @property
    def chart(self) -> CandleChart: ...

    @property
    def positions(self) -> PositionsTable: ...

    @property
    def orders(self) -> WorkingOrdersTable: ...

    @property
    def fills_and_events(self) -> FillsAndEvents: ...

    @property
    def _drained(self) -> tuple[Widget, ...]: ...

    @property
    def _pending(self) -> Pending: ...

    @property
    def screen(self) -> Screen[object]: ...

    def batch_update(self) -> AbstractContextManager[None]: ...

    def engine_feed_latency(self) -> int | None: ...

    def mode_detail(self) -> str: ...

    def drain_ladder(self, changes: Changes, blotters_due: bool, force: bool = False) -> None: ...

    def _show_hidden_latest(self, state: State) -> None: ...

    def _ticket_touch(self, symbols: set[str]) -> None: ...

    def _drain_blotters(self, pending: Pending, force: bool) -> None: ...

    def _update_footer(self, now: int) -> None: ...


class Drain:
    """The drain timer's work, and the engine's tick."""

    def tick(self: _Cockpit) -> None:
        """Once a second of a live clock: time-driven risk (cooldowns ending, end-of-day
        flatten...). Never on a frozen session: its ticks come with its clock
        (:meth:`Session.advance`), so a slow machine cannot add any. Then a full garbage
        collection if the account is flat and it is time (core/memory.py)."""
        self.engine.tick()
        if self.collections is not None:
            self.collections.on_tick(self.clock.now_ns(), self.state)

    def drain(self: _Cockpit, force: bool = False) -> None:
        """Show what changed since the last tick: the only path from state to widgets."""
        state = self.state
        now = self.clock.now_ns()
        changes = state.take_changes()
        pending = self._pending
        pending.add(changes)
        self._frame += 1
        # The blotters and the chart never share a tick: a key waits behind one of them
        # at most, never both.
        blotters_due = force or self._frame % BLOTTER_EVERY == 2
        chart_due = (force or self._frame % CHART_EVERY == 0) and self.chart.display
        if not all(widget.is_attached for widget in self._drained):
            return  # mounting, or tearing down: Textual has pruned (some of) the widgets
        if self.hidden and changes.fills_and_events and state.fills_and_events:
            self._show_hidden_latest(state)
        risk = self.session.risk
        if blotters_due or changes.account or changes.status:
            self._risk_banner = risk.banner(state, now) if risk is not None else None
        if blotters_due:
            earlier = risk.earlier_day_pnl(now) if risk is not None else ZERO
            self._pnl = pnl_view(
                state, loss_room(risk, state, now), floor_room(risk, state, now), earlier
            )
        with self.batch_update():
            self.header.update_view(
                state,
                now,
                feed_latency_ns=self.engine_feed_latency(),
                pnl=self._pnl,
                mode_detail=self.mode_detail(),
            )
            self.banner.update_view(state, now, self._risk_banner)
            watchlist = self.watchlist
            if changes.quotes:
                watchlist.quotes_changed(changes.quotes)
                self._ticket_touch(changes.quotes)
            if changes.positions:
                watchlist.positions_changed(changes.positions)
            watchlist.pnl_changed(self._pnl)
            if chart_due and (
                force
                or self.symbol in pending.bars
                or self.symbol in pending.quotes
                or pending.orders
                or pending.positions
            ):
                self.chart.redraw()
                pending.bars.clear()
            self.drain_ladder(changes, blotters_due, force)
            if blotters_due and not self.paused:
                self._drain_blotters(pending, force)
            if blotters_due:
                pending.quotes.clear()
            self._update_footer(now)

    def _ticket_touch(self: _Cockpit, symbols: set[str]) -> None:
        """An open order ticket's bid and ask follow the market."""
        ticket = self.screen
        if isinstance(ticket, OrderTicket) and ticket.spec.symbol in symbols:
            quote = self.state.quotes.get(ticket.spec.symbol)
            if quote is not None:
                ticket.touch_moved(quote.bid, quote.ask)

    def _drain_blotters(self: _Cockpit, pending: Pending, force: bool) -> None:
        state = self.state
        positions = self.positions
        if force or pending.positions or positions.pnl != self._pnl:
            positions.refresh_from(state, self._pnl)
        if force or pending.orders:
            self.orders.refresh_from(state)
        if force or pending.fills_and_events:
            self.fills_and_events.catch_up(state)
        pending.orders = pending.positions = pending.fills_and_events = False
