"""Firm profiles: shipped files load, [account] firm tightens [risk], bad files are located."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from cockpit.cli import main
from cockpit.config import ConfigError, firms_dir, parse_settings
from cockpit.risk.config import RiskSettings
from cockpit.risk.firms import FirmProfile, all_profiles, find_profile
from cockpit.risk.firms.merge import (
    apply_firm,
    ceiling,
    stricter_max_loss,
    stricter_scaling,
    stricter_trading_hours,
)

SHIPPED = {
    "topstep-50k-combine",
    "topstep-100k-combine",
    "topstep-150k-combine",
    "topstep-50k-express",
    "topstep-100k-express",
    "topstep-150k-express",
    "apex-50k-eval",
    "tradeify-50k-growth",
}

GOOD = """\
name = "{name}"
firm = "Mine"
plan = "Test 50K"
source = "https://example.com/rules"
read_on = 2026-11-01
verified = true

[max_loss]
amount = 1500
mode = "static"
start_balance = 50000

[contracts]
max = 3
"""


def _user_firm(name: str, text: str) -> Path:
    folder = firms_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def _profile(name: str) -> FirmProfile:
    return find_profile(name, None).profile


def _config(text: str) -> tuple[int, str]:
    path = firms_dir().parent / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    result = CliRunner().invoke(main, ["rules", "check", str(path)])
    return result.exit_code, result.output


def test_the_shipped_profiles_load_and_say_they_are_unverified() -> None:
    """Every shipped plan loads, has a source and a date, and none claims to be verified
    (they were written without reading the firms' pages)."""
    listed = {entry.profile.name: entry for entry in all_profiles(None)}
    assert set(listed) >= SHIPPED
    for entry in listed.values():
        assert entry.shipped
        assert entry.profile.source.startswith("https://")
        assert not entry.profile.verified
        assert "NOT re-read online" in entry.path.read_text()


def test_the_shipped_plans_trail_the_way_their_firms_do() -> None:
    """Topstep trails end of day and stops at the start; Apex trails intraday; one of the
    others trails end of day."""
    combine = _profile("topstep-50k-combine")
    assert combine.max_loss.mode == "eod-trailing"
    assert combine.max_loss.stop_at == combine.max_loss.start_balance == Decimal(50000)
    assert combine.clock is not None
    assert combine.clock.flat_by == "15:10"
    assert _profile("apex-50k-eval").max_loss.mode == "intraday-trailing"
    assert _profile("tradeify-50k-growth").max_loss.mode == "eod-trailing"
    express = _profile("topstep-150k-express")
    assert [step.contracts for step in express.scaling] == sorted(
        step.contracts for step in express.scaling
    )


def test_a_firm_fills_in_the_limits_the_trader_left_off() -> None:
    """With no [risk] of their own, the trader gets the firm's daily loss (flatten and
    lock to the day's end) and its account-wide contracts in micros."""
    settings = parse_settings('[account]\nfirm = "topstep-50k-combine"\n', Path("c.toml"))
    assert settings.firm is not None
    assert settings.firm.name == "topstep-50k-combine"
    loss = settings.risk.daily_loss
    assert (loss.limit, loss.basis, loss.action, loss.lock_until) == (
        Decimal(1000),
        "net",
        "lock",
        "next-day",
    )
    assert settings.risk.max_position.micros == 50


def test_the_trader_can_only_tighten() -> None:
    """A smaller trader limit stays; a larger one gives way to the firm's."""
    tighter = RiskSettings.model_validate(
        {"daily_loss": {"limit": 400}, "max_position": {"micros": 20}}
    )
    looser = RiskSettings.model_validate(
        {"daily_loss": {"limit": 5000}, "max_position": {"micros": 500}}
    )
    firm = _profile("topstep-50k-combine")
    assert apply_firm(tighter, firm).daily_loss.limit == Decimal(400)
    assert apply_firm(tighter, firm).max_position.micros == 20
    assert apply_firm(looser, firm).daily_loss.limit == Decimal(1000)
    assert apply_firm(looser, firm).max_position.micros == 50


def test_a_net_firm_limit_makes_the_daily_loss_count_open_losses() -> None:
    """A trader's realized-basis limit turns net under a firm that counts open P&L, and a
    milder action than lock becomes a lock to the day's end."""
    mine = RiskSettings.model_validate(
        {"daily_loss": {"limit": 400, "basis": "realized", "action": "flatten"}}
    )
    loss = apply_firm(mine, _profile("topstep-50k-combine")).daily_loss
    assert (loss.limit, loss.basis, loss.action, loss.lock_until) == (
        Decimal(400),
        "net",
        "lock",
        "next-day",
    )


def test_the_firm_target_is_reported_not_mapped_onto_the_daily_target() -> None:
    """The firm's profit target is the account's: the daily [risk.profit_target] stays as
    the trader set it (off here), and no firm without a daily loss invents one."""
    risk = apply_firm(RiskSettings(), _profile("apex-50k-eval"))
    assert risk.profit_target.target is None
    assert risk.daily_loss.limit is None
    assert risk.max_position.micros == 100


def test_per_symbol_caps_take_the_smaller() -> None:
    """A firm's per-symbol cap joins the trader's contract limits, the smaller winning."""
    text = GOOD.format(name="capped") + "symbols = { CL = 2, MNQ = 9 }\n"
    _user_firm("capped", text)
    mine = RiskSettings.model_validate({"contract_limit": {"symbols": {"MNQ": 4}}})
    risk = apply_firm(mine, find_profile("capped", firms_dir()).profile)
    assert risk.contract_limit.symbols == {"MNQ": 4, "CL": 2}


def test_scaling_tables_merge_to_the_smaller_ceiling_at_every_step() -> None:
    """Where both the trader and the firm have a scaling table, each balance gets the
    smaller ceiling of the two (applied once [risk.scaling] exists)."""
    firm = _profile("topstep-50k-express")  # 0: 2, 1500: 3, 2000: 5
    mine = {"steps": [{"balance": 0, "contracts": 3}, {"balance": 1800, "contracts": 4}]}
    steps = stricter_scaling(mine, firm)["steps"]
    assert [(int(s["balance"]), s["contracts"]) for s in steps] == [
        (0, 2),
        (1500, 3),
        (1800, 3),
        (2000, 4),
    ]
    assert stricter_scaling({"steps": []}, firm)["steps"][-1] == {
        "balance": Decimal(2000),
        "contracts": 5,
    }
    assert ceiling(firm.scaling, Decimal(1999)) == 3


def test_the_max_loss_keeps_the_stricter_of_each_part() -> None:
    """The trader's own floor can only be tighter: smaller amount, faster mode, later stop
    (applied once [risk.max_loss] exists)."""
    firm = _profile("topstep-50k-combine")
    off = stricter_max_loss({"amount": None, "buffer": Decimal(100)}, firm)
    assert (off["amount"], off["mode"], off["stop_at"], off["buffer"]) == (
        Decimal(2000),
        "eod-trailing",
        Decimal(50000),
        Decimal(100),
    )
    mine = {"amount": Decimal(2500), "mode": "intraday-trailing", "stop_at": None}
    both = stricter_max_loss(mine, firm)
    assert (both["amount"], both["mode"], both["stop_at"]) == (
        Decimal(2000),
        "intraday-trailing",
        None,
    )


def test_the_flat_by_time_is_the_earlier_one() -> None:
    """The firm's flat-by time applies unless the trader's own is earlier (once
    [risk.trading_hours] flat_by exists); without that key nothing changes."""
    firm = _profile("topstep-50k-combine")
    zone = "America/Chicago"
    assert stricter_trading_hours({"flat_by": None, "timezone": zone}, firm)["flat_by"] == "15:10"
    assert stricter_trading_hours({"flat_by": "14:00", "timezone": zone}, firm)["flat_by"] == (
        "14:00"
    )
    assert stricter_trading_hours({"flat_by": "15:50", "timezone": zone}, firm)["flat_by"] == (
        "15:10"
    )
    assert stricter_trading_hours({"timezone": zone}, firm) == {"timezone": zone}


def test_a_user_file_replaces_the_shipped_one_of_the_same_name() -> None:
    """A profile in <config dir>/firms/ with a shipped name is the one in effect."""
    _user_firm("topstep-50k-combine", GOOD.format(name="topstep-50k-combine"))
    entry = find_profile("topstep-50k-combine", firms_dir())
    assert not entry.shipped
    assert entry.profile.firm == "Mine"


def test_an_unknown_firm_lists_the_known_ones() -> None:
    """[account] firm naming no profile: the config line, exit 2, and every known name."""
    code, out = _config('[ui]\ntheme = "cockpit-dark"\n\n[account]\nfirm = "topstep-5k"\n')
    assert code == 2
    assert ':5: [account] firm = "topstep-5k": unknown firm profile' in out
    for name in SHIPPED:
        assert name in out


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (
            GOOD.replace('mode = "static"\n', ""),
            "mine.toml:8: [max_loss] mode: Field required",
        ),
        (
            GOOD.replace('"static"', '"trailing"'),
            "mine.toml:10: [max_loss] mode = \"trailing\": Input should be 'eod-trailing', "
            "'intraday-trailing' or 'static'",
        ),
        (
            GOOD + "\n[[scaling]]\nbalance = 52000\ncontracts = 3\n"
            "\n[[scaling]]\nbalance = 51000\ncontracts = 2\n",
            "mine.toml:16: scaling = [{ balance = 52000, contracts = 3 }, "
            "{ balance = 51000, contracts = 2 }]: step 2 (balance 51000) must be above step 1 "
            "(balance 52000)",
        ),
        (
            GOOD.replace("max = 3", "max = 3\nmicro = 30"),
            "mine.toml:15: [contracts] micro = 30: unknown key; did you mean micros?",
        ),
        (GOOD.format(name="other"), 'name = "other" must match the file name (mine.toml)'),
    ],
    ids=["missing-field", "unknown-mode", "scaling-out-of-order", "unknown-key", "wrong-name"],
)
def test_a_bad_firm_file_names_file_line_and_key(broken: str, expected: str) -> None:
    """`rules firms` and a config naming the file both stop with file:line:key, exit 2."""
    _user_firm("mine", broken.format(name="mine") if "{name}" in broken else broken)
    result = CliRunner().invoke(main, ["rules", "firms"])
    assert result.exit_code == 2
    assert expected in result.output
    code, out = _config('[account]\nfirm = "mine"\n')
    assert code == 2
    assert '[account] firm = "mine": its profile is not valid' in out
    assert expected in out


