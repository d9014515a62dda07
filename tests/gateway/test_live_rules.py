"""The live adapter's rules without a network: credentials and URLs, account choice, front
month, link health with back-off, and the mirror that drops stale or repeated reports."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.brokers.projectx_config import (
    ProjectXSettings,
    ProjectXSetupError,
    choose_account,
    resolve_login,
)
from cockpit.brokers.projectx_contracts import NoContract, front_month
from cockpit.brokers.projectx_links import HubView, LinkWatch
from cockpit.brokers.projectx_mirror import AccountMirror
from cockpit.brokers.projectx_payloads import ContractBook
from cockpit.brokers.projectx_reconcile import Snapshot, reconcile_events
from cockpit.core.clock import NS_PER_SECOND, FakeClock
from cockpit.core.events import ConnectionChanged, Event, Link, LinkStatus, PositionUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Account, Order, OrderStatus, OrderType, Position, Side
from cockpit.gateway import render

KEY = "0123456789abcdef"
ENV = {"PROJECT_X_USERNAME": "jane", "PROJECT_X_API_KEY": KEY}


# Credentials and URLs ----------------------------------------------------------------------


def test_the_environment_wins_over_the_config_file() -> None:
    """Env credentials and URLs override [projectx]; a gateway base gives all three URLs."""
    settings = ProjectXSettings(username="file-user", api_key="file-key-123456", account="A")
    env = dict(ENV, PROJECTX_GATEWAY="http://127.0.0.1:8765", PROJECT_X_ACCOUNT_NAME="B")
    login = resolve_login(settings, env)
    assert (login.username, login.api_key, login.account) == ("jane", KEY, "B")
    assert login.api_url == "http://127.0.0.1:8765/api"
    assert login.user_hub_url == "http://127.0.0.1:8765/hubs/user"
    assert login.market_hub_url == "http://127.0.0.1:8765/hubs/market"
    assert KEY not in repr(login)


def test_the_config_file_supplies_credentials_when_the_environment_does_not() -> None:
    """[projectx] username/api_key are used when no variables are set."""
    settings = ProjectXSettings(username="file-user", api_key="file-key-123456")
    login = resolve_login(settings, {})
    assert (login.username, login.api_key, login.account) == ("file-user", "file-key-123456", None)
    assert login.api_url == "https://api.topstepx.com/api"


def test_missing_credentials_name_the_variables() -> None:
    """No key anywhere: a setup error naming what to set."""
    with pytest.raises(ProjectXSetupError, match="PROJECT_X_API_KEY"):
        resolve_login(ProjectXSettings(), {"PROJECT_X_USERNAME": "jane"})


@pytest.mark.parametrize("url", ["http://example.com/api", "ftp://127.0.0.1/api", "http://[::1]/"])
def test_plain_http_is_refused_off_loopback(url: str) -> None:
    """Only https, or http on 127.0.0.1/localhost, may carry credentials."""
    with pytest.raises(ProjectXSetupError, match="https"):
        resolve_login(ProjectXSettings(), dict(ENV, PROJECTX_API_URL=url))


def test_secrets_in_settings_never_print() -> None:
    """The settings' repr and JSON dump mask the user name and the key."""
    settings = ProjectXSettings(username="jane", api_key=KEY)
    assert KEY not in repr(settings)
    assert KEY not in settings.model_dump_json()


# Account choice ------------------------------------------------------------------------------


ACCOUNTS = [
    Account(4001, "PRACTICE-50K", Decimal("50000")),
    Account(4002, "COMBINE-150K", Decimal("150000"), can_trade=False),
]


def test_several_accounts_and_no_name_is_refused_with_the_list() -> None:
    """Never the first of several: the error lists each account and how to choose."""
    with pytest.raises(ProjectXSetupError) as caught:
        choose_account(ACCOUNTS, None)
    text = str(caught.value)
    assert "PRACTICE-50K (id 4001, balance 50,000.00" in text
    assert "COMBINE-150K (id 4002, balance 150,000.00, simulated, cannot trade)" in text
    assert "PROJECT_X_ACCOUNT_NAME" in text


