"""Properties of paper trading: exact realized P&L, and the state agrees with the broker's lots."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cockpit.brokers.paper import PaperAccount
from cockpit.core.events import Event, QuoteUpdated
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Account, OrderRequest, OrderType, Side
from cockpit.core.state import State
from tests.conftest import START_NS

SYMBOLS = ("MNQ", "ES", "MCL")
START_BALANCE = Decimal("50000")

steps = st.lists(
    st.tuples(
        st.sampled_from(SYMBOLS),
        st.integers(-6, 6).filter(bool),  # signed size of a market order
        st.integers(1_000, 1_040),  # where the bid is when it is sent
        st.integers(1, 2),  # spread in ticks
    ),
    min_size=1,
    max_size=30,
)


def held_by_state(state: State) -> dict[str, tuple[int, int]]:
    return {s: (p.size, p.cost) for s, p in state.positions.items()}


def held_by_lots(account: PaperAccount) -> dict[str, tuple[int, int]]:
    return {s: (lots.size, lots.cost) for s, lots in account.lots.items() if lots.size}


@given(steps, st.integers(0, 2))
def test_flat_account_realizes_sells_minus_buys_and_state_agrees(
    orders: list[tuple[str, int, int, int]], slippage: int
) -> None:
    """Ending flat, realized = sells' proceeds - buys' cost to the cent; state = lots throughout."""
    state = State(INSTRUMENTS, SYMBOLS)
    account = PaperAccount(Account(1, "P", START_BALANCE), state.apply, slippage_ticks=slippage)
    ts = START_NS

    def quote(symbol: str, bid: int, spread: int) -> None:
        nonlocal ts
        ts += 1
        event: Event = QuoteUpdated(ts, symbol, bid, bid + spread, 5, 5)
        state.apply(event)
        account.on_market(event)

    def market(symbol: str, size: int) -> None:
        nonlocal ts
        ts += 1
        side = Side.BUY if size > 0 else Side.SELL
        account.place(OrderRequest(symbol, side, OrderType.MARKET, abs(size)), ts)

    for symbol, size, bid, spread in orders:
        quote(symbol, bid, spread)
        market(symbol, size)
        assert held_by_state(state) == held_by_lots(account)
    for symbol in SYMBOLS:
        quote(symbol, 1_020, 1)
        account.close_position(symbol, ts + 1)
    assert state.positions == {}
    fills = state.fills
    expected = sum(
        (
            INSTRUMENTS[f.symbol].money(f.price * f.size * (-1 if f.side is Side.BUY else 1))
            for f in fills
        ),
        Decimal(0),
    )
    fees = sum((f.fee for f in fills), Decimal(0))
    assert state.realized == expected
    assert state.fees == fees
    assert fees == sum((INSTRUMENTS[f.symbol].fee_per_side * f.size for f in fills), Decimal(0))
    assert account.account.balance == START_BALANCE + expected - fees
    assert state.account is not None
    assert state.account.balance == account.account.balance
    assert all(f.pnl is None or f.pnl == f.pnl.quantize(Decimal("0.01")) for f in fills)
