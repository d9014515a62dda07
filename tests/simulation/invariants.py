"""The promises the trading core makes, each judged by one small function.

Each function reads the witness's notes (:class:`~tests.simulation.facts.Facts`) and
yields one line per broken promise. They run after every step of a run, over the facts
that arrived since the last look, and once more at the end. Limits are read from the
run's own risk settings and exposure is counted from the venue's truth, never from the
risk engine's tally.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from cockpit.core.commands import (
    CancelAll,
    CancelOrder,
    ClosePosition,
    FlattenAll,
    ModifyOrder,
    PlaceOrder,
)
from cockpit.core.engine import Engine
from cockpit.core.models import Order, OrderRequest, OrderType
from cockpit.core.state import State
from cockpit.risk.config import RiskSettings
from tests.simulation.book import Book, differences, exposure, symbols_of
from tests.simulation.bracket_invariants import PROMISES as BRACKET_PROMISES
from tests.simulation.bracket_invariants import (
    BracketWatch,
    legs_leave_with_their_position,
    oco_never_overfills,
    stops_stay,
)
from tests.simulation.facts import Facts, Judged, Moment
from tests.simulation.line import Call

FLATTEN_BOUND = 60.0
"""Seconds of loop time a flatten may take: six confirmation waits of the engine's 5 s,
plus the slowest answers the line gives on each broker call on the way."""
EXCUSED_EXIT_DENIALS = frozenset({"armed", "tick grid", "reconcile"})
"""Why a reducing order may be denied: keys disarmed, a price off the grid, or the
account not yet re-read after a reconnect (order keys wait for the broker by design)."""
SAME_INSTANT = 1e-9
ANY = "any"
"""In an expected call: any order or symbol."""

PROMISES = {
    "flatten": "every flatten ends verified flat within a bound, or says the broker failed it",
    "exits": "no exit is denied or made to wait behind an entry or a read",
    "once": "no order reaches the broker twice",
    "mirror": "after a reconcile the engine's positions and working orders equal the broker's",
    "limits": "no accepted order breaks a configured limit",
    "lockout": "a lockout never gets shorter",
    "journal": "the journal replays to the same decisions",
    "crash": "nothing the trader or the broker does crashes the engine",
    **BRACKET_PROMISES,
}


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken promise: which one, what happened, when (loop seconds)."""

    promise: str
    detail: str
    at: float

    def describe(self) -> str:
        return f"[{self.promise}] {PROMISES[self.promise]}\n    at {self.at:.3f} s: {self.detail}"


class Observed(Protocol):
    """What the invariants need from a world besides the facts."""

    engine: Engine
    state: State
    facts: Facts
    synchronous: bool
    """True in process: the engine sees every venue change at once, so the two pictures
    must agree after every step, not only after a reconcile."""

    def moment(self) -> Moment: ...

    def place_calls(self) -> dict[str, int]: ...

    def venue_tags(self) -> list[str]: ...

    def venue_orders(self) -> list[Order]:
        """Every order the venue holds, working or not (the bracket checks read tags)."""
        ...

    def line_calls(self) -> list[Call] | None:
        """Every broker call with the loop time it was made (``None``: not observable)."""
        ...


@dataclass
class Run:
    """The invariants' memory between looks: what each has already judged."""

    world: Observed
    risk: RiskSettings
    now: Moment | None = None
    judged: int = 0
    flattens: int = 0
    reconciles: int = 0
    crashes: int = 0
    lockout_events: int = 0
    waiting: list[tuple[Judged, frozenset[tuple[str, object]]]] = field(default_factory=list)
    """Accepted exits whose broker call must start the instant they were accepted."""
    reported_tags: set[str] = field(default_factory=set)
    longest_lockout: int = 0
    brackets: BracketWatch = field(default_factory=BracketWatch)

    @property
    def facts(self) -> Facts:
        return self.world.facts

    def fresh_judged(self) -> list[Judged]:
        return self.facts.judged[self.judged :]


# The promises --------------------------------------------------------------------------------


