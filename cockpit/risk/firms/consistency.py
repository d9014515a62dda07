"""The firm's consistency rule and profit target, reported (they concern payouts).

Consistency: the best trading day's share of the total profit, over every day the
journals hold for the account; a firm allows at most ``best_day_share`` of it. Nothing
here denies or locks: a trader who breaks it only trades longer before a payout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cockpit.risk.firms import FirmProfile

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PayoutReport:
    """Where the account stands on the firm's target and consistency rule."""

    firm: str
    days: int
    total: Decimal
    """Net P&L over every day, losing days included."""
    best_day: date | None
    best: Decimal
    share_limit: float | None
    target: Decimal | None

    @property
    def share(self) -> float | None:
        """The best day's share of the total profit; none while there is no profit."""
        if self.total <= 0 or self.best <= 0:
            return None
        return float(self.best / self.total)

    @property
    def consistent(self) -> bool | None:
        """Whether the best day is within the firm's share (``None``: nothing to judge)."""
        share = self.share
        if self.share_limit is None or share is None:
            return None
        return share <= self.share_limit

    def lines(self) -> list[str]:
        """The report in a trader's words, one line per rule the firm has."""
        out = []
        if self.target is not None:
            left = max(self.target - self.total, ZERO)
            out.append(
                f"{self.firm} profit target: {self.total:,.2f} of {self.target:,.2f} "
                f"over {self.days} day{'' if self.days == 1 else 's'} ({left:,.2f} to go)"
            )
        if self.share_limit is not None:
            limit = f"{self.share_limit:.0%}"
            share = self.share
            if share is None or self.best_day is None:
                out.append(f"{self.firm} consistency: no profit yet (best day at most {limit})")
            else:
                verdict = "within" if self.consistent else "OVER"
                out.append(
                    f"{self.firm} consistency: best day {self.best_day:%Y-%m-%d} "
                    f"{self.best:,.2f} is {share:.0%} of {self.total:,.2f} profit "
                    f"(at most {limit}): {verdict}; reported, not enforced"
                )
        return out


def payout_report(profile: FirmProfile, days: Mapping[date, Decimal]) -> PayoutReport | None:
    """The report for ``profile`` over ``days`` (net P&L per trading day); ``None`` when
    the firm has neither a target nor a consistency rule."""
    if profile.consistency is None and profile.profit_target is None:
        return None
    best_day = max(days, key=lambda day: days[day], default=None)
    return PayoutReport(
        firm=profile.name,
        days=len(days),
        total=sum(days.values(), ZERO),
        best_day=best_day,
        best=days[best_day] if best_day is not None else ZERO,
        share_limit=profile.consistency.best_day_share if profile.consistency else None,
        target=profile.profit_target.amount if profile.profit_target else None,
    )
