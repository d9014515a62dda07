"""The header's room names the floor profit protection holds."""

from __future__ import annotations

from decimal import Decimal

from cockpit.ui.pnl import LossRoom


def test_the_room_runs_to_the_protected_floor() -> None:
    """Once profit protection holds a floor, the room runs to it: 'locks in' above zero,
    'protects' while the floor is still a loss smaller than the limit."""
    locked = LossRoom(Decimal(40), Decimal(275), "net", False, Decimal(160))
    assert locked.words() == "40.00 to +160.00 net (locks in)"
    rising = LossRoom(Decimal(130), Decimal(275), "realized", False, Decimal(-50))
    assert rising.words() == "130.00 to -50.00 realized (protects)"
    assert LossRoom(Decimal(1), Decimal(275), "net", False).words() == "1.00 to -275.00 net"