def flattens_end_verified_flat(run: Run) -> Iterator[str]:
    """Every flatten ends within FLATTEN_BOUND; "verified flat" means the venue is flat and
    nothing is on its way to it; NOT FLAT only with the broker's failure quoted."""
    assert run.now is not None
    for index, flatten in enumerate(run.facts.flattens):
        if flatten.ended is None:
            if run.now.at - flatten.started.at > FLATTEN_BOUND:
                yield (
                    f"flatten started at {flatten.started.at:.3f} s ({flatten.reason}) has not "
                    f"ended after {FLATTEN_BOUND:.0f} s"
                )
            continue
        if index < run.flattens:
            continue
        ended = flatten.ended
        if flatten.flat:
            if ended.unacknowledged:
                orders = ", ".join(_request(r) for r in ended.unacknowledged)
                yield f"said verified flat while orders were still on their way: {orders}"
            held = _unexplained(ended.venue, ended.unacknowledged)
            if not held.flat:
                yield f"said verified flat, but the broker holds {held.describe()}"
        elif not flatten.failures and not flatten.detail.startswith("broker error"):
            yield f"ended NOT FLAT though every broker call was answered: {flatten.detail}"
        elif "broker" not in flatten.detail:
            yield f"ended NOT FLAT without quoting the broker: {flatten.detail}"
    run.flattens = sum(1 for f in run.facts.flattens if f.ended is not None)


def exits_are_never_refused(run: Run) -> Iterator[str]:
    """Flatten, cancel all, a cancel of a working order, a close of an open position and an
    order that only reduces the position are always accepted (in every risk state, during
    a flatten too: a manual exit joins it)."""
    for judged in run.fresh_judged():
        if judged.accepted or not _must_pass(judged):
            continue
        yield (
            f"{_label(judged)} was denied ({judged.rule or 'no rule'}): {judged.reason}"
            f" [position {judged.before.engine.describe()}, risk {judged.before.trading_state}]"
        )


def exits_never_wait(run: Run) -> Iterator[str]:
    """An accepted exit's broker call starts the instant it is accepted: never queued behind
    an entry, a read or another answer (the flatten's close may wait for its own cancels)."""
    calls = run.world.line_calls()
    if calls is None:
        return
    for judged in run.fresh_judged():
        if judged.accepted:
            keys = _first_calls(judged)
            if keys:
                run.waiting.append((judged, keys))
    assert run.now is not None
    still: list[tuple[Judged, frozenset[tuple[str, object]]]] = []
    for judged, keys in run.waiting:
        at = judged.before.at
        made = [
            c
            for c in calls
            if ((c.kind, c.key) in keys or (c.kind, ANY) in keys) and c.entered >= at - SAME_INSTANT
        ]
        if any(abs(c.entered - at) < SAME_INSTANT for c in made):
            continue
        if isinstance(judged.command, FlattenAll) and _done_at_once(run.facts, at):
            continue  # the broker's reports made it flat before the flatten ran
        if isinstance(judged.command, FlattenAll) and made and _came_after(judged.before, made):
            continue  # what it saw at the key was gone when it ran: it waited for an order
            # in flight (no id to cancel), then closed what that opened
        if made:
            yield f"{_label(judged)} reached the broker {made[0].entered - at:.3f} s after the key"
        elif isinstance(judged.command, FlattenAll) and _running(run.facts, at):
            still.append((judged, keys))  # it may yet find it had nothing to send
        elif run.now.at - at > SAME_INSTANT:
            wanted = " or ".join(f"{kind} {key}" for kind, key in sorted(keys, key=repr))
            yield f"{_label(judged)} was accepted but never sent ({wanted})"
        else:
            still.append((judged, keys))
    run.waiting = still


def each_order_reaches_the_broker_once(run: Run) -> Iterator[str]:
    """No order tag is sent twice, and the venue never holds two orders with one tag."""
    counts = dict(run.world.place_calls())
    for tag in run.world.venue_tags():
        counts.setdefault(tag, 0)
    held: dict[str, int] = {}
    for tag in run.world.venue_tags():
        held[tag] = held.get(tag, 0) + 1
    for tag in sorted(counts):
        if tag in run.reported_tags:
            continue
        if counts[tag] > 1 or held.get(tag, 0) > 1:
            run.reported_tags.add(tag)
            yield f"order {tag} was sent {counts[tag]} times; the venue holds {held.get(tag, 0)}"


