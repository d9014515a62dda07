"""Brackets across a restart or reconnect: re-linked by their tags on reconcile, orphans
cancelled, a missing stop placed again."""

from __future__ import annotations

from cockpit.core.brackets import BracketManager
from cockpit.core.commands import ClosePosition, PlaceOrder, SetArmed
from cockpit.core.engine import Engine
from cockpit.core.events import Notice
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import OrderType, Side
from cockpit.core.state import State
from tests.core.bracket_desk import SCALP, BracketDesk, bracket_desk
from tests.risk.conftest import ListRecorder


class Restarted:
    """A second run over the same paper account: new state, engine and manager."""

    def __init__(self, desk: BracketDesk, active: str | None = "scalp") -> None:
        self.state = State(INSTRUMENTS, desk.broker.symbols)
        self.recorder = ListRecorder()
        self.engine = Engine(self.state, desk.clock, broker=desk.broker, recorder=self.recorder)
        self.brackets = BracketManager((SCALP,), active, run_tag="ck2")
        self.brackets.attach(self.engine)
        self.broker = desk.broker

    async def start(self) -> Restarted:
        await self.broker.stop()
        await self.broker.start(self.engine.on_event)
        self.engine.submit(SetArmed(armed=True))
        await self.engine.drain()
        return self

    def notices(self) -> list[str]:
        return [e.text for e in self.recorder.events if isinstance(e, Notice)]


async def test_restart_relinks_the_bracket_and_it_still_works_as_oco() -> None:
    """Quit with a bracketed long open, start again: the legs are the bracket's again
    (nothing placed twice), and the target filling cancels the stop."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    before = {o.id for o in desk.state.working_orders()}
    again = await Restarted(desk).start()
    assert set(again.brackets.brackets) == {"ck-1"}
    assert {o.id for o in again.state.working_orders()} == before
    assert any("re-linked" in text for text in again.notices())
    assert not any("no stop protects" in text for text in again.notices())
    desk.engine = again.engine  # the market now reaches the second run
    desk.state = again.state
    await desk.move("MNQ", 16)
    assert again.state.is_flat()


async def test_an_orphan_stop_is_cancelled_on_reconcile() -> None:
    """The position was closed while the cockpit was away: its stop and target go."""
    desk = await bracket_desk(SCALP)
    await desk.buy("MNQ", 1)
    desk.broker.account.close_position("MNQ", desk.clock.now_ns())
    desk.broker._pending.clear()  # the first run is gone: it never hears of the close
    desk.broker.account.cancel(desk.legs()["TP1"].id, desk.clock.now_ns())
    desk.broker._pending.clear()
    again = await Restarted(desk).start()
    assert again.state.working_orders() == []
    assert any("no position left to protect" in text for text in again.notices())


async def test_a_missing_stop_is_placed_again_on_reconcile() -> None:
    """The stop was cancelled while the cockpit was away: the re-linked bracket places
    it again at the template's distance, under a new tag."""
    desk = await bracket_desk(SCALP)
    entry = desk.bid("MNQ")
    await desk.buy("MNQ", 1)
    desk.broker.account.cancel(desk.stop().id, desk.clock.now_ns())
    desk.broker._pending.clear()
    again = await Restarted(desk).start()
    stops = [o for o in again.state.working_orders() if o.tag and "-SL" in o.tag]
    assert [(o.stop, o.size) for o in stops] == [(entry - 8, 1)]
    assert stops[0].tag == "ck-1-SL-ck2x2"
    assert not any("no stop protects" in text for text in again.notices())


async def test_a_bare_position_is_flagged_on_reconcile() -> None:
    """A position no stop protects (entered with no template) is named after a restart."""
    desk = await bracket_desk(SCALP, active=None)
    await desk.buy("MNQ", 2)
    again = await Restarted(desk).start()
    assert "MNQ +2: no stop protects 2 of it after reconnecting" in again.notices()


async def test_a_bare_position_stays_flagged_until_a_stop_works_for_it() -> None:
    """Restarted with no template active: the bare long is named for the banner, with
    why; a stop for part of it says so; a stop for all of it clears the flag for good."""
    desk = await bracket_desk(SCALP, active=None)
    await desk.buy("MNQ", 2)
    again = await Restarted(desk, active=None).start()
    why = "no bracket template was active at restart"
    assert again.brackets.unprotected(again.state) == (f"MNQ +2 has no stop: {why}",)
    price = INSTRUMENTS["MNQ"].to_price(desk.bid("MNQ") - 20)
    stop = PlaceOrder(symbol="MNQ", side=Side.SELL, type=OrderType.STOP, size=1, stop_price=price)
    again.engine.submit(stop)
    await again.engine.drain()
    assert again.brackets.unprotected(again.state) == (f"MNQ +2 has a stop for 1 only: {why}",)
    again.engine.submit(stop)
    await again.engine.drain()
    assert again.brackets.unprotected(again.state) == ()
    assert again.brackets.bare == {}


async def test_a_bare_position_closed_is_no_longer_flagged() -> None:
    """Restarted under a template with a long no bracket covers: flagged (the template is
    not forced on it); closed, the flag goes."""
    desk = await bracket_desk(SCALP, active=None)
    await desk.buy("MNQ", 1)
    again = await Restarted(desk).start()
    assert again.brackets.unprotected(again.state) == (
        "MNQ +1 has no stop: no bracket covered it at restart",
    )
    again.engine.submit(ClosePosition(symbol="MNQ"))
    await again.engine.drain()
    assert again.state.is_flat()
    assert again.brackets.unprotected(again.state) == ()
    assert again.brackets.bare == {}
