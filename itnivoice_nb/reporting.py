"""Summaries of a results DataFrame: a tidy count table, a coloured view of it, a saved report.

:func:`summary` turns the one-row-per-number results of ``iv.send`` into one row per group with
the count and share of every outcome; :func:`styled` shows it with the outcome colours in a
notebook; :func:`save_report` writes the charts of :func:`itnivoice_nb.plots.report` and the table
to a PNG/SVG/PDF file or to one self-contained HTML page. Nothing here mutates the caller's frame
and every returned table is a plain DataFrame.

Example:
    >>> import pandas as pd
    >>> from itnivoice_nb.outcomes import OUTCOME_DTYPE
    >>> results = pd.DataFrame({
    ...     "segment": ["a", "a", "b", None],
    ...     "outcome": pd.Series(["submitted", "rejected", "submitted", "invalid"],
    ...                          dtype=OUTCOME_DTYPE),
    ... })
    >>> table = summary(results, by="segment")
    >>> table[["rows", "submitted", "submitted_share", "invalid"]]  # doctest: +NORMALIZE_WHITESPACE
               rows  submitted  submitted_share  invalid
    segment
    a             2          1              0.5        0
    b             1          1              1.0        0
    (missing)     1          0              0.0        1
    total         4          2              0.5        1
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .outcomes import OUTCOME_COLORS, OUTCOME_MEANINGS, OUTCOMES, SUBMITTED

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = [
    "FUNNEL_COLORS",
    "FUNNEL_STAGES",
    "KEY_COLORS",
    "MISSING_GROUP",
    "SAVE_SUFFIXES",
    "TOTAL_ROW",
    "has_call_records",
    "save_report",
    "style_summary",
    "styled",
    "summary",
]

TOTAL_ROW: Final = "total"
"""Index label of the last row of :func:`summary`: every row of the results."""

MISSING_GROUP: Final = "(missing)"
"""Group label for rows whose ``by`` value is missing; such rows are never dropped."""

SHARE_SUFFIX: Final = "_share"

RECORD_SUMMARY_COLUMNS: Final = (
    "answered",
    "answered_share",
    "responded",
    "responded_share",
    "mean_call_duration_s",
    "total_call_duration_s",
    "total_cost",
)
"""Columns :func:`summary` adds when the results carry call records."""

FUNNEL_STAGES: Final = ("rows", "sendable", "submitted", "answered", "responded")
"""The stages of :func:`itnivoice_nb.plots.plot_funnel`, each a subset of the one before:
every row; valid and not a duplicate; accepted by the API; answered (call record); a key pressed
(``feedback_value`` other than ``"-1"``) on an answered call."""

FUNNEL_COLORS: Final[dict[str, str]] = {
    # greys before the API, then greens darkening stage by stage (submitted keeps its outcome
    # colour): told apart by lightness, so safe with every colour-vision deficiency.
    "rows": "#C8C8C8",
    "sendable": "#8C8C8C",
    "submitted": OUTCOME_COLORS[SUBMITTED],
    "answered": "#006B4E",
    "responded": "#00382A",
}
"""One fixed colour per funnel stage, in every chart and styled table."""

FUNNEL_MEANINGS: Final[dict[str, str]] = {
    "rows": "every row of the results",
    "sendable": "valid and not a duplicate: a number the campaign meant to call",
    "submitted": 'the API accepted the number (terminationCode "0")',
    "answered": "the call record says the call was answered (SIP 200)",
    "responded": 'an answered call in which a key was pressed (feedbackValue not "-1")',
}
"""What each funnel stage counts, in words (the HTML report lists them)."""

NO_KEY: Final = "no key"
"""Label of answered calls in which no key was pressed (``feedback_value`` "-1" or missing)."""

KEY_ORDER: Final = "1234567890*#"
"""Keypad order, the order in which pressed keys are listed."""

KEY_COLORS: Final[dict[str, str]] = {
    # Paul Tol's "muted" and "light" qualitative colours, minus those outcomes use.
    "1": "#CC6677",  # rose
    "2": "#88CCEE",  # cyan
    "3": "#DDCC77",  # sand
    "4": "#44AA99",  # teal
    "5": "#AA4499",  # purple
    "6": "#999933",  # olive
    "7": "#117733",  # green
    "8": "#77AADD",  # light blue
    "9": "#EE8866",  # orange
    "0": "#BBCC33",  # pear
    "*": "#FFAABB",  # pink
    "#": "#99DDFF",  # pale cyan
    NO_KEY: "#BBBBBB",  # pale grey: the usual case, kept quiet
}
"""One fixed colour per key of :func:`itnivoice_nb.plots.plot_responses` (others: grey)."""

SAVE_SUFFIXES: Final = (".png", ".svg", ".pdf", ".html")
"""File suffixes :func:`save_report` can write."""

_RECORD_EVIDENCE: Final = ("answered", "sip_code", "call_duration", "cost")
_NUMBER_RUN: Final = re.compile(r"\+?\d{7,}")


# --------------------------------------------------------------------------- shared helpers
# (plots.py uses these too; they are private to the package.)


def _check_results(results: object, required: Iterable[str] = ("outcome",)) -> pd.DataFrame:
    """Return ``results`` if it is a DataFrame with the ``required`` columns, else raise."""
    if not isinstance(results, pd.DataFrame):
        raise TypeError(
            f"expected a results DataFrame (what iv.send returns), got {type(results).__name__}"
        )
    missing = [c for c in required if c not in results.columns]
    if missing:
        have = ", ".join(map(str, results.columns)) or "none"
        raise ValueError(
            f"results has no column {', '.join(map(repr, missing))}: expected the DataFrame "
            f"iv.send returns (columns such as 'outcome', 'outcome_reason', 'number', "
            f"'sent_at'); columns present: {have}"
        )
    return results


def _outcome_codes(results: pd.DataFrame) -> np.ndarray:
    """The outcome of every row as an int array: the position in :data:`OUTCOMES` (0..6).

    Accepts the categorical ``outcome`` of ``iv.send`` or plain strings (e.g. after a CSV round
    trip); any other value, or a missing one, is a ValueError.
    """
    column = results["outcome"]
    known = pd.Index(list(OUTCOMES))
    if isinstance(column.dtype, pd.CategoricalDtype):
        # translate the column's own category numbers; -1 (missing) stays -1
        position = np.append(known.get_indexer(column.cat.categories.astype(str)), -1)
        codes = position[column.cat.codes.to_numpy()]
    else:
        codes = known.get_indexer(pd.Index(column.astype(object)))
    if (codes < 0).any():
        bad = column[codes < 0]
        shown = sorted({str(v) for v in bad.dropna().unique()[:5]})
        what = f"unexpected values {shown}" if shown else f"{int(bad.isna().sum())} missing values"
        raise ValueError(
            f"outcome column has {what}; every row must have one of: {', '.join(OUTCOMES)}"
        )
    return np.asarray(codes, dtype=np.int64)


def _check_by(results: pd.DataFrame, by: Hashable | None) -> None:
    if by is not None and by not in results.columns:
        raise ValueError(
            f"by={by!r} is not a column of results; columns: "
            + ", ".join(map(str, results.columns))
        )


def _group_codes(results: pd.DataFrame, by: Hashable | None) -> tuple[np.ndarray, list[Hashable]]:
    """Group number of every row and the group labels; missing values form ``(missing)``.

    Groups are sorted (categories keep their order); ``(missing)`` comes last.
    """
    if by is None:
        return np.zeros(len(results), dtype=np.int64), ["all"]
    _check_by(results, by)
    column = results[by]
    try:
        codes, uniques = pd.factorize(column, sort=True)
    except TypeError:  # unorderable mix of types: keep the order of first appearance
        codes, uniques = pd.factorize(column, sort=False)
    labels: list[Hashable] = list(uniques)
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(labels), codes)
        labels.append(MISSING_GROUP)
    return codes, labels


def _count_matrix(group: np.ndarray, outcome: np.ndarray, n_groups: int) -> np.ndarray:
    """Rows per (group, outcome) as an ``n_groups x len(OUTCOMES)`` int array."""
    k = len(OUTCOMES)
    if n_groups == 0:
        return np.zeros((0, k), dtype=np.int64)
    flat = np.bincount(group * k + outcome, minlength=n_groups * k)
    return flat.reshape(n_groups, k)


def _column(results: pd.DataFrame, name: str) -> pd.Series | None:
    return results[name] if name in results.columns else None


def has_call_records(results: pd.DataFrame) -> bool:
    """Whether ``iv.call_outcomes`` has joined any call record onto ``results``.

    True when one of ``answered``, ``sip_code``, ``call_duration`` or ``cost`` is present and not
    entirely missing.

    Example:
        >>> has_call_records(pd.DataFrame({"outcome": ["submitted"], "answered": [None]}))
        False
    """
    return any(
        name in results.columns and bool(results[name].notna().any()) for name in _RECORD_EVIDENCE
    )


def _bool_array(series: pd.Series | None, n: int) -> np.ndarray:
    """``True`` where the value is true; missing and false are ``False``."""
    if series is None:
        return np.zeros(n, dtype=bool)
    return np.asarray(series.astype("boolean").fillna(False).to_numpy(dtype=bool))


def _float_array(series: pd.Series | None, n: int) -> np.ndarray:
    """Numeric values as float64, missing as NaN."""
    if series is None:
        return np.full(n, np.nan)
    numeric = pd.to_numeric(series, errors="coerce")
    return np.asarray(numeric.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan))


def _sip_codes(results: pd.DataFrame) -> pd.Series | None:
    """``sip_code`` as text ("486"), missing as NA; numbers read back from a CSV are accepted."""
    column = _column(results, "sip_code")
    if column is None:
        return None
    text = column.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    return text.mask(text == "")


def _answered_array(results: pd.DataFrame) -> np.ndarray:
    """True for answered calls: ``answered`` when known, else ``sip_code == "200"``."""
    n = len(results)
    answered = _column(results, "answered")
    sip = _sip_codes(results)
    by_sip = np.zeros(n, dtype=bool) if sip is None else np.asarray((sip == "200").fillna(False))
    if answered is None:
        return by_sip
    known = np.asarray(answered.notna())
    return np.where(known, _bool_array(answered, n), by_sip)


def _feedback_keys(results: pd.DataFrame) -> pd.Series | None:
    """The key pressed on each row's call as text ("1", "#"), NA for none ("-1", "", missing).

    ``None`` when there is no ``feedback_value`` column. Numbers read back from a CSV
    (``1.0``, ``-1``) are accepted.
    """
    column = _column(results, "feedback_value")
    if column is None:
        return None
    text = column.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    return text.mask(text.isin(["", "-1", "nan", "None", "<NA>"]))


def _responded_array(results: pd.DataFrame) -> np.ndarray:
    """True for answered calls in which a key was pressed (False without ``feedback_value``)."""
    keys = _feedback_keys(results)
    if keys is None:
        return np.zeros(len(results), dtype=bool)
    return _answered_array(results) & np.asarray(keys.notna())


def _mask_text(value: object) -> str:
    """``str(value)`` with every run of 7+ digits masked but its last 4 (``•••••••3210``)."""

    def mask(match: re.Match[str]) -> str:
        digits = match.group(0).lstrip("+")
        return "•" * (len(digits) - 4) + digits[-4:]

    return _NUMBER_RUN.sub(mask, str(value))


def _message_setting(results: pd.DataFrame, key: str) -> Any:
    """``results.attrs["message"][key]`` if present, else None; attrs are optional."""
    message = results.attrs.get("message") if isinstance(results.attrs, dict) else None
    if isinstance(message, dict):
        return message.get(key)
    return getattr(message, key, None)


# --------------------------------------------------------------------------- summary


def campaign_name(results: pd.DataFrame) -> str | None:
    """The campaign's label, else ``#`` and the start of its id, from ``results.attrs``."""
    attrs = results.attrs if isinstance(results.attrs, dict) else {}
    if attrs.get("label"):
        return str(attrs["label"])
    return f"#{str(attrs['campaign'])[:8]}" if attrs.get("campaign") else None


