"""``cockpit journal list|show|export``, ``cockpit review`` and ``cockpit replay``.

``FILE`` may be a path to any part of a journal or ``latest`` (the newest run in the
journals folder). A missing, empty or foreign file is a one-line message and exit code
2; a truncated journal is used up to its cut, with a warning saying where it stopped.
Each says how the session ended: closed cleanly, or abruptly and where its record stops.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from rich.console import Console

from cockpit.cli import load_or_exit
from cockpit.core.clock import NS_PER_SECOND
from cockpit.journal.codec import CodecError
from cockpit.journal.files import journal_dir, parts_of, runs
from cockpit.journal.reader import Journal, JournalError, open_journal, read_header
from cockpit.journal.show import PLAIN, Palette

if TYPE_CHECKING:
    from cockpit.replay import ReplaySession
    from cockpit.risk.config import RiskSettings

DIR_HELP = "Journals folder (default: [journal] dir, else the user data dir)."


def console(err: bool = False) -> Console:
    """Rich output; a pipe gets a wide page so no column is cut."""
    stream = sys.stderr if err else sys.stdout
    return Console(file=stream, width=None if stream.isatty() else 200)


def themed(ctx: click.Context) -> Palette:
    """The trader's theme colours, which the top-level command put in the context (the
    journal knows no themes); plain colours when run on its own."""
    palette = (ctx.find_root().obj or {}).get("palette")
    return palette if isinstance(palette, Palette) else PLAIN


def fail(message: str) -> NoReturn:
    """A user error: one clear line on stderr, exit code 2."""
    click.echo(f"cockpit: {message}", err=True)
    sys.exit(2)


def folder_of(ctx: click.Context, folder: Path | None) -> Path:
    """``--dir``, else the config's ``[journal] dir``, else the default journals folder."""
    if folder is not None:
        return folder
    root = ctx.find_root().obj or {}
    settings = load_or_exit(root.get("config_path"))
    return settings.journal.dir or journal_dir()


def latest(folder: Path) -> Path:
    """The run that started last (by its header), among the readable journals."""
    newest: tuple[int, Path] | None = None
    for path in runs(folder):
        try:
            started = read_header(path).started_ns
        except JournalError:
            continue
        if newest is None or started > newest[0]:
            newest = (started, path)
    if newest is None:
        raise JournalError(f"no journals in {folder} yet: trade a session first")
    return newest[1]


def resolve(ctx: click.Context, target: str, folder: Path | None) -> Path:
    if target == "latest":
        return latest(folder_of(ctx, folder))
    return Path(target)


@contextmanager
def opened(ctx: click.Context, target: str, folder: Path | None) -> Iterator[Journal]:
    """The journal ``target`` names, or a clear message and exit code 2."""
    try:
        journal = open_journal(resolve(ctx, target, folder))
    except JournalError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits
    if journal.truncated is not None:
        click.echo(f"warning: {journal.truncated.describe()}", err=True)
    try:
        yield journal
    finally:
        journal.close()


dir_option = click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=DIR_HELP,
)


# cockpit journal ---------------------------------------------------------------------------


@click.group("journal")
def journal() -> None:
    """Session journals: every event, command and decision of every session."""


@journal.command("list")
@dir_option
@click.pass_context
def list_journals(ctx: click.Context, folder: Path | None) -> None:
    """Every journal with its size, duration, trades, P&L and how it ended."""
    from cockpit.journal.review import quick_summary
    from cockpit.journal.show import Listed, journal_table

    where = folder_of(ctx, folder)
    found = runs(where)
    if not found:
        click.echo(f"No journals in {where} yet: every session the cockpit runs is recorded.")
        return
    rows = []
    for path in found:
        parts = parts_of(path)
        size = sum(p.stat().st_size for p in parts)
        try:
            with open_journal(path, verify=False) as opened_journal:
                header = opened_journal.header
                note = opened_journal.ending.describe()
                rows.append(
                    Listed(
                        path,
                        header.account,
                        header.mode.value,
                        opened_journal.first_ns if opened_journal.count else header.started_ns,
                        (opened_journal.last_ns - opened_journal.first_ns) / NS_PER_SECOND,
                        size,
                        len(opened_journal.parts),
                        quick_summary(opened_journal),
                        note,
                    )
                )
        except JournalError as exc:
            rows.append(Listed(path, bytes=size, parts=len(parts), note=_short(exc, path)))
        except CodecError as exc:
            rows.append(Listed(path, bytes=size, parts=len(parts), note=f"damaged: {exc}"))
    rows.sort(key=lambda row: (row.start_ns or 0, row.path.name))
    console().print(journal_table(rows))


