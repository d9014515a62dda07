"""The maximum loss limit: its three floors, the buffer, conservative marks, restarts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.config import parse_settings
from cockpit.core.clock import NS_PER_SECOND, FakeClock
from cockpit.core.events import (
    AccountUpdated,
    EnforcementTaken,
    FlattenStarted,
    Notice,
    OrderDenied,
)
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Account
from cockpit.core.state import State
from cockpit.risk.config import RiskSettings
from cockpit.risk.floor import FILE_NAME, FloorRecord, FloorStore, file_name
from cockpit.risk.rules.base import Env
from cockpit.risk.rules.max_loss import MaxLoss
from cockpit.risk.tally import Tally
from cockpit.risk.timing import Calendar
from cockpit.session import build_session
from tests.risk.conftest import TUESDAY_10, Desk, DeskFactory, at, short_history

NQ_TICK = Decimal(5)
ACCOUNT = "PRACTICE-50K"
"""The paper broker's account, whose floor file the tests open."""


def rule(d: Desk) -> MaxLoss:
    found = next(r for r in d.risk.rules if isinstance(r, MaxLoss))
    return found


def floor(d: Desk) -> Decimal:
    value = rule(d).floor()
    assert value is not None
    return value


def mll(**kwargs: Any) -> dict[str, Any]:
    """A max loss section; the buffer is only what a test gives (the default 10% aside)."""
    return {"max_loss": {"amount": 2000, "start_balance": 50000, "buffer_pct": 0, **kwargs}}


async def test_by_default_the_cockpit_acts_a_tenth_of_the_amount_before_the_floor(
    desk: DeskFactory,
) -> None:
    """With no buffer configured the rule still fires before the firm: 10% of the amount."""
    d = await desk({"max_loss": {"amount": 2000, "start_balance": 50000}})
    assert rule(d).buffer == Decimal(200)


async def test_static_floor_sits_amount_below_the_start_and_never_moves(desk: DeskFactory) -> None:
    """Static: the floor is start_balance - amount, whatever the account makes."""
    d = await desk(mll(mode="static"))
    assert floor(d) == Decimal(48000)
    await d.buy("NQ", 1)
    await d.move("NQ", 200)
    await d.sell("NQ", 1)
    await d.tick(8 * 3600)
    assert d.broker.account.account.balance == Decimal(51000)
    assert floor(d) == Decimal(48000)


async def test_reaching_the_buffer_flattens_and_locks_naming_the_rule(desk: DeskFactory) -> None:
    """Equity within the buffer of the floor: flatten, lock until 17:00 CT, the reason
    names the rule, the equity, the floor and the buffer."""
    d = await desk(mll(mode="static", buffer=150))
    await d.buy("NQ", 1)
    await d.move("NQ", -369)
    assert d.state.positions
    assert d.state.risk_state == "WARNING"
    await d.move("NQ", -1)
    assert d.state.positions == {}
    assert d.state.risk_state == "LOCKED"
    assert d.state.lockout_until == at(2026, 3, 10, 17)
    reason = d.of(FlattenStarted)[-1].reason
    assert reason == (
        "max loss: equity 48,150.00 is 150.00 above the floor 48,000.00 (buffer 150.00)"
    )
    assert [e.action for e in d.of(EnforcementTaken)] == ["lock", "flatten"]
    assert not (await d.buy("NQ", 1)).accepted


async def test_the_larger_buffer_wins(desk: DeskFactory) -> None:
    """buffer_pct of the amount applies when larger than the dollar buffer."""
    d = await desk(mll(mode="static", buffer=100, buffer_pct=0.1))
    assert rule(d).buffer == Decimal(200)


async def test_entries_are_denied_while_within_the_buffer(desk: DeskFactory) -> None:
    """A new entry within the buffer is denied, with the rule's reason (reduce-only action
    is not in play: the rule locks, and the day's lock denies)."""
    d = await desk(mll(mode="static", buffer=150, lock_when_reached=False))
    await d.buy("NQ", 1)
    await d.move("NQ", -370)
    denied = await d.buy("NQ", 1)
    assert not denied.accepted
    assert "max loss: equity 48,150.00" in d.of(OrderDenied)[-1].reason


async def test_longs_are_marked_at_the_bid_and_shorts_at_the_ask(desk: DeskFactory) -> None:
    """Equity takes the side a close would get: a long at the bid, a short at the ask,
    never the last print."""
    d = await desk(mll(mode="static"))
    await d.buy("NQ", 1)
    entry = d.state.positions["NQ"].cost
    d.quote("NQ", entry - 4, entry + 6)
    d.tape("NQ", entry + 6)
    distance = rule(d).distance(d.state, d.clock.now_ns())
    assert distance == Decimal(2000) - 4 * NQ_TICK
    await d.sell("NQ", 2)
    assert d.size("NQ") == -1
    short_entry = d.state.positions["NQ"].cost
    balance = d.broker.account.account.balance
    d.quote("NQ", short_entry - 6, short_entry + 4)
    d.tape("NQ", short_entry - 6)
    distance = rule(d).distance(d.state, d.clock.now_ns())
    assert distance == balance - Decimal(48000) - 4 * NQ_TICK


