"""A trading session: the state, engine, broker and clock wired together.

The CLI builds one from settings; the UI is handed one and never builds its own, so
tests and benchmarks drive the very same wiring with a fake clock and no pump.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.bracket_config import BracketSettings
from cockpit.config import Settings, load_market_calendar, state_dir
from cockpit.core.brackets import BracketManager
from cockpit.core.broker import Broker, EventSink
from cockpit.core.clock import NS_PER_SECOND, Clock, FakeClock, WallClock
from cockpit.core.engine import Engine
from cockpit.core.events import Event, FillReceived
from cockpit.core.instruments import INSTRUMENTS
from cockpit.core.models import Mode
from cockpit.core.state import State
from cockpit.risk.engine import RiskEngine
from cockpit.risk.eod import EndOfDay
from cockpit.risk.floor import FloorStore
from cockpit.risk.lockout import LockoutStore, write_atomic
from cockpit.risk.market_calendar import MarketCalendar
from cockpit.risk.peak import PeakStore
from cockpit.risk.tally import Earlier

if TYPE_CHECKING:
    from cockpit.journal.writer import JournalWriter


log = logging.getLogger(__name__)


@dataclass
class Session:
    """Everything one run of the cockpit trades with."""

    settings: Settings
    clock: Clock
    state: State
    engine: Engine
    broker: Broker
    symbols: list[str] = field(default_factory=list)
    started: bool = False
    risk: RiskEngine | None = None
    """The risk engine: already a gate and a watcher of ``engine``; the UI reads its views."""
    journal: JournalWriter | None = None
    """The session's journal (the engine's recorder), flushed on a timer while started."""
    brackets: BracketManager | None = None
    """The cockpit-managed brackets (``[brackets]``): a watcher of ``engine``."""
    _account_noted: bool = field(default=False, init=False)
    """The account signed into is in the journal's header (:meth:`_signed_in`)."""

    async def start(self) -> None:
        """Connect the broker; its history, account and quotes flow into the engine."""
        journal = self.journal
        sink: EventSink = self.engine.on_event
        if journal is not None:
            sink = self._signing_in(journal, sink)
        try:
            await self.broker.start(sink)
        finally:
            if journal is not None:
                self._signed_in(journal)
                journal.start()
        self.started = True

    def _signing_in(self, journal: JournalWriter, sink: EventSink) -> EventSink:
        """The broker's events, the account it signed into noted before the first fill.

        A broker that signs into another account than the one configured (ProjectX)
        reports that account's fills of the day again at start. Counted before the week of
        that account is read, a fill an earlier run already counted was counted twice (a
        fills-per-day limit reached early), and the replay, which reads that week from its
        start, decided otherwise. Fills only come after the sign-in.
        """

        def on_event(event: Event) -> None:
            if type(event) is FillReceived and not self._account_noted:
                self._signed_in(journal)
            sink(event)

        return on_event

    def _signed_in(self, journal: JournalWriter) -> None:
        """Once: the header, written at the first flush, names the account resolved, and
        its floor and week so far."""
        if self._account_noted:
            return
        self._account_noted = True
        if journal.paths:
            return
        journal.account = self.broker.account_name
        if self.risk is not None:
            from cockpit.journal.risk import note_signed_in

            note_signed_in(journal, self.risk, journal.account, journal.directory)

    @property
    def frozen(self) -> bool:
        """True when the clock stands still until told to move (tests, screenshots, demos)."""
        return isinstance(self.clock, FakeClock)

    async def advance(self, seconds: float) -> None:
        """Move a frozen session's clock and market forward, a second at a time.

        Each whole second the clock passes is lived as a live session lives it: the
        market plays up to it, the engine ticks there (a cooldown ending, an end-of-day
        flatten) and the broker calls that started finish. So time-driven risk moves with
        the session's clock, and a run gets the same ticks on every machine, however long
        it takes in wall time.
        """
        clock = self.clock
        if not isinstance(clock, FakeClock):
            raise TypeError("only a frozen session can be advanced by hand")
        if seconds < 0:
            raise ValueError(f"a session's time only moves forward (asked {seconds} s)")
        until = clock.now_ns() + int(seconds * NS_PER_SECOND)
        second = (clock.now_ns() // NS_PER_SECOND + 1) * NS_PER_SECOND
        while second <= until:
            await self._play_until(clock, second)
            self.engine.tick()
            await self.engine.drain()
            second += NS_PER_SECOND
        await self._play_until(clock, until)

    async def _play_until(self, clock: FakeClock, ns: int) -> None:
        """Set the clock to ``ns``, play the market up to it, let broker calls finish."""
        clock.set(ns)
        step = getattr(self.broker, "step", None)
        if step is not None:
            step(ns)
        await self.engine.drain()

    async def stop(self) -> None:
        if self.started:
            await self.engine.drain()
            await self.broker.stop()
            self.started = False
        if self.journal is not None:
            await self.journal.aclose()


def make_broker(
    settings: Settings, clock: Clock, symbols: list[str], *, pump: bool = True
) -> Broker:
    """The paper broker unless the settings (or ``--broker``) explicitly say otherwise:
    live trading is never a silent default."""
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


def build_session(
    settings: Settings,
    *,
    clock: Clock | None = None,
    broker: Broker | None = None,
    pump: bool = True,
    risk_state_dir: Path | None = None,
    lockouts: LockoutStore | None = None,
    journal_dir: Path | None = None,
    market: MarketCalendar | None = None,
) -> Session:
    """Wire a session from settings. Tests pass a fake clock and ``pump=False``.

    Lockouts persist in two records: one in ``risk_state_dir`` (default: the user state
    dir), one beside the journals (``journal_dir`` if given, else the data dir's default
    journals folder); tests pass temporary ones. Replay keeps its lockouts in memory so
    it can never lock live trading. The end-of-day balance (the scaling plan's) is kept
    beside the lockout record in ``risk_state_dir`` (in memory for a replay or when the
    caller passes ``lockouts``), and so is the daily loss limit's best P&L of the day,
    with a second copy beside the lockout's other record (in memory too for a frozen
    clock, unless the caller names ``risk_state_dir``); the
    exchange calendar is the shipped one with the
    trader's ``calendar.toml`` over it (``market``: as the start already read it).
    The journal is on unless ``[journal] enabled = false`` (never for a replay); it is
    written to ``journal_dir``, else ``[journal] dir``, else the user data dir.
    """
    clock = clock or WallClock()
    symbols = list(settings.ui.watchlist)
    broker = broker or make_broker(settings, clock, symbols, pump=pump)
    state = State(INSTRUMENTS, symbols, mode=broker.mode)
    remembered = lockouts is None and broker.mode is not Mode.REPLAY
    tags = claim_run_tag(clock.now_ns(), (risk_state_dir or state_dir()) if remembered else None)
    journal = None
    if settings.journal.enabled and broker.mode is not Mode.REPLAY:
        from cockpit.journal.writer import writer_for

        journal = writer_for(
            settings, state, journal_dir, account=broker.account_name, tag_prefix=tags
        )
    engine = Engine(state, clock, broker=broker, recorder=journal, run_tag=tags)
    floors = FloorStore.memory()
    if lockouts is not None:
        store = lockouts
    elif broker.mode is Mode.REPLAY:
        store = LockoutStore.memory()
    else:
        from cockpit.journal.risk import trader_floors, trader_lockouts

        store = trader_lockouts(settings, state=risk_state_dir, journals=journal_dir)
        if settings.risk.max_loss.amount is not None:
            floors = trader_floors(state=risk_state_dir, journals=journal_dir)
            floors.open(broker.account_name)  # each account keeps its own floor
    daily = settings.risk.daily_loss
    follows_peak = daily.limit is not None and (daily.trailing or daily.trail_after is not None)
    on_disk = risk_state_dir is not None or not isinstance(clock, FakeClock)
    peaks = PeakStore.memory()
    if remembered and follows_peak and on_disk:
        from cockpit.journal.risk import trader_peaks

        peaks = trader_peaks(state=risk_state_dir, journals=journal_dir)
    if journal is not None:
        from cockpit.journal.risk import note_floor, note_lockout, note_peak

        note_lockout(journal, store)
        note_floor(journal, floors)
        note_peak(journal, peaks)
    eod = EndOfDay(risk_state_dir or state_dir()) if remembered else EndOfDay()
    risk = RiskEngine(
        settings.risk,
        clock,
        store=store,
        market=market if market is not None else load_market_calendar(),
        eod=eod,
        floors=floors,
        peaks=peaks,
    )
    if remembered and on_disk:
        risk.tally.earlier = _week_so_far(settings, journal_dir, broker.account_name, clock, risk)
    if journal is not None:
        from cockpit.journal.risk import note_week

        note_week(journal, risk.tally.earlier)
    risk.attach(engine)
    brackets = None
    if settings.brackets.tables:  # as a replay of this journal will (journal/risk.py)
        brackets = bracket_manager(settings.brackets, tags)
        brackets.attach(engine)
        risk.env.planned_stop = brackets.planned_stop
        risk.unprotected = brackets.unprotected
    return Session(
        settings,
        clock,
        state,
        engine,
        broker,
        symbols,
        risk=risk,
        journal=journal,
        brackets=brackets,
    )


def bracket_manager(settings: BracketSettings, run_tag: str) -> BracketManager:
    """The bracket manager of ``[brackets]``: its templates, the active one."""
    return BracketManager(settings.templates(), settings.active, run_tag=run_tag)


def _week_so_far(
    settings: Settings, folder: Path | None, account: str, clock: Clock, risk: RiskEngine
) -> Earlier:
    """The trades earlier runs of ``account`` closed this trading week and day, from the
    journals (a restart never resets the weekly trades rule); unreadable ones are said."""
    from cockpit.journal.days import week_so_far
    from cockpit.journal.files import journal_dir as default_journals

    directory = folder or settings.journal.dir or default_journals()
    found = week_so_far(directory, account, risk.calendar, clock.now_ns())
    for path in found.unreadable:
        log.warning("journal %s could not be read: its trades are not counted this week", path)
    return found.earlier


RUN_TAG_FILE = "last-run"
"""Where the start second of the latest run is kept (in the state dir)."""


def claim_run_tag(start_ns: int, folder: Path | None) -> str:
    """The run tag of a new run, never one an earlier run on this machine had.

    Two runs started in the same second (a crash and a quick restart, a guard restarted
    by systemd) would otherwise number their orders under the same prefix, and ProjectX
    denies a ``customTag`` it has seen. So the start second of each run is kept in
    ``folder``, and a run never claims a second at or before the last one claimed.
    ``folder=None`` (tests, replay) remembers nothing.
    """
    second = start_ns // NS_PER_SECOND
    if folder is None:
        return run_tag(second * NS_PER_SECOND)
    path = folder / RUN_TAG_FILE
    with contextlib.suppress(OSError, ValueError):
        second = max(second, int(path.read_text(encoding="ascii").strip()) + 1)
    try:
        write_atomic(path, f"{second}\n")
    except OSError as exc:
        log.warning("could not keep the run tag in %s: %s", path, exc)
    return run_tag(second * NS_PER_SECOND)


def run_tag(start_ns: int) -> str:
    """The order-tag prefix of a run: ``ck`` and the start second in base 36.

    ProjectX wants every ``customTag`` unique per account, across sessions too, so each run
    numbers its orders under its own prefix (``ckt4f2lc-1``); the journal keeps it, so a
    replay numbers them the same way.
    """
    seconds = start_ns // NS_PER_SECOND
    digits = ""
    while True:
        seconds, rest = divmod(seconds, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
        if not seconds:
            return f"ck{digits}"
