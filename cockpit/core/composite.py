"""Commands the engine carries out in steps: a partial close, a reverse, an order to the market.

Part of the engine, kept in its own module (the engine's own paths send every step, so
each one passes validation and the gates like any other command):

* ``CloseContracts`` is an exit: a market order against the position, never more than
  the position and the exits already on their way leave (all of it is the broker-sized
  ``ClosePosition``). No state blocks it, armed or not, like cancel and flatten.
* ``ReversePosition`` cancels the instrument's working orders (a stop under a long would
  be a sell stop *entry* under the short), closes the position once none is working, and
  enters the other way at market for the same size once the broker reports flat. The
  entry is judged then like any entry, so a reverse never leaves the account bigger than
  the contract limit allows, and a denied entry leaves it flat, never half-protected.
* ``MoveToMarket`` moves a limit to the touch (a buy to the ask: it fills now at that
  price or better); a stop is cancelled and, once the broker confirms the cancel, what it
  had left goes at market: an exit stop as a close (never more than the position), an
  entry stop as a market entry.

The later steps wait for the broker's news (an order cancelled, the position flat), never
for a time: they are taken by this watcher (watching only while a step waits) as the
events are folded, after every other watcher has seen them (the risk engine judges the
close's fill before the entry is asked for), and submitted under the origins in
:data:`COMPOSED_ORIGINS`, so a replay re-derives them from the same events. A flatten, a
close by hand, a failed close or cancel, or the broker saying nothing for
:data:`STEP_TIMEOUT_NS` stops what is waiting, with a line that says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.commands import (
    CancelAll,
    CancelOrder,
    CloseContracts,
    ClosePosition,
    Command,
    ModifyOrder,
    MoveToMarket,
    PlaceOrder,
    ReversePosition,
)
from cockpit.core.events import (
    BrokerFailed,
    Event,
    FlattenStarted,
    Notice,
    OrderSubmitted,
    OrderUpdated,
    PositionUpdated,
)
from cockpit.core.flatten import Completion
from cockpit.core.models import OrderRequest, OrderStatus, OrderType, Side
from cockpit.core.moves import LIMITS, STOPS, touch
from cockpit.core.state import State
from cockpit.core.tradingstate import TradingState
from cockpit.core.validation import trading_denial

if TYPE_CHECKING:
    from cockpit.core.engine import Engine, Verdict

REVERSE = "reverse"
TO_MARKET = "to market"
COMPOSED_ORIGINS = frozenset({REVERSE, TO_MARKET})
"""Origins of the steps submitted on the broker's news: a replay expects them re-derived."""
STEP_TIMEOUT_NS = 10 * NS_PER_SECOND
"""A step the broker has not answered within this long is given up (with a line)."""
NO_COMMANDS: tuple[Command, ...] = ()


@dataclass(slots=True)
class Reversal:
    """A reverse on its way: cancelling, then closing, then entering ``side``."""

    symbol: str
    side: Side
    size: int
    since_ns: int
    done: Completion
    closing: bool = False


@dataclass(slots=True)
class StopToMarket:
    """A stop being cancelled so that what it had left goes at market."""

    order_id: int
    symbol: str
    exit: bool
    """It was against the position when the key was pressed: it goes as a close."""
    since_ns: int
    done: Completion


