"""``prepare`` on a million messy numbers against a bare pyarrow pass and per-row phonenumbers.

Three targets from the issue:

* default rules, 1,000,000 messy cells: at most 2.5× a bare ``pyarrow.compute`` clean-and-match
  of the same strings (drop the separators `` -().``, drop a leading ``+`` or ``00``, keep 7-15
  digits) — the least work any vectorised cleaner must do;
* the same, at least 20× faster than per-row ``phonenumbers.parse`` + ``is_possible_number``;
* ``default_region="IN"``, 1,000,000 rows holding 100,000 distinct values: at least 8× faster
  than per-row phonenumbers (``prepare`` parses each distinct value once).

CPU-bound, so the clock is the process's CPU time (other processes on a shared machine do not
inflate it); each contender runs ``repeat`` times, interleaved, and keeps its fastest run. The
per-row phonenumbers references run once (tens of seconds at full size).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Final

import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from itnivoice_nb import prepare

from ._core import Config, Row, best_of, slowdown_row, speedup_row, timed
from .messy import messy_frame, national_numbers

NAME: Final = "prepare"
TITLE: Final = "prepare() on messy numbers"

_E164: Final = phonenumbers.PhoneNumberFormat.E164


def pyarrow_reference(arr: pa.Array) -> pa.Array:
    """The bare clean-and-match: separators out, a leading + or 00 out, 7-15 digits or null.

    The fastest plain pyarrow we found: literal ``replace_substring`` per separator (faster
    than one regex character class), one anchored regex for the prefix, one for the match.
    """
    cleaned = arr
    for separator in " -().":
        cleaned = pc.replace_substring(cleaned, separator, "")
    cleaned = pc.replace_substring_regex(cleaned, r"^(\+|00)", "")
    ok = pc.match_substring_regex(cleaned, r"^[0-9]{7,15}$")
    return pc.if_else(ok, cleaned, pa.scalar(None, cleaned.type))


def phonenumbers_reference(values: Sequence[object], region: str | None = None) -> list[str | None]:
    """Per row: ``phonenumbers.parse`` + ``is_possible_number``; E.164 digits or None.

    Without a region a number needs its '+', so one is put in front (``00`` becomes ``+``),
    as anyone would do to send such a sheet through libphonenumber.
    """
    out: list[str | None] = []
    parse, possible = phonenumbers.parse, phonenumbers.is_possible_number
    fmt = phonenumbers.format_number
    error = phonenumbers.NumberParseException
    for value in values:
        if value is None:
            out.append(None)
            continue
        text = str(value).strip()
        if region is None:
            if text.startswith("00"):
                text = "+" + text[2:]
            elif not text.startswith("+"):
                text = "+" + text
        try:
            number = parse(text, region)
        except error:
            out.append(None)
            continue
        out.append(fmt(number, _E164)[1:] if possible(number) else None)
    return out


def _texts(series: pd.Series) -> list[str | None]:
    """The values as Python strings, None where missing."""
    return [None if isinstance(v, float) else v for v in series.tolist()]


def _agreement(a: pd.Series, b: Sequence[str | None]) -> float:
    same = sum(x == y for x, y in zip(_texts(a), b, strict=True))
    return same / max(1, len(b))


def run(cfg: Config) -> list[Row]:
    rows: list[Row] = []
    warnings.simplefilter("ignore", UserWarning)
    n = cfg.prepare_rows
    text_frame = messy_frame(n)  # a CSV-like text column (pandas' str dtype)
    excel_frame = messy_frame(n, ints=True)  # an object column: ints, text, None
    arrow_text = pa.array(text_frame["phone"].array)

    best = best_of(
        {
            "reference": lambda: pyarrow_reference(arrow_text),
            "prepare": lambda: prepare(text_frame),
            "prepare_object": lambda: prepare(excel_frame),
        },
        cfg.repeat,
    )
    prepared = prepare(text_frame)
    reference_numbers = pyarrow_reference(arrow_text).to_pylist()
    agree = _agreement(prepared["number"], reference_numbers)
    ref = best["reference"].cpu
    rows.append(
        slowdown_row(
            f"prepare, {n:,} messy cells (text column)", best["prepare"].cpu, ref,
            "bare pyarrow clean-and-match", 2.5,
            notes=[
                f"valid {prepared['valid'].mean():.1%}; same number as the bare pass on "
                f"{agree:.1%} of rows (the rest: Unicode digits/spaces, '….0', letters… "
                "that only prepare reads or refuses right)",
                f"wall {best['prepare'].wall:.3f} s vs {best['reference'].wall:.3f} s",
            ],
        )
    )
    rows.append(
        slowdown_row(
            f"prepare, {n:,} messy cells (object column: ints + text)",
            best["prepare_object"].cpu, ref, "bare pyarrow clean-and-match", 2.5,
            notes=["the reference is handed the text column: it does no conversion of ints"],
        )
    )

    # Per-row phonenumbers, default rules (no region): the same cells, as text.
    m = min(cfg.phonenumbers_rows, n)
    values = _texts(text_frame["phone"].iloc[:m])
    with timed() as t_ref:
        per_row = phonenumbers_reference(values)
    scaled = t_ref.cpu * n / m
    rows.append(
        speedup_row(
            f"prepare, {n:,} messy cells", best["prepare"].cpu, scaled,
            "per-row phonenumbers.parse + is_possible_number", 20,
            notes=[
                f"reference {t_ref.cpu / m * 1e6:.1f} µs per row"
                + (f", timed on {m:,} rows and scaled to {n:,}" if m < n else ""),
                f"valid per phonenumbers {sum(v is not None for v in per_row) / m:.1%}",
            ],
        )
    )

    # default_region: many repeats of fewer distinct values.
    nr, distinct = cfg.prepare_region_rows, cfg.prepare_region_distinct
    national = pd.DataFrame(
        {"phone": pd.Series(national_numbers(nr, distinct=distinct), dtype="str")}
    )
    best_r = best_of({"prepare": lambda: prepare(national, default_region="IN")}, cfg.repeat)
    m = min(cfg.phonenumbers_rows, nr)
    values = national["phone"].tolist()[:m]
    with timed() as t_ref:
        per_row = phonenumbers_reference(values, "IN")
    region_out = prepare(national, default_region="IN")["number"].iloc[:m]
    rows.append(
        speedup_row(
            f"prepare default_region='IN', {nr:,} rows, {distinct:,} distinct",
            best_r["prepare"].cpu, t_ref.cpu * nr / m, "per-row phonenumbers (region IN)", 8,
            notes=[
                f"reference {t_ref.cpu / m * 1e6:.1f} µs per row"
                + (f", timed on {m:,} rows and scaled to {nr:,}" if m < nr else ""),
                f"same number as per-row phonenumbers on {_agreement(region_out, per_row):.1%}"
                " of rows",
            ],
        )
    )
    return rows
