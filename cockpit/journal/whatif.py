"""What-if: the recorded day traded again under other rules.

The recorded market (quotes and prints) is played through a paper matching engine, the
trader's own commands are re-sent at their recorded times, and an engine with the given
rules judges them and enforces on its own. Entries go as they were sent; an order that
closed (part of) a position live closes at most what the simulated account holds, and
is dropped when it holds nothing there (under stricter rules the entry may never have
happened: the exit must not become a new position). Broker facts of the recorded account are not
used: under other rules other orders fill, so the fills must be simulated. To keep the
comparison about the rules alone, the baseline is simulated the same way under the
recorded rules; the difference between the two is what the other rules would have
changed. The recorded P&L is shown beside them for reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from cockpit.brokers.paper import PaperDesk
from cockpit.core import loop as cockpit_loop
from cockpit.core.clock import FakeClock
from cockpit.core.commands import CancelOrder, Command, ModifyOrder, PlaceOrder
from cockpit.core.engine import Engine
from cockpit.core.events import (
    AccountUpdated,
    BarsLoaded,
    ConnectionChanged,
    DayStatsUpdated,
    DepthUpdated,
    EnforcementTaken,
    Event,
    FillReceived,
    FlattenStarted,
    LockoutEnded,
    LockoutStarted,
    OrderDenied,
    OrderSubmitted,
    OrderUpdated,
    PositionUpdated,
    Printed,
    QuoteUpdated,
    Reconciled,
    RiskDecision,
    RiskStateChanged,
)
from cockpit.core.models import Mode
from cockpit.core.state import State
from cockpit.journal.format import FrameFlag, RecordKind
from cockpit.journal.reader import Journal
from cockpit.journal.rerun import DERIVED_ORIGINS, RiskInstaller

MARKET = (QuoteUpdated, Printed, DepthUpdated, BarsLoaded, DayStatsUpdated, ConnectionChanged)
"""Broker facts the simulation keeps: the market, and the links."""
DECISIONS = (
    OrderDenied,
    EnforcementTaken,
    RiskStateChanged,
    RiskDecision,
    LockoutStarted,
    LockoutEnded,
    FlattenStarted,
)
"""What a rule set decides: compared between the baseline and the other rules."""


class _Decisions:
    """The simulated engine's recorder: keeps its decisions."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.last_tag: str | None = None
        """Tag of the last order the simulated engine accepted."""

    def record_event(self, recv_ns: int, event: Event, inbound: bool) -> None:
        if inbound:
            return
        if isinstance(event, DECISIONS):
            self.events.append(event)
        elif isinstance(event, OrderSubmitted):
            self.last_tag = event.request.tag

    def record_command(self, ts: int, command: Command) -> None:
        return None


@dataclass(frozen=True)
class Outcome:
    """How a simulated day ended."""

    realized: Decimal
    fees: Decimal
    open: Decimal
    fills: int
    decisions: list[Event]

    @property
    def net(self) -> Decimal:
        """Realized after fees plus open at the last print."""
        return self.realized - self.fees + self.open


@dataclass(frozen=True)
class WhatIf:
    recorded: Decimal
    """The P&L the session really made (realized after fees plus open at the end)."""
    baseline: Outcome
    """The day simulated under the recorded rules."""
    other: Outcome
    """The day simulated under the other rules."""
    fired: list[Event]
    """Decisions the other rules made that the recorded rules did not, in time order."""
    spared: list[Event]
    """Decisions of the recorded rules that the other rules did not make."""

    @property
    def difference(self) -> Decimal:
        """What the other rules would have changed: other minus baseline."""
        return self.other.net - self.baseline.net


def _fees(journal: Journal) -> dict[str, Decimal]:
    """Fee per contract per side: what the broker charged, else the recorded settings."""
    header = journal.header
    fees = {s: spec.fee_per_side for s, spec in header.instruments.items()}
    overrides = (header.settings.get("paper") or {}).get("fees") or {}
    fees.update({s: Decimal(str(v)) for s, v in overrides.items()})
    for record in journal.items(FrameFlag.FILLS, (FillReceived,)):
        fill = record.item.fill
        if fill.size:
            fees[fill.symbol] = fill.fee / fill.size
    return fees


