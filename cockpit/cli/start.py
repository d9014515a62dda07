"""Process start-up: what a trader must fix before the cockpit opens, then the run.

``run_cockpit`` opens the cockpit over a session built from settings; ``run_replay``
opens it over a recorded journal. Both build the app with :func:`cockpit.ui.app.make_app`
and return the process's exit code.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from cockpit.cli.settings_lock import check_settings_lock, text_of
from cockpit.config import ConfigError, Settings, load_market_calendar
from cockpit.logs import log_to_file
from cockpit.risk.market_calendar import MarketCalendar
from cockpit.session import build_session
from cockpit.ui.app import make_app
from cockpit.ui.flatten_key import keys_first
from cockpit.ui.hangup import watch_terminal
from cockpit.ui.keymap import keys_problem
from cockpit.ui.theme import theme_start_problem

if TYPE_CHECKING:
    from cockpit.replay import ReplaySession


def check_start(settings: Settings) -> int:
    """Problems a trader must fix before the cockpit opens: 0, or 2 with a message.

    An unknown theme name, a broken theme file, a key bound twice or a bad exchange
    calendar file ends the start.
    """
    return start_checks(settings)[0]


def start_checks(settings: Settings) -> tuple[int, MarketCalendar | None]:
    """:func:`check_start`, and the exchange calendar it read: the session is built on
    that very calendar, so the file is read once and what was checked is what is used."""
    try:
        market = load_market_calendar()
    except ConfigError as exc:
        print(f"cockpit: config error\n{exc}", file=sys.stderr)
        return 2, None
    return _check_the_rest(settings), market


def _check_the_rest(settings: Settings) -> int:
    problem = theme_start_problem(settings.ui.theme)
    if problem:
        print(f"cockpit: {problem}", file=sys.stderr)
        return 2
    problem = keys_problem(settings.keys, text_of(settings.file), settings.file)
    if problem:
        print(f"cockpit: {problem}", file=sys.stderr)
        return 2
    return 0


def run_cockpit(settings: Settings) -> int:
    """Build the session from settings, run the app, and return its exit code."""
    code, market = start_checks(settings)
    code = code or check_settings_lock(settings)
    if code:
        return code
    log_to_file()
    try:
        session = build_session(settings, market=market)
    except ValueError as exc:
        print(f"cockpit: {exc}", file=sys.stderr)
        return 2
    if settings.broker.kind == "projectx":
        from cockpit.brokers import projectx_redact

        projectx_redact.install()  # again, now that the file handler exists
    app = make_app(session)
    keys_first()
    watch_terminal()
    result = app.run()
    return int(result or app.return_code or 0)


def run_replay(replay: ReplaySession, settings: Settings) -> int:
    """``cockpit replay FILE|latest``: the cockpit in REPLAY mode over a journal, in the
    trader's theme and keys."""
    code = check_start(settings)
    if code:
        return code
    replay.session.settings = replay.session.settings.model_copy(
        update={"ui": replay.session.settings.ui.model_copy(update={"theme": settings.ui.theme})}
    ).saved_to(settings.file)
    log_to_file()
    app = make_app(replay)
    watch_terminal()
    result = app.run()
    if replay.warning:
        print(f"cockpit: {replay.warning}")
    return int(result or app.return_code or 0)
