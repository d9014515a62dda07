"""The risk engine in replay and what-if, and the journal as a witness of lockouts.

A journal's header keeps the ``[risk]`` settings of the session and the lockout that was
in force when it started, with any problem its records had (lockouts live in the state
dir, not the config, so the header is the only place a replay can learn of one).
:func:`install_risk` rebuilds the same risk engine on a replay engine, with an in-memory
lockout store so a replay can never lock live trading.

The other way round, :func:`trader_lockouts` builds the live lockout store: its two
records, and the newest journal as a witness (its header note and its lockout events),
so a lockout outlives the deletion of both records while the journal is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from cockpit.bracket_config import BracketSettings
from cockpit.core.brackets import BracketManager
from cockpit.core.engine import Engine
from cockpit.core.events import LockoutEnded, LockoutStarted, RiskDecision
from cockpit.journal.codec import CodecError
from cockpit.journal.files import journal_dir, runs
from cockpit.journal.format import FrameFlag
from cockpit.journal.reader import JournalError, open_journal
from cockpit.risk.config import RiskSettings
from cockpit.risk.engine import RiskEngine
from cockpit.risk.floor import FloorRecord, FloorStore, Opened, decode_record, encode_record
from cockpit.risk.lockout import Lockout, LockoutStore, Witness, later, lockout_from
from cockpit.risk.peak import DayPeak, PeakStore, decode_peak, encode_peak, higher
from cockpit.risk.tally import Earlier

if TYPE_CHECKING:
    from cockpit.config import Settings

LOCKOUT_KEY = "lockout"
"""Header settings key: the lockout in force when the session began, if any."""
FLOOR_KEY = "max_loss_floor"
"""Header settings key: the maximum loss floor's record when the session began."""
PEAK_KEY = "daily_loss_peak"
"""Header settings key: the day's best P&L on record when the session began."""
WEEK_KEY = "week_so_far"
"""Header settings key: the trades earlier runs closed this trading week and day."""


class RulesError(ValueError):
    """Rules that cannot be used (a bad file, or a header from another version)."""


def note_lockout(writer: Any, store: LockoutStore) -> None:
    """Put the session's starting lockout into the journal header (before the first
    flush), with the problem its records had, so a replay locks as the session did."""
    state: dict[str, Any] = {"last_seen_ns": store.last_seen_ns}
    if store.lockout is not None:
        state["lockout"] = asdict(store.lockout)
    if store.problem is not None:
        state["problem"] = store.problem
    writer.settings[LOCKOUT_KEY] = state


def note_floor(writer: Any, store: FloorStore) -> None:
    """Put the session's starting maximum loss record into the journal header, so a
    replay trails the same floor from the same high."""
    state: dict[str, Any] = {}
    if store.record is not None:
        state["record"] = encode_record(store.record, 1)
    if store.salvaged is not None:
        state["salvaged"] = encode_record(store.salvaged, 1)
    if store.problem is not None:
        state["problem"] = store.problem
    if state:
        writer.settings[FLOOR_KEY] = state


def note_reopened_floor(writer: Any, store: FloorStore) -> None:
    """The broker signed into another account than the store was opened for, and its
    first balance made the store read that account's records: note what it read (before
    the header is written), so a replay switches to the same floor at the same balance."""
    opened = store.reopened
    if opened is None:
        return
    record, salvaged, problem = opened.found
    reopened: dict[str, Any] = {"account": opened.account}
    if record is not None:
        reopened["record"] = encode_record(record, 1)
    if salvaged is not None:
        reopened["salvaged"] = encode_record(salvaged, 1)
    if problem is not None:
        reopened["problem"] = problem
    state = dict(writer.settings.get(FLOOR_KEY) or {})
    writer.settings[FLOOR_KEY] = {**state, "account": store.opened_for, "reopened": reopened}


def _decoded(text: str | None) -> FloorRecord | None:
    return decode_record(text.encode("utf-8"))[0] if text else None


def starting_floors(settings: Mapping[str, Any]) -> FloorStore:
    """An in-memory floor store holding the record the session started with (and what
    the live store read when the broker signed into another account)."""
    state = settings.get(FLOOR_KEY) or {}
    store = FloorStore.memory(_decoded(state.get("record")), state.get("problem"))
    store.salvaged = _decoded(state.get("salvaged"))
    reopened = state.get("reopened")
    if reopened:
        store.account = state.get("account", "")
        found = (
            _decoded(reopened.get("record")),
            _decoded(reopened.get("salvaged")),
            reopened.get("problem"),
        )
        store.reopened = Opened(str(reopened["account"]), found)
    return store