async def simulate(
    journal: Journal, install: RiskInstaller, settings: Mapping[str, Any]
) -> Outcome:
    """Trade the recorded day on a paper account, judged by what ``install`` attaches."""
    header = journal.header
    clock = FakeClock(journal.first_ns)
    state = State(header.instruments, header.watchlist, mode=Mode.SIM)
    slippage = int((header.settings.get("paper") or {}).get("slippage_ticks", 0))
    broker: PaperDesk | None = None
    decisions = _Decisions()
    engine = Engine(
        state, clock, recorder=decisions, run_tag=header.tag_prefix, confirm_timeout=0.05
    )
    install(engine, settings)
    recorded_tags: dict[int, str] = {}
    """Live order id -> live tag."""
    sim_tags: dict[str, str | None] = {}
    """Live tag -> the tag of the same order in the simulation (None: never placed)."""
    just_sent: str | None = None
    recorded_positions: dict[str, int] = {}
    for record in journal.records():
        clock.set(record.ns)
        item = record.item
        if record.kind is RecordKind.IN:
            if isinstance(item, OrderUpdated) and item.order.tag is not None:
                recorded_tags[item.order.id] = item.order.tag
            if isinstance(item, AccountUpdated) and broker is None:
                broker = PaperDesk(
                    clock,
                    item.account,
                    instruments=header.instruments,
                    fees=_fees(journal),
                    slippage_ticks=slippage,
                    name="what-if account",
                )
                engine.broker = broker
                await broker.start(engine.on_event)
                await broker.reconcile()
            elif isinstance(item, MARKET):
                engine.on_event(item)
                if broker is not None:
                    broker.on_market(item)
            elif isinstance(item, Reconciled) and broker is not None:
                await broker.reconcile()
            if isinstance(item, PositionUpdated):
                recorded_positions[item.position.symbol] = item.position.size
        elif record.kind is RecordKind.OUT and isinstance(item, OrderSubmitted):
            if item.request.tag is not None:
                sim_tags[item.request.tag] = just_sent
        elif record.kind is RecordKind.COMMAND and item.origin not in DERIVED_ORIGINS:
            just_sent = None
            command = _as_traded(item, recorded_positions, state)
            if command is not None:
                decisions.last_tag = None
                engine.submit(_mapped(command, recorded_tags, sim_tags, state))
                just_sent = decisions.last_tag
        elif record.kind is RecordKind.TICK:
            engine.tick()
        await engine.drain()
    await engine.drain()
    return Outcome(
        realized=state.realized,
        fees=state.fees,
        open=state.open_pnl_total(),
        fills=len(state.fills),
        decisions=decisions.events,
    )


def _as_traded(command: Command, recorded: Mapping[str, int], state: State) -> Command | None:
    """An exit sized to the simulated position (or dropped); anything else unchanged."""
    if not isinstance(command, PlaceOrder):
        return command
    live = recorded.get(command.symbol, 0)
    if live == 0 or (live > 0) == (command.side.sign > 0):
        return command  # an entry (or adding): as sent
    held = state.positions.get(command.symbol)
    size = held.size if held is not None else 0
    if size == 0 or (size > 0) == (command.side.sign > 0):
        return None  # nothing to close here
    return replace(command, size=min(command.size, abs(size)))


def _mapped(
    command: Command,
    recorded_tags: Mapping[int, str],
    sim_tags: Mapping[str, str | None],
    state: State,
) -> Command:
    """A cancel or modify of a recorded order, aimed at the same order in the simulation."""
    if not isinstance(command, CancelOrder | ModifyOrder):
        return command
    live_tag = recorded_tags.get(command.order_id)
    tag = sim_tags.get(live_tag) if live_tag is not None else None
    for order in state.orders.values():
        if tag is not None and order.tag == tag:
            return replace(command, order_id=order.id)
    return replace(command, order_id=-1)  # no such order here: denied as not working


def recorded_net(journal: Journal) -> Decimal:
    """What the session really made: realized after fees plus open at its last print."""
    from cockpit.journal.replay import Replayer

    replayer = Replayer(journal, rerun=False)
    replayer.go_to(journal.count)
    return replayer.state.day_pnl()


def what_if(
    journal: Journal,
    other: RiskInstaller,
    *,
    baseline: RiskInstaller | None = None,
) -> WhatIf:
    """Simulate the day under the recorded rules and under ``other``; compare."""
    from cockpit.journal.risk import install_risk

    settings = journal.header.settings
    base = cockpit_loop.run(simulate(journal, baseline or install_risk, settings))
    alt = cockpit_loop.run(simulate(journal, other, settings))
    base_keys = [_key(e) for e in base.decisions]
    alt_keys = [_key(e) for e in alt.decisions]
    fired = [e for e, k in zip(alt.decisions, alt_keys, strict=True) if k not in base_keys]
    spared = [e for e, k in zip(base.decisions, base_keys, strict=True) if k not in alt_keys]
    return WhatIf(recorded_net(journal), base, alt, fired, spared)


def _key(event: Event) -> tuple[Any, ...]:
    return (type(event), event.ts, getattr(event, "rule", ""), getattr(event, "reason", ""))
