"""``cockpit rules``: check a risk config and see the lockout, without opening the cockpit.

``cockpit rules check [FILE]`` validates the whole config file (the ``[risk]`` tables
included, and ``[keys]`` as the cockpit checks it at start) and prints the effective
rules; every problem names the file, the line, the key, the bad value and what is
allowed, and the exit code is 2. ``cockpit rules
lockout`` says whether a lockout is in force; it only reads, so running it can never
end or shorten one.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

import click

from cockpit.config import (
    ConfigError,
    Settings,
    calendar_path,
    default_config_path,
    firm_problem,
    firms_dir,
    load_market_calendar,
    load_settings,
    parse_settings,
)
from cockpit.core.clock import WallClock
from cockpit.core.text import countdown
from cockpit.risk.config import RENAMED_TABLES, RiskSettings
from cockpit.risk.firms import FirmFileError, FirmProfile, all_profiles
from cockpit.risk.loosening import loosens
from cockpit.risk.rules import all_rules
from cockpit.risk.rules.base import Env
from cockpit.risk.settings_lock import SettingsLockStore, lock_end, shown, when, written
from cockpit.risk.tally import Tally
from cockpit.risk.timing import Calendar, zone_label


@click.group("rules")
def rules() -> None:
    """Risk rules: check a config, see the lockout."""


@rules.command("check")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def check(ctx: click.Context, file: Path | None) -> None:
    """Validate FILE (default: the config file) and print the effective risk rules."""
    root = ctx.find_root().obj or {}
    chosen = file or root.get("config_path")
    path = chosen or default_config_path()
    calendar_note = check_calendar()
    if not path.exists():
        if chosen is not None:
            click.echo(f"cockpit rules check: {path}: no such file", err=True)
            sys.exit(2)
        click.echo(f"no config file at {path}: every risk rule is off\n")
        click.echo(render(RiskSettings(), None))
        click.echo(calendar_note)
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"cockpit rules check: {path}: cannot read it ({exc})", err=True)
        sys.exit(2)
    try:
        settings = parse_settings(text, path)
    except ConfigError as exc:
        click.echo(f"cockpit rules check: {path} is not valid\n{exc}", err=True)
        sys.exit(2)
    from cockpit.ui.keymap import keys_problem  # Textual: only when checking

    problem = keys_problem(settings.keys, text, path)
    if problem is not None:
        click.echo(f"cockpit rules check: {path} is not valid\n{problem}", err=True)
        sys.exit(2)
    click.echo(render(settings.risk, path))
    click.echo(calendar_note)
    if settings.firm is not None:
        click.echo("\n" + firm_in_effect(settings.firm))
    click.echo(lock_words(settings.risk, WallClock().now_ns()))
    for note in renamed_notes(text):
        click.echo(note)


def check_calendar() -> str:
    """The exchange calendar in one line, or its problems (file, line, key) and exit 2."""
    own = calendar_path()
    try:
        market = load_market_calendar(own)
    except ConfigError as exc:
        click.echo(f"cockpit rules check: {own} is not valid\n{exc}", err=True)
        sys.exit(2)
    unverified = sum(
        not entry.verified for entry in [*market.holidays.values(), *market.early_closes.values()]
    )
    source = f"shipped, with {own} over it" if own.exists() else f"shipped (yours: {own})"
    return (
        f"Exchange calendar: {len(market.holidays)} holidays, {len(market.early_closes)} "
        f"half days ({unverified} not verified), {source}"
    )


def lock_words(risk: RiskSettings, now_ns: int) -> str:
    """The settings lock: off, to be taken at the next start, or in force with what it
    holds and whether this file would stop the start (reads only)."""
    from cockpit.config import state_dir
    from cockpit.journal.files import journal_dir

    store = SettingsLockStore(state_dir(), journal_dir())
    calendar = Calendar(risk.boundary, risk.zone)
    lock = store.active(now_ns)
    if lock is None and store.problem is not None:
        until = when(calendar, calendar.day_end(now_ns), now_ns)
        return f"\nSettings lock: {store.problem}: no config may start until {until}."
    if lock is None:
        if risk.lock == "off":
            return '\nSettings lock: off ([risk] lock = "hours" or "day": limits only tighten).'
        until = when(calendar, lock_end(risk, risk.lock, now_ns), now_ns)
        return (
            f'\nSettings lock: [risk] lock = "{risk.lock}": taken when the cockpit starts, '
            f"then limits only tighten until {until}."
        )
    until = when(calendar, lock.until_ns, now_ns)
    if lock.held is None:
        return (
            f"\nSettings lock: in force until {until}; its record was damaged: no config may start."
        )
    taken = calendar.clock_label(lock.started_ns)
    lines = [
        "",
        f'Settings lock: in force until {until} (taken at {taken} by [risk] lock = "{lock.kind}"); '
        "it holds:",
    ]
    env = Env(lock.held, calendar, Tally(calendar))
    lines += [f"  {rule.name}  {rule.describe()}" for rule in all_rules(env) if rule.enabled]
    found = loosens(lock.held, risk)
    if found:
        lines.append("This file loosens it, so the cockpit would not start with it:")
        lines += [f"  {shown(item)} loosens {written(item.old)}" for item in found]
    return "\n".join(lines)


def renamed_notes(text: str) -> list[str]:
    """A line for each ``[risk.*]`` table the file names by its old name."""
    return [
        f"note: [risk.{old}] is now [risk.{new}]; the old name still works"
        for old, new in RENAMED_TABLES.items()
        if re.search(rf"^\s*\[\[?\s*risk\s*\.\s*{old}\b", text, re.M)
    ]


def render(settings: RiskSettings, path: Path | None) -> str:
    """The effective rules, one line each, in the order orders are judged."""
    calendar = Calendar(settings.boundary, settings.zone)
    env = Env(settings, calendar, Tally(calendar))
    source = str(path) if path is not None else "defaults"
    mode = (
        "DRY RUN: decide and record, deny and enforce nothing"
        if settings.dry_run
        else ("enforcing")
    )
    lines = [
        f"Risk rules from {source}",
        f"  mode: {mode}",
        f"  warning at {settings.warn_at:.0%} of a limit; the trading day ends "
        f"{settings.day_boundary} {settings.timezone}",
        "",
    ]
    rules = all_rules(env)
    width = max(len(rule.name) for rule in rules)
    on = 0
    for rule in rules:
        if rule.enabled:
            on += 1
            lines.append(f"  {rule.name:<{width}}  on   {rule.describe()}")
        else:
            lines.append(f"  {rule.name:<{width}}  off  (turn on with {rule.turn_on})")
    lines += [
        "",
        f"{on} of {len(rules)} rules on. Exits (flatten, cancel, close, orders that only reduce "
        "a position) are never denied.",
        "A lockout is kept outside this file (state dir, journals): no edit here can shorten one.",
    ]
    return "\n".join(lines)


def key_numbers(profile: FirmProfile) -> str:
    """A profile's limits in one line: ``max loss 2,000 eod-trailing · daily 1,000 · ...``."""
    rule = profile.max_loss
    parts = [f"max loss {rule.amount:,} {rule.mode} from {rule.start_balance:,}"]
    if rule.stop_at is not None:
        parts[0] += f" (stops at {rule.stop_at:,})"
    if profile.daily_loss is not None:
        parts.append(f"daily loss {profile.daily_loss.limit:,} {profile.daily_loss.basis}")
    if profile.profit_target is not None:
        parts.append(f"target {profile.profit_target.amount:,}")
    if profile.consistency is not None:
        parts.append(f"best day <= {profile.consistency.best_day_share:.0%} of profit")
    contracts = f"{profile.contracts.max} contracts ({profile.contracts.micros_limit} micros)"
    if profile.scaling:
        contracts += f", scaling {len(profile.scaling)} steps"
    parts.append(contracts)
    if profile.clock is not None:
        parts.append(f"flat by {profile.clock.flat_by} {zone_label_of(profile.clock.timezone)}")
    return " · ".join(parts)


