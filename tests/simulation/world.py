"""The in-process world: a real session on the paper venue, on simulated time.

One seed builds it all: the synthetic market (its regimes and bursts come from the
seed), the paper venue behind a :class:`~tests.simulation.line.SlowLine`, and the
session exactly as the cockpit wires it (``build_session``: engine, risk engine with
some limits on, lockout store and journal in a scratch folder). A pump plays the market
every quarter of a simulated second and gives the engine its 1 Hz tick, as the UI's
timers do. Nothing here waits on the wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from cockpit.bracket_config import BracketSettings
from cockpit.config import JournalSettings, Settings, UiSettings
from cockpit.core.clock import EXCHANGE_TZ, NS_PER_SECOND, ns_from_datetime
from cockpit.core.commands import Command, SetArmed
from cockpit.core.engine import Engine
from cockpit.core.models import Order
from cockpit.core.state import State
from cockpit.risk.config import RiskSettings
from cockpit.session import Session, build_session
from tests.simulation.book import engine_book, venue_book
from tests.simulation.facts import Facts, Moment, on_their_way
from tests.simulation.line import Call, SlowLine
from tests.simulation.timeloop import SimClock
from tests.simulation.venue import SimVenue

SYMBOLS = ("M2K", "MYM", "RTY")
START_NS = ns_from_datetime(datetime(2026, 10, 14, 11, 0, tzinfo=EXCHANGE_TZ))
"""A Wednesday late morning in Chicago: an ordinary session, front month Z26."""
PUMP_SECONDS = 0.25
LIMITS: dict[str, Any] = {
    "max_order_size": {"contracts": 3},
    "contract_limit": {"contracts": 4, "symbols": {"RTY": 2}},
    "max_position": {"micros": 40},
    "throttle": {"orders": 8, "seconds": 1},
}
"""Limits the invariants check from the venue's truth; every run has them."""
PROFILES: tuple[dict[str, Any], ...] = (
    {"daily_loss": {"limit": "250", "action": "lock", "lock_until": "3m"}},
    {"fills_per_day": {"limit": 8}, "daily_loss": {"limit": "120", "action": "flatten"}},
    {"fills_per_day": {"limit": 6, "action": "cancel-all"}},
    {"daily_loss": {"limit": "60", "action": "lock", "lock_until": "30s"}},
)
"""The rest of a run's rules, by seed: loss limits that lock, flatten or go reduce-only
early, and a trade count that cancels every working order, so each risk state and each
enforcement comes up."""


def rules_for(seed: int) -> dict[str, Any]:
    """The risk rules of a seed's run."""
    return LIMITS | PROFILES[seed % len(PROFILES)]


BRACKETS: tuple[dict[str, Any], ...] = (
    {},
    {
        "active": "tight",
        "tight": {
            "stop": 6,
            "target": 10,
            "breakeven": {"trigger": 3, "offset": 1},
            "trail": {"trigger": 6, "distance": 3, "step": 1},
        },
    },
    {
        "active": "split",
        "split": {"stop": 8, "targets": [{"ticks": 4, "size": 1}, {"ticks": 12, "size": 2}]},
        "wide": {"stop": 20, "target": 20},
    },
)
"""Bracket templates by seed: none (as before brackets), one with break-even and
trailing, two targets; so every bracket promise is judged on two runs in three."""


def brackets_for(seed: int) -> dict[str, Any]:
    """The ``[brackets]`` of a seed's run."""
    return BRACKETS[seed % len(BRACKETS)]


def settings(rules: dict[str, Any], brackets: dict[str, Any] | None = None) -> Settings:
    """The cockpit's settings for a simulated run (the journal writes every 2 s)."""
    return Settings(
        ui=UiSettings(watchlist=list(SYMBOLS)),
        risk=RiskSettings.model_validate(rules),
        journal=JournalSettings(flush_ms=2000),
        brackets=BracketSettings.model_validate(brackets or {}),
    )


class World(Protocol):
    """What a step can do to a world, in process or against the emulator."""

    engine: Engine
    state: State
    facts: Facts

    def now_ns(self) -> int: ...

    def begin(self, number: int) -> None:
        """Step ``number`` of the plan starts (the line draws its answers from it)."""
        ...

    def press(self, command: Command) -> None:
        """A key: the engine judges the command now; the broker side runs on its own."""
        ...

    async def pause(self, seconds: float) -> None:
        """Let time pass (the market moves, answers arrive, timeouts run out)."""
        ...

    async def yields(self, times: int) -> None: ...

    def reconcile(self) -> None:
        """The broker's view is re-read (as after a reconnect), in the background."""
        ...

    def outage(self, seconds: float) -> None: ...

    async def fault(self, body: dict[str, Any]) -> None: ...

    async def restart(self) -> None:
        """The cockpit stops and starts again against the same broker and state folder."""
        ...


