"""An engine that re-judges a recorded day: same gates, same watchers, no broker calls.

Replay re-submits the trader's recorded commands at their recorded times and feeds the
recorded broker facts, so the validation, the gates and the watchers (the risk engine)
decide everything again. What the engine would have *sent* is never sent: the broker
calls are dropped, and what they caused (the order acknowledgements, the fills, the end
of a flatten) comes from the recording instead, at the moment it really happened. Keys
pressed by a trader during a replay are denied before they reach the engine, so they
cannot shift the order tags or the decisions being reproduced.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Coroutine, Generator, Iterable, Mapping
from typing import Any

from cockpit.brokers.replay import NOT_SENT
from cockpit.core.clock import Clock
from cockpit.core.commands import Command, FlattenAll
from cockpit.core.composite import COMPOSED_ORIGINS
from cockpit.core.engine import Engine, Verdict
from cockpit.core.events import (
    BrokerFailed,
    CloseSettled,
    CloseSubmitted,
    Event,
    FlattenCompleted,
    ModifySettled,
    ModifySubmitted,
    Notice,
    SubmissionSettled,
)
from cockpit.core.state import State

ECHOED: tuple[type[Event], ...] = (
    SubmissionSettled,
    CloseSubmitted,
    CloseSettled,
    ModifySubmitted,
    ModifySettled,
    BrokerFailed,
    FlattenCompleted,
)
"""Engine conclusions that come out of broker calls (a close's and a new size's start and
end are recorded inside the call): replay feeds them from the recording."""
DERIVED_ORIGINS = frozenset({"risk", "bracket", *COMPOSED_ORIGINS})
"""Commands the engine's own watchers issue (the risk engine's, the bracket manager's, a
reverse's later steps): replay expects them re-derived, not re-sent."""

RiskInstaller = Callable[[Engine, Mapping[str, Any]], None]
"""Puts gates and watchers on an engine from the recorded settings (the risk engine)."""


def no_rules(engine: Engine, settings: Mapping[str, Any]) -> None:
    """The installer while no risk engine exists: validation alone judges."""
    return None


class Held:
    """Stands in for a broker task that replay never runs: on its way until the recording
    says it ended (a journal without call marks: already over)."""

    __slots__ = ("_call", "_open")

    def __init__(self, open_calls: set[int] | None = None, call: int | None = None) -> None:
        self._open = open_calls
        self._call = call

    def done(self) -> bool:
        return self._open is None or self._call not in self._open

    def add_done_callback(self, callback: Callable[[Any], object]) -> None:
        """Nothing to call back: a finished call's note is ignored wherever it is read."""
        return None

    def __await__(self) -> Generator[None, None, None]:
        yield from ()


class Derived:
    """The engine's recorder during a replay: collects what it concluded anew."""

    def __init__(self, echoed: tuple[type[Event], ...], derived_origins: frozenset[str]) -> None:
        self.echoed = echoed
        self.derived_origins = derived_origins
        self.pending: deque[tuple[int, Event | Command]] = deque()
        self.collecting = True
        """Off when the replay shows the recorded decisions instead of re-deriving them."""

    def record_event(self, recv_ns: int, event: Event, inbound: bool) -> None:
        if self.collecting and not inbound and not isinstance(event, self.echoed):
            self.pending.append((recv_ns, event))

    def record_command(self, ts: int, command: Command) -> None:
        if self.collecting and command.origin in self.derived_origins:
            self.pending.append((ts, command))

    def record_tick(self, ts: int) -> None:
        return None


class ReplayEngine(Engine):
    """The engine of a replay: decides like the live one, sends nothing."""

    def __init__(
        self,
        state: State,
        clock: Clock,
        *,
        broker: Any,
        recorder: Derived,
        run_tag: str,
        gates: Iterable[Any] = (),
        watchers: Iterable[Any] = (),
    ) -> None:
        super().__init__(
            state,
            clock,
            broker=broker,
            gates=gates,
            watchers=watchers,
            recorder=recorder,
            run_tag=run_tag,
        )
        self.replaying = False
        """True only while the replay feeds the engine; anything else is a trader's key."""
        self.open_calls: set[int] = set()
        """Recorded broker calls on their way: opened, not yet ended."""
        self.answers: Callable[[str], int | None] | None = None
        """Plays the recorded answers of the broker call being dropped, inside it: what
        the broker said before the call first gave control back (see core/sends.py)."""

    def submit(self, command: Command) -> Verdict:
        if not self.replaying:
            self._deny_key(command.label)
            return Verdict(False, NOT_SENT)
        return super().submit(command)

    def flatten_all(self, command: FlattenAll | None = None) -> Any:
        if not self.replaying:
            self._deny_key("FlattenAll")
            return Held()
        return super().flatten_all(command)

    def tick(self) -> None:
        """Only the recorded ticks count: a UI timer's tick during replay does nothing."""
        if self.replaying:
            super().tick()

    def _deny_key(self, label: str) -> None:
        """A trader's key during replay: shown on the blotter, never judged or recorded."""
        self.state.apply(Notice(self.clock.now_ns(), "warn", f"{label}: {NOT_SENT}"))

    def _spawn(self, coro: Coroutine[Any, Any, None], label: str) -> Any:
        """Drop the broker call, and play what the recording says happened inside it
        (on eager tasks a quick broker answers before the command returns), so watchers
        decide on the state they decided on live. A flatten's own record stays "running"
        until the recording says it completed (:meth:`echo`), so a second flatten press
        meets a running one exactly when it did live."""
        coro.close()
        call = self.answers(label) if self.answers is not None else None
        return Held(self.open_calls, call)

    def echo(self, event: Event) -> None:
        """A recorded conclusion of a broker call, delivered when it happened live."""
        self.emit(event)
        running = self._flatten.running
        if isinstance(event, FlattenCompleted) and running is not None:
            running.finish()
