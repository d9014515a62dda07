"""One word per concept: no second name for a glossary word (docs/architecture.md) in cockpit/.

Each entry is a name the glossary retired and the word that replaced it. A line may keep
an old name only where it must, to read what was written before the rename (config
aliases, the journal's map of old class names), and says so with ``vocab: keep``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COCKPIT = ROOT / "cockpit"
KEEP = "vocab: keep"

STATES = "ACTIVE|WARNING|REDUCE-ONLY|REDUCING|LOCKED"

RETIRED: list[tuple[str, str, str]] = [
    # (pattern, where it applies under cockpit/ ("" = everywhere), the glossary's word)
    (r"\bTradePrinted\b", "", "Printed: a print is a trade on the tape"),
    (r"\bon_trade\b", "", "on_print: a print is a trade on the tape"),
    (r"\bTradesPerDay\b", "", "FillsPerDay: the rule counts fills"),
    (r"\btrades_per_day\b", "", "fills_per_day: the rule counts fills"),
    (r"\btrades-per-day\b", "", "fills-per-day: the rule counts fills"),
    (r"\b[Tt]rades per day\b", "", "fills per day: the rule counts fills"),
    (r"\btrades_today\b", "", "fills_today: the rule counts fills"),
    (r"\bSessionStatsUpdated\b", "", "DayStatsUpdated: session means only the wiring"),
    (r"session_stats\b", "", "day statistics: session means only the wiring"),
    (r"\bRestSession\b", "", "RestLink: a login is a sign-in, not a session"),
    (r"\bprojectx_session\b", "", "projectx_rest: a login is a sign-in, not a session"),
    (r"\b[Ss]ession tokens?\b", "", "token: a login is a sign-in, not a session"),
    (r"\brisk\.sessions\b|\bsettings\.sessions\b", "", "trading_hours: not sessions"),
    (r"\bsession-end\b|\bsession_end\b", "", "hours-end: the trading hours end"),
    (r"\bsession_shape\b", "", "hourly_shape: the market's hours, not a session"),
    (r"\bchanges\.session\b", "", "changes.status: session means only the wiring"),
    (r"\bsession\s*[:=]\s*(str\b|tags\b|header\.tag_prefix)", "", "run_tag: the order-tag prefix"),
    (r"\bRefusal\b|\bREFUSAL\b|\bREFUSED\b", "", "denied (the cockpit) or rejected (the broker)"),
    (
        r"\b[Rr]efus\w*",
        "core/ risk/ ui/ journal/ cli/ session.py",
        "deny: the cockpit would not send it",
    ),
    (
        r"\bActivityLog\b|#activity(?![-\w])|\bstate\.activity\b",
        "",
        "FillsAndEvents: the fills & events panel",
    ),
    (
        r"\bTicketBar\b|#ticket(?![-\w])",
        "",
        "StatusFooter: the footer (the ticket is the order modal)",
    ),
    (r"\bREDUCING\b|\.REDUCING\b", "", "REDUCE-ONLY: the state agrees with its action"),
    (rf"(==|!=|\bis\b|\bis not\b)\s*\"({STATES})\"", "", "TradingState: the enum, not a string"),
    (rf"\"({STATES})\"\s*(==|!=)", "", "TradingState: the enum, not a string"),
    (rf"\bBanner\(\s*\"({STATES}|DRY RUN)\"", "", "TradingState: the enum, not a string"),
    (rf"\bRiskStateChanged\([^)]*\"({STATES})\"", "", "TradingState: the enum, not a string"),
]


def lines_under(scope: str) -> list[tuple[Path, int, str]]:
    """Every line of the Python, TCSS and TOML files under ``cockpit/`` in ``scope``."""
    parts = scope.split() or [""]
    found: list[tuple[Path, int, str]] = []
    for path in sorted(COCKPIT.rglob("*")):
        if path.suffix not in (".py", ".tcss", ".toml") or not path.is_file():
            continue
        relative = path.relative_to(COCKPIT).as_posix()
        if not any(relative.startswith(part) for part in parts):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if KEEP not in line:
                found.append((path, number, line))
    return found


def second_names(pattern: str, scope: str) -> list[str]:
    """``file:line: text`` for every line under ``scope`` where ``pattern`` occurs."""
    compiled = re.compile(pattern)
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path, number, line in lines_under(scope)
        if compiled.search(line)
    ]


@pytest.mark.parametrize(("pattern", "scope", "word"), RETIRED, ids=[r[2] for r in RETIRED])
def test_no_second_name_in_cockpit(pattern: str, scope: str, word: str) -> None:
    """No line of cockpit/ uses a name the glossary retired (each hit named by file:line)."""
    hits = second_names(pattern, scope)
    assert not hits, f"use {word}:\n" + "\n".join(hits)


def pattern_for(word: str) -> str:
    """The first retired pattern whose glossary word starts with ``word``."""
    return next(pattern for pattern, _, said in RETIRED if said.startswith(word))


def test_the_check_finds_a_second_name() -> None:
    """The patterns catch what they are meant to, and a state word as a label passes."""
    samples = [
        ('if state.risk_state == "LOCKED":', "TradingState"),  # vocab: keep
        ("from cockpit.core.events import TradePrinted", "Printed"),  # vocab: keep
        ("self.changes.session = True", "changes.status"),  # vocab: keep
        ("raise Refusal(2, 'no')", "denied (the cockpit)"),  # vocab: keep
        ("    session: str = 'ck',", "run_tag"),  # vocab: keep
    ]
    for line, word in samples:
        assert re.search(pattern_for(word), line), (line, word)
    assert not re.search(pattern_for("TradingState"), 'label = "LOCKED"')


def test_the_glossary_is_in_the_architecture_doc() -> None:
    """docs/architecture.md holds the glossary this test enforces."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "## Glossary" in text
    for word in ("| print |", "| fill |", "| trade |", "| session |", "| denied |"):
        assert word in text