def summary(results: pd.DataFrame, by: Hashable | None = None) -> pd.DataFrame:
    """Count and share of every outcome, overall or per value of a column, with a total row.

    The table is wide and flat, one row per group:

    - index: the values of ``by`` (sorted; categories keep their order), then ``"(missing)"``
      for rows whose ``by`` value is missing (never dropped), then ``"total"``. With ``by=None``
      the only row is ``"total"``. The index is named after ``by``.
    - ``rows``: rows in the group.
    - for every outcome in :data:`~itnivoice_nb.outcomes.OUTCOMES` order, even when zero:
      ``<outcome>`` (count, int) followed by ``<outcome>_share`` (count / rows, 0-1 float; the
      shares of a row sum to 1, NaN for a group of no rows).
    - only when call records are present (see :func:`has_call_records`): ``answered`` (answered
      calls), ``answered_share`` (answered / submitted), ``responded`` (answered calls in which a
      key was pressed: ``feedback_value`` other than "-1"), ``responded_share`` (responded /
      answered), ``mean_call_duration_s`` (mean ``call_duration`` of answered calls),
      ``total_call_duration_s`` and ``total_cost`` (sums over every call record).
      ``attrs["currency"]`` names the currency when there is one.

    For a long form use ``table[list(OUTCOMES)].stack()``. The input is not mutated.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb.outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({"outcome": pd.Series(
        ...     ["submitted", "submitted", "failed", "duplicate"], dtype=OUTCOME_DTYPE)})
        >>> row = summary(results).loc["total"]
        >>> int(row["rows"]), int(row["submitted"]), float(row["submitted_share"])
        (4, 2, 0.5)
        >>> summary(results, by="segment")
        Traceback (most recent call last):
        ...
        ValueError: by='segment' is not a column of results; columns: outcome

    Raises:
        ValueError: ``results`` has no ``outcome`` column, an outcome is not one of
            ``OUTCOMES``, or ``by`` is not a column.
    """
    _check_results(results)
    _check_by(results, by)
    outcome = _outcome_codes(results)
    labels: list[Hashable] = []
    if by is None:
        group = np.zeros(len(results), dtype=np.int64)
    else:
        group, labels = _group_codes(results, by)
    n_groups = len(labels)
    counts = np.vstack(
        [
            _count_matrix(group, outcome, n_groups),
            np.bincount(outcome, minlength=len(OUTCOMES)),
        ]
    )
    rows = counts.sum(axis=1)

    data: dict[str, Any] = {"rows": rows}
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, name in enumerate(OUTCOMES):
            data[name] = counts[:, j]
            data[name + SHARE_SUFFIX] = counts[:, j] / rows
    if has_call_records(results):
        data.update(_record_summary(results, group, n_groups, counts))
    index = pd.Index([*labels, TOTAL_ROW], dtype=object, name=by)
    table = pd.DataFrame(data, index=index)
    currencies = _column(results, "currency")
    if "total_cost" in table.columns and currencies is not None:
        found = currencies.dropna().unique()
        if len(found) == 1:
            table.attrs["currency"] = str(found[0])
    return table