def test_accounts_are_chosen_by_name_in_any_case_or_when_alone() -> None:
    """A name matches case-insensitively; a single account needs no name."""
    assert choose_account(ACCOUNTS, " combine-150k ").id == 4002
    assert choose_account(ACCOUNTS[:1], None).id == 4001
    with pytest.raises(ProjectXSetupError, match="no account named 'X'"):
        choose_account(ACCOUNTS, "X")
    with pytest.raises(ProjectXSetupError, match="no active"):
        choose_account([], None)


# Front month -----------------------------------------------------------------------------------


def rows(spec_symbol: str, names: list[str]) -> list[dict]:
    spec = INSTRUMENTS[spec_symbol]
    out = []
    for name in names:
        code, year = name[-2], 2020 + int(name[-1])
        cid = f"CON.F.US.{spec.gateway_code}.{code}{year % 100:02d}"
        out.append(render.contract(spec, cid, name, "FGHJKMNQUVXZ".index(code) + 1, year))
    return out


def test_the_front_month_is_chosen_by_calendar_not_alphabet() -> None:
    """Given ESZ6 and ESH7 (alphabetically H7 first), ES in November 2026 is Z26."""
    listed = rows("ES", ["ESH7", "ESZ6"])
    assert front_month(INSTRUMENTS["ES"], listed, date(2026, 11, 20)).id == "CON.F.US.EP.Z26"
    assert front_month(INSTRUMENTS["ES"], listed, date(2026, 12, 15)).id == "CON.F.US.EP.H27"


def test_search_results_of_other_roots_are_not_taken() -> None:
    """Searching ES also finds MES; only EP contracts with symbolId F.US.EP count for ES."""
    listed = rows("MES", ["MESZ6"]) + rows("ES", ["ESZ6"])
    assert front_month(INSTRUMENTS["ES"], listed, date(2026, 11, 20)).name == "ESZ6"
    assert front_month(INSTRUMENTS["MES"], listed, date(2026, 11, 20)).name == "MESZ6"
    wrong = [dict(listed[1], symbolId="F.US.ES")]
    with pytest.raises(NoContract):
        front_month(INSTRUMENTS["ES"], wrong, date(2026, 11, 20))


# Links -----------------------------------------------------------------------------------


class Watch:
    def __init__(self) -> None:
        self.clock = FakeClock(1_000 * NS_PER_SECOND)
        self.events: list[Event] = []
        self.watch = LinkWatch(self.clock, self.events.append, stale_after=5, rebuild_after=30)

    def look(self, seconds: float, **view: bool) -> str | None:
        self.clock.advance(seconds)
        up = {"user_up": True, "market_up": True} | view
        return self.watch.observe(HubView(**up)).rebuild

    def statuses(self, link: Link) -> list[LinkStatus]:
        return [
            e.status for e in self.events if isinstance(e, ConnectionChanged) and e.link is link
        ]


def test_a_silent_feed_turns_stale_once_then_connected_when_data_flows() -> None:
    """Staleness is reported once on entry (with the reason), and cleared by fresh data."""
    w = Watch()
    w.watch.market_data()
    assert w.look(1) is None
    assert w.look(5) is None
    assert w.look(1) is None
    assert w.statuses(Link.MARKET) == [LinkStatus.CONNECTED, LinkStatus.STALE]
    assert "no market data for 6 s" in w.events[-1].detail  # type: ignore[attr-defined]
    w.watch.market_data()
    w.look(0.1)
    assert w.statuses(Link.MARKET)[-1] is LinkStatus.CONNECTED


def test_a_long_silence_asks_for_a_rebuild_and_backs_off() -> None:
    """Silence past the rebuild threshold asks once, then again only after a growing gap."""
    w = Watch()
    w.watch.market_data()
    assert w.look(31) == "no market data for 31 s"
    w.watch.rebuilt()
    asks = [w.look(1) for _ in range(200)]
    times = [i for i, reason in enumerate(asks) if reason]
    assert len(times) <= 6  # 200 s of a closed market: a handful of rebuilds, no churn
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == sorted(gaps)


