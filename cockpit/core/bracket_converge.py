"""A bracket's legs brought to what they should be: after every account event the
manager works out what each bracket should have working (a stop for the open size,
targets for their share, never more than is held) and sends the difference (place,
modify, cancel) with ``origin="bracket"``; a modify the broker has not shown after a
second is asked again, a few times.

A mixin of :class:`cockpit.core.brackets.BracketManager` (split out to keep each module
to one idea); it uses the manager's brackets, tag index and ways of saying and sending.
"""

from __future__ import annotations

from collections.abc import Callable

from cockpit.core.bracket_legs import ORIGIN, STOP, Bracket, Leg, held_for, leg_words
from cockpit.core.bracket_plan import stop_price, target_price, target_sizes
from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.commands import CancelOrder, Command, ModifyOrder, PlaceOrder
from cockpit.core.engine import Engine, Verdict
from cockpit.core.models import OrderStatus, OrderType, Side
from cockpit.core.state import State
from cockpit.core.validation import Why

_WAIT = frozenset({Why.NOT_RECONCILED, Why.FLATTENING})
"""Denials that pass: the leg is asked for again once the account is re-read or the
flatten ends (each of which brings the brackets up to date)."""
_TRIES = 3
"""Times a modify is asked for before the manager keeps the broker's price."""


