"""The brackets after a restart or reconnect: on ``Reconciled`` the working legs are found
again by their tags and tied to their position; a leg whose position is gone is
cancelled; a missing stop is placed again; a position no stop protects is named.

A mixin of :class:`cockpit.core.brackets.BracketManager` (split out to keep each module
to one idea); it uses the manager's brackets, tag index and ways of saying and sending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cockpit.core.bracket_legs import ORIGIN, STOP, Bracket, Leg, leg_of, remaining
from cockpit.core.bracket_plan import Target, Template, stop_price
from cockpit.core.commands import CancelOrder, Command
from cockpit.core.models import Order, OrderType, Position
from cockpit.core.state import State


@dataclass(frozen=True, slots=True)
class Bare:
    """A position a reconcile found short of a stop, flagged until that changes."""

    sign: int
    """The side flagged (+1 long, -1 short): a reversed position is another one."""
    why: str

    def holds(self, position: Position, state: State) -> bool:
        """Whether the flag still stands: the same side open, not all of it stopped."""
        return position.size * self.sign > 0 and _stopped(position, state) < abs(position.size)


def _stopped(position: Position, state: State) -> int:
    """Contracts of ``position`` a working stop would close."""
    return sum(
        o.remaining
        for o in state.working_orders(position.symbol)
        if o.type in (OrderType.STOP, OrderType.STOP_LIMIT) and o.side.sign * position.size < 0
    )


class Relinking:
    """Re-linking, orphan cancelling and flagging, for the bracket manager."""

    active: Template | None
    bare: dict[str, Bare]
    """Positions a reconcile found without (all of) a stop, by symbol: the banner's."""
    _reconciled: bool
    brackets: dict[str, Bracket]
    _by_tag: dict[str, tuple[Bracket, Leg]]

    _submit: Callable[[Command], None]
    _notice: Callable[[str, str], None]

    def _exited(self, bracket: Bracket, state: State) -> int:
        """What the bracket's legs have filled; more than its entry (a cancel lost the
        race to the market) is said once, as a warning."""
        exited = sum(leg.filled(state) for leg in bracket.legs)
        if exited > bracket.entry_filled and not bracket.overfilled:
            bracket.overfilled = True
            self._notice(
                "warning",
                f"bracket {bracket.symbol}: its legs filled {exited} against an entry of "
                f"{bracket.entry_filled} (a cancel came too late); {bracket.symbol} is now "
                f"{state.position_size(bracket.symbol):+d}",
            )
        return exited

    def _relink(self, state: State) -> None:
        """After a (re)connect: find the working legs again by their tags (legs whose
        position is gone are cancelled by :meth:`_adopt`)."""
        found: dict[str, list[Order]] = {}
        for order in state.working_orders():
            parts = leg_of(order.tag)
            if parts is not None and order.tag not in self._by_tag:
                found.setdefault(parts[0], []).append(order)
        for root, orders in found.items():
            known = self.brackets.get(root)
            if known is None:
                self._adopt(root, orders, state)
                continue
            for order in orders:  # an answer lost on the way: the leg's order after all
                self._tie_late(known, order)

    def _flag_bare(self, state: State) -> None:
        """Say which position no stop protects after a reconcile, and keep it flagged
        for the banner until a stop works for it or it is closed: never silently bare."""
        when = "after reconnecting" if self._reconciled else "at restart"
        self._reconciled = True
        for position in state.open_positions():
            covered = _stopped(position, state) + sum(
                r.size
                for r in state.pending.values()
                if r.symbol == position.symbol
                and r.type is OrderType.STOP
                and r.side.sign * position.size < 0
            )
            if covered < abs(position.size):
                self._notice(
                    "warning",
                    f"{position.symbol} {position.size:+d}: no stop protects "
                    f"{abs(position.size) - covered} of it after reconnecting",
                )
                why = (
                    f"no bracket template was active {when}"
                    if self.active is None
                    else f"no bracket covered it {when}"
                )
                self.bare[position.symbol] = Bare(1 if position.size > 0 else -1, why)

    def unprotected(self, state: State) -> tuple[str, ...]:
        """The banner's words for each flagged position still short of a working stop:
        ``MNQ +1 has no stop: no bracket template was active at restart``."""
        lines = []
        for symbol, bare in self.bare.items():
            position = state.positions.get(symbol)
            if position is None or not bare.holds(position, state):
                continue
            covered = _stopped(position, state)
            said = "has no stop" if covered == 0 else f"has a stop for {covered} only"
            lines.append(f"{symbol} {position.size:+d} {said}: {bare.why}")
        return tuple(lines)

    def _unflag(self, state: State) -> None:
        """Forget a flag once its position is closed or reversed or a stop works for all
        of it (a stop the trader cancels later was theirs to cancel)."""
        for symbol, bare in list(self.bare.items()):
            position = state.positions.get(symbol)
            if position is None or not bare.holds(position, state):
                del self.bare[symbol]

    def _tie_late(self, bracket: Bracket, order: Order) -> None:
        parts = leg_of(order.tag)
        assert parts is not None
        assert order.tag is not None
        leg = next((leg for leg in bracket.legs if leg.name == parts[1]), None)
        if leg is None or leg.tag is not None:
            self._submit(CancelOrder(order_id=order.id, origin=ORIGIN))  # a second copy
            return
        leg.tag, leg.order_id, leg.dropped = order.tag, order.id, False
        self._by_tag[order.tag] = (bracket, leg)

    def _adopt(self, root: str, orders: list[Order], state: State) -> None:
        """Working legs of an entry this run did not send: a bracket again, or orphans."""
        first = orders[0]
        side = first.side.opposite
        held = state.position_size(first.symbol) * side.sign
        if held <= 0:
            for order in orders:
                self._notice(
                    "warning",
                    f"bracket {first.symbol}: order {order.id} ({order.tag}) has no position "
                    "left to protect: cancelled",
                )
                self._submit(CancelOrder(order_id=order.id, origin=ORIGIN))
            return
        average = state.positions[first.symbol].average
        active = self.active
        bracket = Bracket(root, first.symbol, side, active or Template("re-linked", 0))
        bracket.entry_working = False
        bracket.average = average
        targets = []
        for order in sorted(orders, key=lambda o: o.tag or ""):
            parts = leg_of(order.tag)
            price = order.stop if order.type is OrderType.STOP else order.limit
            assert parts is not None
            assert order.tag is not None
            assert price is not None
            leg = Leg(parts[1], price, tag=order.tag, order_id=order.id, placed=1)
            if parts[1] == STOP:
                bracket.stop = leg
            else:
                bracket.targets.append(leg)
                targets.append(Target(0, order.size))
            self._by_tag[order.tag] = (bracket, leg)
        working = max(
            remaining(bracket.stop, state) if bracket.stop is not None else 0,
            sum(remaining(leg, state) for leg in bracket.targets),
        )
        exited = self._exited(bracket, state)
        bracket.entry_filled = min(held, working) + exited
        if bracket.stop is None and active is not None:
            bracket.stop = Leg(STOP, stop_price(average, side, active.stop), placed=1)
        bracket.template = Template(
            bracket.template.name,
            bracket.template.stop,
            tuple(targets),
            bracket.template.breakeven,
            bracket.template.trail,
        )
        self.brackets[root] = bracket
        self._notice("info", f"bracket {first.symbol}: {len(orders)} order(s) of {root} re-linked")