def note_peak(writer: Any, store: PeakStore) -> None:
    """Put the day's best P&L on record at the start into the journal header, so a replay
    of a session that restarted mid-day trails the daily loss floor from the same best."""
    state: dict[str, Any] = {}
    if store.record is not None:
        state["record"] = encode_peak(store.record)
    if len(store.loaded) > 1:  # the copies disagree: the replay picks today's as live did
        state["loaded"] = [encode_peak(record) for record in store.loaded]
    if store.problem is not None:
        state["problem"] = store.problem
        state["problems"] = [[text, day and day.isoformat()] for text, day in store.problems]
    if store.witnessed is not None:
        state["witnessed"] = store.witnessed
    if state:
        writer.settings[PEAK_KEY] = state


def starting_peaks(settings: Mapping[str, Any]) -> PeakStore:
    """An in-memory peak store holding the day's best the session started with."""
    state = settings.get(PEAK_KEY) or {}
    record = state.get("record")
    store = PeakStore.memory(
        decode_peak(record.encode("utf-8")) if record else None, state.get("problem")
    )
    store.loaded = [decode_peak(text.encode("utf-8")) for text in state.get("loaded", [])]
    store.problems = [
        (str(text), date.fromisoformat(day) if day else None)
        for text, day in state.get("problems", [])
    ]
    if state.get("witnessed"):
        store.restored(str(state["witnessed"]))
    return store


def note_week(writer: Any, earlier: Earlier | None) -> None:
    """Put what earlier runs did this week and day into the journal header, so a replay
    counts the day's and the week's limits (and ends the day) from the same figures."""
    if earlier is not None:
        writer.settings[WEEK_KEY] = earlier.note()


def starting_week(settings: Mapping[str, Any]) -> Earlier | None:
    """What the session started with of earlier runs' week, if its header noted it."""
    note = settings.get(WEEK_KEY)
    if not note:
        return None
    try:
        return Earlier.from_note(note)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise RulesError(f"the journal's note of the week so far cannot be read: {exc!r}") from None


def note_signed_in(writer: Any, risk: RiskEngine, account: str, journals: Path) -> None:
    """The broker signed into ``account`` (the header is not written yet): note the floor
    it read for that account if that was another than configured, and count the week's
    trades of that account's journals when the start counted another's."""
    note_reopened_floor(writer, risk.env.floors)
    earlier = risk.tally.earlier
    if earlier is None or earlier.account == account:
        return
    from cockpit.journal.days import week_so_far

    now = risk.now()
    found = week_so_far(journals, account, risk.calendar, now)
    # counted from the next moment on: the engine may already have judged this one
    # without them, and a replay, which knows them from its start, must judge it alike
    risk.tally.earlier = replace(found.earlier, since_ns=now + 1)
    note_week(writer, risk.tally.earlier)


def trader_floors(*, state: Path | None = None, journals: Path | None = None) -> FloorStore:
    """The maximum loss floor's records: one in the state dir, one beside the journals
    (the same two folders as the lockout's; tests pass temporary ones)."""
    from cockpit.config import state_dir

    return FloorStore(state or state_dir(), journals or journal_dir())


def trader_peaks(*, state: Path | None = None, journals: Path | None = None) -> PeakStore:
    """The daily loss limit's day peak: one copy in the state dir, one beside the journals
    (the same two folders as the lockout's; tests pass temporary ones). With both copies
    gone, the newest journals are asked: a best they saw saved is kept."""
    from cockpit.config import state_dir

    folder = journals or journal_dir()
    store = PeakStore(state or state_dir(), folder)
    if store.gone:
        seen = peak_witness(folder)
        if seen is not None:
            store.witness(*seen)
    return store


RECORDED = "record"
"""The action of the risk decision that notes a save of the day's best."""


def peak_witness(folder: Path, tries: int = 3) -> tuple[DayPeak, str] | None:
    """The highest day's best the newest journals in ``folder`` saw saved (their header's
    note and every ``daily-loss`` ``record`` decision), and which journal said so."""
    best: tuple[DayPeak, str] | None = None
    for path in reversed(runs(folder)[-tries:]):
        try:
            with open_journal(path, verify=False) as journal:
                note = journal.header.settings.get(PEAK_KEY) or {}
                found = [decode_peak(note["record"].encode("utf-8"))] if note.get("record") else []
                for item in journal.items(FrameFlag.DECISIONS, (RiskDecision,)):
                    decision = item.item
                    if decision.rule == "daily-loss" and decision.action == RECORDED:
                        found.append(_saved_peak(decision.inputs, decision.ts))
        except (JournalError, CodecError, OSError, ValueError, KeyError, TypeError):
            continue
        for record in found:
            if best is None or higher(best[0], record) is not best[0]:
                best = (record, f"the journal {path.name}")
    return best


def _saved_peak(inputs: str, ts: int) -> DayPeak:
    """``day=2026-03-10 peak=260.00`` (a ``record`` decision's inputs) as a record."""
    fields = dict(part.split("=", 1) for part in inputs.split())
    return DayPeak(date.fromisoformat(fields["day"]), Decimal(fields["peak"]), ts)