def _short(exc: Exception, path: Path) -> str:
    return str(exc).removeprefix(f"{path}: ")


@journal.command("show")
@click.argument("target", metavar="FILE|latest")
@dir_option
@click.pass_context
def show_journal(ctx: click.Context, target: str, folder: Path | None) -> None:
    """One journal: whose session, when, how many records, and how it ended."""
    from cockpit.journal.show import journal_view

    with opened(ctx, target, folder) as journal_file:
        console().print(journal_view(journal_file))


@journal.command("export")
@click.argument("target", metavar="FILE|latest")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Folder to write the files into.",
)
@dir_option
@click.pass_context
def export_journal(
    ctx: click.Context, target: str, fmt: str, out: Path, folder: Path | None
) -> None:
    """Fills, round trips, rule hits, the P&L curve and every record, for polars & co."""
    from cockpit.journal.export import export
    from cockpit.journal.review import review

    with opened(ctx, target, folder) as journal_file:
        try:
            written = export(journal_file, review(journal_file), out, fmt)
        except OSError as exc:
            fail(f"cannot write to {out}: {exc.strerror or exc}")
            return
    for path in written:
        click.echo(str(path))


# cockpit review ----------------------------------------------------------------------------


@click.command("review")
@click.argument("target", metavar="FILE|latest")
@click.option(
    "--rules",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A config file whose [risk] rules the day is re-run under (what-if).",
)
@click.option(
    "--firm",
    "firm",
    default=None,
    metavar="NAME",
    help="A firm profile (cockpit rules firms) the day is re-run under, over the recorded "
    "rules or --rules (what-if).",
)
@dir_option
@click.pass_context
def review(
    ctx: click.Context, target: str, rules: Path | None, firm: str | None, folder: Path | None
) -> None:
    """The day's round trips, P&L curve and rule hits; --rules or --firm: what other rules
    would have done."""
    from cockpit.journal.review import review as make_review
    from cockpit.journal.show import ending_text, review_view, whatif_view

    with opened(ctx, target, folder) as journal_file:
        other = None
        label = ""
        if rules is not None or firm is not None:
            from cockpit.journal.risk import RulesError, recorded_rules, rules_from_file, rules_with

            try:
                risk = (
                    rules_from_file(rules)
                    if rules is not None
                    else recorded_rules(journal_file.header.settings)
                )
            except RulesError as exc:
                fail(str(exc))
            label = rules.name if rules is not None else "the recorded rules"
            if firm is not None:
                risk, profile = _under_firm(risk, firm)
                label = f"{profile} ({firm}) over {label}"
            other = rules_with(risk)
        out = console()
        out.print(f"[bold]{journal_file.parts[0].name}[/bold]")
        palette = themed(ctx)
        out.print(ending_text(journal_file.ending, palette))
        out.print(review_view(make_review(journal_file), palette))
        for line in firm_lines(ctx, folder, journal_file.header.account, journal_file.last_ns):
            out.print(line, markup=False)
        if other is not None:
            from cockpit.journal.whatif import what_if

            out.print(whatif_view(what_if(journal_file, other), label, palette))


def _under_firm(risk: RiskSettings, name: str) -> tuple[RiskSettings, str]:
    """``risk`` with the firm profile ``name`` folded in (stricter wins), and the firm's
    own words for the plan; an unknown or broken profile ends the command (exit 2)."""
    from cockpit.config import firm_problem, firms_dir
    from cockpit.risk.firms import FirmFileError, UnknownFirmError, find_profile
    from cockpit.risk.firms.merge import apply_firm

    try:
        profile = find_profile(name, firms_dir()).profile
    except UnknownFirmError as exc:
        fail(str(exc))
    except FirmFileError as exc:
        fail(firm_problem(exc))
    return apply_firm(risk, profile), f"{profile.firm} {profile.plan}"


