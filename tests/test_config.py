"""Settings files: defaults, and errors naming file, line, key, bad value and what is allowed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.config import (
    ConfigError,
    Settings,
    default_config_path,
    load_settings,
    parse_settings,
    save_theme,
)

VALID_SYMBOLS = "MNQ, MES, M2K, MYM, MGC, MCL, NQ, ES, RTY, YM, GC, CL"


def error_for(tmp_path: Path, text: str) -> str:
    """The message a broken file gives (the file is really written and read)."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return str(caught.value)


def test_missing_default_file_means_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No config file at the default place: the demo defaults, and no file named."""
    monkeypatch.setattr("cockpit.config.default_config_path", lambda: tmp_path / "none.toml")
    settings, path = load_settings()
    assert path is None
    assert settings == Settings()
    assert settings.broker.kind == "paper"
    assert settings.ui.watchlist == ["MNQ", "MES", "M2K", "MYM", "MGC", "MCL"]


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    """--config pointing nowhere says so (it is not silently ignored)."""
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml")


def test_a_full_valid_file_is_read(tmp_path: Path) -> None:
    """Every section parses; symbols are upper-cased; fee overrides become Decimals."""
    path = tmp_path / "config.toml"
    path.write_text(
        """
[broker]
kind = "paper"

[paper]
seed = 42
balance = 150000
slippage_ticks = 1
fees = { mnq = 0.35 }

[ui]
watchlist = ["mnq", "ES"]
timeframe = "5m"
default_size = 2

[keys]
flatten-all = "ctrl+x"
""",
        encoding="utf-8",
    )
    settings, source = load_settings(path)
    assert source == path
    assert settings.paper.seed == 42
    assert settings.paper.balance == Decimal(150000)
    assert settings.paper.fees == {"MNQ": Decimal("0.35")}
    assert settings.ui.watchlist == ["MNQ", "ES"]
    assert settings.ui.timeframe == "5m"
    assert settings.keys == {"flatten-all": "ctrl+x"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[broker]\nkind = "live"\n',
            """config.toml:2: [broker] kind = "live": Input should be 'paper' or 'projectx'""",
        ),
        (
            "[paper]\nseed = 1\nslipage = 2\n",
            "config.toml:3: [paper] slipage = 2: unknown key; did you mean slippage_ticks? "
            "allowed: seed, balance, account, slippage_ticks, fees",
        ),
        (
            "[paper]\nslippage_ticks = -1\n",
            "config.toml:2: [paper] slippage_ticks = -1: "
            "Input should be greater than or equal to 0",
        ),
        (
            '[paper]\nbalance = "lots"\n',
            'config.toml:2: [paper] balance = "lots": Input should be a valid decimal',
        ),
        (
            '[ui]\ntimeframe = "2m"\n',
            """config.toml:2: [ui] timeframe = "2m": unknown timeframe '2m'; """
            "valid: 1s, 5s, 15s, 30s, 1m, 5m, 15m, 30m, 1h, 4h, 1d",
        ),
        (
            '[ui]\n\nwatchlist = ["MNQ", "FOO"]\n',
            f"""config.toml:3: [ui] watchlist entry 2 = "FOO": unknown symbol 'FOO'; """
            f"valid: {VALID_SYMBOLS}",
        ),
        (
            "[ui]\nwatchlist = []\n",
            "config.toml:2: [ui] watchlist = []: list at least one symbol",
        ),
        (
            "[ui]\ndefault_size = 0\n",
            "config.toml:2: [ui] default_size = 0: Input should be greater than or equal to 1",
        ),
        (
            "[paper]\nseed = 1\n\n[paper.fees]\nMNQ = 0.3\nFOO = 1\n",
            f"config.toml:6: [paper.fees] FOO: unknown symbol 'FOO'; valid: {VALID_SYMBOLS}",
        ),
        (
            "[paper.fees]\nMES = -0.5\n",
            "config.toml:2: [paper.fees] MES = -0.5: Input should be greater than or equal to 0",
        ),
        (
            '[paper]\nfees = { MNQ = "cheap" }\n',
            'config.toml:2: [paper.fees] MNQ = "cheap": Input should be a valid decimal',
        ),
        (
            "[broker]\nkind = 'paper'\n\n[colours]\nbid = 'green'\n",
            "config.toml:4: [colours]: unknown section; allowed: "
            + ", ".join(Settings.model_fields),
        ),
        (
            "ui = 5\n",
            "config.toml:1: ui = 5: Input should be a valid dictionary or instance of UiSettings",
        ),
        (
            "[keys]\nflatten-all = 5\n",
            "config.toml:2: [keys] flatten-all = 5: Input should be a valid string",
        ),
    ],
    ids=[
        "bad-choice",
        "unknown-key",
        "below-minimum",
        "not-a-decimal",
        "unknown-timeframe",
        "unknown-symbol-in-list",
        "empty-list",
        "size-zero",
        "unknown-fee-symbol",
        "negative-fee",
        "inline-table-value",
        "unknown-section",
        "section-not-a-table",
        "key-not-a-string",
    ],
)
def test_each_mistake_names_file_line_key_value_and_what_is_allowed(
    tmp_path: Path, text: str, expected: str
) -> None:
    """One line per problem: file:line: [table] key = value: what is allowed."""
    message = error_for(tmp_path, text)
    assert message == f"{tmp_path}/{expected}"


def test_several_mistakes_are_all_listed(tmp_path: Path) -> None:
    """A trader fixes a file in one go: every problem is listed, each with its line."""
    message = error_for(tmp_path, '[broker]\nkind = "x"\n\n[ui]\ntimeframe = "7m"\n')
    lines = message.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{tmp_path}/config.toml:2: [broker] kind")
    assert lines[1].startswith(f"{tmp_path}/config.toml:5: [ui] timeframe")


def test_broken_toml_names_the_line(tmp_path: Path) -> None:
    """A syntax error says it is not TOML and where."""
    message = error_for(tmp_path, "[paper]\nseed = = 3\n")
    assert message.startswith(f"{tmp_path}/config.toml:2: not valid TOML: ")
    assert "line 2" in message


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    """A file that is not text gives a config error, not a traceback."""
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe[paper]\n")
    with pytest.raises(ConfigError, match=r"config\.toml: cannot read"):
        load_settings(path)


def test_a_directory_is_a_config_error(tmp_path: Path) -> None:
    """Pointing at a directory is explained, not raised."""
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path)


def test_parse_settings_matches_sections_by_exact_name(tmp_path: Path) -> None:
    """A key of the same name in another table is not blamed: the line is the right one."""
    text = '[ui]\ntimeframe = "1m"\n\n[paper]\nseed = 1\n\n[broker]\nkind = "nope"\n'
    with pytest.raises(ConfigError, match=r"config\.toml:8: \[broker\] kind"):
        parse_settings(text, tmp_path / "config.toml")


TRADERS_FILE = """# my desk
[paper]
seed = 3  # the lucky tape

