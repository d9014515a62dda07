"""Deterministic simulation testing of the trading core (after FoundationDB and VOPR).

One seed makes a market, a trader, a slow and faulty line to the paper venue and a task
schedule; the run checks every promise of the core after every step and, when one
breaks, shortens the run to a reproduction. ``python -m tests.simulation --help``.

A printed reproduction starts with ``from tests.simulation import *``: it needs
:func:`run_seed` and the step names.
"""

from tests.simulation.runner import Outcome, run_seed
from tests.simulation.steps import (
    Arm,
    Cancel,
    CancelEvery,
    Close,
    CloseSome,
    Exit,
    Fault,
    Flatten,
    Lockout,
    Modify,
    Nudge,
    Outage,
    Place,
    Reconcile,
    Restart,
    Reverse,
    ToMarket,
    Wait,
    Yield,
)

__all__ = [
    "Arm",
    "Cancel",
    "CancelEvery",
    "Close",
    "CloseSome",
    "Exit",
    "Fault",
    "Flatten",
    "Lockout",
    "Modify",
    "Nudge",
    "Outage",
    "Outcome",
    "Place",
    "Reconcile",
    "Restart",
    "Reverse",
    "ToMarket",
    "Wait",
    "Yield",
    "run_seed",
]