def test_a_dead_hub_is_rebuilt_at_once_and_a_down_one_after_the_threshold() -> None:
    """A transport that gave up is rebuilt now; a reconnecting one gets its chance first."""
    w = Watch()
    w.watch.market_data()
    assert w.look(0.1, user_up=False, user_dead=True) == "the user hub stopped reconnecting"
    w2 = Watch()
    w2.watch.market_data()
    assert w2.look(1, user_up=False) is None
    assert w2.statuses(Link.ACCOUNT) == [LinkStatus.DISCONNECTED]
    w2.clock.advance(31)
    w2.watch.market_data()
    assert w2.look(0, user_up=False) == "the user hub has been down for 31 s"


def test_the_user_hub_coming_back_asks_for_a_reconcile() -> None:
    """Up again after being down: the supervisor must re-read the account."""
    w = Watch()
    w.look(1, user_up=False)
    w.clock.advance(1)
    assert w.watch.observe(HubView(user_up=True, market_up=True)).reconcile


# Mirror and reconcile -------------------------------------------------------------------------


def order(status: OrderStatus, updated: int, **kw: object) -> Order:
    base = dict(id=1, account_id=4001, symbol="ES", side=Side.BUY, type=OrderType.LIMIT, size=1)
    return Order(**(base | kw), status=status, limit=27_000, updated_ns=updated)  # type: ignore[arg-type]


def test_orders_only_move_forward() -> None:
    """Duplicates, older reports and a filled order "reopening" are not news."""
    mirror = AccountMirror(4001)
    assert mirror.order(order(OrderStatus.OPEN, 10))
    assert not mirror.order(order(OrderStatus.OPEN, 10))
    assert mirror.order(order(OrderStatus.FILLED, 10))
    assert not mirror.order(order(OrderStatus.OPEN, 10))
    assert not mirror.order(order(OrderStatus.OPEN, 5))
    assert mirror.orders[1].status is OrderStatus.FILLED


def test_a_reconcile_leaves_positions_the_hub_moved_meanwhile() -> None:
    """A position reported by the hub during the REST calls beats the older snapshot."""
    mirror = AccountMirror(4001)
    contracts = ContractBook()
    contracts.add(INSTRUMENTS["ES"], "CON.F.US.EP.Z26", "ESZ6")
    marks = mirror.position_marks()
    mirror.position(Position(4001, "ES", 2, 54_000))  # the hub, mid-reconcile
    stale = render.position(
        Position(4001, "ES", 1, 27_000), INSTRUMENTS["ES"], "CON.F.US.EP.Z26", 1, 0
    )
    snapshot = Snapshot([], [], [], [stale], [])
    result = reconcile_events(snapshot, mirror, contracts, marks, set(), 0)
    assert not [e for e in result.events if isinstance(e, PositionUpdated)]
    assert mirror.positions["ES"].size == 2


def test_a_reconcile_closes_positions_the_gateway_no_longer_holds() -> None:
    """A position the cockpit shows but the snapshot lacks is reported flat."""
    mirror = AccountMirror(4001)
    mirror.position(Position(4001, "ES", 2, 54_000))
    result = reconcile_events(
        Snapshot([], [], [], [], []), mirror, ContractBook(), mirror.position_marks(), set(), 7
    )
    assert [e.position for e in result.events if isinstance(e, PositionUpdated)] == [
        Position(4001, "ES", 0, 0, 7)
    ]


def test_only_the_adapter_imports_the_sdk() -> None:
    """project_x_py is imported by the adapter alone (projectx.py for the hubs,
    projectx_rest.py for REST); the emulator and the config load without it."""
    root = Path(__file__).parents[2] / "cockpit"
    importers = {
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if re.search(r"^\s*(from|import) project_x_py", path.read_text(), re.MULTILINE)
    }
    assert importers == {"brokers/projectx.py", "brokers/projectx_rest.py"}
    code = (
        "import sys, cockpit.config, cockpit.session, cockpit.cli.gateway;"
        "print('project_x_py' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert loaded.stdout.strip() == "False", loaded.stderr