def test_rules_firms_lists_every_profile_with_its_numbers_and_source() -> None:
    """The listing names each profile, its key numbers, source, date and verification."""
    _user_firm("mine", GOOD.format(name="mine"))
    result = CliRunner().invoke(main, ["rules", "firms"])
    assert result.exit_code == 0, result.output
    for name in [*SHIPPED, "mine"]:
        assert f"\n{name}  " in "\n" + result.output
    assert (
        "max loss 2,000 eod-trailing from 50,000 (stops at 50,000) · daily loss 1,000 net · "
        "target 3,000 · best day <= 50% of profit · 5 contracts (50 micros) · flat by 15:10 CT"
        in result.output
    )
    assert "read 2026-11-01, verified: https://example.com/rules" in result.output
    assert "NOT verified: https://help.topstep.com/" in result.output
    assert f"yours: {firms_dir() / 'mine.toml'}" in result.output


def test_rules_check_shows_the_firm_in_effect() -> None:
    """`rules check` prints the merged rules and the firm with its numbers and source."""
    code, out = _config('[account]\nfirm = "topstep-100k-combine"\n')
    assert code == 0, out
    assert "Firm in effect: topstep-100k-combine (Topstep, Trading Combine 100K)" in out
    assert "$2,000.00 on net P&L" in out
    assert "100 micro-equivalents" in out
    assert "NOT verified" in out