def engine_mirrors_the_broker(run: Run) -> Iterator[str]:
    """Right after a reconcile (and in process after every step at which the paper venue
    has reported all it did) the engine's positions and working orders are the broker's."""
    if not run.world.synchronous:
        return  # judged at the end of the run, once the venue and the links are still
    for reconcile in run.facts.reconciles[run.reconciles :]:
        if reconcile.reporting:
            continue  # compared again at the next step, once the venue has reported
        for line in differences(reconcile.engine, reconcile.venue):
            yield f"after the reconcile at {reconcile.at:.3f} s: {line}"
    run.reconciles = len(run.facts.reconciles)
    if run.now is not None and not run.now.reporting:
        for line in differences(run.now.engine, run.now.venue):
            yield line


def accepted_orders_keep_the_limits(run: Run) -> Iterator[str]:
    """No accepted entry exceeds the max order size, the contract limit per symbol or the
    account's micros (position plus working and in-flight orders, from the venue's truth),
    and none is accepted while locked out (the lockout store, which time alone ends) or
    while a breached limit holds the account reduce-only."""
    for judged in run.fresh_judged():
        if not judged.accepted or not isinstance(judged.command, PlaceOrder | ModifyOrder):
            continue
        if judged.command.origin == "bracket":
            continue  # an OCO leg against the position: the bracket promises judge it
        yield from _judge_limits(run, judged)


def lockouts_never_shorten(run: Run) -> Iterator[str]:
    """Once locked until T, trading stays locked until T: no later lockout, restart or
    tick ends it early, and the screen shows at least T."""
    now = run.now
    assert now is not None
    for at, event in run.facts.lockouts[run.lockout_events :]:
        until = getattr(event, "until_ns", None)
        if until is not None:
            run.longest_lockout = max(run.longest_lockout, until)
        elif now.ns < run.longest_lockout:
            yield f"the lockout ended at {at:.3f} s, before its end {run.longest_lockout}"
    run.lockout_events = len(run.facts.lockouts)
    if now.ns >= run.longest_lockout:
        return
    if now.lockout_until is None or now.lockout_until < run.longest_lockout:
        yield (
            f"locked until {run.longest_lockout}, but the lockout in force ends {now.lockout_until}"
        )
    shown = run.world.state.lockout_until
    if shown is None or shown < run.longest_lockout:
        yield f"locked until {run.longest_lockout}, but the screen shows {shown}"


def ocos_never_overfill(run: Run) -> Iterator[str]:
    """A bracket's stop and targets together never fill for more than its entry did."""
    calls = run.world.line_calls()
    cancelled = None
    if calls is not None:
        cancelled = {c.key for c in calls if c.kind == "cancel" and isinstance(c.key, int)}
    yield from oco_never_overfills(run.world.venue_orders(), cancelled)


def bracketed_positions_keep_their_stop(run: Run) -> Iterator[str]:
    """After a fill, a bracketed position has its stop at the venue within the bound."""
    assert run.now is not None
    manager = getattr(getattr(run.world, "session", None), "brackets", None)
    held = {symbol: size for symbol, (size, _) in run.now.venue.positions.items()}
    orders = run.world.venue_orders()
    yield from stops_stay(run.brackets, manager, orders, held, run.now.at)


def no_leg_outlives_its_position(run: Run) -> Iterator[str]:
    """After flat (or on the other side), no bracket leg stays working past the bound."""
    assert run.now is not None
    held = {symbol: size for symbol, (size, _) in run.now.venue.positions.items()}
    orders = run.world.venue_orders()
    yield from legs_leave_with_their_position(run.brackets, orders, held, run.now.at)


def nothing_crashes(run: Run) -> Iterator[str]:
    """No exception escapes the engine, a watcher, the pump or a task."""
    yield from run.facts.crashes[run.crashes :]
    run.crashes = len(run.facts.crashes)


CHECKS: tuple[tuple[str, Callable[[Run], Iterator[str]]], ...] = (
    ("crash", nothing_crashes),
    ("exits", exits_are_never_refused),
    ("exits", exits_never_wait),
    ("once", each_order_reaches_the_broker_once),
    ("limits", accepted_orders_keep_the_limits),
    ("mirror", engine_mirrors_the_broker),
    ("lockout", lockouts_never_shorten),
    ("flatten", flattens_end_verified_flat),
    ("oco", ocos_never_overfill),
    ("bare", bracketed_positions_keep_their_stop),
    ("orphan", no_leg_outlives_its_position),
)
"""Order matters only in which violation is reported first when a step breaks several.
Fresh judged commands are read by three checks, so the cursor moves after all ran."""


