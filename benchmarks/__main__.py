"""``python -m benchmarks [NAME ...]``: run the figures and print them as a table.

Every module of this package whose name does not start with ``_`` and that has a
``run() -> Figure`` is a benchmark, so figures added later are picked up by name. With
no names, each runs in a fresh interpreter (a figure such as memory must not carry what
the one before it allocated) and the table follows; with names, those run here.
``--markdown`` prints the table as Markdown (for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._common import Figure, machine

PACKAGE = Path(__file__).resolve().parent
ORDER = (
    "ingest",
    "bars_vs_sdk",
    "risk_eval",
    "ui_storm",
    "flatten",
    "flatten_live",
    "startup",
    "memory",
    "terminal_bytes",
    "journal_overhead",
    "journal_seek",
    "journal_replay",
)
"""The table's order for the figures known today; any other module follows by name."""
MARK = "BENCHMARK-FIGURE "
TIMEOUT_S = 900


def discover(folder: Path = PACKAGE) -> list[str]:
    """Benchmark module names in ``folder``, in table order."""
    names = [
        info.name
        for info in pkgutil.iter_modules([str(folder)])
        if not info.name.startswith("_") and not info.ispkg
    ]
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(names, key=lambda name: (rank.get(name, len(ORDER)), name))


def run_here(name: str) -> Figure:
    module = importlib.import_module(f"benchmarks.{name}")
    run = getattr(module, "run", None)
    if run is None:
        raise SystemExit(f"benchmarks.{name} has no run() -> Figure")
    figure = run()
    if not isinstance(figure, Figure):
        raise SystemExit(f"benchmarks.{name}.run() returned {type(figure).__name__}, not Figure")
    return figure


def run_apart(name: str) -> Figure | str:
    """Run one benchmark in a fresh interpreter: its Figure, or why it failed."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks", "--json", name],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            cwd=PACKAGE.parent,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {TIMEOUT_S} s"
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARK):
            return Figure(**json.loads(line.removeprefix(MARK)))
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit code {done.returncode}"


def table(rows: list[tuple[str, Figure | str]], where: str, markdown: bool) -> str:
    head = ("figure", "value", "target", "met", "machine")
    body = []
    for name, figure in rows:
        if isinstance(figure, Figure):
            value = f"{figure.value:,.2f} {figure.unit}"
            body.append((name, value, figure.target, "met" if figure.met else "MISSED", where))
        else:
            body.append((name, f"error: {figure}", "", "ERROR", where))
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [head, *body]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    known = discover()
    if args.list:
        print("\n".join(known))
        return 0
    unknown = [name for name in args.names if name not in known]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(known)}")
    if args.json:
        for name in args.names:
            figure = run_here(name)
            print(figure.line())
            print(MARK + json.dumps(dataclasses.asdict(figure)), flush=True)
        return 0
    rows: list[tuple[str, Figure | str]] = []
    if args.names:
        for name in args.names:
            figure = run_here(name)
            print(figure.line(), flush=True)
            rows.append((name, figure))
    else:
        for name in known:
            print(f"{name} ...", end=" ", file=sys.stderr, flush=True)
            started = time.perf_counter()
            result = run_apart(name)
            print(f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            if isinstance(result, Figure):
                print(result.line(), flush=True)
            rows.append((name, result))
    print()
    print(table(rows, machine(), args.markdown))
    failed = any(not isinstance(figure, Figure) for _, figure in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
