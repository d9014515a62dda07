"""Gateway JSON <-> the cockpit's nouns: what the emulator renders the adapter reads back
exactly, partial and list-shaped messages are handled, and bad messages are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.brokers.projectx_orders import modify_body, place_body, refusal
from cockpit.brokers.projectx_payloads import (
    ContractBook,
    MalformedPayload,
    UnknownContract,
    parse_account,
    parse_bars,
    parse_fill,
    parse_order,
    parse_position,
    parse_prints,
    parse_quote,
    timestamp,
)
from cockpit.core.bars import Bar
from cockpit.core.events import QuoteUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import (
    Account,
    Fill,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from cockpit.gateway import render

ES = INSTRUMENTS["ES"]
MCL = INSTRUMENTS["MCL"]
ES_ID = "CON.F.US.EP.Z26"
T0 = 1_795_000_000_123_456_000


def book() -> ContractBook:
    contracts = ContractBook()
    contracts.add(ES, ES_ID, "ESZ6")
    contracts.add(MCL, "CON.F.US.MCLE.F27", "MCLF7")
    return contracts


def test_an_order_round_trips_through_gateway_json() -> None:
    """A rendered working stop-limit reads back as the very same order."""
    order = Order(
        id=7,
        account_id=4001,
        symbol="ES",
        side=Side.SELL,
        type=OrderType.STOP_LIMIT,
        size=3,
        status=OrderStatus.OPEN,
        limit=27_000,
        stop=27_004,
        filled=1,
        fill_price=Decimal("6750.25"),
        created_ns=T0,
        updated_ns=T0 + 1_000,
        tag="ck-7",
    )
    assert parse_order(render.order(order, ES, ES_ID), book()) == order


def test_a_wrapped_order_event_is_unwrapped() -> None:
    """``{"action": 1, "data": {...}}`` and a one-item list read like the flat object."""
    order = Order(7, 4001, "ES", Side.BUY, OrderType.MARKET, 1, OrderStatus.FILLED)
    flat = render.order(order, ES, ES_ID)
    assert parse_order({"action": 1, "data": flat}, book()) == parse_order([flat], book())


def test_a_fill_keeps_the_gateways_pnl_and_none_for_an_opening_fill() -> None:
    """profitAndLoss becomes an exact Decimal; null stays None (an opening half-turn)."""
    closing = Fill(9, 7, 4001, "ES", Side.SELL, 2, 27_010, Decimal("2.80"), Decimal("125.5"), T0)
    opening = Fill(8, 6, 4001, "ES", Side.BUY, 2, 27_000, Decimal("2.80"), None, T0)
    assert parse_fill(render.trade(closing, ES, ES_ID), book()) == closing
    assert parse_fill(render.trade(opening, ES, ES_ID), book()) == opening
    voided = dict(render.trade(closing, ES, ES_ID), voided=True)
    assert parse_fill(voided, book()) is None


@given(
    st.lists(st.integers(min_value=10_000, max_value=2_000_000), min_size=1, max_size=9),
    st.sampled_from([1, -1]),
)
def test_position_cost_survives_the_gateways_float_average(prices: list[int], sign: int) -> None:
    """Any mix of entry ticks: averagePrice * size brings back the exact cost in ticks."""
    for spec, cid in ((ES, ES_ID), (MCL, "CON.F.US.MCLE.F27")):
        position = Position(4001, spec.symbol, sign * len(prices), sum(prices), T0)
        row = render.position(position, spec, cid, 1, T0)
        assert parse_position(row, book(), T0) == position


def test_a_closed_position_reads_as_size_zero() -> None:
    """The emulator's closing event (size 0, type 0) is a flat position."""
    row = render.position(Position(4001, "ES", 0, 0), ES, ES_ID, 1, T0)
    assert parse_position(row, book(), T0) == Position(4001, "ES", 0, 0, T0)


def test_a_partial_quote_merges_onto_the_last_one_and_has_no_sizes() -> None:
    """A quote with only bestAsk keeps the previous bid; sizes are 0 (the Gateway sends none)."""
    full = {
        "symbol": "F.US.EP",
        "bestBid": 6750.0,
        "bestAsk": 6750.25,
        "timestamp": "2026-11-20T10:00:00Z",
    }
    first = parse_quote(ES_ID, full, book(), 0, None)
    assert (first.bid, first.ask, first.bid_size, first.ask_size) == (27_000, 27_001, 0, 0)
    second = parse_quote(ES_ID, {"bestAsk": 6750.5}, book(), 5, first)
    assert (second.bid, second.ask, second.ts) == (27_000, 27_002, 5)


def test_a_first_quote_without_both_sides_is_malformed() -> None:
    """With no earlier quote, a one-sided quote cannot be shown."""
    with pytest.raises(MalformedPayload):
        parse_quote(ES_ID, {"bestBid": 6750.0}, book(), 0, None)


def test_every_print_of_a_gateway_trade_list_counts() -> None:
    """A burst of three prints is three prints (the SDK keeps only one of them)."""
    prints = [
        {
            "symbolId": "F.US.EP",
            "price": 6750.25,
            "timestamp": "2026-11-20T10:00:00Z",
            "type": t,
            "volume": v,
        }
        for t, v in ((0, 2), (1, 5), (0, 1))
    ]
    out = parse_prints(ES_ID, prints, book())
    assert [(p.price, p.size, p.aggressor) for p in out] == [
        (27_001, 2, Side.BUY),
        (27_001, 5, Side.SELL),
        (27_001, 1, Side.BUY),
    ]
    assert parse_prints(ES_ID, prints[0], book())[0].size == 2


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"bestBid": "n/a", "bestAsk": []}, "not a price"),
        ({"bestAsk": None, "bestBid": None}, "neither"),
        ("garbage", "expected an object"),
    ],
)
def test_malformed_quotes_are_refused_with_a_reason(data: object, problem: str) -> None:
    """Unreadable quotes raise MalformedPayload saying what is wrong."""
    with pytest.raises(MalformedPayload, match=problem):
        parse_quote(ES_ID, data, book(), 0, None)


