"""What the cockpit's screen is handed: a session in this process, or a seat at a guard.

The app reads a state and the risk engine's views and sends commands to an engine; it
never asks where they run. :class:`cockpit.session.Session` (in-process) and
:class:`cockpit.guard.attached.AttachedSession` (the engine in a guard) both fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from cockpit.config import Settings
from cockpit.core.clock import Clock
from cockpit.core.engine import Engine
from cockpit.core.state import State
from cockpit.risk.engine import RiskEngine

if TYPE_CHECKING:
    from cockpit.journal.writer import JournalWriter


class BracketChoice(Protocol):
    """The bracket templates as the footer and `t` see them: the session's bracket
    manager in-process, the guard's templates mirrored when attached."""

    @property
    def active_name(self) -> str: ...

    def next_name(self) -> str: ...


class Seat(Protocol):
    """The session as the screen sees it."""

    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def state(self) -> State: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def risk(self) -> RiskEngine | None: ...

    @property
    def journal(self) -> JournalWriter | None: ...

    @property
    def brackets(self) -> BracketChoice | None: ...

    @property
    def started(self) -> bool: ...

    @property
    def frozen(self) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
