"""Paper limit orders fill by queue position: behind the size shown, partly, or through."""

from __future__ import annotations

from decimal import Decimal

from cockpit.brokers.paper import PaperAccount
from cockpit.core.events import DepthUpdated, Event, FillReceived, Printed, QuoteUpdated
from cockpit.core.models import Account, OrderRequest, OrderStatus, OrderType, Side

T = 1_000


class Venue:
    """A paper account on a hand-made MNQ book: bid 100 (5 lots), ask 101 (5 lots)."""

    def __init__(self, *, depth: bool = True) -> None:
        self.events: list[Event] = []
        self.account = PaperAccount(Account(1, "SIM", Decimal(50_000)), self.events.append)
        self.market(QuoteUpdated(T, "MNQ", 100, 101, 5, 5))
        if depth:
            bids = tuple((100 - i, 5 + i) for i in range(10))
            asks = tuple((101 + i, 5 + i) for i in range(10))
            self.market(DepthUpdated(T, "MNQ", bids, asks, reset=True))

    def market(self, event: Event) -> None:
        self.account.on_market(event)

    def buy_limit(self, price: int, size: int = 1) -> int:
        request = OrderRequest("MNQ", Side.BUY, OrderType.LIMIT, size, limit=price)
        return self.account.place(request, T).id

    def sell_print(self, price: int, size: int) -> None:
        self.market(Printed(T, "MNQ", price, size, Side.SELL))

    def fills(self) -> list[int]:
        return [e.fill.size for e in self.events if isinstance(e, FillReceived)]


def test_a_limit_waits_behind_the_size_shown_at_its_price() -> None:
    """A buy at the bid behind 5 lots does not fill on 5 lots traded there, then does on more."""
    venue = Venue()
    order = venue.buy_limit(100)
    venue.sell_print(100, 3)
    venue.sell_print(100, 2)
    assert venue.fills() == []
    venue.sell_print(100, 1)
    assert venue.fills() == [1]
    assert venue.account.orders[order].status is OrderStatus.FILLED


def test_a_small_print_past_the_queue_fills_part_of_the_order() -> None:
    """Volume beyond the queue fills only that much: a partial fill, then the rest."""
    venue = Venue()
    order = venue.buy_limit(99, size=4)  # 6 lots ahead at 99
    venue.sell_print(99, 8)
    partial = venue.account.orders[order]
    assert (partial.status, partial.filled) == (OrderStatus.OPEN, 2)
    venue.sell_print(99, 5)
    assert venue.fills() == [2, 2]
    done = venue.account.orders[order]
    assert (done.status, done.filled, done.fill_price) == (OrderStatus.FILLED, 4, Decimal("24.75"))


def test_trading_through_the_price_fills_at_once_whatever_the_queue() -> None:
    """A print below a resting buy fills all of it at its limit even with the queue untouched."""
    venue = Venue()
    venue.buy_limit(99, size=3)
    venue.sell_print(98, 1)
    assert venue.fills() == [3]
    assert [e.fill.price for e in venue.events if isinstance(e, FillReceived)] == [99]


def test_size_pulled_from_the_level_shortens_the_queue_ahead() -> None:
    """When the level shrinks to 1 lot, only 1 lot is still ahead of the order."""
    venue = Venue()
    venue.buy_limit(100)
    venue.market(DepthUpdated(T, "MNQ", bids=((100, 1),)))
    venue.sell_print(100, 1)
    assert venue.fills() == []
    venue.sell_print(100, 1)
    assert venue.fills() == [1]


def test_more_size_joining_behind_does_not_push_the_order_back() -> None:
    """Size stacked at the level after the order joined is behind it."""
    venue = Venue()
    venue.buy_limit(100)
    venue.market(DepthUpdated(T, "MNQ", bids=((100, 40),)))
    venue.sell_print(100, 6)
    assert venue.fills() == [1]


def test_two_of_our_orders_at_one_price_share_each_print() -> None:
    """Our second order sees the print less what our first took: 7 traded behind 5 fills
    the first 2 lots, and the second order (also behind those 5) only 0 more."""
    venue = Venue()
    first = venue.buy_limit(100, size=2)
    second = venue.buy_limit(100, size=2)
    venue.sell_print(100, 7)
    assert venue.account.orders[first].filled == 2
    assert venue.account.orders[second].filled == 0
    venue.sell_print(100, 1)
    assert venue.account.orders[second].filled == 1


def test_moving_a_limit_to_a_new_price_joins_the_back_and_a_new_size_keeps_its_place() -> None:
    """A size change keeps the queue position; a price change queues behind the new level."""
    venue = Venue()
    order = venue.buy_limit(100)
    venue.sell_print(100, 4)  # 1 lot still ahead
    venue.account.modify(order, T, size=2, limit=None, stop=None)
    venue.sell_print(100, 2)
    assert venue.fills() == [1]
    venue.account.modify(order, T, size=None, limit=99, stop=None)  # 6 lots ahead at 99
    venue.sell_print(99, 6)
    assert venue.fills() == [1]
    venue.sell_print(99, 1)
    assert venue.fills() == [1, 1]


def test_without_a_book_a_limit_fills_only_when_traded_through() -> None:
    """No depth for the instrument: the queue is unknown, so prints at the price never fill
    it (however many) and a print through it does."""
    venue = Venue(depth=False)
    venue.buy_limit(100)
    venue.sell_print(100, 500)
    assert venue.fills() == []
    venue.sell_print(99, 1)
    assert venue.fills() == [1]


def test_a_level_beyond_the_book_is_unknown_until_it_shows() -> None:
    """A buy 15 ticks down has an unknown queue; when its level appears the order is behind
    the size shown then."""
    venue = Venue()
    venue.buy_limit(85)
    venue.sell_print(85, 50)
    assert venue.fills() == []
    venue.market(DepthUpdated(T, "MNQ", bids=((85, 3),)))
    venue.sell_print(85, 3)
    assert venue.fills() == []
    venue.sell_print(85, 1)
    assert venue.fills() == [1]
