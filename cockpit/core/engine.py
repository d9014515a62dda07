"""The engine: the single writer between brokers, state, risk, journal and the UI.

Inbound, every broker event is folded into the state, recorded, and shown to the
watchers (the risk engine), which may answer with enforcement commands. Outbound, every
command is recorded, validated, judged by the gates (the risk engine), and only then
handed to the broker as a task, so a key press never waits on the network.

Flatten all is the one path every exit shares (:mod:`cockpit.core.flatten`: each
instrument at once, its cancels confirmed before its close, then verified flat). A
second press while one runs joins it, and a manual exit while one runs closes its
instrument at once (or joins the close on its way).

Nothing here depends on when a task first runs. The cockpit runs on eager tasks (a new
task runs inside the call that creates it, up to its first suspension; see
:mod:`cockpit.core.loop`); tests run the engine on eager and lazy tasks alike. So every
"one already on its way" record is made before its task can finish and is cleared only
by the task it names, and every promise to the screen (a flatten's end) is kept in a
``finally``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Generator, Hashable, Iterable
from dataclasses import dataclass
from decimal import InvalidOperation
from typing import Any, Protocol

from cockpit.core.broker import Broker, BrokerError, SubmissionUncertain
from cockpit.core.clock import NS_PER_SECOND, Clock
from cockpit.core.commands import (
    ArmAgain,
    CancelAll,
    CancelOrder,
    ClosePosition,
    Command,
    FlattenAll,
    ModifyOrder,
    PlaceOrder,
    SetArmed,
)
from cockpit.core.composite import CompositeCommands
from cockpit.core.events import (
    ArmChanged,
    BrokerFailed,
    CloseSettled,
    CloseSubmitted,
    Event,
    FillReceived,
    ModifySettled,
    ModifySubmitted,
    Notice,
    OrderDenied,
    OrderSubmitted,
    OrderUpdated,
    PositionUpdated,
    Printed,
    QuoteUpdated,
    Reconciled,
    SubmissionSettled,
)
from cockpit.core.flatten import Completion, FlattenProcedure
from cockpit.core.instruments import OffTickGrid
from cockpit.core.models import OrderRequest
from cockpit.core.moves import crossing
from cockpit.core.sends import CallEnded, CallOpened, CallReturned
from cockpit.core.state import State
from cockpit.core.validation import Denial, Why, trading_denial, validate_order

log = logging.getLogger(__name__)

_ACCOUNT_EVENTS = (
    OrderUpdated,
    PositionUpdated,
    FillReceived,
    Reconciled,
    SubmissionSettled,
    CloseSettled,
)
"""What can move a flatten on: it waits for these, never for a fixed time."""
_MARKET_EVENTS = frozenset({QuoteUpdated, Printed})


class Gate(Protocol):
    """A judge of commands (the risk engine). Exits must always pass."""

    def check(
        self, command: Command, request: OrderRequest | None, state: State
    ) -> Denial | None: ...


class Watcher(Protocol):
    """Sees every event after the state folded it; may answer with commands.

    A watcher may also define ``on_time(now_ns, state) -> Iterable[Command]``, which
    :meth:`Engine.tick` calls for rules driven by the clock rather than by events.
    """

    def on_event(self, event: Event, state: State) -> Iterable[Command]: ...


class Recorder(Protocol):
    """The journal's view of the engine."""

    def record_event(self, recv_ns: int, event: Event, inbound: bool) -> None:
        """``inbound`` is true for broker facts, false for what the engine concluded."""
        ...

    def record_command(self, ts: int, command: Command) -> None: ...


class NullRecorder:
    """Records nothing (tests and benchmarks of the bare engine)."""

    def record_event(self, recv_ns: int, event: Event, inbound: bool) -> None:
        return None

    def record_command(self, ts: int, command: Command) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The engine's immediate answer to a command: accepted (and sent) or denied."""

    accepted: bool
    reason: str = ""
    task: asyncio.Task[None] | Completion | None = None
    why: Why | None = None
    """A denial the UI words itself (it names the key from the keymap)."""

    async def done(self) -> None:
        """Wait for the broker side of an accepted command (tests and scripts)."""
        task = self.task
        if isinstance(task, asyncio.Task):
            await asyncio.shield(task)
        elif task is not None:
            await task


