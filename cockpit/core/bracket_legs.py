"""A bracket's parts: its legs (the stop and the targets), their tags, and the command
that chooses the template. Split from :mod:`cockpit.core.brackets` (the manager) so each
module holds one idea; the manager re-exports these names.

A leg's tag is its entry's tag plus ``-SL`` or ``-TPn`` (and a suffix when the leg is
placed again), so the legs of an entry are found again after a restart or reconnect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from cockpit.core.bracket_plan import Template, entry_tick
from cockpit.core.commands import Command
from cockpit.core.models import Order, Side
from cockpit.core.state import State

ORIGIN = "bracket"
"""The origin of every command the manager sends (replay re-derives them)."""
STOP = "SL"
_LEG_TAG = re.compile(r"^(?P<root>.+?)-(?P<leg>SL|TP\d+)(?:-[0-9a-z]+)?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChooseBracket(Command):
    """Make ``name`` (or ``none``) the bracket template of the next entries (the `t` key).

    A command, not a call, so the journal keeps the choice and a replay makes it again.
    """

    name: str


def leg_of(tag: str | None) -> tuple[str, str] | None:
    """``(entry tag, leg)`` for a bracket leg's tag (``ck1-4-SL`` -> ``("ck1-4", "SL")``)."""
    if tag is None:
        return None
    match = _LEG_TAG.match(tag)
    return (match["root"], match["leg"]) if match else None


@dataclass(slots=True)
class Leg:
    """One order of a bracket: the stop or a target, at ``price`` ticks."""

    name: str
    price: int
    tag: str | None = None
    """The tag of the order now placed for this leg (``None``: none placed)."""
    order_id: int | None = None
    filled_before: int = 0
    """Contracts earlier orders of this leg filled (a leg placed again keeps its count)."""
    asked: tuple[int, int] | None = None
    """A modify on its way: (size, price) asked for, until the broker reports it."""
    asked_ns: int = 0
    tries: int = 0
    """Modifies asked for that the broker has not (yet) shown: past a few, the move is
    given up and said."""
    cancelling: bool = False
    dropped: bool = False
    """Cancelled or rejected outside the manager's doing: never placed again."""
    placed: int = 0
    reported: int | None = None
    """The price the broker last reported for the leg's order."""
    failures: int = 0
    retry_ns: int = 0
    """A place the broker failed is asked again from this time on (the clock's tick)."""

    def filled(self, state: State) -> int:
        order = state.orders.get(self.order_id) if self.order_id is not None else None
        return self.filled_before + (order.filled if order is not None else 0)


@dataclass(slots=True)
class Bracket:
    """The stop and targets of one entry."""

    root: str
    symbol: str
    side: Side
    """The entry's side: the legs are on the other."""
    template: Template
    entry_id: int | None = None
    entry_filled: int = 0
    """Contracts the entry opened or added (what it closed of the other side not counted)."""
    closing: int = 0
    """Contracts of the entry order that first close the other side (a buy 2 while short 1)."""
    entry_working: bool = True
    average: Fraction | None = None
    best: int | None = None
    stop: Leg | None = None
    targets: list[Leg] = field(default_factory=list)
    done: bool = False
    overfilled: bool = False
    """Stop and target both filled past the entry (said once)."""

    @property
    def legs(self) -> list[Leg]:
        return ([self.stop] if self.stop is not None else []) + self.targets


def held_for(state: State, bracket: Bracket) -> int:
    """Contracts of the position on the bracket's side (0 when flat or the other way)."""
    return max(0, state.position_size(bracket.symbol) * bracket.side.sign)


def fill_ticks(order: Order, tick: Fraction) -> Fraction:
    """An order's average fill price in ticks, exact (it may sit between two ticks)."""
    assert order.fill_price is not None
    return Fraction(order.fill_price) / tick


def leg_words(leg: Leg) -> str:
    """A leg as the fills & events panel names it: ``stop``, ``target 2``."""
    return "stop" if leg.name == STOP else f"target {leg.name[2:]}"


def why_moved(template: Template, bracket: Bracket, level: int) -> str:
    """Why the stop moved to ``level``: ``break-even`` or ``trailing``."""
    assert bracket.average is not None
    be = template.breakeven
    if be is not None:
        at = entry_tick(bracket.average, bracket.side, toward_profit=True)
        if level == at + bracket.side.sign * be.offset:
            return "break-even"
    return "trailing"


def remaining(leg: Leg, state: State) -> int:
    """Contracts the leg's order still works (0 when it has none)."""
    order = state.orders.get(leg.order_id) if leg.order_id is not None else None
    return order.remaining if order is not None else 0