class CompositeCommands:
    """The engine's handler of the composite commands, and the watcher of their steps."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reversals: dict[str, Reversal] = {}
        self.stops: dict[int, StopToMarket] = {}

    def attach(self) -> None:
        handlers = self.engine.handlers
        handlers[CloseContracts] = self.close_contracts
        handlers[ReversePosition] = self.reverse
        handlers[MoveToMarket] = self.to_market

    # Partial close -------------------------------------------------------------------

    def close_contracts(self, command: CloseContracts) -> Verdict:
        from cockpit.core.engine import Verdict

        engine, state, symbol = self.engine, self.engine.state, command.symbol
        held = state.position_size(symbol)
        if held == 0:
            return engine._deny(command, f"no open {symbol} position")
        reversal = self.reversals.get(symbol)
        if reversal is not None and command.origin not in COMPOSED_ORIGINS:
            self._end_reversal(reversal, "closed by hand")  # the trader took it back
        if command.size <= 0:
            return engine._deny(command, f"size must be at least 1 (got {command.size})")
        if engine.flattening or command.size >= abs(held):
            close = ClosePosition(symbol=symbol, origin=command.origin)
            return engine._close(close)  # broker-sized: it cannot overshoot
        if engine._on_its_way(engine._closing, symbol) is not None:
            return Verdict(True, "close already sent")
        side = Side.SELL if held > 0 else Side.BUY
        if not state.reduces(symbol, side, command.size):
            return engine._deny(
                command,
                f"exits already on their way cover the position ({symbol} {held:+d}): "
                "a close of more could reverse it",
            )
        request = OrderRequest(symbol, side, OrderType.MARKET, command.size, tag=engine._next_tag())
        if engine.broker is None:
            return engine._deny(command, "no broker connected", "broker")
        engine.emit(OrderSubmitted(engine.now(), request))
        return Verdict(True, task=engine._spawn(engine._send_order(request), command.label))

    # Reverse -------------------------------------------------------------------------

    def reverse(self, command: ReversePosition) -> Verdict:
        from cockpit.core.engine import Verdict

        engine, state, symbol = self.engine, self.engine.state, command.symbol
        held = state.position_size(symbol)
        if held == 0:
            return engine._deny(command, f"no open {symbol} position to reverse")
        denied = trading_denial(command.origin, state)
        if denied is not None:
            return engine._deny(command, denied.reason, denied.rule, denied.why)
        shut = _entries_shut(state)
        if shut is not None:
            return engine._deny(command, f"{shut}: a reverse opens a position", "risk state")
        if symbol in self.reversals:
            return engine._deny(command, f"a reverse of {symbol} is already on its way")
        if engine._on_its_way(engine._closing, symbol) is not None:
            return engine._deny(command, f"a close of {symbol} is already on its way")
        side = Side.SELL if held > 0 else Side.BUY
        size = abs(held)
        reversal = Reversal(symbol, side, size, engine.now(), Completion())
        self.reversals[symbol] = reversal
        self._watch_last()
        if state.working_orders(symbol):
            engine.submit(CancelAll(symbol=symbol, origin=REVERSE))
        self._step_reversal(reversal)
        reason = f"reversing {symbol} {held:+d}: close, then {side.label} {size} at market"
        return Verdict(True, reason, task=reversal.done)

    def reversing(self, symbol: str) -> bool:
        """Whether a reverse of ``symbol`` is on its way (its cancels are its own)."""
        return symbol in self.reversals

    def _step_reversal(self, reversal: Reversal) -> None:
        """Take the next step the account allows: close once nothing works, enter once flat."""
        state, symbol = self.engine.state, reversal.symbol
        if self.reversals.get(symbol) is not reversal:
            return  # ended inside a step it took (a paper broker answers at once)
        if not reversal.closing:
            if state.working_orders(symbol):
                return
            reversal.closing = True
            verdict = self.engine.submit(ClosePosition(symbol=symbol, origin=REVERSE))
            if not verdict.accepted:
                self._end_reversal(reversal, f"the close was denied ({verdict.reason})")
                return
            if self.reversals.get(symbol) is not reversal:
                return
        if state.position_size(symbol) != 0 or any(
            request.symbol == symbol for request in state.pending.values()
        ):
            return
        del self.reversals[symbol]
        entry = PlaceOrder(symbol=symbol, side=reversal.side, size=reversal.size, origin=REVERSE)
        self.engine.submit(entry)  # judged now, like any entry; a denial says why
        reversal.done.finish()

    def _end_reversal(self, reversal: Reversal, why: str) -> None:
        self.reversals.pop(reversal.symbol, None)
        text = f"reverse {reversal.symbol} stopped: {why}; nothing entered"
        self.engine.emit(Notice(self.engine.now(), "warning", text))
        reversal.done.finish()

    # To the market -------------------------------------------------------------------

    def to_market(self, command: MoveToMarket) -> Verdict:
        from cockpit.core.engine import Verdict

        engine, state = self.engine, self.engine.state
        order = state.orders.get(command.order_id)
        if order is None or not order.status.is_working:
            return engine._deny(command, f"order {command.order_id} is not working")
        denied = trading_denial(command.origin, state)
        if denied is not None:
            return engine._deny(command, denied.reason, denied.rule, denied.why)
        if order.type in LIMITS:
            quote = state.quotes.get(order.symbol)
            if quote is None:
                return engine._deny(command, f"no quote for {order.symbol} yet")
            price = touch(order.side, quote)
            assert order.limit is not None
            if order.side.sign * (order.limit - price) >= 0:
                return Verdict(True, f"order {order.id} is already at the market")
            spec = state.instruments[order.symbol]
            modify = ModifyOrder(
                order_id=order.id, limit_price=spec.to_price(price), origin=TO_MARKET
            )
            return engine.submit(modify)
        if order.type not in STOPS:
            return engine._deny(command, f"order {order.id} is already a market order")
        if order.id in self.stops:
            return Verdict(True, f"order {order.id} is already on its way to the market")
        exit_ = state.against_position(order.symbol, order.side)
        move = StopToMarket(order.id, order.symbol, exit_, engine.now(), Completion())
        self.stops[order.id] = move
        self._watch_last()
        verdict = engine.submit(CancelOrder(order_id=order.id, origin=TO_MARKET))
        if not verdict.accepted:
            self.stops.pop(order.id, None)
            move.done.finish()
            self._unwatch_when_idle()
            return verdict
        self._step_stop(move)  # the cancel may already be confirmed (a paper broker)
        as_what = "a close" if exit_ else "an entry"
        reason = f"order {order.id}: cancelling, then at market as {as_what}"
        return Verdict(True, reason, task=move.done)

    def _step_stop(self, move: StopToMarket) -> None:
        state = self.engine.state
        order = state.orders.get(move.order_id)
        if self.stops.get(move.order_id) is not move or order is None or order.status.is_working:
            return
        del self.stops[move.order_id]
        left = order.size - order.filled
        if order.status is not OrderStatus.CANCELLED or left <= 0:
            word = order.status.name.lower()
            self._said(f"order {order.id} {word} before it could go to the market")
        elif move.exit:
            held = state.position_size(order.symbol)
            if order.side.sign * held >= 0:
                self._said(f"order {order.id} cancelled: no {order.symbol} position left to exit")
            else:
                size = min(left, abs(held))
                self.engine.submit(CloseContracts(symbol=order.symbol, size=size, origin=TO_MARKET))
        else:
            entry = PlaceOrder(symbol=order.symbol, side=order.side, size=left, origin=TO_MARKET)
            self.engine.submit(entry)
        move.done.finish()

    def _said(self, text: str) -> None:
        self.engine.emit(Notice(self.engine.now(), "warning", text))

    # The watcher ---------------------------------------------------------------------

    def _watch_last(self) -> None:
        """Watch after every other watcher: the risk engine sees each fill before a step
        it allows is asked for. A new list, never a change to the one a fold may be
        walking."""
        engine = self.engine
        engine.watchers = [*(w for w in engine.watchers if w is not self), self]

    def _unwatch_when_idle(self) -> None:
        """Nothing waiting: stop watching, so a quote costs nothing here."""
        engine = self.engine
        if not self.reversals and not self.stops and self in engine.watchers:
            engine.watchers = [w for w in engine.watchers if w is not self]

    def on_event(self, event: Event, state: State) -> Iterable[Command]:
        if not self.reversals and not self.stops:
            self._unwatch_when_idle()
            return NO_COMMANDS
        kind = type(event)
        if kind is OrderUpdated or kind is PositionUpdated:
            for move in list(self.stops.values()):
                self._step_stop(move)
            for reversal in list(self.reversals.values()):
                self._step_reversal(reversal)
        elif kind is FlattenStarted:
            self._give_up("flatten all started")
        elif isinstance(event, BrokerFailed) and _is_exit_label(event.command):
            self._give_up(f"the broker said: {event.reason}")
        self._unwatch_when_idle()
        return NO_COMMANDS

    def on_time(self, now_ns: int, state: State) -> Iterable[Command]:
        """Give up a step the broker has not answered for :data:`STEP_TIMEOUT_NS`."""
        late = now_ns - STEP_TIMEOUT_NS
        for reversal in [r for r in self.reversals.values() if r.since_ns <= late]:
            self._end_reversal(reversal, "the broker has not reported it flat")
        for move in [m for m in self.stops.values() if m.since_ns <= late]:
            del self.stops[move.order_id]
            self._said(f"order {move.order_id} to the market stopped: its cancel was not confirmed")
            move.done.finish()
        self._unwatch_when_idle()
        return NO_COMMANDS

    def _give_up(self, why: str) -> None:
        for reversal in list(self.reversals.values()):
            self._end_reversal(reversal, why)
        for move in list(self.stops.values()):
            del self.stops[move.order_id]
            self._said(f"order {move.order_id} to the market stopped: {why}")
            move.done.finish()


def _entries_shut(state: State) -> str | None:
    """Why no entry can pass now (a lockout, REDUCE-ONLY), or ``None``."""
    if state.lockout_until is not None:
        return "locked"
    if state.risk_state.rank >= TradingState.REDUCE_ONLY.rank:
        return f"{state.risk_state}: exits only"
    return None


def _is_exit_label(label: str) -> bool:
    """A failed close or cancel (what a reverse or a stop's move waits on)."""
    return label.startswith(("ClosePosition", "close ", "CancelOrder", "CancelAll"))