class Engine:
    """Folds events into state and turns commands into broker calls."""

    def __init__(
        self,
        state: State,
        clock: Clock,
        *,
        broker: Broker | None = None,
        gates: Iterable[Gate] = (),
        watchers: Iterable[Watcher] = (),
        recorder: Recorder | None = None,
        confirm_timeout: float = 5.0,
        run_tag: str = "ck",
    ) -> None:
        self.state = state
        self.clock = clock
        self.broker = broker
        self.gates: list[Gate] = list(gates)
        self.watchers: list[Watcher] = list(watchers)
        self.recorder: Recorder = recorder or NullRecorder()
        self.confirm_timeout = confirm_timeout
        self._run_tag = run_tag
        self._seq = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._flatten = FlattenProcedure(self)
        """Runs flatten all (:mod:`cockpit.core.flatten`): a press while one runs joins it."""
        self._cancelling: dict[int, asyncio.Task[None]] = {}
        """Cancels on their way, by order id: never sent twice."""
        self._closing: dict[str, asyncio.Task[None]] = {}
        """Closes on their way, by symbol: a press or a flatten joins one, never adds one."""
        self.listeners: list[Callable[[Event], None]] = []
        """Called after each event is folded, in fold order (tests, tools)."""
        self.feed_latency_ns: int | None = None
        self._moment: int | None = None
        """Receive time minus exchange time of the latest market data (the header's ms)."""
        self._reporting = False
        """A watcher's failure is being reported (a failure inside that is only logged)."""
        self.sending = 0
        """Commands being judged and sent, one inside another (a watcher answering a
        broker report made inside a send, on eager tasks)."""
        self._depth = 0
        self._calls = 0
        """Broker calls made so far (their marks in the journal, core/sends.py)."""
        self.settled: list[Callable[[], None]] = []
        """Called when the outermost fold or command ends (the bracket manager sends
        then what it decided inside another's command; see core/brackets.py)."""
        self.handlers: dict[type[Command], Callable[[Any], Verdict]] = {}
        """Handlers for commands the engine itself does not know (the risk engine registers
        ``StartLockout``); they run after the gates pass the command."""
        self.composite = CompositeCommands(self)
        """Partial close, reverse, an order to the market (:mod:`cockpit.core.composite`)."""
        self.composite.attach()

    # Inbound -----------------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Fold a broker event into state, record it, and let the watchers react."""
        self._fold(event, inbound=True)

    def emit(self, event: Event) -> None:
        """A fact the engine itself establishes (denials, flatten outcomes, risk actions)."""
        self._fold(event, inbound=False)

    def now(self) -> int:
        """The engine's time: the moment it is handling (an event being folded, a command
        being judged), else the clock. Everything decided in one moment carries that
        moment's stamp, however long the deciding took, so replay reproduces it exactly."""
        moment = self._moment
        return moment if moment is not None else self.clock.now_ns()

    @contextlib.contextmanager
    def moment(self) -> Generator[int, None, None]:
        """Hold the engine's time at one moment for decisions taken outside a fold or a
        command (a watcher restoring a lockout as it attaches): each is recorded at the
        time it carries, however far a wall clock moves meanwhile, so replay agrees."""
        outer = self._moment
        now = self.now()
        self._moment = now
        self._depth += 1
        try:
            yield now
        finally:
            self._moment = outer
            self._left(now)

    def _fold(self, event: Event, *, inbound: bool) -> None:
        outer = self._moment
        recv = self.now()
        self._moment = recv
        self._depth += 1
        try:
            self._fold_at(recv, event, inbound)
        finally:
            self._moment = outer
            self._left(recv)

    def _fold_at(self, recv: int, event: Event, inbound: bool) -> None:
        if type(event) in _MARKET_EVENTS:
            self.feed_latency_ns = recv - event.ts
        self.state.apply(event)
        self.recorder.record_event(recv, event, inbound)
        if isinstance(event, _ACCOUNT_EVENTS):
            self._flatten.account_moved()
        for listener in self.listeners:
            listener(event)
        for watcher in self.watchers:
            try:
                commands = watcher.on_event(event, self.state)
                if not commands:
                    continue  # the usual answer (an empty tuple): no allocation per event
                commands = tuple(commands)
            except Exception as exc:
                self._watcher_failed(watcher, event, exc)
                continue
            for command in commands:
                self.submit(command)

    def _watcher_failed(self, watcher: object, happened: object, exc: Exception) -> None:
        """A watcher (the risk engine) raised: say so loudly and go on with the others.

        It must not pass for a broker failure (the call whose events it was judging
        worked) nor stop the fold for everyone else. The line names the watcher and what
        it was judging; the traceback is in the log.
        """
        log.exception("%s failed on %r", type(watcher).__name__, happened)
        if self._reporting:
            return  # the report itself failed in a watcher: the log has it
        self._reporting = True
        try:
            what = type(happened).__name__ if not isinstance(happened, str) else happened
            self.emit(
                Notice(
                    self.now(),
                    "error",
                    f"{type(watcher).__name__} failed on {what}: {type(exc).__name__}: {exc}; "
                    "its rules may not have acted (details in the log)",
                )
            )
        finally:
            self._reporting = False

    # Outbound ----------------------------------------------------------------------------

    def submit(self, command: Command) -> Verdict:
        """Judge a command now; send accepted ones to the broker in the background."""
        outer = self._moment
        now = self.now()
        self._moment = now
        self.sending += 1
        self._depth += 1
        try:
            return self._submit_at(now, command)
        finally:
            self._moment = outer
            self.sending -= 1
            self._left(now)

    def _left(self, moment: int) -> None:
        """A fold or a command ended; after the outermost, the hooks of ``settled`` run,
        still in its moment: what they decide carries its stamp, on a moving clock too."""
        self._depth -= 1
        if not self._depth:
            outer, self._moment = self._moment, moment
            try:
                for hook in self.settled:
                    hook()
            finally:
                self._moment = outer

    def _submit_at(self, now: int, command: Command) -> Verdict:
        self.recorder.record_command(now, command)
        if isinstance(command, SetArmed):
            if isinstance(command, ArmAgain):
                self.emit(Notice(now, "info", command.note))
            if command.armed != self.state.armed:
                self.emit(ArmChanged(now, command.armed))
            return Verdict(True)
        if isinstance(command, FlattenAll):
            return self._judge(command, None) or Verdict(True, task=self.flatten_all(command))
        if isinstance(command, PlaceOrder):
            return self._place(command)
        if isinstance(command, CancelOrder):
            return self._cancel(command)
        if isinstance(command, CancelAll):
            return self._judge(command, None) or self._cancel_all(command)
        if isinstance(command, ClosePosition):
            return self._close(command)
        if isinstance(command, ModifyOrder):
            return self._modify(command)
        denied = self._judge(command, None)
        if denied is not None:
            return denied
        handler = self.handlers.get(type(command))
        if handler is not None:
            return handler(command)
        return self._deny(command, f"{command.label} is not handled by this engine")

    @property
    def run_tag(self) -> str:
        """The prefix of this run's order tags (a watcher naming its own orders uses it)."""
        return self._run_tag

    _ticked_second: int | None = None
    """The clock second of the last tick that ran (``Engine.tick`` runs once a second)."""

    def tick(self) -> None:
        """Let watchers act on the passage of time (a cooldown or lockout ending, an
        end-of-day flatten): each watcher's optional ``on_time(now_ns, state)`` runs and
        what it returns is submitted. The UI's 1 Hz timer calls this for a live clock, a
        frozen session each second its clock moves through, replay at each recorded tick.

        Time is the session's clock, not the caller's: a tick in a second of that clock
        already ticked does nothing (and records nothing), so a timer firing on wall time
        cannot add ticks to a session whose clock stands still.
        """
        now = self.now()
        second = now // NS_PER_SECOND
        if second == self._ticked_second:
            return
        self._ticked_second = second
        record_tick = getattr(self.recorder, "record_tick", None)
        if record_tick is not None:  # the journal keeps ticks: replay gives the same ones
            record_tick(now)
        for watcher in self.watchers:
            on_time = getattr(watcher, "on_time", None)
            if on_time is None:
                continue
            try:
                commands = list(on_time(now, self.state))
            except Exception as exc:
                self._watcher_failed(watcher, "the clock tick", exc)
                continue
            for command in commands:
                self.submit(command)

    async def execute(self, command: Command) -> Verdict:
        """Submit and wait for the broker side to finish (tests, scripts, replay)."""
        verdict = self.submit(command)
        await verdict.done()
        return verdict

    def _next_tag(self) -> str:
        self._seq += 1
        return f"{self._run_tag}-{self._seq}"

    def _deny(
        self, command: Command, reason: str, rule: str = "validation", why: Why | None = None
    ) -> Verdict:
        symbol = getattr(command, "symbol", None)
        self.emit(OrderDenied(self.now(), command.label, reason, rule, symbol))
        return Verdict(False, reason, why=why)

    def _judge(self, command: Command, request: OrderRequest | None) -> Verdict | None:
        """Ask every gate; the first denial wins. ``None`` means go."""
        for gate in self.gates:
            denial = gate.check(command, request, self.state)
            if denial is not None:
                return self._deny(command, denial.reason, denial.rule, denial.why)
        return None

    def _spawn(self, coro: Coroutine[Any, Any, None], label: str) -> asyncio.Task[None]:
        self._calls += 1
        call = self._calls

        async def guarded() -> None:
            try:
                await coro
            except SubmissionUncertain as exc:
                self._failed(label, str(exc), uncertain=True)
            except BrokerError as exc:
                self._failed(label, str(exc))
            except Exception as exc:  # a bug or a transport fault must never kill the loop
                log.exception("broker call %s failed", label)
                self._failed(label, f"{type(exc).__name__}: {exc}")
            finally:  # the task is done the instant this returns: replay keeps the instant
                self.recorder.record_event(self.now(), CallEnded(self.now(), label, call), False)

        self.recorder.record_event(self.now(), CallOpened(self.now(), label, call), False)
        task = asyncio.get_running_loop().create_task(guarded())  # eager: runs up to here
        self.recorder.record_event(self.now(), CallReturned(self.now(), label), False)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _failed(self, label: str, reason: str, *, uncertain: bool = False) -> None:
        """Report a failed broker call; a running flatten keeps the reason for its outcome."""
        self._flatten.note(reason)
        self.emit(BrokerFailed(self.now(), label, reason, uncertain=uncertain))

    def _place(self, command: PlaceOrder) -> Verdict:
        if self.flattening and self.state.against_position(command.symbol, command.side):
            return self._exit_during_flatten(command)
        tag = command.tag if command.tag is not None else self._next_tag()
        checked = validate_order(command, self.state, tag)
        if isinstance(checked, Denial):
            return self._deny(command, checked.reason, checked.rule, checked.why)
        denied = self._judge(command, checked)
        if denied is not None:
            return denied
        if self.broker is None:
            return self._deny(command, "no broker connected", "broker")
        self.emit(OrderSubmitted(self.now(), checked))
        return Verdict(True, task=self._spawn(self._send_order(checked), command.label))

    async def _send_order(self, request: OrderRequest) -> None:
        assert self.broker is not None
        order_id: int | None = None
        try:
            order_id = await self.broker.place_order(request)
        finally:
            assert request.tag is not None
            self.emit(SubmissionSettled(self.now(), request.tag, order_id))

    def _cancel(self, command: CancelOrder) -> Verdict:
        order = self.state.orders.get(command.order_id)
        if order is None or not order.status.is_working:
            return self._deny(command, f"order {command.order_id} is not working")
        denied = self._judge(command, None)
        if denied is not None:
            return denied
        task = self._send_cancel(command.order_id, command.label)
        return Verdict(True, task=task)

    def _send_cancel(self, order_id: int, label: str) -> asyncio.Task[None] | None:
        """Cancel once: a cancel already on its way is not sent again."""
        if self.broker is None or self._on_its_way(self._cancelling, order_id) is not None:
            return None
        return self._once(self._cancelling, order_id, self.broker.cancel_order(order_id), label)

    def _on_its_way[K: Hashable](
        self, calls: dict[K, asyncio.Task[None]], key: K
    ) -> asyncio.Task[None] | None:
        """The call for ``key`` still on its way, if any (a finished one does not count)."""
        task = calls.get(key)
        return task if task is not None and not task.done() else None

    def _once[K: Hashable](
        self,
        calls: dict[K, asyncio.Task[None]],
        key: K,
        call: Coroutine[Any, Any, None],
        label: str,
    ) -> asyncio.Task[None]:
        """Send ``call`` and note it under ``key`` until it ends.

        On eager tasks the call may already be over when :meth:`_spawn` returns; then
        nothing is noted. Otherwise the note is cleared by a done-callback that removes
        only this task's note, so a later call for the same key is never left hidden
        behind a stale one.
        """
        task = self._spawn(call, label)
        if not task.done():
            calls[key] = task

            def forget(done: asyncio.Task[None]) -> None:
                if calls.get(key) is done:
                    del calls[key]

            task.add_done_callback(forget)
        return task

    def _cancel_all(self, command: CancelAll) -> Verdict:
        tasks = [
            task
            for order in self.state.working_orders(command.symbol)
            if (task := self._send_cancel(order.id, command.label)) is not None
        ]
        if not tasks:
            return Verdict(True, "no working orders")
        return Verdict(True, task=self._spawn(_gather(tasks), command.label))

    def _close(self, command: ClosePosition) -> Verdict:
        if command.symbol not in self.state.positions:
            return self._deny(command, f"no open {command.symbol} position")
        denied = self._judge(command, None)
        if denied is not None:
            return denied
        if self.broker is None:
            return self._deny(command, "no broker connected", "broker")
        task = self._send_close(command.symbol, command.label)
        if task is None:
            return Verdict(True, "close already sent")
        return Verdict(True, task=task)

    def _send_close(self, symbol: str, label: str) -> asyncio.Task[None] | None:
        """Close once: a second close while one is on its way could overshoot the position."""
        if self.broker is None or self._on_its_way(self._closing, symbol) is not None:
            return None
        return self._once(self._closing, symbol, self._close_call(symbol), label)

    async def _close_call(self, symbol: str) -> None:
        """The close, between its :class:`CloseSubmitted` and its :class:`CloseSettled`:
        both inside the call, so a replay (which drops the call) plays them from the
        recording, the closes of a flatten it never runs included."""
        assert self.broker is not None
        self.emit(CloseSubmitted(self.now(), symbol))
        ok = False
        try:
            await self.broker.close_position(symbol)
            ok = True
        finally:
            self.emit(CloseSettled(self.now(), symbol, ok))

    def _exit_during_flatten(self, command: PlaceOrder) -> Verdict:
        """A manual exit while a flatten runs is never denied: it closes the instrument at
        market now (the broker sizes the close from its own position, so it cannot
        overshoot), or joins the close already on its way.

        What the trader reads is the same either way: whether a close is on its way
        depends on broker timing that a replay does not have, and a replay must reach
        the same words.
        """
        symbol = command.symbol
        reason = f"flatten running: {symbol} is closed at market instead"
        self.emit(Notice(self.now(), "info", f"{command.label}: {reason}"))
        task = self._on_its_way(self._closing, symbol) or self._send_close(
            symbol, f"close {symbol}"
        )
        return Verdict(True, reason, task=task)

    def _modify(self, command: ModifyOrder) -> Verdict:
        order = self.state.orders.get(command.order_id)
        if order is None or not order.status.is_working:
            return self._deny(command, f"order {command.order_id} is not working")
        denied = trading_denial(command.origin, self.state)
        if denied is not None:
            return self._deny(command, denied.reason, denied.rule, denied.why)
        spec = self.state.instruments[order.symbol]
        try:
            limit = spec.to_ticks(command.limit_price) if command.limit_price is not None else None
            stop = spec.to_ticks(command.stop_price) if command.stop_price is not None else None
        except OffTickGrid as exc:
            return self._deny(command, str(exc), "tick grid")
        except InvalidOperation:
            return self._deny(command, "price is not a number")
        if command.size is not None and command.size <= 0:
            return self._deny(command, f"size must be at least 1 (got {command.size})")
        if limit is not None or stop is not None:
            quote = self.state.quotes.get(order.symbol)
            moved_limit = limit if limit is not None else order.limit
            moved_stop = stop if stop is not None else order.stop
            crossed = crossing(order, moved_limit, moved_stop, quote, spec)
            if crossed is not None:
                return self._deny(command, crossed, "market")
        request = OrderRequest(
            symbol=order.symbol,
            side=order.side,
            type=order.type,
            size=command.size if command.size is not None else order.size,
            limit=limit if limit is not None else order.limit,
            stop=stop if stop is not None else order.stop,
            tag=order.tag,
        )
        judged = self._judge(command, request)
        if judged is not None:
            return judged
        if self.broker is None:
            return self._deny(command, "no broker connected", "broker")
        if command.size is not None and command.size != order.size:
            call = self._modify_size(order.id, command.size, limit, stop)
        else:
            call = self.broker.modify_order(order.id, size=command.size, limit=limit, stop=stop)
        return Verdict(True, task=self._spawn(call, command.label))

    async def _modify_size(
        self, order_id: int, size: int, limit: int | None, stop: int | None
    ) -> None:
        """A modify of an order's size, between its :class:`ModifySubmitted` and its
        :class:`ModifySettled` (inside the call, as a close's are)."""
        assert self.broker is not None
        self.emit(ModifySubmitted(self.now(), order_id, size))
        ok = False
        try:
            await self.broker.modify_order(order_id, size=size, limit=limit, stop=stop)
            ok = True
        finally:
            self.emit(ModifySettled(self.now(), order_id, ok))

    # Flatten -----------------------------------------------------------------------------

    @property
    def flattening(self) -> bool:
        return self._flatten.active

    def flatten_all(self, command: FlattenAll | None = None) -> Completion:
        """Start a flatten, or return the one already running (never a second set)."""
        return self._flatten.start(command)

    async def drain(self) -> None:
        """Wait for every broker call in flight (tests and shutdown)."""
        # Only unfinished tasks: a finished one stays in the set until its done-callback
        # runs, and gathering only finished tasks completes without yielding (3.12), so
        # the callback would never run and this loop would spin forever.
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)


async def _gather(tasks: list[asyncio.Task[None]]) -> None:
    await asyncio.gather(*tasks, return_exceptions=True)
