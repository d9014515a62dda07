"""Max position per account, in micro-equivalents (1 mini = 10 micros).

Counts every symbol's exposure (position plus working and in-flight orders, the larger
side) times its micros, so 1 NQ and 5 MNQ make 15. On what the broker reports, an
order that takes the account over the limit is cancelled and a position that grew the
account over it is closed.
"""

from __future__ import annotations

from collections.abc import Callable

from cockpit.core.commands import ClosePosition
from cockpit.core.events import Event, OrderUpdated, PositionUpdated
from cockpit.core.models import OrderRequest
from cockpit.core.state import State
from cockpit.risk.exposure import cancellable, exposure, holdings, order_increases
from cockpit.risk.rules.base import Act, Env, Intent, Level, Reading, Rule, RuleDenial, pct
from cockpit.risk.tally import Tally


def account_micros(
    state: State,
    tally: Tally,
    add: OrderRequest | None = None,
    without: int | None = None,
    counted: tuple[str, int] | None = None,
) -> int:
    """Micro-equivalents across the account, counting working orders per side (the
    larger side of each symbol), with ``add`` in and the order ``without`` out;
    ``counted`` names a symbol and the position to count it from (one of
    :func:`~cockpit.risk.exposure.holdings`)."""
    symbols = set(state.positions) | set(tally.working)
    if state.pending:
        symbols |= {request.symbol for request in state.pending.values()}
    if add is not None:
        symbols.add(add.symbol)
    total = 0
    for symbol in symbols:
        extra = add if add is not None and add.symbol == symbol else None
        held = counted[1] if counted is not None and counted[0] == symbol else None
        contracts = exposure(state, tally, symbol, add=extra, without=without, held=held)
        total += contracts * state.instruments[symbol].micros
    return total


def account_over(
    state: State, tally: Tally, request: OrderRequest, without: int | None, limit: int
) -> tuple[int, int] | None:
    """(before, after) in micros where ``request`` takes the account past ``limit`` and
    above where it stood, judged against each position the broker may hold in its symbol
    (:func:`~cockpit.risk.exposure.holdings`); ``None`` when it does against none."""
    for held in holdings(state, request.symbol):
        counted = (request.symbol, held)
        before = account_micros(state, tally, None, None, counted)
        after = account_micros(state, tally, request, without, counted)
        if after > limit and after > before:
            return before, after
    return None


def held_micros(state: State) -> int:
    """Micro-equivalents of the positions alone."""
    return sum(abs(p.size) * state.instruments[p.symbol].micros for p in state.positions.values())


def settle_account(
    event: Event,
    state: State,
    tally: Tally,
    limit: int,
    amount: Callable[[int], str],
    ceiling: str,
) -> list[Act]:
    """On what the broker reports, bring the account back within ``limit`` micros: close
    a position that took it over, cancel a working order that does. ``amount`` words a
    count of micros, ``ceiling`` names the limit (``its 15 limit``)."""
    if isinstance(event, PositionUpdated):
        position = event.position
        held = held_micros(state)
        if position.size != 0 and held > limit:
            return [
                Act(
                    ClosePosition(symbol=position.symbol, origin="risk"),
                    "close",
                    f"{position.symbol} {position.size:+d} takes the account to "
                    f"{amount(held)}, over {ceiling}",
                    f"limit={limit} positions={held} symbol={position.symbol}",
                    key=("close", position.symbol),
                )
            ]
    elif isinstance(event, OrderUpdated):
        order = event.order
        if not order.status.is_working or not cancellable(order):
            return []
        if not order_increases(state, order):
            return []
        total = account_micros(state, tally)
        if total > limit:
            return [
                Act.cancel(
                    order,
                    f"{order.symbol} order {order.id} ({order.side.label} "
                    f"{order.remaining}) takes the account to {amount(total)}, "
                    f"over {ceiling}",
                    f"limit={limit} total={total} order={order.id}",
                )
            ]
    return []


class MaxPosition(Rule):
    name = "max-position"
    title = "Account position (micros)"
    turn_on = "[risk.max_position] micros"
    reacts_to = (OrderUpdated, PositionUpdated)

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.micros = env.settings.max_position.micros

    @property
    def enabled(self) -> bool:
        return self.micros is not None

    def total(
        self,
        state: State,
        add: OrderRequest | None = None,
        without: int | None = None,
    ) -> int:
        """Micro-equivalents across the account, counting working orders per side."""
        return account_micros(state, self.env.tally, add, without)

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        limit = self.micros
        if limit is None:
            return None
        request = intent.request
        without = intent.replaces.id if intent.replaces is not None else None
        over = account_over(state, self.env.tally, request, without, limit)
        if over is None:
            return None
        before, after = over
        micros = state.instruments[request.symbol].micros
        return RuleDenial(
            f"account limit {limit} micros: {request.side.label.lower()} {request.size} "
            f"{request.symbol} ({micros} micro{'s' if micros > 1 else ''} each) would make "
            f"{after} (now {before}, counting working orders)",
            f"limit={limit} before={before} after={after} symbol={request.symbol}",
        )

    def react(self, event: Event, state: State, now: int) -> list[Act]:
        limit = self.micros
        if limit is None:
            return []
        return settle_account(
            event, state, self.env.tally, limit, lambda m: f"{m} micros", f"its {limit} limit"
        )

    def reading(self, state: State, now: int) -> Reading:
        assert self.micros is not None
        total = self.total(state)
        return Reading(
            self.name,
            self.title,
            f"{self.micros} micros",
            f"{total} micros",
            str(self.micros - total),
            Level.BREACH if total > self.micros else Level.OK,
            "1 mini = 10 micros; positions plus working orders",
            pct(total, self.micros),
        )

    def describe(self) -> str:
        return (
            f"{self.micros} micro-equivalents across the account (1 mini = 10 micros), "
            "counting working orders; deny"
        )