def firm_lines(ctx: click.Context, folder: Path | None, account: str, at_ns: int) -> list[str]:
    """With ``[account] firm`` on: its profit target and consistency over the journals;
    with ``[risk.weekly_trades]`` on: the week's trades against their range."""
    from cockpit.journal.days import firm_report, weekly_trades_line

    root = ctx.find_root().obj or {}
    settings = load_or_exit(root.get("config_path"))
    directory = folder_of(ctx, folder)
    lines = firm_report(settings, directory, account)
    weekly = weekly_trades_line(settings, directory, account, at_ns)
    return [*lines, weekly] if weekly is not None else lines


# cockpit replay ----------------------------------------------------------------------------


@click.command("replay")
@click.argument("target", metavar="FILE|latest")
@click.option(
    "--headless",
    is_flag=True,
    help="Replay without the cockpit: check the decisions and print each fill.",
)
@click.option(
    "--as-recorded",
    is_flag=True,
    help="Show the recorded decisions instead of re-judging the day with its rules.",
)
@dir_option
@click.pass_context
def replay(
    ctx: click.Context, target: str, headless: bool, as_recorded: bool, folder: Path | None
) -> None:
    """Replay a journal in the cockpit (REPLAY mode: orders are never sent)."""
    from cockpit.replay import ReplaySession

    with opened(ctx, target, folder) as journal_file:
        session = ReplaySession(journal_file, rerun=not as_recorded)
        if not headless:
            from cockpit.cli.start import run_replay

            root = ctx.find_root().obj or {}
            sys.exit(run_replay(session, load_or_exit(root.get("config_path"))))
        code = headless_replay(session)
    sys.exit(code)


def headless_replay(session: ReplaySession) -> int:
    """Jump from fill to fill printing what the cockpit showed, then check every decision."""
    from rich.table import Table

    from cockpit.journal.show import ending_text, money, when

    journal_file = session.journal
    header = journal_file.header
    out = console()
    out.print(
        f"[bold]Replaying {journal_file.parts[0].name}[/bold]: {header.account} · "
        f"{header.mode.value} · {when(journal_file.first_ns, date=True)} to "
        f"{when(journal_file.last_ns)} CT · {journal_file.count:,} records"
    )
    table = Table(title="Fills, as the session showed them", title_justify="left")
    for name in ("Time (CT)", "Symbol", "Side", "Size", "Price", "Position", "Realized", "Day P&L"):
        table.add_column(name, justify="left" if name in ("Symbol", "Side") else "right")
    while (record := session.next_fill()) is not None:
        fill = record.item.fill
        state = session.state
        spec = state.instruments[fill.symbol]
        position = state.positions.get(fill.symbol)
        table.add_row(
            when(fill.ts),
            fill.symbol,
            fill.side.label,
            str(fill.size),
            spec.format(fill.price),
            f"{position.size:+d}" if position is not None else "flat",
            money(state.net_realized),
            money(state.day_pnl()),
        )
    out.print(table if table.row_count else "No fills in this journal.")
    mismatches = session.replayer.verify()
    out.print(
        f"Replayed {session.position:,} of {journal_file.count:,} records: {session.end_notice}."
        if session.end_notice is not None
        else f"Replay stopped at record {session.position:,} of {journal_file.count:,}."
    )
    out.print(ending_text(journal_file.ending))
    decided = _decisions(journal_file)
    if session.replayer.rerun and not mismatches:
        out.print(f"Decisions: {decided} recorded, every one reproduced by the replayed engine.")
    elif not session.replayer.rerun:
        out.print(f"Decisions: {decided} recorded, shown as recorded (not re-judged).")
    else:
        out.print(f"[red]Decisions: {len(mismatches)} differ from the recording:[/red]")
        for mismatch in mismatches[:20]:
            out.print(f"  {mismatch.describe()}", markup=False)
    if session.warning is not None:
        click.echo(f"warning: {session.warning}", err=True)
    return 1 if mismatches else 0


def _decisions(journal_file: Journal) -> int:
    from cockpit.core.sends import CALL_MARKS
    from cockpit.journal.format import RecordKind
    from cockpit.journal.rerun import ECHOED

    told = (*ECHOED, *CALL_MARKS)
    decided = 0
    try:
        for record in journal_file:
            if record.kind is RecordKind.OUT and not isinstance(record.item, told):
                decided += 1
    except CodecError:
        pass  # those before a record it cannot read: the replay stopped there and says so
    return decided
