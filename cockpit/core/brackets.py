"""Brackets the cockpit manages: every entry under a template gets its stop and targets.

Native Gateway brackets depend on an account setting, hide their children in a status
REST never returns and do not resize after a partial close (reference section 13), so
the cockpit places and keeps the orders itself. The manager is an engine watcher: after
every account event it compares what each bracket should have working (a stop for the
open size, targets for their share) with what the broker reports, and sends the
difference (place, modify, cancel) with ``origin="bracket"``.

What "should" is comes from facts only: the entry's filled size, the legs' fills, and
the confirmed position (a bracket never protects more than is held, so closing by hand
cancels what would be orphaned). One side filling shrinks the other to nothing: OCO.
A leg cancelled by someone else (a key, a flatten) is dropped, never put back behind the
trader's back, and nothing is sent while a flatten runs.

Orders are linked by tag: a leg's tag is its entry's tag plus ``-SL`` or ``-TPn`` (and a
suffix when a leg is placed again), so after a restart or reconnect the working legs are
found again on ``Reconciled``; a leg whose position is gone is cancelled, and a position
whose stop is missing is re-protected.

This module is the watcher: its wiring into the engine, which events start or feed a
bracket, the stop following the price, and how it says and sends. Its parts live beside
it, one idea each: the legs and their tags (``bracket_legs``), the template arithmetic
(``bracket_plan``), bringing the legs to what they should be (``bracket_converge``) and
finding them again after a restart or reconnect (``bracket_relink``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from fractions import Fraction

from cockpit.core.bracket_converge import Converging
from cockpit.core.bracket_legs import (
    ORIGIN,
    STOP,
    Bracket,
    ChooseBracket,
    Leg,
    fill_ticks,
    held_for,
    leg_of,
    leg_words,
    why_moved,
)
from cockpit.core.bracket_plan import NO_TEMPLATE, Template, moved_stop
from cockpit.core.bracket_relink import Bare, Relinking
from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.commands import ClosePosition, Command, ModifyOrder
from cockpit.core.engine import Engine, Verdict
from cockpit.core.events import (
    Event,
    FillReceived,
    FlattenCompleted,
    Notice,
    OrderDenied,
    OrderSubmitted,
    OrderUpdated,
    PositionUpdated,
    QuoteUpdated,
    Reconciled,
    SubmissionSettled,
)
from cockpit.core.models import Order, OrderRequest, OrderType, Side
from cockpit.core.state import State
from cockpit.core.validation import Denial

_TRIES_PLACE = 10
"""Times a leg's place may fail at the broker (an outage) before it is left off."""
_WATCHED = frozenset(
    {
        QuoteUpdated,
        OrderSubmitted,
        OrderUpdated,
        FillReceived,
        PositionUpdated,
        SubmissionSettled,
        FlattenCompleted,
        Reconciled,
    }
)
"""Events that can change what a bracket should have working."""
_COVERING = frozenset({OrderUpdated, PositionUpdated, Reconciled})
"""Events that can put a stop under a flagged bare position, or close it."""


