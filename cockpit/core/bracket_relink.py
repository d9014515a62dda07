"""The brackets after a restart or reconnect: on ``Reconciled`` the working legs are found
again by their tags and tied to their position; a leg whose position is gone is
cancelled; a missing stop is placed again; a position no stop protects is named.

A mixin of :class:`cockpit.core.brackets.BracketManager` (split out to keep each module
to one idea); it uses the manager's brackets, tag index and ways of saying and sending.
"""

from __future__ import annotations

from collections.abc import Callable

from cockpit.core.bracket_legs import ORIGIN, STOP, Bracket, Leg, leg_of, remaining
from cockpit.core.bracket_plan import Target, Template, stop_price
from cockpit.core.commands import CancelOrder, Command
from cockpit.core.models import Order, OrderType
from cockpit.core.state import State


class Relinking:
    """Re-linking, orphan cancelling and flagging, for the bracket manager."""

    active: Template | None
    brackets: dict[str, Bracket]
    _by_tag: dict[str, tuple[Bracket, Leg]]

    _submit: Callable[[Command], None]
    _notice: Callable[[str, str], None]

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
        """Say which position no stop protects after a reconcile: never silently bare."""
        for position in state.open_positions():
            covered = sum(
                o.remaining
                for o in state.working_orders(position.symbol)
                if o.type in (OrderType.STOP, OrderType.STOP_LIMIT)
                and o.side.sign * position.size < 0
            )
            covered += sum(
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
        exited = sum(leg.filled(state) for leg in bracket.legs)
        if exited > bracket.entry_filled and not bracket.overfilled:
            bracket.overfilled = True  # a cancel lost the race to the market: say so
            self._notice(
                "warning",
                f"bracket {bracket.symbol}: its legs filled {exited} against an entry of "
                f"{bracket.entry_filled} (a cancel came too late); {bracket.symbol} is now "
                f"{state.position_size(bracket.symbol):+d}",
            )
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