def test_a_config_with_a_firm_that_loads_is_the_merged_one() -> None:
    """The settings a start gets carry the firm's limits; a broken one stops the start."""
    settings = parse_settings('[account]\nfirm = "apex-50k-eval"\n', Path("c.toml"))
    assert settings.risk.max_position.micros == 100
    with pytest.raises(ConfigError, match="unknown firm profile"):
        parse_settings('[account]\nfirm = "nobody"\n', Path("c.toml"))


def test_a_firm_sets_the_max_loss_scaling_and_clock_rules_a_start_enforces() -> None:
    """Through the config a start reads, the firm's maximum loss, scaling table and flat-by
    time land in the rules the engine runs (not only in the profile)."""
    settings = parse_settings('[account]\nfirm = "topstep-50k-combine"\n', Path("c.toml"))
    max_loss = settings.risk.max_loss
    assert (max_loss.amount, max_loss.mode) == (Decimal(2000), "eod-trailing")
    assert (max_loss.start_balance, max_loss.stop_at) == (Decimal(50000), Decimal(50000))
    assert settings.risk.trading_hours.flat_by == "15:10"
    express = parse_settings('[account]\nfirm = "topstep-50k-express"\n', Path("c.toml"))
    steps = [(step.balance, step.contracts) for step in express.risk.scaling.steps]
    assert steps == [(s.balance, s.contracts) for s in _profile("topstep-50k-express").scaling]
    assert steps, "the Express plan carries a scaling table"


def test_a_traders_own_earlier_flat_by_and_smaller_max_loss_stay() -> None:
    """The trader's stricter numbers survive the firm's: only tightening is possible."""
    text = (
        '[account]\nfirm = "topstep-50k-combine"\n'
        "[risk.max_loss]\namount = 1500\nbuffer = 200\n"
        '[risk.trading_hours]\nflat_by = "14:30"\n'
    )
    settings = parse_settings(text, Path("c.toml"))
    assert settings.risk.max_loss.amount == Decimal(1500)
    assert settings.risk.max_loss.buffer == Decimal(200)
    assert settings.risk.trading_hours.flat_by == "14:30"


def test_the_rule_in_effect_is_named_after_the_firm_whose_amount_it_is() -> None:
    """A firm's maximum loss names the rule; folding in a second firm with a larger
    amount keeps the first firm's name (its amount is the one in effect)."""
    topstep = find_profile("topstep-50k-combine", None).profile
    apex = find_profile("apex-50k-eval", None).profile
    merged = apply_firm(RiskSettings(), topstep)
    assert merged.max_loss.from_firm == "Topstep Trading Combine 50K"
    assert apex.max_loss.amount > topstep.max_loss.amount
    assert apply_firm(merged, apex).max_loss.from_firm == "Topstep Trading Combine 50K"
