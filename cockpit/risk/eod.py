"""The end-of-day balance: the account balance when the last trading day ended.

A firm's scaling plan sizes the day by the balance the previous day ended with, so the
risk engine records it on its tick as the 17:00 CT boundary passes (the state's account
balance then), and at the start when nothing is on record for the day (the balance as
first reported). It is kept in ``eod-balance.json`` in the state dir, written
atomically, so a restart during the day keeps the day's figure; replay and tests keep
it in memory, so a replay records the same figure at the same boundary.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from cockpit.core.state import State
from cockpit.risk.lockout import write_atomic
from cockpit.risk.timing import Calendar

FILE_NAME = "eod-balance.json"


class EndOfDay:
    """The end-of-day balance of the current trading day (``None`` until a balance is known)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = folder / FILE_NAME if folder is not None else None
        self.day: date | None = None
        """The trading day the balance belongs to (the day it started)."""
        self.balance: Decimal | None = None
        self.until_ns = 0
        """When that trading day ends: past it, the next tick records a new balance."""
        self.problem: str | None = None
        """Why the record could not be read or written (said once, never a crash)."""
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.day = date.fromisoformat(raw["day"])
            self.balance = Decimal(raw["balance"])
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, InvalidOperation) as exc:
            self.day, self.balance = None, None
            self.problem = f"end-of-day balance record {self.path} unreadable ({exc!r})"

    def observe(self, state: State, now: int, calendar: Calendar) -> bool:
        """Record the balance if ``now`` is in a trading day without one; True when it did."""
        if now < self.until_ns:
            return False
        day = calendar.day(now)
        if day == self.day and self.balance is not None:
            self.until_ns = calendar.day_end(now)
            return False
        if state.account is None:
            return False
        self.day, self.balance = day, state.account.balance
        self.until_ns = calendar.day_end(now)
        self._save()
        return True

    def _save(self) -> None:
        if self.path is None or self.day is None or self.balance is None:
            return
        text = json.dumps({"day": self.day.isoformat(), "balance": str(self.balance)})
        try:
            write_atomic(self.path, text)
        except OSError as exc:
            self.problem = f"could not save the end-of-day balance to {self.path}: {exc}"
