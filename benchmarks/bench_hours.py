"""Calling hours (``check_window``) on a million numbers from many countries.

Two targets from the issue:

* the window of 1,000,000 rows (time zones of every number, local time, reason and next opening)
  in at most 1 s;
* the same, at least 20× faster than per-row ``phonenumbers.parse`` +
  ``phonenumbers.timezone.time_zones_for_number`` (which only finds the zones).

The numbers: 70 % what ``prepare`` makes of the messy sheet of :mod:`benchmarks.messy` (ten
countries, +1 and +62 among them, with the invalid national numbers such a sheet holds), 30 %
numbers near libphonenumber's example numbers of every region and type (last three digits
redrawn), shuffled. CPU-bound, so the clock is the process's CPU time; each contender runs
``repeat`` times, interleaved, and keeps its fastest run. The per-row reference runs once, on at
most 200,000 rows, and is scaled to the full size.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from typing import Final

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers.timezone import time_zones_for_number

from itnivoice_nb import prepare
from itnivoice_nb._hours import check_window, parse_window, time_zones

from ._core import Config, Row, best_of, speedup_row, timed
from .messy import messy_frame

NAME: Final = "hours"
TITLE: Final = "calling hours: check_window() on numbers of many countries"

AT: Final = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
"""A fixed instant (a Friday): the same groups open and wait on every run."""
BUDGET_S: Final = 1.0
REFERENCE_ROWS: Final = 200_000


def world_numbers(n: int, seed: int = 11) -> list[str]:
    """``n`` numbers near libphonenumber's examples of every region and type (deterministic)."""
    examples: list[str] = []
    kinds = [t for name, t in vars(phonenumbers.PhoneNumberType).items()
             if name.isupper() and name != "UNKNOWN"]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in kinds:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
                examples.append(e164[1:])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(examples), size=n).tolist()
    tails = rng.integers(0, 1000, size=n).tolist()
    return [f"{examples[p][:-3]}{t:03d}" for p, t in zip(picks, tails, strict=True)]


def mixed_numbers(n: int, seed: int = 3) -> list[str]:
    """70 % prepared messy-sheet numbers, 30 % :func:`world_numbers`, shuffled."""
    sheet = prepare(messy_frame(int(n * 0.9) + 16))["number"].dropna().tolist()
    k = int(n * 0.7)
    while len(sheet) < k:  # pragma: no cover - the sheet is ~85 % valid
        sheet = sheet + sheet
    out = np.array(sheet[:k] + world_numbers(n - k), dtype=object)
    np.random.default_rng(seed).shuffle(out)
    return out.tolist()


def per_row_zones(numbers: list[str]) -> list[tuple[str, ...]]:
    """The reference: one ``parse`` + ``time_zones_for_number`` per row."""
    parse, zones_for = phonenumbers.parse, time_zones_for_number
    error = phonenumbers.NumberParseException
    out: list[tuple[str, ...]] = []
    for number in numbers:
        try:
            out.append(tuple(zones_for(parse("+" + number))))
        except error:
            out.append(("Etc/Unknown",))
    return out


def run(cfg: Config) -> list[Row]:
    warnings.simplefilter("ignore", UserWarning)
    n = cfg.prepare_rows
    numbers = pd.Series(mixed_numbers(n), dtype="str")  # what prepare() gives: a str column
    window = parse_window(("09:00", "20:00"))
    weekdays = parse_window(("09:00", "20:00"), "Mon-Fri")
    check_window(numbers.iloc[:1000], window, at=AT)  # load the metadata and zone files once
    best = best_of(
        {
            "window": lambda: check_window(numbers, window, at=AT),
            "weekdays": lambda: check_window(numbers, weekdays, at=AT),
            "zones": lambda: time_zones(numbers),
        },
        cfg.repeat,
    )
    result = check_window(numbers, window, at=AT)
    m = min(cfg.phonenumbers_rows, n, REFERENCE_ROWS)
    sample = numbers.iloc[:m].tolist()
    with timed() as t_ref:
        reference = per_row_zones(sample)
    codes, zones = time_zones(sample)
    same = sum(zones[c] == z for c, z in zip(codes.tolist(), reference, strict=True)) / m
    scaled = t_ref.cpu * n / m
    figure = best["window"].cpu
    groups = len(result.groups)
    never = int(np.count_nonzero(result.opens_at.isna()))
    notes = [
        f"{len(result) - result.deferred:,} open now, {result.deferred:,} deferred "
        f"({never:,} with no zone known or no common hour); "
        f"{groups} distinct zone sets; {numbers.str.slice(0, 3).nunique()} distinct 3-digit heads",
        f"time_zones() alone {best['zones'].cpu:.3f} s; with call_days='Mon-Fri' "
        f"{best['weekdays'].cpu:.3f} s; wall {best['window'].wall:.3f} s",
    ]
    return [
        Row(
            f"check_window, {n:,} rows, many countries", figure, "s", BUDGET_S, "budget",
            figure / BUDGET_S, "× budget", f"≤ {BUDGET_S:g} s", figure <= BUDGET_S,
            notes=notes,
        ),
        speedup_row(
            f"check_window vs per-row time zones, {n:,} rows", figure, scaled,
            "per-row phonenumbers.parse + time_zones_for_number", 20,
            notes=[
                f"reference {t_ref.cpu / m * 1e6:.1f} µs per row"
                + (f", timed on {m:,} rows and scaled to {n:,}" if m < n else ""),
                f"same zones as per-row phonenumbers on {same:.2%} of those rows",
            ],
        ),
    ]
