"""The header shows the distance to the maximum loss floor beside the daily loss room."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

from cockpit.config import Settings, parse_settings
from cockpit.risk.rules.base import Level
from cockpit.ui.app import CockpitApp, make_app
from cockpit.ui.pnl import FloorRoom
from tests.frozen import frozen_session
from tests.ui.conftest import press, settle

MLL = re.compile(r"MLL (-?[\d,.]+)")
BOTH = """
[risk.daily_loss]
limit = 275

[risk.max_loss]
amount = 2000
mode = "intraday-trailing"
start_balance = 50000
buffer = 150
"""


def mll_app() -> CockpitApp:
    return make_app(frozen_session(Settings.model_validate(tomllib.loads(BOTH))))


async def test_the_header_shows_the_distance_to_the_floor_beside_the_room() -> None:
    """At 120 columns the header keeps the room, the MLL distance and the clock, and the
    distance is the rule's own (equity with a long at the bid, minus the floor)."""
    app = mll_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "3", "b")
        await settle(pilot, 20)
        header = app.header.render().plain
        assert app.state.positions, header
        found = MLL.search(header)
        assert found is not None, header
        risk = app.session.risk
        assert risk is not None
        assert risk.max_loss is not None
        distance = risk.max_loss.distance(app.state, app.session.clock.now_ns())
        assert Decimal(found.group(1).replace(",", "")) == distance, header
        assert header.index("room") < header.index("MLL") < header.index(" CT")
        assert len(header) <= 120, header
        assert "…" not in header, header


async def test_with_a_firm_on_the_header_still_ends_with_the_clock_at_120_columns(
    tmp_path: Path,
) -> None:
    """A firm's four-digit room and MLL still leave the clock and its zone whole at 120
    columns (a well feed gives up its words first, keeping its ●)."""
    settings = parse_settings('[account]\nfirm = "topstep-50k-combine"\n', tmp_path / "c.toml")
    app = make_app(frozen_session(settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "a", "b")
        await settle(pilot, 5)
        header = app.header.render().plain
        assert "room" in header, header
        assert "MLL" in header, header
        assert header.rstrip().endswith(" CT"), header
        assert len(header) <= 120, header
        assert "…" not in header, header
        assert "●" in header, header


def test_the_distance_turns_warn_then_bad_near_the_buffer() -> None:
    """The MLL figure is ok far from the floor, warn from warn_at, bad within the buffer."""
    buffer = Decimal(150)
    assert FloorRoom(Decimal(1900), buffer, Level.OK).tone == "ok"
    assert FloorRoom(Decimal(400), buffer, Level.WARN).tone == "warn"
    assert FloorRoom(Decimal(150), buffer, Level.WARN).tone == "bad"
    assert FloorRoom(Decimal(900), buffer, Level.BREACH).tone == "bad"
