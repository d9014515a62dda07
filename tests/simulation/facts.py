"""The witness: what happened in a run, noted at the instant it happened.

Some promises can only be judged at the moment of a fact (is the venue flat *when* the
flatten says so?), so the witness listens to every event the engine folds and stands
in front of every command the engine judges, and takes a :class:`Moment` (the engine's
picture, the venue's, what is in flight) right then. The invariants read these notes
after each step; the witness judges nothing itself.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cockpit.core.commands import CloseContracts, Command, MoveToMarket, ReversePosition
from cockpit.core.composite import COMPOSED_ORIGINS
from cockpit.core.engine import Engine, Verdict
from cockpit.core.events import (
    BrokerFailed,
    EnforcementTaken,
    Event,
    FillReceived,
    FlattenCompleted,
    FlattenStarted,
    LockoutEnded,
    LockoutStarted,
    Notice,
    OrderDenied,
    OrderSubmitted,
    Printed,
    QuoteUpdated,
    Reconciled,
    RiskStateChanged,
    SubmissionSettled,
)
from cockpit.core.models import OrderRequest
from cockpit.core.state import State
from tests.simulation.book import Book

ORDER_KEYS = (CloseContracts, ReversePosition, MoveToMarket)
"""Commands of the order keys (a move by ticks is a plain ModifyOrder)."""


@dataclass(frozen=True, slots=True)
class Moment:
    """Everything an invariant may need about one instant."""

    at: float
    """Loop time (simulated seconds in process, real seconds against the emulator)."""
    ns: int
    """The cockpit's clock."""
    engine: Book
    venue: Book
    in_flight: tuple[OrderRequest, ...]
    """Orders the engine accepted that the venue has not seen yet."""
    unacknowledged: tuple[OrderRequest, ...]
    """Orders the engine sent and has heard nothing of yet (its own ``pending``): at the
    venue or not, they are on their way as far as the engine knows."""
    flattening: bool
    armed: bool
    reconciled: bool
    lockout_until: int | None
    """The end of the lockout in force, if any (the risk engine's store)."""
    trading_state: str
    cancelling: frozenset[int]
    """Orders with a cancel on the line (sent, not answered)."""
    closing: frozenset[str]
    """Symbols with a close on the line."""
    reporting: bool = False
    """The venue acted on a request and reports it on the loop's next turn (the paper
    broker's reports follow its answer): the engine has not heard yet, rightly."""
    covered: frozenset[str] = frozenset()
    """Symbols whose close the engine's position does not show yet (``State.pending.closing``):
    nothing else against their position only reduces it."""
    resized: Mapping[int, int] = field(default_factory=dict)
    """What the engine counts of each working order whose new size is on its way
    (``Pending.remaining``): the larger of the two."""


def on_their_way(state: State) -> dict[str, Any]:
    """A moment's view of what the engine counts as on its way (both worlds take it):
    symbols a close may have flattened, and working orders at a new size."""
    pending = state.pending
    return {
        "covered": frozenset(pending.closing),
        "resized": {
            o.id: pending.remaining(o)
            for o in state.orders.working.values()
            if o.id in pending.sizes
        },
    }


@dataclass(slots=True)
class Judged:
    """A command the engine judged, with its verdict and the moment before."""

    command: Command
    before: Moment
    accepted: bool
    reason: str
    rule: str
    """The denial's rule (empty when accepted)."""
    request: OrderRequest | None
    """The validated order an accepted ``PlaceOrder`` became."""


@dataclass(slots=True)
class Flatten:
    """One flatten from its start to its outcome."""

    started: Moment
    reason: str
    ended: Moment | None = None
    flat: bool = False
    detail: str = ""
    failures: list[str] = field(default_factory=list)
    """What the broker said while it ran (``BrokerFailed`` reasons)."""


@dataclass(slots=True)
class Reconcile:
    """The engine's picture and the venue's right after a reconcile completed."""

    at: float
    engine: Book
    venue: Book
    reporting: bool = False
    """The venue had acted on a request made inside the reconcile's own report (the
    bracket manager answering a fill) and reports it on the next turn."""


