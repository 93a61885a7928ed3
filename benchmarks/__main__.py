"""Run the benchmarks and print one table row per figure: ``python -m benchmarks --help``.

The exit status is 0 whether or not a target is met (the report carries the verdict); it is 1
only when a case could not run at all (an exception), so a broken benchmark fails CI.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from ._core import Config, Row, machine

CASES = ("import", "prepare", "plan", "hours", "client_cpu", "send", "journal", "memory", "sandbox")
"""Case names, in the order they run; each is the module ``benchmarks.bench_<name>``."""


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"benchmarks.bench_{name}")


def _print_row(row: Row, out: Any) -> None:
    print(
        f"  {row.case}\n"
        f"      figure {row.figure_text()} | reference {row.reference_text()} | "
        f"ratio {row.ratio_text()} | target {row.target} | met {row.met_text()}",
        file=out,
        flush=True,
    )
    for note in row.notes:
        print(f"      · {note}", file=out, flush=True)


def table(rows: list[Row]) -> str:
    """The rows as a markdown table (what RESULTS.md shows)."""
    lines = [
        "| case | figure | reference | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.case} | {row.figure_text()} | {row.reference_text()} | "
            f"{row.ratio_text()} | {row.target} | {row.met_text()} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds, for CI)")
    parser.add_argument(
        "--only", action="append", choices=CASES, metavar="NAME",
        help=f"run only this case (repeatable): {', '.join(CASES)}",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    cfg = Config.make(args.quick)
    names = [c for c in CASES if not args.only or c in args.only]
    info = machine()
    print(
        f"itnivoice_nb benchmarks ({'quick' if cfg.quick else 'full'}) — {info['cpus']} CPUs "
        f"({info['cpu']}), Python {info['python']}, load {info.get('load_1min', '?')}",
        flush=True,
    )
    rows: list[Row] = []
    failed: list[str] = []
    report: dict[str, Any] = {"machine": info, "quick": cfg.quick, "cases": {}}
    for name in names:
        module = _module(name)
        print(f"\n[{name}] {module.TITLE}", flush=True)
        started = time.perf_counter()
        try:
            got: list[Row] = module.run(cfg)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            report["cases"][name] = {"error": traceback.format_exc()}
            continue
        for row in got:
            if cfg.quick:
                row.met = None  # at quick sizes fixed costs dominate: no verdict
            _print_row(row, sys.stdout)
        seconds = time.perf_counter() - started
        print(f"  ({seconds:.1f} s)", flush=True)
        rows.extend(got)
        report["cases"][name] = {"seconds": seconds, "rows": [r.as_dict() for r in got]}
    print("\n" + table(rows), flush=True)
    missed = [r.case for r in rows if r.met is False]
    if cfg.quick:
        print(
            "\nquick mode: sizes too small for the targets to mean anything (no verdicts); "
            "run `python -m benchmarks` for the real figures",
            flush=True,
        )
    else:
        print(
            f"\n{sum(r.met is True for r in rows)} of {sum(r.met is not None for r in rows)} "
            f"targets met" + (f"; missed: {'; '.join(missed)}" if missed else ""),
            flush=True,
        )
    if failed:
        print(f"cases that could not run: {', '.join(failed)}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
