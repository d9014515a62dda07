"""Maximum loss limit: the firm's floor under the account's equity, and the cockpit
acting before the firm does.

The floor is ``start_balance - amount`` (``static``), or ``amount`` below a high that
only rises: the highest end-of-day balance (``eod-trailing``, raised when the trading
day ends) or the highest open equity seen (``intraday-trailing``); a trailing floor
stops at ``stop_at``. Equity is measured the firm's way and then some: the broker's
balance (after fees) plus the open P&L with longs marked at the bid and shorts at the
ask. Within the buffer of the floor the cockpit flattens and locks until the day ends;
with ``lock_when_reached`` an account whose equity reached the floor stays breached.
Between a closing fill's position report and the broker's new balance, equity reads the
balance before the close (without its P&L): never above a balance already seen flat, so
it cannot raise a trailing high.

The floor, its high and the day's latest balance are kept on disk, per account (the
one the broker reports; :mod:`cockpit.risk.floor`), saved when the floor rises, at most
once a second of engine time (and at once on a breach), so a restart never lowers it by more than a
second of an intraday high's climb.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from cockpit.core.clock import NS_PER_SECOND
from cockpit.core.events import AccountUpdated, FillReceived, PositionUpdated, QuoteUpdated
from cockpit.core.state import State
from cockpit.core.text import dollars, money
from cockpit.risk.config import MaxLoss as MaxLossSettings
from cockpit.risk.floor import FloorRecord
from cockpit.risk.rules.base import Act, Env, Level, Reading, Rule, action_words, grade, pct

ZERO = Decimal(0)
CENT = Decimal("0.01")
SAVE_EVERY_NS = NS_PER_SECOND


def conservative_open_pnl(state: State) -> Decimal:
    """Open P&L with longs marked at the bid and shorts at the ask (what closing now at
    market would get), the last price where there is no quote."""
    total = ZERO
    for symbol, position in state.positions.items():
        spec = state.instruments.get(symbol)
        if spec is None:
            continue
        quote = state.quotes.get(symbol)
        if quote is not None:
            mark: int | None = quote.bid if position.size > 0 else quote.ask
        else:
            mark = state.mark(symbol)
        if mark is not None:
            total += spec.money(position.open_ticks(mark))
    return total


class MaxLoss(Rule):
    name = "max-loss"
    title = "Maximum loss limit"
    turn_on = "[risk.max_loss] amount"
    events = (AccountUpdated, FillReceived, PositionUpdated, QuoteUpdated)
    reacts_to = (AccountUpdated,)
    timed = True
    is_limit = True
    latch = "day"
    action = "lock"
    lock_until = "next-day"

    def __init__(self, env: Env) -> None:
        super().__init__(env)
        cfg: MaxLossSettings = env.settings.max_loss
        self.cfg = cfg
        self.amount = cfg.amount
        self.mode = cfg.mode
        amount = cfg.amount or ZERO
        self.buffer = max(cfg.buffer, (amount * Decimal(str(cfg.buffer_pct))).quantize(CENT))
        """Dollars above the floor where the cockpit acts (the larger of the two buffers)."""
        self.label = f"{cfg.from_firm} maximum loss limit" if cfg.from_firm else "max loss"
        """How reasons name the rule: the firm's plan when a firm profile set it."""
        self.store = env.floors
        self.record: FloorRecord | None = None
        self._equity = ZERO
        self._measured: tuple[int, int] = (-1, -1)
        self._dirty = False
        self._saved_ns = -SAVE_EVERY_NS
        self._said: list[str] = []
        """Notices for the trader, said at the next account report or tick."""
        self._late_problem: str | None = None
        """A damaged or missing record of the account the broker resolved (its records
        are read at the first balance): the limit counts as reached for the day."""

    @property
    def enabled(self) -> bool:
        return self.amount is not None

    def problem(self) -> str | None:
        return self.store.problem

    # Measuring ---------------------------------------------------------------------------

    def equity(self, state: State, now: int) -> Decimal | None:
        """Balance plus the conservative open P&L; ``None`` before the broker's balance.
        Moves the high and the floor (never down) as a side effect, once per epoch."""
        account = state.account
        if account is None:
            return None
        key = (self.env.tally.epoch, now)
        if key == self._measured and self.record is not None:
            return self._equity
        balance = account.balance
        first = self.record is None
        record = self.record if self.record is not None else self._start(balance, account.name)
        equity = balance + conservative_open_pnl(state)
        high, day_end, day_balance = record.high, record.day_end_ns, record.day_balance
        if self.mode == "eod-trailing":
            if now >= day_end:
                if day_balance is not None and day_end:
                    high = max(high, day_balance)
                day_end = self.env.calendar.day_end(now)
            day_balance = balance
        elif self.mode == "intraday-trailing" and equity > high:
            high = equity
        if (
            first
            or high != record.high
            or day_end != record.day_end_ns
            or day_balance != record.day_balance
        ):
            floor = max(record.floor, self._floor_of(high))
            self.record = replace(
                record, high=high, floor=floor, day_end_ns=day_end, day_balance=day_balance
            )
            self._dirty = True
        self._equity = equity
        self._measured = key
        self._save(now)
        return equity

    def _floor_of(self, high: Decimal) -> Decimal:
        assert self.amount is not None
        if self.mode == "static":
            return self.cfg.start_balance - self.amount
        floor = high - self.amount
        stop_at = self.cfg.stop_at
        return floor if stop_at is None else min(floor, stop_at)

    def _start(self, balance: Decimal, account: str) -> FloorRecord:
        """The record at the first balance: ``account``'s saved one, else rebuilt from the
        broker. A record of another account or setup is set aside, never merged."""
        start = self.cfg.start_balance
        store = self.store
        if store.can_reopen(account):
            store.reopen(account)  # the account the broker resolved, not the one it was told
            self._late_problem = store.problem  # found after the engine's start: locks now
        saved = store.record
        salvaged = store.salvaged
        if saved is not None and saved.account not in ("", account):
            self._said.append(
                f"max loss: the saved floor was for account {saved.account}, not {account}: "
                f"set aside, starting afresh"
            )
            saved = None
        if saved is not None and (saved.mode, saved.start_balance) != (self.mode, start):
            self._said.append(
                f"max loss: the saved floor was for another account setup ({saved.mode} from "
                f"{dollars(saved.start_balance)}): starting afresh"
            )
            saved = None
        if saved is None:
            high = max(start, balance)
            record = FloorRecord(self.mode, start, high, self._floor_of(high), account=account)
            self._said.append(
                f"max loss: no record of the floor; the high starts at {money(high)}, the "
                f"larger of the starting balance and the broker's balance"
            )
            self._dirty = True
        elif not saved.account:
            self._said.append(
                f"max loss: the saved floor was written before floors were kept per account: "
                f"taken as {account}'s"
            )
            record = replace(saved, account=account)
            self._dirty = True
        else:
            record = saved
        if (
            salvaged is not None
            and salvaged.account in ("", account)
            and (salvaged.mode, salvaged.start_balance) == (self.mode, start)
        ):
            record = record.tighter(salvaged)
            self._dirty = True
        self.record = record
        return record

    def _save(self, now: int, *, force: bool = False) -> None:
        record = self.record
        if record is None or not self._dirty:
            return
        if not force and now - self._saved_ns < SAVE_EVERY_NS:
            return
        self.record = record = replace(record, seen_ns=max(record.seen_ns, now))
        error = self.store.save(record)
        self._dirty = False
        self._saved_ns = now
        if error is not None:
            self._said.append(error)

    def floor(self) -> Decimal | None:
        """The floor now (``None`` before the first balance)."""
        return self.record.floor if self.record is not None else None

    def distance(self, state: State, now: int) -> Decimal | None:
        """Dollars of equity above the floor (the header's figure); ``None`` unmeasured."""
        equity = self.equity(state, now)
        if equity is None or self.record is None:
            return None
        return equity - self.record.floor

    # The limit ---------------------------------------------------------------------------

    def level(self, state: State, now: int) -> Level:
        distance = self.distance(state, now)
        if self._late_problem is not None:
            return Level.BREACH
        if distance is None or self.record is None or self.amount is None:
            return Level.OK
        if distance <= 0 and self.cfg.lock_when_reached and not self.record.breached:
            self.record = replace(self.record, breached=True)
            self._dirty = True
            self._save(now, force=True)
        reached = distance <= self.buffer or (self.cfg.lock_when_reached and self.record.breached)
        return grade(reached, self._used(distance), self.env.warn_at)

    def _used(self, distance: Decimal) -> float:
        assert self.amount is not None
        return pct(self.amount - distance, self.amount - self.buffer)

    def used(self, state: State, now: int) -> float | None:
        distance = self.distance(state, now)
        return None if distance is None else self._used(distance)

    def reason(self, state: State, now: int) -> str:
        equity = self.equity(state, now)
        if self._late_problem is not None:
            return f"{self._late_problem}: locked until the trading day ends, to be safe"
        if equity is None or self.record is None:
            return f"{self.label}: no account balance yet"
        floor = self.record.floor
        if self.record.breached and self.cfg.lock_when_reached and equity > floor:
            return (
                f"{self.label}: the account reached its floor {money(floor)} earlier "
                f"and stays locked (lock_when_reached)"
            )
        if equity == floor:
            text = f"{self.label}: equity {money(equity)} is at the floor {money(floor)}"
        else:
            where = "above" if equity > floor else "below"
            text = (
                f"{self.label}: equity {money(equity)} is {money(abs(equity - floor))} {where} "
                f"the floor {money(floor)}"
            )
        return text + (f" (buffer {money(self.buffer)})" if self.buffer else "")

    def inputs(self, state: State, now: int) -> str:
        record = self.record
        equity = self.equity(state, now)
        if record is None:
            return f"equity={equity} mode={self.mode}"
        return (
            f"equity={equity} floor={record.floor} high={record.high} amount={self.amount} "
            f"buffer={self.buffer} mode={self.mode} breached={record.breached}"
        )

    # Enforcement (notices only: the engine acts on the breach) ---------------------------

    def react(self, event: object, state: State, now: int) -> list[Act]:
        self.equity(state, now)
        return self._notices()

    def on_time(self, state: State, now: int) -> list[Act]:
        self.equity(state, now)
        self._save(now)
        return self._notices()

    def _notices(self) -> list[Act]:
        if not self._said:
            return []
        said, self._said = self._said, []
        return [Act(None, "alert", text) for text in said]

    # Display -----------------------------------------------------------------------------

    def limit_words(self) -> str:
        assert self.amount is not None
        stop = f", stops at {dollars(self.cfg.stop_at)}" if self.cfg.stop_at is not None else ""
        return f"{dollars(self.amount)} {self.mode}{stop}"

    def reading(self, state: State, now: int) -> Reading:
        distance = self.distance(state, now)
        if distance is None or self.record is None:
            return Reading(self.name, self.title, self.limit_words(), "no balance", "-", Level.OK)
        equity = distance + self.record.floor
        return Reading(
            self.name,
            self.title,
            self.limit_words(),
            f"equity {money(equity)} floor {money(self.record.floor)}",
            dollars(distance - self.buffer),
            self.level(state, now),
            action_words(self.action, self.lock_until),
            max(0.0, self._used(distance)),
        )

    def describe(self) -> str:
        amount = dollars(self.amount or ZERO)
        start = dollars(self.cfg.start_balance)
        if self.mode == "static":
            floor = f"floor {amount} below the starting balance {start}, fixed"
        else:
            high = "end-of-day balance" if self.mode == "eod-trailing" else "open equity"
            floor = f"floor {amount} below the highest {high} (from {start})"
            if self.cfg.stop_at is not None:
                floor += f", stops at {dollars(self.cfg.stop_at)}"
        act = action_words(self.action, self.lock_until)
        return f"{floor}; within {dollars(self.buffer)} of it: {act}"
