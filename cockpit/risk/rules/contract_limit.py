"""Contracts per symbol: position plus working and in-flight orders, per side.

Counting working orders is what stops a resting order (or a second quick press) from
slipping past the limit, and is how the prop platforms count. On what the broker
reports (an order or a fill from another platform), the risk engine cancels the
newest orders on the side over the limit and closes a position that is over it.

A firm's scaling plan (``[risk.scaling] steps``) caps the whole account by the end-of-day
balance, the way the firms count it: minis across every symbol, a micro a tenth of a mini
(10 MNQ = 1 NQ), counted as the max position rule counts micros. The ceiling is the
plan's step for the balance the last trading day ended with (below the first step, the
first step's); the contract limit stays per symbol beside it.
"""

from __future__ import annotations

from decimal import Decimal

from cockpit.core.brackets import leg_of
from cockpit.core.commands import ClosePosition
from cockpit.core.events import Event, OrderUpdated, PositionUpdated
from cockpit.core.models import Side
from cockpit.core.state import State
from cockpit.risk.config import ScalingStep
from cockpit.risk.exposure import (
    cancellable,
    exposure,
    holdings,
    order_increases,
    position_words,
    side_exposure,
)
from cockpit.risk.rules.base import (
    Act,
    Env,
    Intent,
    Level,
    Reading,
    RuleDenial,
    event_symbol,
    pct,
)
from cockpit.risk.rules.limits import PerSymbolLimit
from cockpit.risk.rules.max_position import account_micros, account_over, settle_account


def scaling_step(steps: list[ScalingStep], balance: Decimal | None) -> int:
    """The index of the step in force at an end-of-day ``balance`` (the first below it,
    and while no balance is known: the smallest ceiling is the safe one)."""
    index = 0
    if balance is not None:
        for i, step in enumerate(steps):
            if balance >= step.balance:
                index = i
    return index


def minis(micros: int) -> str:
    """Micro-equivalents as minis, a micro a tenth: ``35`` is ``3.5``, ``30`` is ``3``."""
    whole, tenths = divmod(micros, 10)
    return f"{whole}.{tenths}" if tenths else str(whole)