async def test_intraday_floor_follows_open_equity_up_and_never_down(desk: DeskFactory) -> None:
    """Intraday trailing: the floor rises with the best open equity and stays there."""
    d = await desk(mll(mode="intraday-trailing"))
    await d.buy("NQ", 1)
    await d.move("NQ", 100)
    assert floor(d) == Decimal(48500)
    await d.move("NQ", -150)
    assert floor(d) == Decimal(48500)


async def test_a_trailing_floor_stops_at_stop_at(desk: DeskFactory) -> None:
    """With stop_at the floor never rises past it, however high equity goes."""
    d = await desk(mll(mode="intraday-trailing", stop_at=50000))
    await d.buy("NQ", 1)
    await d.move("NQ", 600)
    assert floor(d) == Decimal(50000)


async def test_eod_floor_rises_only_when_the_trading_day_ends(desk: DeskFactory) -> None:
    """EOD trailing: a winning day raises the floor at 17:00 CT, not before."""
    d = await desk(mll(mode="eod-trailing"))
    await d.buy("NQ", 1)
    await d.move("NQ", 100)
    await d.sell("NQ", 1)
    assert d.broker.account.account.balance == Decimal(50500)
    assert floor(d) == Decimal(48000)
    d.clock.set(at(2026, 3, 10, 16, 59, 59))
    await d.tick()
    assert floor(d) == Decimal(48000)
    d.clock.set(at(2026, 3, 10, 17, 0, 1))
    await d.tick()
    assert floor(d) == Decimal(48500)


async def test_no_record_starts_the_high_at_the_larger_balance_and_says_so(
    desk: DeskFactory,
) -> None:
    """Without a record the high is the larger of the start and the broker's balance."""
    d = await desk(mll(mode="eod-trailing", start_balance=49000))
    assert floor(d) == Decimal(48000)
    await d.tick(1)
    assert any("no record of the floor" in n.text for n in d.of(Notice))


async def test_the_floor_survives_a_restart(desk: DeskFactory, tmp_path: Path) -> None:
    """A restart reads the floor back: it does not fall to the broker's lower balance."""
    d = await desk(mll(mode="intraday-trailing"), floors=FloorStore(tmp_path))
    await d.buy("NQ", 1)
    await d.move("NQ", 100)
    await d.tick(1)
    assert FloorStore(tmp_path, account=ACCOUNT).record is not None
    again = await desk(mll(mode="intraday-trailing"), floors=FloorStore(tmp_path))
    assert floor(again) == Decimal(48500)
    assert again.state.risk_state == "ACTIVE"


