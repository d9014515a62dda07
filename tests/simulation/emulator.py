"""``--faults``: the same trader against the gateway emulator, through the real SDK.

The world is the loopback ProjectX Gateway emulator (its venue is the paper account on
the synthetic market, seeded) with the ProjectX adapter driving the real project-x-py
client, wired into a real session (engine, risk engine, journal). The trader's plan adds
every fault the emulator injects. This runs on the wall clock over real sockets, so a
seed fixes the trader, the market and the faults but not the interleaving: it is not
bit-for-bit reproducible, and its reports say so. Promises that need the venue and the
engine to be still (the two pictures agree) are judged once at the end, after the faults
are cleared and the adapter has re-read the account.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from cockpit.brokers.projectx import ProjectXBroker
from cockpit.brokers.projectx_config import resolve_login
from cockpit.core.broker import BrokerError
from cockpit.core.clock import WallClock
from cockpit.core.commands import Command, SetArmed
from cockpit.core.events import Link
from cockpit.core.loop import run as run_loop
from cockpit.core.models import Order
from cockpit.gateway.faults import parse_fault
from cockpit.gateway.server import GatewayOptions, GatewayServer
from cockpit.session import Session, build_session
from tests.gateway.conftest import API_KEY, FAST, login_env
from tests.simulation.book import differences, engine_book, venue_book
from tests.simulation.facts import Facts, Moment, on_their_way
from tests.simulation.invariants import FLATTEN_BOUND, Run, Violation, check
from tests.simulation.known import KNOWN, Known
from tests.simulation.line import Call
from tests.simulation.runner import Outcome, _replay, _sift, numbered, plan
from tests.simulation.world import SYMBOLS, brackets_for, rules_for, settings

EMULATOR_STEPS = 25
QUIET_DEADLINE = 15.0
"""Seconds the end of a run waits for the links to heal and the pictures to agree."""


class EmulatorWorld:
    """A live session against a started emulator; build it with :meth:`open`."""

    synchronous = False

    def __init__(self, seed: int, folder: Path, server: GatewayServer) -> None:
        self.seed = seed
        self.folder = folder
        self.server = server
        self.clock = WallClock()
        self.facts = Facts(self.moment)
        self.journals: list[Path] = []
        """Journals of the sessions already stopped (a restart starts a new one)."""
        self._background: set[asyncio.Task[None]] = set()
        self._started = asyncio.get_running_loop().time()
        self._use(self._build())

    @classmethod
    async def open(cls, seed: int, folder: Path) -> EmulatorWorld:
        options = GatewayOptions(
            port=0,
            symbols=SYMBOLS,
            seed=seed,
            pump_interval=0.02,
            keepalive_seconds=0.25,
            api_key=API_KEY,
        )
        server = GatewayServer(options)
        await server.start()
        world = cls(seed, folder, server)
        await world.session.start()
        world.press(SetArmed(armed=True))
        return world

    def _build(self) -> Session:
        """A live session as the cockpit wires it, against this world's emulator."""
        live = FAST.model_copy(update={"gateway": self.server.url})
        login = resolve_login(live, login_env())
        broker = ProjectXBroker(self.clock, list(SYMBOLS), live, login=login)
        return build_session(
            settings(rules_for(self.seed), brackets_for(self.seed)),
            clock=self.clock,
            broker=broker,
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
        assert isinstance(session.broker, ProjectXBroker)
        self.broker: ProjectXBroker = session.broker
        self.facts.attach(session.engine)

    async def restart(self) -> None:
        """The cockpit stops and signs in again against the same emulator and state folder."""
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

    def press(self, command: Command) -> None:
        with contextlib.suppress(Exception):  # the witness noted the crash
            self.engine.submit(command)

    async def pause(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def yields(self, times: int) -> None:
        for _ in range(times):
            await asyncio.sleep(0)

    def begin(self, number: int) -> None:
        """Nothing to re-seed: the emulator's answers come from real sockets."""
        return None

    def reconcile(self) -> None:
        async def reread() -> None:
            with contextlib.suppress(BrokerError):
                await self.broker.reconcile()

        task = asyncio.get_running_loop().create_task(reread())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def outage(self, seconds: float) -> None:
        """The emulator's faults stand in for outages here."""
        return None

    async def fault(self, body: dict[str, Any]) -> None:
        self.facts.coverage[f"fault {body['fault']}"] += 1
        await self.server.apply(parse_fault(body))

    # Observation ---------------------------------------------------------------------------

    def _account(self) -> Any:
        return next(iter(self.server.venue.ledgers.values())).paper

    def moment(self) -> Moment:
        account = self._account()
        landed = {o.tag for o in account.orders.values()}
        facts = self.facts
        in_flight = tuple(
            r for tag, r in facts.submitted.items() if tag not in landed and tag not in facts.unsent
        )
        lockout = self.risk.store.active(self.clock.now_ns())
        state = self.state
        return Moment(
            at=asyncio.get_running_loop().time() - self._started,
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
            cancelling=frozenset(),
            closing=frozenset(),
            **on_their_way(state),
        )

    def place_calls(self) -> dict[str, int]:
        """How often each order tag was sent to ``/Order/place`` (whatever the answer)."""
        counts: dict[str, int] = {}
        for record in self.server.rest.requests:
            if record.path.lower() != "/api/order/place":
                continue
            with contextlib.suppress(orjson.JSONDecodeError, AttributeError):
                tag = orjson.loads(record.body).get("customTag")
                if tag:
                    counts[tag] = counts.get(tag, 0) + 1
        return counts

    def venue_orders(self) -> list[Order]:
        return list(self._account().orders.values())

    def venue_tags(self) -> list[str]:
        orders = self._account().orders.values()
        return [o.tag for o in orders if o.tag is not None and o.tag != "close"]

    def line_calls(self) -> list[Call] | None:
        """Call timing is not observable through real sockets."""
        return None

    @property
    def journal_paths(self) -> list[Path]:
        """Every session's journal, the running one last."""
        journal = self.session.journal
        current = [journal.path] if journal is not None and journal.path is not None else []
        return [*self.journals, *current]

    # The end ---------------------------------------------------------------------------------

    async def quiet_pictures(self) -> list[str]:
        """Clear the faults, let the adapter heal and re-read the account, then wait until
        the engine's picture is the venue's; what still differs at the deadline."""
        self.server.faults.clear()
        deadline = asyncio.get_running_loop().time() + QUIET_DEADLINE
        state = self.state
        await _until(
            lambda: state.reconciled and all(state.links[link].healthy for link in Link),
            deadline,
        )
        with contextlib.suppress(BrokerError):
            await self.broker.reconcile()
        if await _until(lambda: engine_book(state) == venue_book(self._account()), deadline):
            return []
        return differences(engine_book(state), venue_book(self._account()))

    async def settle(self, bound: float) -> None:
        deadline = asyncio.get_running_loop().time() + bound
        await _until(lambda: not self.state.flattening, deadline)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        try:
            await self.session.stop()
        finally:
            await self.server.stop()


async def _until(check: Callable[[], bool], deadline: float) -> bool:
    """Poll ``check`` until it holds (True) or the loop's clock passes ``deadline``."""
    loop = asyncio.get_running_loop()
    while True:
        if check():
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.05)


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """The faults are on purpose: keep the adapter's and the SDK's complaints off the
    screen for the run (the SDK resets its own loggers' levels, so only a global switch
    holds), then turn logging back on."""
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def against_emulator(  # type: ignore[no-untyped-def]
    length: int, tolerate: tuple[Known, ...] = KNOWN, *, order_keys: bool = False
):
    """A runner for :func:`~tests.simulation.campaign.sweep`: one seed on the emulator."""

    def run(seed: int, schedule: str) -> Outcome:
        return run_emulated(seed, length=length, tolerate=tolerate, order_keys=order_keys)

    return run


def run_emulated(
    seed: int,
    *,
    length: int = EMULATOR_STEPS,
    tolerate: tuple[Known, ...] = KNOWN,
    order_keys: bool = False,
) -> Outcome:
    """One seed against the emulator, on the cockpit's (eager) loop and the wall clock."""
    drawn = plan(seed, length, faults=True, order_keys=order_keys)
    outcome = Outcome(seed, "eager", numbered(drawn), order_keys=order_keys)
    with tempfile.TemporaryDirectory(prefix=f"sim-live-{seed}-") as scratch, _quiet_logs():
        journals = run_loop(_play(outcome, Path(scratch), tolerate))
        if outcome.ok:
            outcome.violations += _sift(outcome, _replay(journals), tolerate)
    return outcome


async def _play(outcome: Outcome, folder: Path, tolerate: tuple[Known, ...]) -> list[Path]:
    world = await EmulatorWorld.open(outcome.seed, folder)
    run = Run(world, world.session.settings.risk)
    try:
        for number, step in outcome.steps.items():
            await step.run(world)
            found = _sift(outcome, check(run), tolerate)
            if found:
                outcome.violations, outcome.failed_at = found, number
                return []
        await world.settle(FLATTEN_BOUND + 1)
        found = _sift(outcome, check(run), tolerate)
        if not found:
            at = run.now.at if run.now is not None else 0.0
            found = [Violation("mirror", line, at) for line in await world.quiet_pictures()]
        outcome.violations = found
    finally:
        outcome.seconds = asyncio.get_running_loop().time() - world._started
        outcome.commands = len(world.facts.judged)
        outcome.coverage = world.facts.coverage
        await world.close()
    return world.journal_paths