class BracketManager(Converging, Relinking):
    """Places, resizes, moves and cancels the legs of every bracketed entry."""

    def __init__(
        self, templates: Iterable[Template], active: str | None = None, run_tag: str = "ck"
    ) -> None:
        self.templates = {template.name: template for template in templates}
        self.active: Template | None = self.templates.get(active) if active else None
        self.run_tag = run_tag
        self.brackets: dict[str, Bracket] = {}
        """Every bracket not yet done, by its entry's tag."""
        self._by_tag: dict[str, tuple[Bracket, Leg]] = {}
        self._engine: Engine | None = None
        self._busy = False
        self._own = 0
        """The manager's own commands being sent (those are not someone else's)."""
        self._held: list[Callable[[], None]] = []
        """What the manager said or sent inside someone else's command, to go after it."""
        """A turn is running: events the broker reports meanwhile wait in ``_deferred``."""
        self._deferred: deque[Event] = deque()
        self._placed = 0
        self.bare: dict[str, Bare] = {}
        self._reconciled = False

    # Wiring ------------------------------------------------------------------------------

    def attach(self, engine: Engine) -> None:
        """Watch ``engine``'s events, send through it, and handle :class:`ChooseBracket`."""
        self._engine = engine
        if self not in engine.watchers:
            engine.watchers.append(self)
        engine.handlers[ChooseBracket] = self._chosen
        if self._release not in engine.settled:
            engine.settled.append(self._release)
        if self not in engine.gates:
            engine.gates.append(self)

    def check(self, command: Command, request: OrderRequest | None, state: State) -> Denial | None:
        """A gate: a leg may not be made larger than the contracts it protects, its entry's
        share of the position (a target for 2 on a long 1 would fill into a short: the OCO
        would overfill)."""
        if not isinstance(command, ModifyOrder) or command.size is None:
            return None
        if command.origin == ORIGIN:
            return None
        order = state.orders.get(command.order_id)
        linked = self._by_tag.get(order.tag or "") if order is not None else None
        if order is None or linked is None:
            return None
        bracket = linked[0]
        # Its own entry's contracts: two brackets on one long share it, and a leg grown to
        # the whole of it would fill past its entry (the other bracket's legs still work).
        protects = max(
            0, min(bracket.entry_filled - self._exited(bracket, state), held_for(state, bracket))
        )
        if command.size - order.filled <= protects:
            return None
        return Denial(
            f"{leg_words(linked[1])} of the {order.symbol} bracket may work at most the "
            f"{protects} contract(s) it protects"
        )

    def _chosen(self, command: ChooseBracket) -> Verdict:
        if command.name != NO_TEMPLATE and command.name not in self.templates:
            known = ", ".join([*self.templates, NO_TEMPLATE])
            reason = f"no bracket template {command.name!r}; known: {known}"
            self._emit(OrderDenied(self._now(), command.label, reason, "brackets"))
            return Verdict(False, reason)
        self.choose(command.name)
        return Verdict(True)

    def planned_stop(self, request: OrderRequest) -> int | None:
        """Ticks to the stop an entry sent now would get (the max-risk rule asks)."""
        return self.active.stop if self.active is not None else None

    def next_name(self) -> str:
        """The template after the active one in config order, then ``none``, then round."""
        names = [*self.templates, NO_TEMPLATE]
        return names[(names.index(self.active_name) + 1) % len(names)]

    @property
    def active_name(self) -> str:
        return self.active.name if self.active is not None else NO_TEMPLATE

    def choose(self, name: str) -> None:
        """Make ``name`` (or ``none``) the template of the next entries."""
        if name != NO_TEMPLATE and name not in self.templates:
            raise ValueError(f"no bracket template {name!r}")
        self.active = self.templates.get(name)
        self._notice("info", f"bracket template: {self.active_name}")

    # Watching ----------------------------------------------------------------------------

    def on_event(self, event: Event, state: State) -> tuple[Command, ...]:
        kind = type(event)
        if self.bare and kind in _COVERING:
            self._unflag(state)
        if kind not in _WATCHED or (kind is QuoteUpdated and not self.brackets):
            return ()
        if self._busy:
            self._deferred.append(event)  # reported while a send of ours runs: next
            return ()
        self._turn(lambda: self._handle(event, state), state)
        return ()

    def _turn(self, act: Callable[[], None], state: State) -> None:
        """Do ``act``; what the broker reports while it sends (on eager tasks, inside the
        call) is handled after, one event at a time, exactly where a replay, which feeds
        those reports from the recording, handles them."""
        if self._busy:
            raise RuntimeError("a bracket turn inside a bracket turn")
        self._busy = True
        try:
            act()
            while self._deferred:
                self._handle(self._deferred.popleft(), state)
        finally:
            self._deferred.clear()
            self._busy = False

    def _handle(self, event: Event, state: State) -> None:
        kind = type(event)
        if kind is QuoteUpdated:
            assert isinstance(event, QuoteUpdated)
            self._moves(event, state)
            return
        if kind is OrderSubmitted:
            assert isinstance(event, OrderSubmitted)
            self._entry(event, state)
        elif kind is OrderUpdated:
            assert isinstance(event, OrderUpdated)
            self._learn(event.order)
        elif kind is SubmissionSettled:
            assert isinstance(event, SubmissionSettled)
            self._settled(event)
        elif kind is Reconciled:
            self._relink(state)
            self._converge_all(state)
            self._flag_bare(state)
            return
        if self.brackets:
            self._converge_all(state)

    def _entry(self, event: OrderSubmitted, state: State) -> None:
        """An order that opens or adds to a position, sent under a template, is an entry."""
        request = event.request
        template = self.active
        if template is None or request.tag is None or request.tag in self._by_tag:
            return
        if leg_of(request.tag) is not None or request.tag in self.brackets:
            return
        against = max(0, -request.side.sign * state.position_size(request.symbol))
        if request.size <= against:
            return  # an exit: nothing to protect from this order
        # An order through flat (buy 2 while short 1) is an exit, then an entry: the
        # bracket protects only what it opens.
        self.brackets[request.tag] = Bracket(
            request.tag, request.symbol, request.side, template, closing=against
        )

    def _learn(self, order: Order) -> None:
        """Tie a reported order to its bracket: the entry's id and fills, a leg's id."""
        if order.tag is None:
            return
        bracket = self.brackets.get(order.tag)
        if bracket is not None:
            bracket.entry_id = order.id
            bracket.entry_working = order.status.is_working
            opened = order.filled - bracket.closing
            if opened > bracket.entry_filled:
                bracket.entry_filled = opened
                if bracket.average is None and order.fill_price is not None:
                    bracket.average = fill_ticks(order, self._spec_tick(order.symbol))
            return
        linked = self._by_tag.get(order.tag)
        if linked is None:
            return
        leg = linked[1]
        leg.order_id = order.id
        price = order.stop if order.type is OrderType.STOP else order.limit
        if price is None:
            return
        moved = leg.reported is not None and price != leg.reported
        if moved and (leg.asked is None or leg.asked[1] != price):
            leg.price = price  # moved by the trader (a key): the bracket keeps it there
        leg.reported = price

    def _settled(self, event: SubmissionSettled) -> None:
        """A leg's place came back: its id, or (no id) the broker would not take it."""
        linked = self._by_tag.get(event.tag)
        if linked is None:
            return
        bracket, leg = linked
        if event.order_id is not None:
            leg.order_id = event.order_id
            return
        del self._by_tag[event.tag]
        leg.tag = None
        leg.failures += 1
        state = self._state()
        quote = state.quotes.get(bracket.symbol)
        through = (
            quote is not None
            and ((quote.bid if bracket.side is Side.BUY else quote.ask) - leg.price)
            * bracket.side.sign
            <= 0
        )
        if leg.name == STOP and through:
            leg.dropped = True  # the market passed the stop already: exit as it would have
            self._notice(
                "warning",
                f"bracket {bracket.symbol}: the market is through the stop "
                f"{state.instruments[bracket.symbol].format(leg.price)}: closing at market",
            )
            self._submit(ClosePosition(symbol=bracket.symbol, origin=ORIGIN))
        elif leg.failures >= _TRIES_PLACE:
            leg.dropped = True
            self._notice(
                "warning",
                f"bracket {bracket.symbol}: {leg_words(leg)} not placed by the broker "
                f"after {leg.failures} tries; the bracket leaves it off",
            )
        else:
            leg.retry_ns = self._now() + NS_PER_SECOND  # a new tag: the lost one may land
            self._notice(
                "warning",
                f"bracket {bracket.symbol}: {leg_words(leg)} not placed by the broker; "
                "asked again in a second",
            )

    def _spec_tick(self, symbol: str) -> Fraction:
        assert self._engine is not None
        return Fraction(self._engine.state.instruments[symbol].tick_size)

    def on_time(self, now: int, state: State) -> tuple[Command, ...]:
        """A modify the broker has not shown after a second is asked again, a few times;
        then the leg keeps the price the broker has and the cockpit says so."""
        if self.brackets:
            self._turn(lambda: self._retry(now, state), state)
        return ()

    # Moving the stop ---------------------------------------------------------------------

    def _moves(self, quote: QuoteUpdated, state: State) -> None:
        """Break-even and trailing: the stop follows the best price, tick-exact."""
        moved = False
        for bracket in self.brackets.values():
            template = bracket.template
            stop = bracket.stop
            if (
                bracket.symbol != quote.symbol
                or stop is None
                or bracket.average is None
                or (template.breakeven is None and template.trail is None)
            ):
                continue
            price = quote.bid if bracket.side is Side.BUY else quote.ask
            if bracket.best is None or (price - bracket.best) * bracket.side.sign > 0:
                bracket.best = price
            level = moved_stop(template, bracket.side, bracket.average, bracket.best, stop.price)
            if level == stop.price or (price - level) * bracket.side.sign <= 0:
                continue  # no move, or one that would cross the market
            spec = state.instruments[bracket.symbol]
            before, stop.price = stop.price, level
            self._notice(
                "info",
                f"bracket {bracket.symbol}: stop moved {spec.format(before)} -> "
                f"{spec.format(level)} ({why_moved(template, bracket, level)})",
            )
            moved = True
        if moved:
            self._converge_all(state)

    # Saying ------------------------------------------------------------------------------

    def _submit(self, command: Command) -> None:
        if self._foreign():
            self._held.append(lambda: self._submit(command))
            return
        self._own_submit(command)

    def _own_submit(self, command: Command) -> Verdict:
        assert self._engine is not None
        self._own += 1
        try:
            return self._engine.submit(command)
        finally:
            self._own -= 1

    def _foreign(self) -> bool:
        """Inside someone else's command (a risk engine's cancel that the broker answered
        at once): what the manager says or sends waits until the outermost fold or command
        is done, where a replay, which feeds the broker's answers after all the commands
        of that moment, says and sends it. What it decides, it decides now, on the state
        as it is now, as the replay does."""
        engine = self._engine
        return engine is not None and engine.sending > self._own

    def _release(self) -> None:
        """The outermost fold or command is done: say and send what waited, in order."""
        while self._held:
            self._held.pop(0)()

    def _state(self) -> State:
        assert self._engine is not None
        return self._engine.state

    def _now(self) -> int:
        assert self._engine is not None
        return self._engine.now()

    def _notice(self, level: str, text: str) -> None:
        if self._engine is not None:
            self._emit(Notice(self._engine.now(), level, text))

    def _emit(self, event: Event) -> None:
        engine = self._engine
        assert engine is not None
        if self._foreign():
            self._held.append(lambda: engine.emit(event))
            return
        engine.emit(event)


__all__ = ["ORIGIN", "STOP", "Bracket", "BracketManager", "ChooseBracket", "Leg", "leg_of"]