class ContractLimit(PerSymbolLimit):
    name = "contract-limit"
    title = "Contracts per symbol"
    turn_on = "[risk.contract_limit] contracts or [risk.scaling] steps"
    section = "contract_limit"
    reacts_to = (OrderUpdated, PositionUpdated)

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        self.steps = list(env.settings.scaling.steps)
        self._scaled: tuple[Decimal | None, int] = (None, -1)
        """(end-of-day balance, step index): the lookup done once per balance."""

    @property
    def enabled(self) -> bool:
        return super().enabled or bool(self.steps)

    def scaling(self) -> int | None:
        """The step of the scaling plan in force, or ``None`` without a plan."""
        if not self.steps:
            return None
        balance = self.env.eod.balance
        known, index = self._scaled
        if index < 0 or known != balance:
            index = scaling_step(self.steps, balance)
            self._scaled = (balance, index)
        return index

    def ceiling(self) -> int | None:
        """The plan's ceiling in minis across the account, or ``None`` without a plan."""
        index = self.scaling()
        return self.steps[index].contracts if index is not None else None

    def scaling_words(self) -> str:
        """``scaling plan: 3 minis at an end-of-day balance of 51,620.00 (micros count
        1/10)``."""
        ceiling = self.ceiling()
        if ceiling is None:
            return ""
        balance = self.env.eod.balance
        at = (
            f"an end-of-day balance of {balance:,.2f}"
            if balance is not None
            else "no end-of-day balance yet (the first step)"
        )
        return f"scaling plan: {ceiling} minis at {at} (micros count 1/10)"

    def next_step_words(self) -> str:
        """``next: 5 at 52,000.00``, or that the top step is reached."""
        index = self.scaling()
        if index is None:
            return ""
        if index + 1 >= len(self.steps):
            return "top step"
        step = self.steps[index + 1]
        return f"next: {step.contracts} at {step.balance:,.2f}"

    def check(self, intent: Intent, state: State, now: int) -> RuleDenial | None:
        return self.check_symbol(intent, state) or self.check_scaling(intent, state)

    def check_symbol(self, intent: Intent, state: State) -> RuleDenial | None:
        """The contract limit: one symbol's larger side, working orders counted."""
        request = intent.request
        limit = self.limit_for(request.symbol)
        if limit is None:
            return None
        tally = self.env.tally
        without = intent.replaces.id if intent.replaces is not None else None
        symbol = request.symbol
        for held in holdings(state, symbol):
            before = exposure(state, tally, symbol, held=held)
            long, short = side_exposure(
                state, tally, symbol, add=request, without=without, held=held
            )
            after = max(long, short)
            if after <= limit or after <= before:
                continue
            side = "long" if long >= short else "short"
            verb = "buying" if request.side is Side.BUY else "selling"
            return RuleDenial(
                f"{symbol} contract limit {limit}: {verb} {request.size} would make "
                f"{after} {side} ({position_words(state, symbol, held)}, counting working "
                "orders)",
                f"symbol={symbol} limit={limit} position={held} before={before} "
                f"after={after} side={side}",
            )
        return None

    def check_scaling(self, intent: Intent, state: State) -> RuleDenial | None:
        """The scaling plan: minis across the account (a micro a tenth), as max position
        counts them; what does not add to the count (an exit) always passes."""
        ceiling = self.ceiling()
        if ceiling is None:
            return None
        request = intent.request
        without = intent.replaces.id if intent.replaces is not None else None
        over = account_over(state, self.env.tally, request, without, ceiling * 10)
        if over is None:
            return None
        before, after = over
        verb = "buying" if request.side is Side.BUY else "selling"
        return RuleDenial(
            f"{self.scaling_words()}: {verb} {request.size} {request.symbol} would make "
            f"{minis(after)}",
            f"ceiling_minis={ceiling} before_micros={before} after_micros={after} "
            f"symbol={request.symbol} eod_balance={self.env.eod.balance}",
        )

    def react(self, event: Event, state: State, now: int) -> list[Act]:
        acts: list[Act] = []
        symbol = event_symbol(event)
        limit = self.limit_for(symbol) if symbol is not None else None
        if symbol is not None and limit is not None:
            acts = settle_symbol(self.name, state, self.env, symbol, limit)
        ceiling = self.ceiling()
        if ceiling is not None and not acts:
            acts = settle_account(
                event,
                state,
                self.env.tally,
                ceiling * 10,
                lambda micros: f"{minis(micros)} minis",
                f"the scaling plan's {ceiling} minis",
            )
        return acts

    def reading(self, state: State, now: int) -> Reading:
        symbols = sorted(set(state.positions) | set(self.env.tally.working))
        worst, worst_symbol, worst_limit = 0.0, "", self.contracts or 0
        for symbol in symbols:
            limit = self.limit_for(symbol)
            if limit is None:
                continue
            used = pct(exposure(state, self.env.tally, symbol), limit)
            if used > worst or not worst_symbol:
                worst, worst_symbol, worst_limit = used, symbol, limit
        limits = f"{self.contracts}" if self.contracts is not None else "-"
        if self.per_symbol:
            limits += " (" + ", ".join(f"{s} {n}" for s, n in self.per_symbol.items()) + ")"
        ceiling = self.ceiling()
        if ceiling is not None:
            total = account_micros(state, self.env.tally)
            scaling = f"scaling {ceiling} minis ({self.next_step_words()})"
            limits = scaling if limits == "-" else f"{limits}; {scaling}"
            detail = f"{self.scaling_words()}; account {minis(total)}; {self.next_step_words()}"
            used = pct(total, ceiling * 10)
            if not worst_symbol or used >= worst:
                return Reading(
                    self.name,
                    self.title,
                    limits,
                    f"account {minis(total)} minis",
                    minis(ceiling * 10 - total),
                    Level.BREACH if total > ceiling * 10 else Level.OK,
                    detail,
                    used,
                )
        else:
            detail = "position plus working orders, per side"
        if not worst_symbol:
            return Reading(self.name, self.title, limits, "0", limits, Level.OK, detail, 0.0)
        used_contracts = exposure(state, self.env.tally, worst_symbol)
        return Reading(
            self.name,
            self.title,
            limits,
            f"{worst_symbol} {used_contracts}",
            str(worst_limit - used_contracts),
            Level.BREACH if used_contracts > worst_limit else Level.OK,
            detail,
            worst,
        )

    def describe(self) -> str:
        parts = []
        if self.contracts is not None:
            parts.append(f"{self.contracts} contracts per symbol")
        if self.per_symbol:
            parts.append(", ".join(f"{s} {n}" for s, n in self.per_symbol.items()))
        if parts:
            parts[-1] += " (position plus working orders, per side)"
        if self.steps:
            table = ", ".join(f"{s.contracts} from {s.balance:,.2f}" for s in self.steps)
            parts.append(
                f"scaling plan by end-of-day balance, minis across the account "
                f"(micros count 1/10): {table}"
            )
        return "; ".join(parts) + "; deny"


def settle_symbol(rule: str, state: State, env: Env, symbol: str, limit: int) -> list[Act]:
    """Bring one symbol back within ``limit``: close an oversized position, cancel the
    newest orders on a side whose exposure is over it."""
    acts: list[Act] = []
    held = state.position_size(symbol)
    if abs(held) > limit:
        acts.append(
            Act(
                ClosePosition(symbol=symbol, origin="risk"),
                "close",
                f"{symbol} position {held:+d} is over the {limit}-contract limit",
                f"symbol={symbol} position={held} limit={limit}",
                key=("close", symbol),
            )
        )
    long, short = side_exposure(state, env.tally, symbol)
    book = env.tally.working.get(symbol, {})
    for side, excess in ((Side.BUY, long - limit), (Side.SELL, short - limit)):
        if excess <= 0:
            continue
        for order in sorted(book.values(), key=lambda o: (o.created_ns, o.id), reverse=True):
            if excess <= 0:
                break
            if order.side is not side or not cancellable(order):
                continue
            if not order_increases(state, order) and order.remaining <= abs(held):
                continue  # a stop or target within the position: protection stays
            if leg_of(order.tag) is not None:
                continue  # a bracket's leg: its manager sizes it to the position, or cancels it
            excess -= order.remaining
            acts.append(
                Act.cancel(
                    order,
                    f"{symbol} order {order.id} ({side.label} {order.remaining}) puts the "
                    f"symbol over its {limit}-contract limit",
                    f"symbol={symbol} order={order.id} limit={limit} position={held}",
                )
            )
    return acts