def zone_label_of(timezone: str) -> str:
    return {"America/Chicago": "CT", "America/New_York": "ET"}.get(timezone, timezone)


def checked(profile: FirmProfile) -> str:
    state = "verified" if profile.verified else "NOT verified"
    return f"read {profile.read_on:%Y-%m-%d}, {state}: {profile.source}"


def firm_in_effect(profile: FirmProfile) -> str:
    """What ``rules check`` says of ``[account] firm``: its limits and how sure they are."""
    return "\n".join(
        [
            f"Firm in effect: {profile.name} ({profile.firm}, {profile.plan})",
            f"  {key_numbers(profile)}",
            f"  {checked(profile)}",
            "  The stricter of the firm's and [risk]'s value applies to each limit; the "
            "target and consistency are reported, not enforced.",
        ]
    )


@rules.command("firms")
def firms() -> None:
    """List the firm profiles ``[account] firm`` can name, shipped and your own."""
    user_dir = firms_dir()
    try:
        listed = all_profiles(user_dir)
    except FirmFileError as exc:
        click.echo(
            f"cockpit rules firms: a firm profile is not valid\n{firm_problem(exc)}", err=True
        )
        sys.exit(2)
    for entry in listed:
        profile = entry.profile
        origin = "shipped" if entry.shipped else f"yours: {entry.path}"
        click.echo(f"{profile.name}  {profile.firm} · {profile.plan}  [{origin}]")
        click.echo(f"  {key_numbers(profile)}")
        click.echo(f"  {checked(profile)}")
    click.echo(
        f'\nSet one with [account] firm = "NAME"; your own profiles go in {user_dir}/ '
        "(the same name replaces a shipped one). See docs/rules.md, Firm profiles."
    )


@rules.command("lockout")
@click.pass_context
def lockout(ctx: click.Context) -> None:
    """Say whether a lockout is in force, and until when (reads only, changes nothing)."""
    from cockpit.journal.risk import trader_lockouts

    root = ctx.find_root().obj or {}
    settings = _settings_or_defaults(root.get("config_path"))
    store = trader_lockouts(settings, read_only=True)
    now = max(WallClock().now_ns(), store.last_seen_ns)
    calendar = Calendar(settings.risk.boundary, settings.risk.zone)
    active = store.active(now)
    if store.problem is not None:
        until = max(calendar.day_end(now), active.until_ns if active is not None else 0)
        click.echo(
            f"LOCKED until at least {stamp(calendar.local(until))} "
            f"({countdown(until - now)} left): {store.problem}"
        )
        click.echo(
            "A damaged or missing lockout record locks until the trading day ends; "
            "the cockpit repairs the records when it starts, and nothing shortens the lockout."
        )
        return
    if active is None:
        click.echo("no lockout in force")
        return
    click.echo(
        f"LOCKED until {stamp(calendar.local(active.until_ns))} "
        f"({countdown(active.until_ns - now)} left): {active.reason}"
    )


def stamp(moment: datetime) -> str:
    """``Mon 2100-01-04 12:00 CT``: the day and time a lockout ends, in the header's words."""
    return f"{moment:%a %Y-%m-%d %H:%M} {zone_label(moment)}"


def _settings_or_defaults(path: Path | None) -> Settings:
    """The config's settings, or the defaults when it cannot be read: a lockout is
    reported whatever state the config is in."""
    try:
        return load_settings(path)[0]
    except ConfigError:
        return Settings()
