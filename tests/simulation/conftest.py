"""The simulation budget reports its throughput at the end of the test run."""

from __future__ import annotations

from typing import Any

from tests.simulation.campaign import Campaign

BUDGETS: dict[str, Campaign] = {}
"""Outcomes of the budget tests, by mode, filled as they run."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Seeds per minute of each mode the budget ran, and the known defects it met."""
    for mode, campaign in BUDGETS.items():
        if campaign.outcomes:
            terminalreporter.write_sep("-", f"simulation budget, {mode}")
            terminalreporter.write_line(campaign.summary())
