"""Which listed contract a root symbol means today: the front month, by calendar.

``/Contract/search`` returns up to 20 contracts whose names contain the search text
("ES" also finds "MESZ6"), possibly several months of the same root. The SDK picks the
alphabetically first name (``MNQH7`` before ``MNQZ6``: the wrong month). Here a
contract counts only if its id carries the instrument's Gateway root (``EP`` for ES,
``ENQ`` for NQ) and its symbolId agrees; among those the cockpit's own roll calendar
decides, and failing that the nearest unexpired month does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from cockpit.brokers.projectx_payloads import Call, ContractBook, rows
from cockpit.core.instruments import MONTH_CODES, Instrument

_CONTRACT_ID = re.compile(
    r"^CON\.F\.US\.(?P<root>[A-Z0-9]+)\.(?P<month>[FGHJKMNQUVXZ])(?P<yy>\d{2})$"
)


@dataclass(frozen=True, slots=True)
class Listed:
    """One listed contract as the gateway describes it."""

    id: str
    name: str
    year: int
    month: int
    active: bool
    tick_size: Decimal | None


class NoContract(LookupError):
    """The gateway lists no usable contract for a symbol."""


def listed(spec: Instrument, rows: Iterable[Mapping[str, Any]]) -> list[Listed]:
    """The rows that really are ``spec``'s contracts, oldest expiry first."""
    out = []
    for row in rows:
        match = _CONTRACT_ID.match(str(row.get("id", "")))
        if match is None or match["root"] != spec.gateway_code:
            continue
        symbol_id = row.get("symbolId")
        if symbol_id is not None and symbol_id != spec.symbol_id:
            continue
        tick = row.get("tickSize")
        out.append(
            Listed(
                id=match.string,
                name=str(row.get("name") or match.string),
                year=2000 + int(match["yy"]),
                month=MONTH_CODES.index(match["month"]) + 1,
                active=bool(row.get("activeContract", True)),
                tick_size=Decimal(str(tick)) if tick is not None else None,
            )
        )
    return sorted(out, key=lambda c: (c.year, c.month))


def front_month(spec: Instrument, rows: Iterable[Mapping[str, Any]], today: date) -> Listed:
    """The contract traders are in today; :class:`NoContract` says why there is none."""
    contracts = listed(spec, rows)
    if not contracts:
        raise NoContract(f"the gateway lists no {spec.symbol} contract ({spec.symbol_id})")
    wanted = spec.contract_id(today)
    for contract in contracts:
        if contract.id == wanted:
            return contract
    unexpired = [c for c in contracts if (c.year, c.month) >= (today.year, today.month)]
    active = [c for c in unexpired if c.active]
    if active or unexpired:
        return (active or unexpired)[0]
    raise NoContract(f"every listed {spec.symbol} contract has expired")


async def resolve_contracts(
    call: Call,
    specs: Iterable[Instrument],
    today: date,
    book: ContractBook,
    notice: Callable[[str, str], None],
) -> None:
    """Each symbol's front month into ``book``; a symbol the gateway lacks gets a notice."""
    for spec in specs:
        answer = await call("/Contract/search", {"searchText": spec.symbol, "live": False})
        try:
            contract = front_month(spec, rows(answer, "contracts"), today)
        except NoContract as exc:
            notice("warning", f"{spec.symbol} is not tradable here: {exc}")
            continue
        if contract.tick_size is not None and contract.tick_size != spec.tick_size:
            notice(
                "warning",
                f"{spec.symbol} skipped: the gateway's tick size {contract.tick_size} "
                f"differs from {spec.tick_size}",
            )
            continue
        book.add(spec, contract.id, contract.name)