def recorded_rules(settings: Mapping[str, Any]) -> RiskSettings:
    """The ``[risk]`` settings a journal was recorded under."""
    try:
        return RiskSettings.model_validate(settings.get("risk") or {})
    except ValidationError as exc:
        raise RulesError(f"the journal's risk rules cannot be read here: {exc}") from None


def starting_store(settings: Mapping[str, Any]) -> LockoutStore:
    """An in-memory lockout store holding the lockout the session started under."""
    store = LockoutStore.memory()
    state = settings.get(LOCKOUT_KEY) or {}
    store.last_seen_ns = int(state.get("last_seen_ns", 0))
    store.lockout = lockout_from(state.get("lockout") or None)
    store.problem = state.get("problem")
    return store


def trader_lockouts(
    settings: Settings | None = None,
    *,
    state: Path | None = None,
    journals: Path | None = None,
    read_only: bool = False,
) -> LockoutStore:
    """The trader's lockout: a record in the state dir and one beside the journals, with
    the newest journal as a witness when a record is missing or damaged.

    The second record lives in the default journals folder of the data dir, which no
    config setting moves; the journal witness is also read from ``[journal] dir``.
    ``state`` and ``journals`` stand in for those two folders (tests); given ``journals``,
    no other journal folder is read. ``read_only`` is for a look that must change nothing.
    """
    from cockpit.config import state_dir

    folders = [journals] if journals is not None else [journal_dir()]
    configured = settings.journal.dir if settings is not None else None
    if journals is None and configured is not None:
        folders.append(configured)

    def witnesses() -> list[Witness]:
        return [w for folder in dict.fromkeys(folders) if (w := journal_witness(folder))]

    return LockoutStore(state or state_dir(), folders[0], witnesses=witnesses, read_only=read_only)


def journal_witness(folder: Path, tries: int = 3) -> Witness | None:
    """What the newest readable journal in ``folder`` says of the lockout when it stopped:
    its header's note, then every lockout started or ended in it (the start of each is
    found through the frame flags, without decoding the rest)."""
    for path in reversed(runs(folder)[-tries:]):
        try:
            with open_journal(path, verify=False) as journal:
                note = journal.header.settings.get(LOCKOUT_KEY) or {}
                lockout = lockout_from(note.get("lockout") or None)
                seen = int(note.get("last_seen_ns", 0))
                for record in journal.items(FrameFlag.LOCKOUTS, (LockoutStarted, LockoutEnded)):
                    item = record.item
                    if isinstance(item, LockoutEnded):
                        lockout = None
                    else:
                        started = Lockout(item.until_ns, item.reason, item.source, item.ts)
                        lockout = later(lockout, started)
                if lockout is not None:
                    seen = max(seen, journal.last_ns)
                return Witness(f"the journal {path.name}", lockout, seen)
        except (JournalError, CodecError, OSError, ValueError, KeyError, TypeError):
            continue
    return None


def install_brackets(engine: Engine, settings: Mapping[str, Any]) -> BracketManager | None:
    """The recorded ``[brackets]`` on a replay's engine: its brackets are decided again."""
    recorded = BracketSettings.model_validate(settings.get("brackets") or {})
    if not recorded.tables:
        return None
    manager = BracketManager(recorded.templates(), recorded.active, run_tag=engine.run_tag)
    manager.attach(engine)
    return manager


def install_risk(engine: Engine, settings: Mapping[str, Any]) -> None:
    """The replay installer: the risk engine of the recorded session, re-attached."""
    rules_with(recorded_rules(settings))(engine, settings)


def rules_with(risk: RiskSettings) -> Any:
    """An installer attaching a risk engine with ``risk`` rules (what-if's other rules)."""

    def install(engine: Engine, settings: Mapping[str, Any]) -> None:
        floors = starting_floors(settings)
        peaks = starting_peaks(settings)
        store = starting_store(settings)
        judge = RiskEngine(risk, engine.clock, store=store, floors=floors, peaks=peaks)
        judge.tally.earlier = starting_week(settings)
        judge.attach(engine)
        brackets = install_brackets(engine, settings)
        if brackets is not None:
            judge.env.planned_stop = brackets.planned_stop
            judge.unprotected = brackets.unprotected

    return install


def rules_from_file(path: Path) -> RiskSettings:
    """The ``[risk]`` tables of a config file (the format ``cockpit rules check`` reads)."""
    from cockpit.config import ConfigError, parse_settings

    if not path.exists():
        raise RulesError(f"{path}: no such rules file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read it ({exc})") from None
    try:
        return parse_settings(text, path).risk
    except ConfigError as exc:
        raise RulesError(f"{path} is not valid\n{exc}") from None