async def test_two_accounts_over_one_state_dir_keep_separate_floors(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """An account's floor raised to 48,500 is its own: another account over the same
    state dir starts afresh at 48,000, and the first still reads 48,500 after it."""
    d = await desk(mll(mode="intraday-trailing"), floors=FloorStore(tmp_path))
    await d.buy("NQ", 1)
    await d.move("NQ", 100)
    await d.tick(1)
    assert floor(d) == Decimal(48500)
    other = await desk(
        mll(mode="intraday-trailing"), floors=FloorStore(tmp_path), account_name="OTHER-50K"
    )
    await other.tick(1)
    assert floor(other) == Decimal(48000)
    again = await desk(mll(mode="intraday-trailing"), floors=FloorStore(tmp_path))
    assert floor(again) == Decimal(48500)
    other_again = await desk(
        mll(mode="intraday-trailing"), floors=FloorStore(tmp_path), account_name="OTHER-50K"
    )
    assert floor(other_again) == Decimal(48000)


def old_record(high: str, floor: str) -> str:
    """A record as written before floors were kept per account (no ``account`` field)."""
    body = {
        "version": 1,
        "mode": "intraday-trailing",
        "start_balance": "50000",
        "high": high,
        "floor": floor,
        "breached": False,
        "day_end_ns": 0,
        "day_balance": None,
        "seen_ns": 0,
        "copies": 1,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    checksum = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return json.dumps({**body, "checksum": checksum})


async def test_an_old_record_is_taken_by_the_first_account_that_reads_it(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """A record written before floors had an account still loads, as the first reader's
    (said in a notice); a second account does not get it too."""
    (tmp_path / FILE_NAME).write_text(old_record("50500", "48500"))
    d = await desk(mll(mode="intraday-trailing"), floors=FloorStore(tmp_path))
    await d.tick(1)
    assert floor(d) == Decimal(48500)
    assert any(
        "written before floors were kept per account" in n.text
        and "taken as PRACTICE-50K's" in n.text
        for n in d.of(Notice)
    )
    other = await desk(
        mll(mode="intraday-trailing"), floors=FloorStore(tmp_path), account_name="OTHER-50K"
    )
    await other.tick(1)
    assert floor(other) == Decimal(48000)
    again = await desk(mll(mode="intraday-trailing"), floors=FloorStore(tmp_path))
    assert floor(again) == Decimal(48500)


async def test_a_record_for_another_account_is_set_aside(desk: DeskFactory) -> None:
    """A saved floor of another account is never merged: a notice names it and the
    floor starts afresh."""
    saved = FloorRecord(
        "intraday-trailing",
        Decimal(50000),
        Decimal(50500),
        Decimal(48500),
        account="OTHER-50K",
    )
    d = await desk(mll(mode="intraday-trailing"), floors=FloorStore.memory(saved))
    await d.tick(1)
    assert floor(d) == Decimal(48000)
    assert any("the saved floor was for account OTHER-50K" in n.text for n in d.of(Notice))


async def test_a_damaged_record_locks_and_never_loosens(desk: DeskFactory, tmp_path: Path) -> None:
    """A record edited by hand (checksum off) locks for the day; a lower floor in it is
    not taken, a higher high in what still reads is."""
    d = await desk(mll(mode="intraday-trailing"), floors=FloorStore(tmp_path))
    await d.buy("NQ", 1)
    await d.move("NQ", 100)
    await d.tick(1)
    path = tmp_path / file_name(ACCOUNT)
    path.write_text(path.read_text().replace('"48500.00"', '"40000.00"'))
    again = await desk(mll(mode="intraday-trailing"), floors=FloorStore(tmp_path))
    assert again.state.risk_state == "LOCKED"
    lockout = again.risk.store.lockout
    assert lockout is not None
    assert "max loss record" in lockout.reason
    assert "is damaged" in lockout.reason
    assert floor(again) == Decimal(48500)


async def test_a_valid_record_edited_down_loses_to_its_sibling(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """Two records: one rewritten whole with a lower floor still loses to the higher."""
    state, journals = tmp_path / "state", tmp_path / "journals"
    d = await desk(mll(mode="intraday-trailing"), floors=FloorStore(state, journals))
    await d.buy("NQ", 1)
    await d.move("NQ", 100)
    await d.tick(1)
    low = FloorStore.memory()
    low.paths = [journals / file_name(ACCOUNT)]
    saved = FloorStore(state, account=ACCOUNT).record
    assert saved is not None
    low.save(replace(saved, high=Decimal(50000), floor=Decimal(48000)))
    again = await desk(mll(mode="intraday-trailing"), floors=FloorStore(state, journals))
    assert floor(again) == Decimal(48500)
    assert again.state.risk_state == "ACTIVE"


async def test_a_missing_record_whose_sibling_vouches_for_it_locks(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """One of two records deleted: a trace of it remains, so the day locks."""
    state, journals = tmp_path / "state", tmp_path / "journals"
    d = await desk(mll(mode="intraday-trailing"), floors=FloorStore(state, journals))
    await d.tick(1)
    (state / file_name(ACCOUNT)).unlink()
    again = await desk(mll(mode="intraday-trailing"), floors=FloorStore(state, journals))
    assert again.state.risk_state == "LOCKED"


async def test_reaching_the_floor_keeps_the_account_breached_after_the_day(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """lock_when_reached: equity at the floor locks for the day, and the next day the
    account stays REDUCE-ONLY, across a restart too, even with equity above the floor."""
    d = await desk(mll(mode="static"), floors=FloorStore(tmp_path))
    await d.buy("NQ", 1)
    await d.move("NQ", -400)
    assert d.state.risk_state == "LOCKED"
    d.clock.set(at(2026, 3, 11, 9))
    await d.tick()
    assert d.state.risk_state == "REDUCE-ONLY"
    assert "equity 48,000.00 is at the floor 48,000.00" in d.state.risk_reason
    again = await desk(  # a fresh paper account: its equity is back above the floor
        mll(mode="static"), floors=FloorStore(tmp_path), start=at(2026, 3, 11, 9, 30)
    )
    assert again.state.risk_state in ("LOCKED", "REDUCE-ONLY")
    assert "reached its floor" in again.state.risk_reason
    assert not (await again.buy("NQ", 1)).accepted


def bare_rule(**kwargs: Any) -> tuple[MaxLoss, State]:
    """The rule alone on a state fed by hand: for properties over many balances."""
    settings = RiskSettings.model_validate(mll(**kwargs))
    calendar = Calendar(settings.boundary, settings.zone)
    env = Env(settings, calendar, Tally(calendar))
    return MaxLoss(env), State(INSTRUMENTS, ["NQ"])


steps = st.lists(
    st.tuples(
        st.integers(min_value=-3000, max_value=3000),
        st.integers(min_value=1, max_value=20 * 3600),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["static", "eod-trailing", "intraday-trailing"]),
    st.sampled_from([None, 50000, 49000]),
    steps,
)
def test_the_floor_never_falls_and_stops_at_stop_at(
    mode: str, stop_at: int | None, moves: list[tuple[int, int]]
) -> None:
    """Whatever the balance does over days, the floor never falls, a trailing one never
    passes stop_at, and a static one never moves."""
    rule, state = bare_rule(mode=mode, stop_at=stop_at)
    now, balance = TUESDAY_10, Decimal(50000)
    floors = []
    for change, seconds in moves:
        balance += change
        now += seconds * NS_PER_SECOND
        state.apply(AccountUpdated(now, Account(1, "T", balance)))
        rule.level(state, now)
        floors.append(floor_of(rule))
    assert floors == sorted(floors)
    if mode == "static":
        assert set(floors) == {Decimal(48000)}
    elif stop_at is not None:
        assert max(floors) <= max(Decimal(stop_at), Decimal(48000))


def floor_of(r: MaxLoss) -> Decimal:
    value = r.floor()
    assert value is not None
    return value


def test_the_eod_floor_trails_the_best_close_only() -> None:
    """EOD trailing: a day's best intraday balance does not count, its close does."""
    rule, state = bare_rule(mode="eod-trailing")
    for when, balance in [
        (at(2026, 3, 10, 9), 50000),
        (at(2026, 3, 10, 11), 51500),
        (at(2026, 3, 10, 16), 50700),
        (at(2026, 3, 10, 18), 50700),
        (at(2026, 3, 11, 16), 50200),
        (at(2026, 3, 11, 18), 50200),
    ]:
        state.apply(AccountUpdated(when, Account(1, "T", Decimal(balance))))
        rule.level(state, when)
    assert floor_of(rule) == Decimal(48700)


async def test_the_risk_panel_has_a_max_loss_row(desk: DeskFactory) -> None:
    """R shows the rule: its limit, equity and floor, and the room to the buffer."""
    d = await desk(mll(mode="static", buffer=150))
    row = next(r for r in d.risk.status(d.state) if r.rule == "max-loss")
    assert row.limit == "$2,000.00 static"
    assert row.current == "equity 50,000.00 floor 48,000.00"
    assert row.headroom == "$1,850.00"
    assert row.detail == "flatten and lock until the trading day ends"


async def test_a_days_close_saved_before_quitting_raises_the_floor_after_a_restart(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """EOD trailing: quit at 16:00 after a winning day, start the next morning on a
    broker that shows less: the saved close still raises the floor."""
    d = await desk(mll(mode="eod-trailing"), floors=FloorStore(tmp_path))
    await d.buy("NQ", 1)
    await d.move("NQ", 100)
    await d.sell("NQ", 1)
    await d.tick(1)
    again = await desk(
        mll(mode="eod-trailing"), floors=FloorStore(tmp_path), start=at(2026, 3, 11, 8)
    )
    assert again.broker.account.account.balance == Decimal(50000)
    assert floor(again) == Decimal(48500)


async def test_a_session_keeps_the_floor_under_the_brokers_account(tmp_path: Path) -> None:
    """A session's floor is written to the file of the account the broker names, in the
    state dir and beside the journals."""
    settings = parse_settings("[risk.max_loss]\namount = 2000\n", Path("config.toml"))
    with short_history():
        session = build_session(
            settings,
            clock=FakeClock(TUESDAY_10),
            pump=False,
            risk_state_dir=tmp_path / "state",
            journal_dir=tmp_path / "journals",
        )
    await session.start()
    session.engine.tick()
    await session.engine.drain()
    await session.stop()
    account = session.broker.account_name
    for folder in ("state", "journals"):
        assert (tmp_path / folder / file_name(account)).exists()
        assert not (tmp_path / folder / FILE_NAME).exists()


async def test_the_close_a_breach_sends_fills_at_the_market_that_reached_the_floor(
    desk: DeskFactory, tmp_path: Path
) -> None:
    """The enforced close is matched at the quote that reached the floor, not the one
    before it: the balance carries the whole loss (400 ticks of NQ, $2,000)."""
    d = await desk(mll(mode="static"), floors=FloorStore(tmp_path))
    await d.buy("NQ", 1)
    await d.move("NQ", -400)
    assert not d.state.positions
    assert d.state.account is not None
    assert d.state.account.balance == Decimal(48000)