[ui]
# the look
theme = "cockpit-dark"  # for the evening
timeframe = "5m"

[keys]
flatten-all = "ctrl+x"
"""


def test_saving_a_theme_keeps_every_other_line(tmp_path: Path) -> None:
    """The theme is replaced in place: comments, other keys and other sections stay."""
    path = tmp_path / "config.toml"
    path.write_text(TRADERS_FILE, encoding="utf-8")
    save_theme(path, "colorblind")
    assert path.read_text(encoding="utf-8") == TRADERS_FILE.replace(
        'theme = "cockpit-dark"', 'theme = "colorblind"'
    )
    settings, _ = load_settings(path)
    assert (settings.ui.theme, settings.ui.timeframe, settings.paper.seed) == (
        "colorblind",
        "5m",
        3,
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "[paper]\nseed = 3\n",
        'ui = { timeframe = "5m" }\n',
        "ui.default_size = 2\n",
    ],
)
def test_saving_a_theme_adds_it_wherever_ui_is_written(tmp_path: Path, text: str) -> None:
    """No [ui] table, an inline table or dotted keys: the theme is added and the rest kept."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    before, _ = load_settings(path)
    save_theme(path, "high-contrast")
    after, _ = load_settings(path)
    assert after.ui.theme == "high-contrast"
    assert after.model_copy(update={"ui": before.ui}) == before
    assert "# only a comment" in path.read_text(encoding="utf-8") or "#" not in text


def test_saving_a_theme_creates_a_missing_config_file(tmp_path: Path) -> None:
    """With no config file yet, saving the theme writes one holding just ``[ui] theme``."""
    path = tmp_path / "new" / "config.toml"
    save_theme(path, "nord")
    assert load_settings(path)[0].ui.theme == "nord"


def test_a_broken_config_file_is_never_overwritten(tmp_path: Path) -> None:
    """If the file no longer reads (edited by hand meanwhile), nothing is written."""
    path = tmp_path / "config.toml"
    broken = '[ui]\ntheme = "nord"\ntimeframe = "7m"\n'
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError, match="timeframe"):
        save_theme(path, "colorblind")
    assert path.read_text(encoding="utf-8") == broken
    path.write_text("[ui\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="theme not saved"):
        save_theme(path, "colorblind")
    assert path.read_text(encoding="utf-8") == "[ui\n"


def test_settings_know_the_file_they_are_read_from(tmp_path: Path) -> None:
    """``--config FILE`` settings save to FILE; defaults save to the default config file."""
    path = tmp_path / "mine.toml"
    path.write_text("[paper]\nseed = 1\n", encoding="utf-8")
    assert load_settings(path)[0].file == path
    assert Settings().file == default_config_path()
    assert load_settings()[0].file == default_config_path()


def test_a_replays_settings_save_to_the_traders_file(tmp_path: Path) -> None:
    """``saved_to`` points a copy (a replay's recorded settings) at the trader's config file."""
    recorded = Settings()
    mine = recorded.saved_to(tmp_path / "mine.toml")
    assert mine.file == tmp_path / "mine.toml"
    assert recorded.file == default_config_path()
    assert mine.model_copy(update={"paper": mine.paper}).file == tmp_path / "mine.toml"