class PaperWorld:
    """A started paper session on simulated time; build it with :meth:`open`."""

    synchronous = True
    """The paper venue reports every change at once: the engine's picture must match it
    after every step."""

    def __init__(
        self, seed: int, folder: Path, rules: dict[str, Any], line: SlowLine, clock: SimClock
    ) -> None:
        self.seed = seed
        self.folder = folder
        self.rules = rules
        self.line = line
        self.clock = clock
        self.facts = Facts(self.moment)
        self.journals: list[Path] = []
        """Journals of the sessions already stopped (a restart starts a new one)."""
        self._pump: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._use(self._build())

    @classmethod
    async def open(cls, seed: int, folder: Path, rules: dict[str, Any]) -> PaperWorld:
        loop = asyncio.get_running_loop()
        clock = SimClock(loop, START_NS)
        line = SlowLine(SimVenue(clock, SYMBOLS, seed=seed), f"{seed}-start")
        world = cls(seed, folder, rules, line, clock)
        loop.set_exception_handler(world._unhandled)
        await world.session.start()
        world._pump = loop.create_task(world._run_pump())
        world.press(SetArmed(armed=True))
        return world

    def _build(self) -> Session:
        """A session as the cockpit wires it, on this world's venue, clock and folders."""
        return build_session(
            settings(self.rules, brackets_for(self.seed)),
            clock=self.clock,
            broker=self.line,
            pump=False,
            risk_state_dir=self.folder / "state",
            journal_dir=self.folder / "journals",
        )

    def _use(self, session: Session) -> None:
        self.session = session
        self.engine = session.engine
        self.state = session.state
        assert session.risk is not None
        self.risk = session.risk
        self.facts.attach(session.engine)

    async def restart(self) -> None:
        """The cockpit stops (drained, journal closed) and starts again on the same venue
        and state folder, as after a crash or an upgrade; the trader re-arms."""
        self.facts.coverage["restart"] += 1
        await self.session.stop()
        if self.session.journal is not None and self.session.journal.path is not None:
            self.journals.append(self.session.journal.path)
        self._use(self._build())
        await self.session.start()
        self.press(SetArmed(armed=True))

    # What steps do -------------------------------------------------------------------------

    def now_ns(self) -> int:
        return self.clock.now_ns()

    def begin(self, number: int) -> None:
        self.line.reseed(f"{self.seed}-{number}")

    def press(self, command: Command) -> None:
        with contextlib.suppress(Exception):  # the witness noted the crash
            self.engine.submit(command)

    async def pause(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def yields(self, times: int) -> None:
        for _ in range(times):
            await asyncio.sleep(0)

    def reconcile(self) -> None:
        async def reread() -> None:
            with contextlib.suppress(Exception):  # unreachable or lost: the line noted it
                await self.line.reconcile()

        task = asyncio.get_running_loop().create_task(reread())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def outage(self, seconds: float) -> None:
        self.facts.coverage["outage"] += 1
        self.line.outage(seconds)

    async def fault(self, body: dict[str, Any]) -> None:
        """Gateway faults exist only against the emulator; in process they do nothing."""
        return None

    # Observation ---------------------------------------------------------------------------

    def moment(self) -> Moment:
        state = self.state
        account = self.line.venue.account
        landed = {o.tag for o in account.orders.values()}
        facts = self.facts
        in_flight = tuple(
            request
            for tag, request in facts.submitted.items()
            if tag not in landed and tag not in facts.unsent
        )
        open_calls = [c for c in self.line.calls if c.returned is None]
        lockout = self.risk.store.active(self.clock.now_ns())
        return Moment(
            at=self.clock.loop.time(),
            ns=self.clock.now_ns(),
            engine=engine_book(state),
            venue=venue_book(account),
            in_flight=in_flight,
            unacknowledged=tuple(state.pending.values()),
            flattening=state.flattening,
            armed=state.armed,
            reconciled=state.reconciled,
            lockout_until=lockout.until_ns if lockout is not None else None,
            trading_state=self.risk.trading_state.value,
            cancelling=frozenset(c.key for c in open_calls if c.kind == "cancel"),  # type: ignore[misc]
            closing=frozenset(c.key for c in open_calls if c.kind == "close"),  # type: ignore[misc]
            reporting=self.line.venue.reporting,
            **on_their_way(state),
        )

    def place_calls(self) -> dict[str, int]:
        """How often each order tag reached the venue."""
        counts: dict[str, int] = {}
        for call in self.line.calls:
            if call.kind == "place" and call.key is not None:
                counts[str(call.key)] = counts.get(str(call.key), 0) + 1
        return counts

    def line_calls(self) -> list[Call]:
        return self.line.calls

    def venue_orders(self) -> list[Order]:
        return list(self.line.venue.account.orders.values())

    def venue_tags(self) -> list[str]:
        """The tag of every order the venue holds, working or not (its own closes aside)."""
        orders = self.line.venue.account.orders.values()
        return [o.tag for o in orders if o.tag is not None and o.tag != "close"]

    @property
    def journal_paths(self) -> list[Path]:
        """Every session's journal, the running one last."""
        journal = self.session.journal
        current = [journal.path] if journal is not None and journal.path is not None else []
        return [*self.journals, *current]

    # Life ----------------------------------------------------------------------------------

    async def _run_pump(self) -> None:
        """The market every quarter second, the engine's tick every second."""
        next_tick = self.clock.now_ns() + NS_PER_SECOND
        while True:
            await asyncio.sleep(PUMP_SECONDS)
            now = self.clock.now_ns()
            try:
                self.line.step(now)
                if now >= next_tick:
                    next_tick += NS_PER_SECOND
                    self.engine.tick()
            except Exception as exc:
                self.facts.crash(f"the market pump raised: {type(exc).__name__}: {exc}")

    def _unhandled(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        self.facts.crash(f"unhandled in the loop: {context.get('message')} {error!r}")

    async def settle(self, bound: float) -> None:
        """Let a running flatten finish (up to ``bound`` seconds) before the last checks."""
        waited = 0.0
        while self.state.flattening and waited < bound:
            await asyncio.sleep(1.0)
            waited += 1.0

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        for task in list(self._background):
            task.cancel()
        await self.session.stop()
