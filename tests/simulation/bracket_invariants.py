"""The brackets' promises, judged from the venue's truth (and the manager's own record of
which legs were cancelled from outside, which no venue can tell).

- an OCO never fills for more than its entry filled (a target and the stop both filling
  would turn a flat into a reversed position);
- a position on a bracket's side keeps its stop at the venue: at most ``BARE_BOUND``
  seconds without one, unless the stop was cancelled or rejected outside the bracket
  (a key, cancel all, a flatten, a rule's enforcement), which the manager says it drops;
- a leg never stays working at the venue longer than ``ORPHAN_BOUND`` seconds after the
  position it protects is gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from cockpit.core.brackets import STOP, BracketManager, leg_of
from cockpit.core.models import Order

BARE_BOUND = 60.0
"""Seconds a bracketed position may be without its stop at the venue (a line outage or a
lost answer can hold a place that long; the manager asks at once)."""
ORPHAN_BOUND = 60.0
"""Seconds a leg may outlive its position (the cancel must cross the same line)."""

PROMISES = {
    "oco": "a bracket's legs never fill for more than its entry",
    "bare": "a bracketed position is never without its stop for long",
    "orphan": "no bracket leg stays working once its position is gone",
}


@dataclass
class BracketWatch:
    """What the bracket checks remember between looks: since when each wrong began."""

    bare_since: dict[str, float] = field(default_factory=dict)
    orphan_since: dict[int, float] = field(default_factory=dict)
    reported: set[object] = field(default_factory=set)


def oco_never_overfills(orders: Iterable[Order], cancelled: set[int] | None) -> Iterator[str]:
    """Per entry: the legs' fills (stop and targets together) within the entry's fills.

    A client-side OCO has one race it cannot win: a leg fills while the cancel the cockpit
    already sent for it is still on the line. ``cancelled`` (the order ids the cockpit
    sent a cancel for; ``None`` where the calls are not observable) excuses exactly that.
    """
    entries: dict[str, int] = {}
    legs: dict[str, list[Order]] = {}
    for order in orders:
        parts = leg_of(order.tag)
        if parts is not None:
            legs.setdefault(parts[0], []).append(order)
        elif order.tag is not None:
            entries[order.tag] = entries.get(order.tag, 0) + order.filled
    for root, group in sorted(legs.items()):
        filled = sum(order.filled for order in group)
        if root not in entries or filled <= entries[root]:
            continue
        raced = cancelled is not None and any(
            order.filled and order.id in cancelled for order in group
        )
        if not raced:
            yield f"the legs of {root} filled {filled}, its entry {entries[root]}"


def stops_stay(
    watch: BracketWatch,
    manager: BracketManager | None,
    orders: list[Order],
    position: dict[str, int],
    at: float,
) -> Iterator[str]:
    """Each bracket the manager still keeps a stop for has it working at the venue."""
    live = set()
    working = {
        parts[0]
        for order in orders
        if order.status.is_working and (parts := leg_of(order.tag)) is not None and parts[1] == STOP
    }
    brackets = manager.brackets if manager is not None else {}
    for root, bracket in brackets.items():
        stop = bracket.stop
        held = position.get(bracket.symbol, 0) * bracket.side.sign
        if root in working or stop is None or stop.dropped or held <= 0:
            continue
        live.add(root)
        since = watch.bare_since.setdefault(root, at)
        if at - since > BARE_BOUND and ("bare", root) not in watch.reported:
            watch.reported.add(("bare", root))
            yield f"{bracket.symbol} {held:+d} of {root} has had no stop since {since:.3f} s"
    for root in list(watch.bare_since):
        if root not in live:
            del watch.bare_since[root]


def legs_leave_with_their_position(
    watch: BracketWatch, orders: list[Order], position: dict[str, int], at: float
) -> Iterator[str]:
    """A working leg whose side holds nothing is cancelled within the bound."""
    orphans = set()
    for order in orders:
        if not order.status.is_working or leg_of(order.tag) is None:
            continue
        protects = order.side.opposite
        if position.get(order.symbol, 0) * protects.sign > 0:
            continue
        orphans.add(order.id)
        since = watch.orphan_since.setdefault(order.id, at)
        if at - since > ORPHAN_BOUND and ("orphan", order.id) not in watch.reported:
            watch.reported.add(("orphan", order.id))
            yield f"leg {order.tag} still works with no position since {since:.3f} s"
    for order_id in list(watch.orphan_since):
        if order_id not in orphans:
            del watch.orphan_since[order_id]