@pytest.mark.parametrize(
    "row",
    [
        {"id": "not-a-number", "contractId": ES_ID},
        {"id": 1, "contractId": None},
        {
            "id": 1,
            "accountId": 2,
            "contractId": ES_ID,
            "side": 0,
            "type": 9,
            "size": 1,
            "status": 1,
            "creationTimestamp": "2026-11-20T10:00:00Z",
        },
        {
            "id": 1.5,
            "accountId": 2,
            "contractId": ES_ID,
            "side": 0,
            "type": 1,
            "size": 1,
            "status": 1,
            "creationTimestamp": "2026-11-20T10:00:00Z",
        },
        {
            "id": 1,
            "accountId": 2,
            "contractId": ES_ID,
            "side": 0,
            "type": 1,
            "size": 1,
            "status": 1,
            "creationTimestamp": "yesterday",
        },
    ],
)
def test_malformed_orders_are_refused(row: dict) -> None:
    """Bad ids, contracts, codes and times never become an Order."""
    with pytest.raises(MalformedPayload):
        parse_order(row, book())


def test_a_contract_outside_the_watchlist_is_learned_from_its_id() -> None:
    """A position in NQ (root ENQ) is read although NQ is not on the watchlist."""
    row = render.position(
        Position(4001, "NQ", 1, 100_000), INSTRUMENTS["NQ"], "CON.F.US.ENQ.Z26", 1, T0
    )
    assert parse_position(row, book(), T0).symbol == "NQ"
    with pytest.raises(UnknownContract):
        parse_position(dict(row, contractId="CON.F.US.XYZ.Z26"), book(), T0)


def test_history_bars_come_back_oldest_first_in_ticks() -> None:
    """retrieveBars rows (newest first, floats) become exact bars, oldest first."""
    bars = [
        Bar(
            T0 - T0 % 60_000_000_000 + i * 60_000_000_000,
            27_000 + i,
            27_005 + i,
            26_990,
            27_001,
            10,
        )
        for i in range(3)
    ]
    rows = [render.bar(b, ES) for b in reversed(bars)]
    assert list(parse_bars(rows, ES)) == bars


def test_accounts_read_balance_exactly() -> None:
    """A balance float becomes the Decimal of its decimal text."""
    account = Account(4001, "PRACTICE-50K", Decimal("49987.62"))
    assert parse_account(render.account(account)) == account


def test_a_place_body_is_exactly_what_the_sdk_sends() -> None:
    """Every price key present, null when unused; customTag only when set."""
    request = OrderRequest("ES", Side.BUY, OrderType.LIMIT, 2, limit=27_001, tag="ck-3")
    assert place_body(4001, ES_ID, ES, request) == {
        "accountId": 4001,
        "contractId": ES_ID,
        "type": 1,
        "side": 0,
        "size": 2,
        "limitPrice": 6750.25,
        "stopPrice": None,
        "trailPrice": None,
        "customTag": "ck-3",
    }
    join = OrderRequest("ES", Side.SELL, OrderType.JOIN_ASK, 1, limit=27_001)
    body = place_body(4001, ES_ID, ES, join)
    assert (body["type"], body["limitPrice"], "customTag" in body) == (7, None, False)


def test_a_modify_body_carries_only_what_changes() -> None:
    """Only the changed keys go out with accountId and orderId."""
    assert modify_body(1, 2, MCL, size=None, limit=6_185, stop=None) == {
        "accountId": 1,
        "orderId": 2,
        "limitPrice": 61.85,
    }


def test_a_refusal_names_the_gateways_code() -> None:
    """success:false becomes the message with its coded meaning."""
    answer = {"success": False, "errorCode": 3, "errorMessage": None}
    assert refusal("/Order/place", answer) == "insufficient funds"
    answer = {"success": False, "errorCode": 2, "errorMessage": "Outside limits"}
    assert refusal("/Order/place", answer) == "Outside limits (gateway code 2: order rejected)"


def test_gateway_times_without_a_zone_are_utc() -> None:
    """A naive time and the same time with +00:00 are the same instant; .NET's seventh
    fractional digit (100 ns) is kept."""
    assert timestamp("2026-11-20T10:00:00") == timestamp("2026-11-20T10:00:00+00:00")
    assert (
        timestamp("2026-11-20T10:00:00.1234567Z") == timestamp("2026-11-20T10:00:00.123456Z") + 700
    )


def test_quote_updated_is_what_the_emulator_quote_reads_as() -> None:
    """The emulator's full quote reads as the touch it was built from."""
    from cockpit.core.clock import FakeClock
    from cockpit.gateway.venue import Venue

    venue = Venue(FakeClock(T0), ["ES"], [("A", Decimal(1000))])
    quote = venue.quotes["ES"]
    read = parse_quote(venue.contract_ids["ES"], venue.quote_json("ES"), book(), 0, None)
    assert read == QuoteUpdated(quote.ts, "ES", quote.bid, quote.ask, 0, 0)
