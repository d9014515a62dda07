"""A firm profile folded into the trader's risk settings: the stricter value wins.

The trader can only tighten what the firm sets: for each limit the smaller number, the
earlier time, the stricter action. A section the risk settings do not (yet) have is
left out, so a profile can carry rules the engine learns later without breaking.
The firm's profit target and consistency share are the account's, not the day's: they
are reported (``cockpit rules check``, ``R``, the review), never mapped onto the daily
``[risk.profit_target]``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cockpit.risk.config import RiskSettings
from cockpit.risk.firms import FirmProfile, ScalingStep

ACTIONS = ("alert", "reduce-only", "cancel-all", "flatten", "lock")
"""A limit's actions from the mildest to the strictest."""
MODES = ("static", "eod-trailing", "intraday-trailing")
"""Maximum loss modes from the one whose floor moves least to the one that moves most."""


def _smaller[T: (int, Decimal)](mine: T | None, firm: T) -> T:
    return firm if mine is None else min(mine, firm)


def stricter_daily_loss(mine: dict[str, Any], firm: FirmProfile) -> dict[str, Any]:
    """The smaller limit; ``net`` when either side counts open P&L (a firm that does
    ends the account on open losses); the stricter action, at least a lock to the
    day's end (the firm's soft breach blocks until then)."""
    if firm.daily_loss is None:
        return mine
    out = dict(mine)
    out["limit"] = _smaller(mine.get("limit"), firm.daily_loss.limit)
    if out["limit"] == firm.daily_loss.limit:
        out["from_firm"] = firm_words(firm)
    if mine.get("limit") is None:
        out["basis"] = firm.daily_loss.basis
    elif "net" in (mine.get("basis"), firm.daily_loss.basis):
        out["basis"] = "net"
    if mine.get("action") != "lock":
        out["action"], out["lock_until"] = "lock", "next-day"
    return out


def stricter_max_loss(mine: dict[str, Any], firm: FirmProfile) -> dict[str, Any]:
    """The firm's floor; where the trader set their own (``amount``), the smaller amount,
    the faster-moving mode, the higher stop (none: never stops, the strictest), and a
    lock if either locks. The buffer stays the trader's."""
    rule = firm.max_loss
    theirs = {
        "amount": rule.amount,
        "mode": rule.mode,
        "start_balance": rule.start_balance,
        "stop_at": rule.stop_at,
        "lock_when_reached": rule.lock_when_reached,
        "from_firm": firm_words(firm),
    }
    if mine.get("amount") is None:
        return {**mine, **theirs}
    stops = [mine.get("stop_at"), rule.stop_at]
    named = firm_words(firm) if rule.amount <= mine["amount"] else mine.get("from_firm")
    return {
        **mine,
        **theirs,
        "from_firm": named,  # whose amount is in effect names the rule
        "amount": min(mine["amount"], rule.amount),
        "mode": max(mine.get("mode", rule.mode), rule.mode, key=MODES.index),
        "stop_at": None if None in stops else max(s for s in stops if s is not None),
        "lock_when_reached": bool(mine.get("lock_when_reached")) or rule.lock_when_reached,
    }


def firm_words(firm: FirmProfile) -> str:
    """How a reason names the firm's rule: ``Topstep Trading Combine 50K``."""
    return f"{firm.firm} {firm.plan}"


def ceiling(steps: list[dict[str, Any]] | list[ScalingStep], balance: Decimal) -> int:
    """The minis a scaling table allows at ``balance`` (below the first step: the
    first step's)."""
    pairs = [
        (Decimal(step["balance"]), int(step["contracts"]))
        if isinstance(step, dict)
        else (step.balance, step.contracts)
        for step in steps
    ]
    allowed = pairs[0][1]
    for at, contracts in pairs:
        if balance >= at:
            allowed = contracts
    return allowed


def stricter_scaling(mine: dict[str, Any], firm: FirmProfile) -> dict[str, Any]:
    """At every balance either table names, the smaller of the two ceilings (both in
    minis across the account, so they compare as they stand)."""
    if not firm.scaling:
        return mine
    own: list[dict[str, Any]] = list(mine.get("steps") or [])
    if not own:
        steps = [{"balance": s.balance, "contracts": s.contracts} for s in firm.scaling]
        return {**mine, "steps": steps}
    balances = sorted({Decimal(s["balance"]) for s in own} | {s.balance for s in firm.scaling})
    steps = [
        {"balance": at, "contracts": min(ceiling(own, at), ceiling(firm.scaling, at))}
        for at in balances
    ]
    return {**mine, "steps": steps}


def stricter_trading_hours(mine: dict[str, Any], firm: FirmProfile) -> dict[str, Any]:
    """The firm's flat-by time, or the trader's when it is earlier (same timezone)."""
    if firm.clock is None or "flat_by" not in mine:
        return mine
    own = mine.get("flat_by")
    same_zone = mine.get("timezone", firm.clock.timezone) == firm.clock.timezone
    if own is not None and same_zone and own <= firm.clock.flat_by:
        return mine
    return {**mine, "flat_by": firm.clock.flat_by, "timezone": firm.clock.timezone}


def apply_firm(risk: RiskSettings, firm: FirmProfile) -> RiskSettings:
    """``risk`` with the firm's limits in, each the stricter of the two."""
    data = risk.model_dump()
    fields = RiskSettings.model_fields
    data["daily_loss"] = stricter_daily_loss(data["daily_loss"], firm)
    position = data["max_position"]
    position["micros"] = _smaller(position.get("micros"), firm.contracts.micros_limit)
    symbols = dict(data["contract_limit"]["symbols"])
    for symbol, cap in firm.contracts.symbols.items():
        symbols[symbol] = _smaller(symbols.get(symbol), cap)
    data["contract_limit"]["symbols"] = symbols
    # Sections other parts of the engine add: applied once they exist.
    if "max_loss" in fields:
        data["max_loss"] = stricter_max_loss(data["max_loss"], firm)
    if "scaling" in fields:
        data["scaling"] = stricter_scaling(data["scaling"], firm)
    data["trading_hours"] = stricter_trading_hours(data["trading_hours"], firm)
    return RiskSettings.model_validate(data)