class Converging:
    """Placing, resizing, moving and cancelling legs, for the bracket manager."""

    brackets: dict[str, Bracket]
    _by_tag: dict[str, tuple[Bracket, Leg]]
    run_tag: str
    _engine: Engine | None
    _held: list[Callable[[], None]]

    _exited: Callable[[Bracket, State], int]
    _foreign: Callable[[], bool]
    _own_submit: Callable[[Command], Verdict]
    _notice: Callable[[str, str], None]
    _now: Callable[[], int]

    def _converge_all(self, state: State) -> None:
        """Bring every bracket to what it should have working. While a flatten runs only
        cancels go out (a leg whose position is gone): nothing is placed or moved."""
        held: dict[tuple[str, Side], int] = {}
        for bracket in list(self.brackets.values()):
            side = (bracket.symbol, bracket.side)  # a long's brackets share the long only
            share = held.setdefault(side, held_for(state, bracket))
            used = self._converge(bracket, state, share)
            held[side] = share - used

    def _converge(self, bracket: Bracket, state: State, held: int) -> int:
        """One bracket: returns the contracts of the position it protects."""
        for leg in bracket.legs:
            self._absorb(bracket, leg, state)
        exited = self._exited(bracket, state)
        size = max(0, min(bracket.entry_filled - exited, held))
        if bracket.average is None and size:
            return 0  # a fill without a price yet: the order report brings it
        stop = bracket.stop
        if stop is None and size and bracket.average is not None:
            price = stop_price(bracket.average, bracket.side, bracket.template.stop)
            stop = bracket.stop = Leg(STOP, price)
            for index, target in enumerate(bracket.template.targets, start=1):
                price = target_price(bracket.average, bracket.side, target.ticks)
                bracket.targets.append(Leg(f"TP{index}", price))
        if stop is not None:
            self._sync(bracket, stop, size, state)
        shares = target_sizes(bracket.template.targets, bracket.entry_filled)
        wanted = [
            max(0, share - leg.filled(state))
            for share, leg in zip(shares, bracket.targets, strict=False)
        ]
        excess = sum(wanted) - size
        for index in range(len(wanted) - 1, -1, -1):
            if excess <= 0:
                break
            cut = min(excess, wanted[index])
            wanted[index] -= cut
            excess -= cut
        for leg, remaining in zip(bracket.targets, wanted, strict=True):
            self._sync(bracket, leg, remaining, state)
        if size == 0 and not bracket.entry_working and not self._any_live(bracket, state):
            ever = stop is not None and (stop.placed > 0 or stop.dropped)
            if exited >= bracket.entry_filled or ever:
                self._close(bracket)  # all out, or the position went without its legs
            # else: the fill is known and the position not yet: it comes next
        return size

    def _absorb(self, bracket: Bracket, leg: Leg, state: State) -> None:
        """Take in a leg's finished order: count its fills, drop a leg cancelled by others."""
        order = state.orders.get(leg.order_id) if leg.order_id is not None else None
        if order is None or not order.status.is_terminal:
            return
        leg.filled_before += order.filled
        leg.order_id = None
        leg.asked = None
        if leg.tag is not None:
            self._by_tag.pop(leg.tag, None)
        leg.tag = None
        if order.status is OrderStatus.FILLED or leg.cancelling:
            leg.cancelling = False
            return
        leg.dropped = True
        if state.flattening or self._reversing(bracket.symbol):
            return  # the flatten's or reverse's own cancel: the position goes next
        if state.position_size(bracket.symbol) * bracket.side.sign > 0:
            what = "rejected" if order.status is OrderStatus.REJECTED else "cancelled"
            self._notice(
                "warning",
                f"bracket {bracket.symbol}: {leg_words(leg)} {what} outside the bracket; "
                "the bracket leaves it off",
            )

    def _sync(self, bracket: Bracket, leg: Leg, remaining: int, state: State) -> None:
        """Make the leg's order work ``remaining`` contracts at its price."""
        if leg.dropped:
            return
        if leg.tag is not None and leg.order_id is None:
            return  # on its way: its order report ties it (or its failure drops it)
        order = state.orders.get(leg.order_id) if leg.order_id is not None else None
        if state.flattening and remaining > 0:
            return
        if order is not None and order.status.is_working:
            if remaining == 0:
                if not leg.cancelling:
                    leg.cancelling = True
                    self._send(CancelOrder(order_id=order.id, origin=ORIGIN), leg)
                return
            size = order.filled + remaining
            current = order.stop if order.type is OrderType.STOP else order.limit
            wanted = (size, leg.price)
            if wanted == (order.size, current):
                leg.asked, leg.tries = None, 0
                return
            if leg.asked == wanted:
                return
            leg.asked = wanted
            leg.asked_ns = self._now()
            spec = state.instruments[bracket.symbol]
            price = spec.to_price(leg.price) if leg.price != current else None
            is_stop = order.type is OrderType.STOP
            self._send(
                ModifyOrder(
                    order_id=order.id,
                    size=size if size != order.size else None,
                    stop_price=price if is_stop else None,
                    limit_price=None if is_stop else price,
                    origin=ORIGIN,
                ),
                leg,
            )
            return
        if remaining > 0 and leg.order_id is None and leg.tag is None:
            if leg.retry_ns > self._now():
                return  # the broker failed it a moment ago: the clock's tick asks again
            self._place(bracket, leg, remaining, state)

    def _place(self, bracket: Bracket, leg: Leg, size: int, state: State) -> None:
        spec = state.instruments[bracket.symbol]
        leg.placed += 1
        suffix = "" if leg.placed == 1 else f"-{self.run_tag}x{leg.placed}"
        tag = f"{bracket.root}-{leg.name}{suffix}"
        leg.tag = tag
        self._by_tag[tag] = (bracket, leg)
        is_stop = leg.name == STOP
        command = PlaceOrder(
            symbol=bracket.symbol,
            side=bracket.side.opposite,
            type=OrderType.STOP if is_stop else OrderType.LIMIT,
            size=size,
            stop_price=spec.to_price(leg.price) if is_stop else None,
            limit_price=None if is_stop else spec.to_price(leg.price),
            tag=tag,
            origin=ORIGIN,
        )
        self._send(command, leg)

    def _send(self, command: Command, leg: Leg) -> None:
        if self._foreign():
            self._held.append(lambda: self._send(command, leg))
            return
        verdict = self._own_submit(command)
        if verdict.accepted:
            return
        if isinstance(command, PlaceOrder) and leg.tag == command.tag:
            self._by_tag.pop(command.tag or "", None)
            leg.tag = None
            if verdict.why in _WAIT:
                leg.placed -= 1  # asked again when the account is read or the flatten ends
                return
            leg.dropped = True  # denied: say so once rather than ask again on every event
            self._notice(
                "warning",
                f"bracket {command.symbol}: {leg_words(leg)} not placed: {verdict.reason}",
            )
        elif isinstance(command, CancelOrder):
            leg.cancelling = False
        else:
            leg.asked = None

    def _reversing(self, symbol: str) -> bool:
        """A reverse of ``symbol`` is on its way: its first step cancels the legs."""
        return self._engine is not None and self._engine.composite.reversing(symbol)

    def _any_live(self, bracket: Bracket, state: State) -> bool:
        for leg in bracket.legs:
            if leg.tag is not None and leg.order_id is None and not leg.dropped:
                if leg.tag in state.pending:
                    return True
                continue
            order = state.orders.get(leg.order_id) if leg.order_id is not None else None
            if order is not None and order.status.is_working:
                return True
        return False

    def _close(self, bracket: Bracket) -> None:
        bracket.done = True
        for leg in bracket.legs:
            if leg.tag is not None:
                self._by_tag.pop(leg.tag, None)
        del self.brackets[bracket.root]

    def _retry(self, now: int, state: State) -> None:
        for bracket in self.brackets.values():
            for leg in bracket.legs:
                order = state.orders.get(leg.order_id) if leg.order_id is not None else None
                if leg.asked is None or order is None or now - leg.asked_ns < NS_PER_SECOND:
                    continue
                leg.asked = None
                leg.tries += 1
                if leg.tries >= _TRIES:
                    kept = order.stop if order.type is OrderType.STOP else order.limit
                    spec = state.instruments[bracket.symbol]
                    if kept is not None and kept != leg.price:
                        self._notice(
                            "warning",
                            f"bracket {bracket.symbol}: {leg_words(leg)} could not be moved "
                            f"to {spec.format(leg.price)}; it stays at {spec.format(kept)}",
                        )
                        leg.price = kept
                    leg.tries = 0
        self._converge_all(state)  # and legs a failed place left waiting go again
