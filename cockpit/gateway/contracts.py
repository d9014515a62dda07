"""The emulator's contracts as the Gateway keeps them: one active contract per root.

The Gateway's ``/Contract/search`` and ``/Contract/available`` list only the active month
of each product (its documented search for "NQ" answers NQU5 and MNQU5, one month each);
``/Contract/searchById`` also finds other months, marked ``activeContract: false``. That
listing is also the only one plain SDK code reads right: project-x-py's ``get_instrument``
takes the alphabetically first name among a root's months, MNQH7 before MNQZ6.

Every contract the emulator knows is served. The front month is the paper market itself;
a later month is that market at a fixed calendar spread (bars, quotes and prints alike),
to look at but not to trade: orders on it are refused with errorCode 9, as the Gateway
refuses an inactive contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from cockpit.core.instruments import Instrument
from cockpit.gateway import render

MAX_SEARCH_RESULTS = 20
"""The Gateway answers a search with at most 20 contracts, without paging."""
CARRY_PER_MONTH = Fraction(1, 1000)
"""A later month's premium over the front month, per month apart (roughly index carry)."""


@dataclass(frozen=True, slots=True)
class Listing:
    """One contract: the market it shows and whether it trades."""

    id: str
    symbol: str
    active: bool
    spread: int
    """Ticks added to the front month's prices (0 for the front month itself)."""
    row: dict[str, Any]
    """The contract as ``/Contract/search`` and ``/Contract/searchById`` render it."""


class ContractList:
    """Each root's front month (active) and the ``months - 1`` after it (inactive)."""

    def __init__(
        self,
        specs: Mapping[str, Instrument],
        today: date,
        months: int,
        mids: Mapping[str, int],
    ) -> None:
        self.by_id: dict[str, Listing] = {}
        self.front: dict[str, str] = {}
        """The active (traded) contract id of each symbol."""
        for symbol, spec in specs.items():
            listed = render.listed_months(spec, today, months)
            _, _, first_month, first_year = listed[0]
            for cid, name, month, year in listed:
                apart = (year - first_year) * 12 + month - first_month
                active = apart == 0
                self.by_id[cid] = Listing(
                    id=cid,
                    symbol=symbol,
                    active=active,
                    spread=round(mids[symbol] * CARRY_PER_MONTH * apart),
                    row=render.contract(spec, cid, name, month, year, active=active),
                )
                if active:
                    self.front[symbol] = cid

    def get(self, contract_id: Any) -> Listing | None:
        return self.by_id.get(contract_id) if isinstance(contract_id, str) else None

    def rows(self) -> list[dict[str, Any]]:
        """Every contract known, active or not."""
        return [listing.row for listing in self.by_id.values()]

    def available(self) -> list[dict[str, Any]]:
        """``/Contract/available``: the contracts that trade, one per root."""
        return [listing.row for listing in self.by_id.values() if listing.active]

    def search(self, text: str) -> list[dict[str, Any]]:
        """``/Contract/search``: active contracts whose name contains the text, at most 20."""
        needle = text.strip().upper()
        if not needle:
            return []
        found = [row for row in self.available() if needle in row["name"].upper()]
        return found[:MAX_SEARCH_RESULTS]

    def of(self, symbol: str) -> list[Listing]:
        """The symbol's contracts, front month first."""
        return [listing for listing in self.by_id.values() if listing.symbol == symbol]
