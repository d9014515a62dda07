"""Flatten all: the one path every exit shares, run for each instrument at once.

Every instrument with a working order or a position goes at the same time and on its
own: cancel its working orders and wait until the broker confirms them, then close its
position through the broker (which sizes the close from its own position, so a stale
picture cannot overshoot). A close waits only for the cancels of its own instrument: a
stop or target still working there could fill against the close and open the other
way, while a cancel in another instrument cannot touch it, so making every close wait
for every cancel only left positions open longer in a fast market. Then the broker's
account is read back, whatever it adds is flattened once more, and the outcome says
"verified flat" or names what is still open and why.

The procedure owns the running flatten's :class:`Completion`: a second press while one
runs joins it, and its end is promised in a ``finally`` whatever happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from cockpit.core.broker import BrokerError
from cockpit.core.commands import FlattenAll
from cockpit.core.events import FlattenCompleted, FlattenStarted, Notice
from cockpit.core.memory import collector_held
from cockpit.core.models import OrderStatus

if TYPE_CHECKING:
    from cockpit.core.engine import Engine

log = logging.getLogger(__name__)

CANCEL_LABEL = "FlattenAll cancel"


class Completion:
    """The end of a piece of work that outlives the call that started it (a flatten).

    Made before the work starts and finished by the work itself in a ``finally``, so it
    says "running" from the first instant to the last, however the loop schedules tasks.
    Needs no running loop to exist (replay builds engines outside one).
    """

    __slots__ = ("_ended",)

    def __init__(self) -> None:
        self._ended = asyncio.Event()

    def done(self) -> bool:
        return self._ended.is_set()

    def finish(self) -> None:
        self._ended.set()

    def __await__(self) -> Generator[Any, None, bool]:
        return self._ended.wait().__await__()


class FlattenProcedure:
    """Runs an engine's flatten: start, per-instrument passes, read-back, outcome."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.running: Completion | None = None
        """The running (or last) flatten: a press while it runs joins it."""
        self.errors: list[str] = []
        """What the broker said while the running flatten worked, for its outcome line."""
        self._moved: asyncio.Event | None = None
        """Set by every account event while a flatten waits on the broker's reports."""

    @property
    def active(self) -> bool:
        return self.running is not None and not self.running.done()

    def start(self, command: FlattenAll | None = None) -> Completion:
        """Start a flatten, or return the one already running (never a second set)."""
        engine = self.engine
        running = self.running
        if running is not None and not running.done():
            engine.emit(Notice(engine.now(), "info", "flatten already running"))
            return running
        reason = command.reason if command is not None else "flatten"
        working = len(engine.state.working_orders())
        positions = len(engine.state.open_positions())
        # Running from before FlattenStarted is folded until after FlattenCompleted is:
        # a watcher that asks for a flatten inside either joins this one.
        self.running = completion = Completion()
        with collector_held():  # eager tasks: every first request goes out in here
            engine.emit(FlattenStarted(engine.now(), reason, working, positions))
            self.errors = []
            engine._spawn(self._run(working, completion), "FlattenAll")
        return completion

    def account_moved(self) -> None:
        """An account event was folded: a flatten waiting on the broker looks again."""
        if self._moved is not None:
            self._moved.set()

    def note(self, reason: str) -> None:
        """A broker call failed: a running flatten keeps the reason for its outcome."""
        if self.active and reason not in self.errors:
            self.errors.append(reason)

    async def _run(self, working: int, completion: Completion) -> None:
        """Cancel, close, verify; whatever happens, end with a ``FlattenCompleted``."""
        engine = self.engine
        outcome: tuple[bool, str] = (False, "flatten interrupted before it could verify flat")
        try:
            outcome = await self._steps(working)
        except BrokerError as exc:
            outcome = (False, f"broker error: {exc}")
        except Exception as exc:  # a bug must not leave the cockpit "flattening" forever
            log.exception("flatten failed")
            outcome = (False, f"flatten failed: {type(exc).__name__}: {exc}")
        finally:
            flat, detail = outcome
            engine.emit(FlattenCompleted(engine.now(), flat, detail))
            completion.finish()

    async def _steps(self, working: int) -> tuple[bool, str]:
        """Cancel, close, then verify against the broker's own account, not only against
        its reports: a report lost or late (a hub dropped, messages reordered) could
        otherwise make a flatten say flat while the broker still holds something."""
        state = self.engine.state
        if self.engine.broker is None:
            return False, "no broker connected"
        # Act at once on what we know, then read the broker's truth and act on what it adds.
        closed = await self._pass()
        await self.wait_for(state.is_flat)
        unread = await self._read_back()
        if not state.is_flat():
            # Something moved while we worked (a fill in flight, a report lost): act on
            # the broker's truth once more, and read it again.
            closed += await self._pass()
            await self.wait_for(state.is_flat)
            unread = await self._read_back()
        if state.is_flat() and unread is None:
            return True, f"verified flat ({closed} closed, {working} cancelled)"
        if state.is_flat():
            return False, (
                f"flat as the broker last reported ({closed} closed, {working} cancelled), "
                f"but not verified: the account could not be re-read ({unread})"
            )
        left = ", ".join(
            [f"{p.symbol} {p.size:+d}" for p in state.open_positions()]
            + [f"order {o.id}" for o in state.working_orders()]
            + [f"order {tag} (no answer yet)" for tag in state.pending]
        )
        detail = f"NOT FLAT: still open {left}"
        if self.errors:
            detail += f"; broker said: {'; '.join(self.errors)}"
        return False, detail

    async def _read_back(self) -> str | None:
        """Re-read the broker's account (orders, positions, balance); retried with a short
        back-off within the confirmation time. Returns why it could not, or ``None``."""
        engine = self.engine
        assert engine.broker is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + engine.confirm_timeout
        pause = 0.25
        while True:
            try:
                await engine.broker.reconcile()
                return None
            except BrokerError as exc:
                if loop.time() + pause > deadline:
                    reason = str(exc)
                    engine._failed("account re-read", reason)
                    return reason
            await asyncio.sleep(pause)
            pause *= 2

    async def _pass(self) -> int:
        """Flatten every instrument once; orders sent just before the key (entries are
        denied from now on) land first and go too. Returns how many positions closed."""
        state = self.engine.state
        closed = await self._each_instrument()
        if state.pending:
            await self.wait_for(lambda: not state.pending)
            closed += await self._each_instrument()
        return closed

    async def _each_instrument(self) -> int:
        """Every instrument with a working order or a position, all at once."""
        state = self.engine.state
        symbols = dict.fromkeys(
            [order.symbol for order in state.working_orders()]
            + [position.symbol for position in state.open_positions()]
        )  # in the state's order (a set's would change with the hash seed)
        if not symbols:
            return 0
        closed = await asyncio.gather(*(self._instrument(symbol) for symbol in symbols))
        return sum(closed)

    async def _instrument(self, symbol: str) -> int:
        """Cancel the instrument's working orders, wait for the broker to confirm them,
        then close its position (joining a close on its way) and wait until it is closed.
        Returns 1 when it closed a position."""
        engine = self.engine
        state = engine.state
        orders = [order.id for order in state.working_orders(symbol)]
        if orders:
            cancels = [
                task
                for order_id in orders
                if (task := engine._send_cancel(order_id, CANCEL_LABEL)) is not None
            ]
            if cancels:
                await asyncio.gather(*cancels, return_exceptions=True)
            status = state.order_status
            await self.wait_for(lambda: not any(_still_working(status(i)) for i in orders))
        if state.position_size(symbol) == 0:
            return 0
        close = engine._on_its_way(engine._closing, symbol) or engine._send_close(
            symbol, f"close {symbol}"
        )
        if close is not None:
            await asyncio.gather(close, return_exceptions=True)
        positions = state.positions
        await self.wait_for(lambda: symbol not in positions)
        return 1

    async def wait_for(self, predicate: Callable[[], bool]) -> bool:
        """Wait until the broker's reports make ``predicate`` true, or time out."""
        if predicate():
            return True
        if self._moved is None:
            self._moved = asyncio.Event()
        moved = self._moved
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.engine.confirm_timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            moved.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), remaining)
        return True


def _still_working(status: OrderStatus | None) -> bool:
    return status is not None and status.is_working