def check(run: Run) -> list[Violation]:
    """Judge everything new since the last look."""
    run.now = run.world.moment()
    found = [
        Violation(promise, detail, run.now.at) for promise, judge in CHECKS for detail in judge(run)
    ]
    run.judged = len(run.facts.judged)
    return found


# Helpers ----------------------------------------------------------------------------------


def _label(judged: Judged) -> str:
    return f"{judged.command!r} at {judged.before.at:.3f} s"


def _request(request: OrderRequest) -> str:
    return f"{request.tag} {request.side.label} {request.size} {request.symbol}"


def _running(facts: Facts, at: float) -> bool:
    """Whether the flatten started at ``at`` has not ended yet."""
    return any(abs(f.started.at - at) < SAME_INSTANT and f.ended is None for f in facts.flattens)


def _done_at_once(facts: Facts, at: float) -> bool:
    """Whether a flatten started at ``at`` found nothing to cancel or close when it ran
    (the broker's reports made the account flat first) and ended verified flat: it ends
    at once, or after its read of the broker's account."""
    return any(
        abs(f.started.at - at) < SAME_INSTANT
        and f.ended is not None
        and f.flat
        and (abs(f.ended.at - at) < SAME_INSTANT or "(0 closed, 0 cancelled)" in f.detail)
        for f in facts.flattens
    )


def _came_after(before: Moment, made: list[Call]) -> bool:
    """Whether a flatten's calls were all for what orders in flight at the key opened,
    none for what the engine held then: on lazy tasks it runs a turn after the key, and
    the broker's reports had closed what it held (a position still open would have been
    closed at once, and a flatten that missed one breaks the flat promise instead)."""
    in_flight = {r.symbol for r in before.unacknowledged}
    held, orders = before.engine.positions, before.engine.orders
    return all(
        (c.kind == "close" and c.key not in held and c.key in in_flight)
        or (c.kind == "cancel" and c.key not in orders)
        for c in made
    )


def _unexplained(venue: Book, on_the_way: tuple[OrderRequest, ...]) -> Book:
    """What the venue holds that no order still on its way accounts for."""
    tags = {r.tag for r in on_the_way}
    symbols = {r.symbol for r in on_the_way}
    return Book(
        {s: p for s, p in venue.positions.items() if s not in symbols},
        {i: o for i, o in venue.orders.items() if o.tag not in tags},
    )


def _reduces(
    before: Moment, request: PlaceOrder | OrderRequest, without: int | None = None
) -> bool:
    """The engine's own test (``State.reduces``): opposite the position and no larger than
    what is left of it once the orders already on that side are counted: those on their
    way always, and for a resting order the working ones too (at a new size on its way,
    if larger); none while a close of the position may already have taken it flat."""
    symbol, side = request.symbol, request.side
    held = before.engine.size(symbol)
    if held == 0 or side.sign * held > 0 or symbol in before.covered:
        return False
    queued = sum(r.size for r in before.unacknowledged if r.symbol == symbol and r.side is side)
    if request.type is not OrderType.MARKET:
        queued += sum(
            before.resized.get(i, o.remaining)
            for i, o in before.engine.orders.items()
            if o.symbol == symbol and o.side is side and i != without
        )
    return request.size + queued <= abs(held)


def _against(before: Moment, command: PlaceOrder) -> bool:
    """An order on the side that shrinks the position: during a flatten, an exit."""
    return command.side.sign * before.engine.size(command.symbol) < 0


def _must_pass(judged: Judged) -> bool:
    """Whether a denial of this command breaks the exits promise."""
    command, before = judged.command, judged.before
    if isinstance(command, FlattenAll | CancelAll):
        return True
    if isinstance(command, CancelOrder):
        return command.order_id in before.engine.orders
    if isinstance(command, ClosePosition):
        return command.symbol in before.engine.positions
    if isinstance(command, PlaceOrder):
        reducing = _against(before, command) if before.flattening else _reduces(before, command)
        return reducing and judged.rule not in EXCUSED_EXIT_DENIALS
    return False