def _record_summary(
    results: pd.DataFrame, group: np.ndarray, n_groups: int, counts: np.ndarray
) -> dict[str, np.ndarray]:
    """The call-record columns of :func:`summary`: one value per group, then the total."""
    n = len(results)
    answered = _answered_array(results)
    duration = _float_array(_column(results, "call_duration"), n)
    cost = _float_array(_column(results, "cost"), n)

    def sums(values: np.ndarray) -> np.ndarray:
        clean = np.nan_to_num(values, nan=0.0)
        per_group = np.bincount(group, weights=clean, minlength=n_groups)[:n_groups]
        return np.append(per_group, clean.sum())

    def means(values: np.ndarray) -> np.ndarray:
        known = ~np.isnan(values)
        total = sums(values)
        seen = np.append(
            np.bincount(group, weights=known, minlength=n_groups)[:n_groups], known.sum()
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(seen > 0, total / seen, np.nan)

    answered_count = np.rint(sums(answered.astype(np.float64))).astype(np.int64)
    responded_count = np.rint(sums(_responded_array(results).astype(np.float64))).astype(np.int64)
    submitted = counts[:, OUTCOMES.index(SUBMITTED)]
    with np.errstate(invalid="ignore", divide="ignore"):
        answered_share = np.where(submitted > 0, answered_count / submitted, np.nan)
        responded_share = np.where(answered_count > 0, responded_count / answered_count, np.nan)
    return {
        "answered": answered_count,
        "answered_share": answered_share,
        "responded": responded_count,
        "responded_share": responded_share,
        "mean_call_duration_s": means(np.where(answered, duration, np.nan)),
        "total_call_duration_s": np.rint(sums(duration)).astype(np.int64),
        "total_cost": sums(cost),
    }


# --------------------------------------------------------------------------- styling


def _text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (a ``#rrggbb`` colour)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(background[i : i + 2], 16) / 255) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b  # WCAG relative luminance
    return "#000000" if luminance > 0.179 else "#ffffff"  # whichever contrasts more


def _is_summary(frame: pd.DataFrame) -> bool:
    return "rows" in frame.columns and all(name in frame.columns for name in OUTCOMES)


def style_summary(summary_df: pd.DataFrame) -> Styler:
    """A Styler showing a :func:`summary` table with the outcome colours.

    Outcome headers get their outcome's colour, share columns are percentages with a bar in that
    colour, counts get thousands separators, the total row is bold, and index labels that look
    like phone numbers are masked to their last 4 digits. The table itself is not changed.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb.outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({"outcome": pd.Series(["submitted"], dtype=OUTCOME_DTYPE)})
        >>> "100.0%" in style_summary(summary(results)).to_html()
        True
    """
    if not isinstance(summary_df, pd.DataFrame) or not _is_summary(summary_df):
        raise ValueError(
            "expected a table from iv.summary(results) (columns 'rows' and one per outcome: "
            + ", ".join(OUTCOMES)
            + ")"
        )
    columns = set(summary_df.columns)
    shares = [c for c in summary_df.columns if str(c).endswith(SHARE_SUFFIX)]
    counts = [c for c in ("rows", *OUTCOMES, "answered", "responded") if c in columns]
    styler = summary_df.style
    formats: dict[Any, str | Callable[[object], str] | None] = {c: "{:,.0f}" for c in counts}
    formats.update({c: "{:.1%}" for c in shares})
    for name, fmt in (
        ("mean_call_duration_s", "{:,.1f}"),
        ("total_call_duration_s", "{:,.0f}"),
        ("total_cost", "{:,.2f}"),
    ):
        if name in columns:
            formats[name] = fmt
    styler = styler.format(formats, na_rep="–")
    styler = styler.format_index(_mask_text, axis="index")

    colours = {
        **{o: OUTCOME_COLORS[o] for o in OUTCOMES},
        "answered": FUNNEL_COLORS["answered"],
        "responded": FUNNEL_COLORS["responded"],
    }
    for name, colour in colours.items():
        share = name + SHARE_SUFFIX
        if share in columns:
            styler = styler.bar(
                subset=[share], color=colour, vmin=0.0, vmax=1.0, height=70, props="width: 6em;"
            )

    def header_css(label: object) -> str:
        base = str(label).removesuffix(SHARE_SUFFIX)
        colour = colours.get(base)
        if colour is None:
            return ""
        return f"background-color: {colour}; color: {_text_color(colour)};"

    styler = styler.map_index(header_css, axis="columns")

    def bold_total(row: pd.Series) -> list[str]:
        css = "font-weight: bold; border-top: 1px solid #444;" if row.name == TOTAL_ROW else ""
        return [css] * len(row)

    styler = styler.apply(bold_total, axis=1)
    styler = styler.set_table_styles(
        [
            {"selector": "", "props": "border-collapse: collapse; font-size: 0.9em;"},
            {"selector": "th, td", "props": "padding: 3px 8px; text-align: right;"},
            {"selector": "caption", "props": "caption-side: top; font-weight: bold;"},
        ],
        overwrite=False,
    )
    by = summary_df.index.name
    caption = "Outcomes" + (f" per {by}" if by is not None else "")
    if "currency" in summary_df.attrs:
        caption += f" (cost in {summary_df.attrs['currency']})"
    return styler.set_caption(caption)


def styled(results_or_summary: pd.DataFrame, by: Hashable | None = None) -> Styler:
    """The coloured view of a results frame's :func:`summary` (or of a summary itself).

    ``iv.summary(results)`` stays a plain DataFrame; use this to look at it in a notebook.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb.outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({"outcome": pd.Series(["failed"], dtype=OUTCOME_DTYPE)})
        >>> type(styled(results)).__name__
        'Styler'
    """
    frame = results_or_summary
    if isinstance(frame, pd.DataFrame) and "outcome" not in frame and _is_summary(frame):
        if by is not None:
            raise ValueError("by= applies to a results frame, not to a summary table")
        return style_summary(frame)
    return style_summary(summary(frame, by=by))


# --------------------------------------------------------------------------- saving


def _counts_sentence(results: pd.DataFrame) -> str:
    counts = np.bincount(_outcome_codes(results), minlength=len(OUTCOMES))
    parts = [f"{int(c):,} {name}" for name, c in zip(OUTCOMES, counts, strict=True) if c]
    return f"{len(results):,} rows" + (": " + ", ".join(parts) if parts else "")


def _html_page(results: pd.DataFrame, by: Hashable | None, png: bytes) -> str:
    campaign = campaign_name(results)
    title = "Voice campaign report" + (f": {campaign}" if campaign else "")
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    table = style_summary(summary(results, by=by)).to_html()
    meanings = "".join(
        f'<li><span class="swatch" style="background:{OUTCOME_COLORS[o]}"></span>'
        f"<b>{o}</b>: {html.escape(OUTCOME_MEANINGS[o])}</li>"
        for o in OUTCOMES
    )
    stages = ""
    if has_call_records(results):
        items = "".join(
            f'<li><span class="swatch" style="background:{FUNNEL_COLORS[stage]}"></span>'
            f"<b>{stage}</b>: {html.escape(FUNNEL_MEANINGS[stage])}</li>"
            for stage in FUNNEL_STAGES
        )
        stages = f'<h2>What the funnel stages mean</h2>\n<ul class="legend">{items}</ul>'
    image = base64.b64encode(png).decode("ascii")
    esc = html.escape
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1300px; padding: 0 1em; color: #222; }}
h1 {{ font-size: 1.5em; }}
.meta {{ color: #555; }}
.swatch {{ display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em;
          vertical-align: middle; border: 1px solid #888; }}
ul.legend {{ list-style: none; padding-left: 0; columns: 2; font-size: 0.9em; }}
img {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{esc(title)}</h1>
<p class="meta">Generated {esc(generated)} · {esc(_counts_sentence(results))}</p>
{table}
<h2>What the outcomes mean</h2>
<ul class="legend">{meanings}</ul>
{stages}
<h2>Charts</h2>
<img alt="Charts of the campaign's outcomes" src="data:image/png;base64,{image}">
</body>
</html>
"""


def save_report(
    results: pd.DataFrame, path: str | PathLike[str], by: Hashable | None = None
) -> Path:
    """Write the :func:`itnivoice_nb.plots.report` figure to ``path``; return the path written.

    The suffix chooses the format: ``.png``, ``.svg`` or ``.pdf`` hold the figure; ``.html`` is
    one self-contained page (no external resources) with a title, the generation time, the
    counts, the coloured :func:`summary` table and the figure embedded as a base64 PNG.

    Example:
        >>> import pandas as pd, tempfile, os
        >>> from itnivoice_nb.outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({"outcome": pd.Series(["submitted"], dtype=OUTCOME_DTYPE)})
        >>> out = save_report(results, os.path.join(tempfile.mkdtemp(), "report.html"))
        >>> out.read_text(encoding="utf-8").count("data:image/png;base64,")
        1

    Raises:
        ValueError: the suffix is not one of :data:`SAVE_SUFFIXES`, or ``results`` is not a
            results frame.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in SAVE_SUFFIXES:
        raise ValueError(
            f"cannot save a report as {suffix or 'a file without suffix'!r} ({out.name}); "
            f"allowed suffixes: {', '.join(SAVE_SUFFIXES)}"
        )
    _check_results(results)
    _check_by(results, by)
    from .plots import report  # plots imports this module: import here, not at the top

    figure = report(results, by=by)
    if suffix == ".html":
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        out.write_text(_html_page(results, by, buffer.getvalue()), encoding="utf-8")
    else:
        figure.savefig(out, format=suffix.lstrip("."), dpi=100 if suffix == ".png" else None)
    return out
