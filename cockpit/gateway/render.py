"""The cockpit's nouns as Gateway JSON: the exact field names and codes the SDK reads.

Prices and money go out as JSON numbers (the Gateway's floats); times as ISO-8601 UTC
with microseconds. Every model carries every key the SDK's dataclasses require.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from cockpit.core.bars import Bar
from cockpit.core.clock import datetime_from_ns
from cockpit.core.instruments import MONTH_CODES, Instrument
from cockpit.core.models import Account, Fill, Order, Position

MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def iso(ns: int) -> str:
    """``2026-11-20T05:27:11.152618+00:00``."""
    return datetime_from_ns(ns).isoformat(timespec="microseconds")


def price(spec: Instrument, ticks: int | None) -> float | None:
    return None if ticks is None else float(spec.to_price(ticks))


def envelope(**payload: Any) -> dict[str, Any]:
    """A successful answer: ``success``, ``errorCode`` 0, ``errorMessage`` null, payload."""
    return {"success": True, "errorCode": 0, "errorMessage": None, **payload}


def failure(code: int, message: str, **payload: Any) -> dict[str, Any]:
    """A business failure: still HTTP 200, ``success`` false, with the endpoint's code."""
    return {"success": False, "errorCode": code, "errorMessage": message, **payload}


def account(acct: Account) -> dict[str, Any]:
    return {
        "id": acct.id,
        "name": acct.name,
        "balance": float(acct.balance),
        "canTrade": acct.can_trade,
        "isVisible": True,
        "simulated": acct.simulated,
    }


def order(o: Order, spec: Instrument, contract_id: str) -> dict[str, Any]:
    return {
        "id": o.id,
        "accountId": o.account_id,
        "contractId": contract_id,
        "symbolId": spec.symbol_id,
        "creationTimestamp": iso(o.created_ns),
        "updateTimestamp": iso(o.updated_ns),
        "status": int(o.status),
        "type": int(o.type),
        "side": int(o.side),
        "size": o.size,
        "limitPrice": price(spec, o.limit),
        "stopPrice": price(spec, o.stop),
        "fillVolume": o.filled,
        "filledPrice": float(o.fill_price) if o.fill_price is not None else None,
        "customTag": o.tag,
    }


def trade(f: Fill, spec: Instrument, contract_id: str) -> dict[str, Any]:
    """A fill as ``GatewayUserTrade`` / ``/Trade/search``; null P&L marks an opening fill."""
    return {
        "id": f.id,
        "accountId": f.account_id,
        "contractId": contract_id,
        "creationTimestamp": iso(f.ts),
        "price": float(spec.to_price(f.price)),
        "profitAndLoss": float(f.pnl) if f.pnl is not None else None,
        "fees": float(f.fee),
        "side": int(f.side),
        "size": f.size,
        "voided": False,
        "orderId": f.order_id,
    }


def position(
    p: Position, spec: Instrument, contract_id: str, position_id: int, created_ns: int
) -> dict[str, Any]:
    """Unsigned size with a direction (1 long, 2 short); size 0 means closed."""
    size = abs(p.size)
    average = Fraction(p.cost, size) if size else Fraction(0)
    average_price = Decimal(average.numerator) * spec.tick_size / Decimal(average.denominator)
    return {
        "id": position_id,
        "accountId": p.account_id,
        "contractId": contract_id,
        "creationTimestamp": iso(created_ns),
        "type": 0 if not size else (1 if p.size > 0 else 2),
        "size": size,
        "averagePrice": float(average_price),
    }


def contract(
    spec: Instrument, contract_id: str, name: str, month: int, year: int, *, active: bool = True
) -> dict[str, Any]:
    """A contract row; only the month that trades is ``activeContract``."""
    return {
        "id": contract_id,
        "name": name,
        "description": f"{spec.name}: {MONTH_NAMES[month - 1]} {year}",
        "tickSize": float(spec.tick_size),
        "tickValue": float(spec.tick_value),
        "activeContract": active,
        "symbolId": spec.symbol_id,
    }


def listed_months(spec: Instrument, today: date, count: int) -> list[tuple[str, str, int, int]]:
    """(contract id, name, month, year) of the front month and the ``count - 1`` after it."""
    code, year = spec.front_month(today)
    month = MONTH_CODES.index(code) + 1
    out: list[tuple[str, str, int, int]] = []
    while len(out) < count:
        code = MONTH_CODES[month - 1]
        if code in spec.months:
            out.append(
                (
                    f"CON.F.US.{spec.gateway_code}.{code}{year % 100:02d}",
                    f"{spec.symbol}{code}{year % 10}",
                    month,
                    year,
                )
            )
        month += 1
        if month > 12:
            month, year = 1, year + 1
    return out


def bar(b: Bar, spec: Instrument, spread: int = 0) -> dict[str, Any]:
    """A bar, its prices ``spread`` ticks above the bar's own (a later month's)."""
    return {
        "t": iso(b.start),
        "o": float(spec.to_price(b.open + spread)),
        "h": float(spec.to_price(b.high + spread)),
        "l": float(spec.to_price(b.low + spread)),
        "c": float(spec.to_price(b.close + spread)),
        "v": b.volume,
    }