class Facts:
    """Every fact of one run that an invariant judges."""

    def __init__(self, moment: Callable[[], Moment]) -> None:
        self.moment = moment
        self.judged: list[Judged] = []
        self.flattens: list[Flatten] = []
        self.reconciles: list[Reconcile] = []
        self.lockouts: list[tuple[float, Event]] = []
        self.crashes: list[str] = []
        self.submitted: dict[str, OrderRequest] = {}
        """Every order the engine accepted, by tag."""
        self.unsent: set[str] = set()
        """Tags whose submission failed: they never reached the venue."""
        self.digest = hashlib.blake2b(digest_size=12)
        """A fingerprint of everything the engine did: the same seed gives the same one."""
        self.market_events = 0
        self.coverage: Counter[str] = Counter()
        """How often each kind of situation came up (denials by rule, risk states, flattens,
        lockouts, broker failures, enforcement): what the run exercised."""
        self._events: list[Event] = []

    # Wiring --------------------------------------------------------------------------------

    def attach(self, engine: Engine) -> None:
        """Listen to every fold and stand in front of ``engine.submit``."""
        engine.listeners.append(self._on_event)
        judge = engine.submit

        def submit(command: Command) -> Verdict:
            return self._judge(judge, command)

        engine.submit = submit  # type: ignore[method-assign]

    def _judge(self, judge: Callable[[Command], Verdict], command: Command) -> Verdict:
        before = self.moment()
        mark = len(self._events)
        try:
            verdict = judge(command)
        except Exception as exc:
            self.crash(f"the engine raised judging {command!r}: {type(exc).__name__}: {exc}")
            raise
        during = self._events[mark:]
        rule = ""
        request = None
        if verdict.accepted:
            request = next((e.request for e in during if isinstance(e, OrderSubmitted)), None)
            if isinstance(command, ORDER_KEYS):
                self.coverage[f"accepted {type(command).__name__}"] += 1
            elif command.origin in COMPOSED_ORIGINS:
                self.coverage[f"{command.origin} step"] += 1
        else:
            denials = [e for e in during if isinstance(e, OrderDenied)]
            rule = denials[-1].rule if denials else ""
        self.judged.append(Judged(command, before, verdict.accepted, verdict.reason, rule, request))
        self._note(f"{command!r} -> {verdict.accepted} {verdict.reason}")
        return verdict

    # Events ----------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        kind = type(event)
        if kind is QuoteUpdated or kind is Printed:
            self.market_events += 1
            return
        self._events.append(event)
        self._note(repr(event))
        self._cover(event)
        if kind is OrderSubmitted:
            request = event.request  # type: ignore[attr-defined]
            if request.tag is not None:
                self.submitted[request.tag] = request
        elif kind is SubmissionSettled and event.order_id is None:  # type: ignore[attr-defined]
            self.unsent.add(event.tag)  # type: ignore[attr-defined]
        elif kind is FlattenStarted:
            self.flattens.append(Flatten(self.moment(), event.reason))  # type: ignore[attr-defined]
        elif kind is FlattenCompleted:
            self._flatten_completed(event)  # type: ignore[arg-type]
        elif kind is BrokerFailed:
            for flatten in self.flattens:
                if flatten.ended is None:
                    flatten.failures.append(event.reason)  # type: ignore[attr-defined]
        elif kind is Reconciled:
            now = self.moment()
            self.reconciles.append(Reconcile(now.at, now.engine, now.venue, now.reporting))
        elif kind is LockoutStarted or kind is LockoutEnded:
            self.lockouts.append((asyncio.get_running_loop().time(), event))
        elif kind is Notice and event.level == "error":  # type: ignore[attr-defined]
            self.crash(f"the engine reported a failure: {event.text}")  # type: ignore[attr-defined]

    def _cover(self, event: Event) -> None:
        if isinstance(event, OrderDenied):
            self.coverage[f"denied by {event.rule}"] += 1
        elif isinstance(event, RiskStateChanged):
            self.coverage[f"risk {event.state}"] += 1
        elif isinstance(event, EnforcementTaken):
            self.coverage[f"enforced {event.action}"] += 1
        elif isinstance(event, BrokerFailed):
            self.coverage["broker uncertain" if event.uncertain else "broker failed"] += 1
        elif isinstance(event, FlattenCompleted):
            self.coverage["flatten flat" if event.flat else "flatten NOT FLAT"] += 1
        elif isinstance(event, LockoutStarted | Reconciled | FillReceived):
            self.coverage[type(event).__name__] += 1

    def _flatten_completed(self, event: FlattenCompleted) -> None:
        running = [f for f in self.flattens if f.ended is None]
        if not running:
            self.crash(f"FlattenCompleted without a running flatten: {event!r}")
            return
        flatten = running[0]
        flatten.ended = self.moment()
        flatten.flat = event.flat
        flatten.detail = event.detail

    # Notes -----------------------------------------------------------------------------------

    def crash(self, text: str) -> None:
        """Something raised where nothing may (the engine, a watcher, a task)."""
        self.crashes.append(text)

    def _note(self, text: str) -> None:
        self.digest.update(text.encode())

    def fingerprint(self) -> str:
        return f"{self.digest.hexdigest()}/{self.market_events}"
