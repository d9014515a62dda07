"""Every risk rule, one module each, and the order the risk engine consults them in.

The order is the order a denied order hears about: limits that stop all entries come
first (a trader over the daily loss limit should read that, not "price too far"),
then what is wrong with this symbol, this size, this price, and last the second-press
confirmation, so that an order which would be denied anyway never asks for one.
"""

from __future__ import annotations

from cockpit.risk.rules.base import Env, Rule
from cockpit.risk.rules.consecutive_losses import ConsecutiveLosses
from cockpit.risk.rules.contract_limit import ContractLimit
from cockpit.risk.rules.cooldown import Cooldown
from cockpit.risk.rules.daily_loss import DailyLoss
from cockpit.risk.rules.fat_finger import ConfirmSize, FatFinger
from cockpit.risk.rules.fills_per_day import FillsPerDay
from cockpit.risk.rules.max_loss import MaxLoss
from cockpit.risk.rules.max_order_size import MaxOrderSize
from cockpit.risk.rules.max_position import MaxPosition
from cockpit.risk.rules.max_risk_per_trade import MaxRiskPerTrade
from cockpit.risk.rules.no_adding import NoAddingToLoser
from cockpit.risk.rules.no_widening import NoWidening
from cockpit.risk.rules.profit_target import ProfitTarget
from cockpit.risk.rules.require_stop import RequireStop
from cockpit.risk.rules.stale import Stale
from cockpit.risk.rules.symbol_block import SymbolBlock
from cockpit.risk.rules.throttle import Throttle
from cockpit.risk.rules.trade_clock import TradeClock
from cockpit.risk.rules.trading_hours import TradingHours
from cockpit.risk.rules.weekly_loss import WeeklyLoss
from cockpit.risk.rules.weekly_trades import WeeklyTrades

RULES: tuple[type[Rule], ...] = (
    MaxLoss,
    DailyLoss,
    WeeklyLoss,
    ProfitTarget,
    FillsPerDay,
    WeeklyTrades,
    ConsecutiveLosses,
    Cooldown,
    TradingHours,
    Stale,
    SymbolBlock,
    TradeClock,
    MaxOrderSize,
    ContractLimit,
    MaxPosition,
    MaxRiskPerTrade,
    NoAddingToLoser,
    NoWidening,
    FatFinger,
    RequireStop,
    Throttle,
    ConfirmSize,
)
"""Every rule class, in the order orders are judged."""


def build_rules(env: Env) -> list[Rule]:
    """The rules the settings turn on, in judging order."""
    return [rule for rule in (cls(env) for cls in RULES) if rule.enabled]


def all_rules(env: Env) -> list[Rule]:
    """Every rule, on or off (``cockpit rules check`` lists them all)."""
    return [cls(env) for cls in RULES]


__all__ = ["RULES", "Env", "Rule", "all_rules", "build_rules"]
