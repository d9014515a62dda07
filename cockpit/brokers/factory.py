"""Pick the broker the settings ask for. Live trading is never a silent default."""

from __future__ import annotations

from cockpit.config import Settings
from cockpit.core.broker import Broker
from cockpit.core.clock import Clock


def make_broker(
    settings: Settings, clock: Clock, symbols: list[str], *, pump: bool = True
) -> Broker:
    """The paper broker unless the settings (or ``--broker``) explicitly say otherwise."""
    kind = settings.broker.kind
    if kind == "paper":
        from cockpit.brokers.paper import PaperBroker

        paper = settings.paper
        return PaperBroker(
            clock,
            symbols,
            seed=paper.seed,
            account_name=paper.account,
            balance=paper.balance,
            fees=paper.fees,
            slippage_ticks=paper.slippage_ticks,
            pump_interval=0.025 if pump else 0.0,
        )
    if kind == "projectx":
        from cockpit.brokers.projectx import ProjectXBroker

        return ProjectXBroker(clock, symbols, settings.projectx)
    raise ValueError(f"broker {kind!r} is not available in this build")
