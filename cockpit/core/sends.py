"""Where a broker call's first part ran: the marks that let a replay nest its answers.

On eager tasks (what Textual installs) a broker call starts running inside the command
that made it, and a broker that answers at once (the paper account, a quick venue) has
its answers folded before the command returns. A watcher then decides on a state that
already holds them (the bracket manager judges a bracket's second leg after the first
one was acknowledged). A replay must deliver those answers at the same place, inside the
re-judged command, or it may decide differently. The engine records a
:class:`CallOpened` before a broker call starts and a :class:`CallReturned` when the call
first suspends or ends; everything recorded between the two happened inside the call,
and the replay plays it inside the command it re-judges (:mod:`cockpit.journal.replay`).
A :class:`CallEnded` marks where the call finished: until then it is "on its way" (a
second close of the symbol joins it, a reverse waits for it), in the replay too.

The marks are recorded only: never folded into the state, never shown to a watcher.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.core.events import Event


@dataclass(frozen=True, slots=True)
class CallOpened(Event):
    """A broker call starts here, inside the command or fold that made it."""

    label: str
    call: int
    """The call's number in its session (its :class:`CallEnded` has the same)."""


@dataclass(frozen=True, slots=True)
class CallReturned(Event):
    """The broker call opened last gave control back (it suspended or it ended)."""

    label: str


@dataclass(frozen=True, slots=True)
class CallEnded(Event):
    """Broker call number ``call`` is over (answered, failed or given up)."""

    label: str
    call: int


CALL_MARKS: tuple[type[Event], ...] = (CallOpened, CallReturned, CallEnded)
