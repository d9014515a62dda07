"""Messages name the trader's own keys: the core gives a reason code, the UI the key."""

from __future__ import annotations

from textual.widgets import Static

from cockpit.brokers.paper import PaperBroker
from cockpit.config import PaperSettings, Settings
from cockpit.core.broker import BrokerError
from cockpit.core.clock import FakeClock
from cockpit.core.instruments import DEFAULT_WATCHLIST
from cockpit.core.validation import Why
from cockpit.ui.app import CockpitApp, make_app
from cockpit.ui.denials import denial_words, spelt_key
from cockpit.ui.screens.quit import QuitScreen
from cockpit.ui.screens.ticket import OrderTicket
from tests.ui.conftest import START_NS, demo_session, press, settle

REMAPPED = {"arm": "ctrl+a", "flatten-all": "ctrl+f"}


def remapped_app(broker: PaperBroker | None = None) -> CockpitApp:
    settings = Settings(paper=PaperSettings(seed=7), keys=REMAPPED)
    return make_app(demo_session(settings=settings, broker=broker))


class UnclosableBroker(PaperBroker):
    """A paper broker that denies every close: a flatten cannot verify flat."""

    def __init__(self) -> None:
        super().__init__(FakeClock(START_NS), DEFAULT_WATCHLIST, pump_interval=0)

    async def close_position(self, symbol: str) -> None:
        raise BrokerError(f"close {symbol} denied by the test broker")


def test_a_disarmed_refusal_names_the_arm_key_it_is_given() -> None:
    """The words for Why.DISARMED name whatever key arm is bound to; other reasons pass as is."""
    keys = {"arm": "ctrl+a"}.__getitem__
    assert denial_words("trading keys are disarmed", Why.DISARMED, keys) == (
        "trading keys are disarmed: press ctrl+a to arm"
    )
    assert denial_words("size must be at least 1", None, keys) == "size must be at least 1"


def test_keys_are_spelt_for_a_sentence() -> None:
    """ctrl+a stays ctrl+a (not ^a), a letter stays itself, a named key becomes its symbol."""
    assert spelt_key("ctrl+a") == "ctrl+a"
    assert spelt_key("F") == "F"
    assert spelt_key("question_mark") == "?"


async def test_buy_while_disarmed_names_the_remapped_arm_key() -> None:
    """With `[keys] arm = "ctrl+a"`, `b` while disarmed says press ctrl+a, never press a."""
    app = remapped_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "b")
        footer = app.footer.render().plain
        assert "press ctrl+a to arm" in footer
        assert "press a " not in footer
        await press(pilot, "ctrl+a", "b")
        assert app.state.positions, "ctrl+a armed the keys, as the message said"


async def test_the_order_ticket_names_the_remapped_arm_key() -> None:
    """A ticket sent while disarmed keeps the reason on it, naming ctrl+a."""
    app = remapped_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "l", "b")
        assert isinstance(app.screen, OrderTicket)
        error = str(app.screen.query_one("#ticket-error").render())
        assert "press ctrl+a to arm" in error


async def test_a_failed_flatten_banner_names_the_remapped_flatten_key() -> None:
    """A flatten that cannot verify flat says press ctrl+f again (the key it is bound to),
    before the broker's long detail, so a narrow banner never cuts the way out."""
    app = remapped_app(UnclosableBroker())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "ctrl+a", "b", "ctrl+f")
        assert app.state.flatten_problem
        banner = app.banner.render().plain
        assert banner.startswith("✕ FLATTEN NOT VERIFIED · press ctrl+f again · NOT FLAT")
        assert "press F" not in banner


async def test_the_quit_question_names_the_remapped_flatten_key() -> None:
    """Quitting with a position open offers ctrl+f to flatten first, the key that works."""
    app = remapped_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 5)
        await press(pilot, "ctrl+a", "b", "q")
        assert isinstance(app.screen, QuitScreen)
        hints = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "ctrl+f flatten first" in hints
        assert "F flatten" not in hints
