"""Every benchmark module can be found, imported and run by the runner (nothing is timed)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from benchmarks.__main__ import discover, table
from benchmarks._common import Figure, percentile

EXPECTED = {"ingest", "ui_storm", "flatten", "startup", "memory", "terminal_bytes"}


def test_the_runner_finds_every_figure_script() -> None:
    """Discovery by module name lists this branch's six figures and no helper module."""
    names = discover()
    assert set(names) >= EXPECTED
    assert not [name for name in names if name.startswith("_")]


def test_a_figure_added_later_is_picked_up_by_name(tmp_path: Path) -> None:
    """A new ``journal_seek.py`` beside the others joins the table without registration."""
    for name in ("ingest", "journal_seek", "_helpers", "zeta"):
        (tmp_path / f"{name}.py").write_text("", encoding="utf-8")
    assert discover(tmp_path) == ["ingest", "journal_seek", "zeta"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_benchmark_exposes_run(name: str) -> None:
    """Each script imports cleanly and has the ``run() -> Figure`` the runner calls."""
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(module.run)


def test_the_table_shows_value_target_verdict_and_machine() -> None:
    """A met figure, a missed one and a failure each get their row."""
    rows = [
        ("ingest", Figure("ingest", 250_000, "events/s", ">= 200,000", True)),
        ("flatten", Figure("flatten", 7.5, "ms", "< 5 ms", False)),
        ("startup", "no live prices"),
    ]
    text = table(rows, "x86_64 2 cores", markdown=False)
    lines = text.splitlines()
    assert lines[1].split()[:4] == ["ingest", "250,000.00", "events/s", ">="]
    assert "MISSED" in lines[2]
    assert "error: no live prices" in lines[3]
    assert all(line.rstrip().endswith("cores") for line in lines[1:])


def test_the_markdown_table_has_a_row_per_figure() -> None:
    """``--markdown`` gives a header, a rule and one row per figure."""
    rows = [("ingest", Figure("ingest", 1.0, "events/s", ">= 2", False))]
    assert table(rows, "m", markdown=True).count("\n") == 2


def test_percentile_picks_the_nearest_rank() -> None:
    """p50 of 1..101 is 51 and p99 is 100: the figures' percentiles mean what they say."""
    values = [float(v) for v in range(1, 102)]
    assert (percentile(values, 50), percentile(values, 99)) == (51.0, 100.0)
