"""A guard on a frozen paper session, its audit in a temporary state dir."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cockpit.config import Settings
from cockpit.core.commands import PlaceOrder, SetArmed
from cockpit.core.models import Side
from cockpit.guard.audit import Audit
from cockpit.guard.daemon import Guard, with_dry_run
from cockpit.risk.config import RiskSettings
from tests.frozen import frozen_session

TOKEN = "guard-token-never-audited-0123456789"


@dataclass
class Watched:
    """A started guard with its audit: trade through it, then read what it wrote."""

    guard: Guard
    audit: Audit

    async def buy(self, symbol: str = "MNQ", size: int = 1) -> None:
        self.guard.submit(SetArmed(armed=True))
        verdict = self.guard.submit(PlaceOrder(symbol=symbol, side=Side.BUY, size=size))
        assert verdict.accepted, verdict.reason
        await verdict.done()
        await self.guard.session.advance(2)


WatchedFactory = Callable[..., Any]


@pytest.fixture
async def watched(tmp_path: Path) -> AsyncIterator[WatchedFactory]:
    """Make a started guard with rules ``risk`` (a dict of ``[risk]``), audited in
    ``tmp_path``; stopped and closed at the end."""
    made: list[Watched] = []

    async def make(
        risk: dict[str, Any] | None = None, *, dry_run: bool = False, journal: Path | None = None
    ) -> Watched:
        settings = Settings(risk=RiskSettings.model_validate(risk or {}))
        session = frozen_session(with_dry_run(settings, dry_run), journal_dir=journal)
        guard = Guard(session, token=TOKEN)
        audit = Audit(tmp_path, [TOKEN])
        audit.attach(guard)
        await guard.start()
        made.append(one := Watched(guard, audit))
        return one

    yield make
    for one in made:
        await one.guard.stop()
        one.audit.close()
