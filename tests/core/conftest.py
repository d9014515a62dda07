"""Fixtures for the core tests: an engine on a scripted broker."""

from __future__ import annotations

import pytest

from cockpit.core.clock import FakeClock
from tests.core.scripted import Rig


@pytest.fixture
async def rig(clock: FakeClock) -> Rig:
    """A started, armed engine on a scripted broker with nothing open."""
    return await Rig(clock).start()