def _first_calls(judged: Judged) -> frozenset[tuple[str, object]]:
    """The broker calls of which one must start at once for an accepted exit (empty: the
    exit joins something already on its way, or has nothing to send)."""
    command, before = judged.command, judged.before
    orders, positions = before.engine.orders, before.engine.positions
    if isinstance(command, CancelOrder):
        if command.order_id in orders and command.order_id not in before.cancelling:
            return frozenset({("cancel", command.order_id)})
    elif isinstance(command, CancelAll):
        return frozenset(
            ("cancel", i)
            for i, order in orders.items()
            if i not in before.cancelling and command.symbol in (None, order.symbol)
        )
    elif before.flattening:
        return frozenset()  # a press during a flatten joins it: the flatten sends
    elif isinstance(command, FlattenAll):
        # Its first call is a cancel, or a close when nothing works: of whatever it finds
        # when it runs (an order acknowledged in between counts).
        unsent = [i for i in orders if i not in before.cancelling]
        if unsent or (not orders and any(s not in before.closing for s in positions)):
            return frozenset({("cancel", ANY), ("close", ANY)})
    elif isinstance(command, ClosePosition):
        if command.symbol in positions and command.symbol not in before.closing:
            return frozenset({("close", command.symbol)})
    elif isinstance(command, PlaceOrder) and judged.request is not None:
        request = judged.request
        if _reduces(before, request):
            return frozenset({("place", request.tag)})
    return frozenset()


def _judge_limits(run: Run, judged: Judged) -> Iterator[str]:
    before, command = judged.before, judged.command
    venue, in_flight = before.venue, before.in_flight
    request, without = _as_request(judged)
    if request is None:
        return
    label = _label(judged)
    if _reduces(before, request, without):
        if request.type is OrderType.MARKET:
            return  # an exit at market is never denied; protection it leaves oversized is
            # the protection's to answer for (the limits count working orders per side)
        reducing = True
    else:
        reducing = False
        if before.lockout_until is not None and before.lockout_until > before.ns:
            yield f"{label} was accepted while locked out until {before.lockout_until}"
        if before.trading_state == "REDUCE-ONLY" and command.origin != "risk":
            yield f"{label} was accepted while the risk state was REDUCE-ONLY (exits only)"
        largest = run.risk.max_order_size.symbols.get(
            request.symbol, run.risk.max_order_size.contracts
        )
        grows = without is None or request.size > venue.orders[without].remaining
        if largest is not None and request.size > largest and grows:
            yield f"{label}: {request.size} contracts, above the {largest}-contract maximum"
    limits = run.risk.contract_limit
    limit = limits.symbols.get(request.symbol, limits.contracts)
    if limit is not None:
        now = exposure(venue, in_flight, request.symbol)
        after = exposure(venue, in_flight, request.symbol, add=request, without=without)
        if after > limit and after > now:
            kind = "a reducing order" if reducing else "an entry"
            yield (
                f"{label}, {kind}, takes {request.symbol} to {after} contracts (from {now}; "
                f"limit {limit}): {venue.describe()}"
                + (f"; in flight {', '.join(_request(r) for r in in_flight)}" if in_flight else "")
            )
    micros = run.risk.max_position.micros
    if micros is not None:
        instruments = run.world.state.instruments
        symbols = symbols_of(venue, in_flight) | {request.symbol}
        total_now = sum(exposure(venue, in_flight, s) * instruments[s].micros for s in symbols)
        total_after = sum(
            exposure(venue, in_flight, s, add=request, without=without) * instruments[s].micros
            for s in symbols
        )
        if total_after > micros and total_after > total_now:
            kind = "a reducing order" if reducing else "an entry"
            yield (
                f"{label}, {kind}, takes the account to {total_after} micros "
                f"(from {total_now}; limit {micros})"
            )


def _as_request(judged: Judged) -> tuple[OrderRequest | None, int | None]:
    """The order as the venue would hold it once accepted, and the order it replaces."""
    command = judged.command
    if isinstance(command, PlaceOrder):
        return judged.request, None
    assert isinstance(command, ModifyOrder)
    old = judged.before.venue.orders.get(command.order_id)
    if old is None:
        return None, None
    size = command.size if command.size is not None else old.remaining
    # The order keeps its tag: a bracket leg moved stays in its OCO pair (counted once).
    request = OrderRequest(old.symbol, old.side, OrderType.LIMIT, size, tag=old.tag)
    return request, command.order_id
