"""Summaries of a results DataFrame: a count table (wide or tidy) and a coloured view of it.

:func:`summary` turns the one-row-per-number results of ``iv.send`` into one row per group with
the count and share of every outcome (or, with ``long=True``, one row per group and outcome);
:func:`styled` shows it in a notebook with the outcome colours, shares as percentages and small
bars under them. Nothing here mutates the caller's frame, and :func:`summary` returns a plain
DataFrame: pipe it into :func:`styled` to look at it (``iv.summary(results).pipe(iv.styled)``).

Example:
    >>> import pandas as pd
    >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
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
    >>> tidy = summary(results, by="segment", long=True)
    >>> tidy[tidy["count"] > 0]  # doctest: +NORMALIZE_WHITESPACE
          segment    outcome  count  share
    0           a  submitted      1   0.50
    1           a   rejected      1   0.50
    10          b  submitted      1   1.00
    24  (missing)    invalid      1   1.00
    30      total  submitted      2   0.50
    31      total   rejected      1    0.25
    34      total    invalid      1    0.25
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .._numbers._mask import mask_text
from .._outcomes import OUTCOME_COLORS, OUTCOME_DTYPE, OUTCOMES, SUBMITTED
from ._common import (
    FUNNEL_COLORS,
    RECORD_EVIDENCE,
    SHARE_SUFFIX,
    TOTAL_ROW,
    _account_currency,
    _answered_array,
    _check_by,
    _check_currency,
    _check_results,
    _column,
    _count_matrix,
    _float_array,
    _group_codes,
    _outcome_codes,
    _responded_array,
    _row_currencies,
    _text_color,
)

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = [
    "LONG_COLUMNS",
    "RECORD_SUMMARY_COLUMNS",
    "Summary",
    "has_call_records",
    "style_summary",
    "styled",
    "summary",
]

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

LONG_COLUMNS: Final = ("outcome", "count", "share")
"""Columns of ``summary(..., long=True)`` after the group column."""

BAR_TRACK: Final = "#E6E6E6"
"""Colour of the empty part of a share bar in :func:`style_summary` (the 100 % scale)."""

BAR_HEIGHT_PX: Final = 4
"""Height of the share bars under the percentages in :func:`style_summary`."""


def has_call_records(results: pd.DataFrame) -> bool:
    """Whether ``iv.call_outcomes`` has joined any call record onto ``results``.

    True when one of ``answered``, ``sip_code``, ``call_duration`` or ``cost`` is present and not
    entirely missing.

    Example:
        >>> has_call_records(pd.DataFrame({"outcome": ["submitted"], "answered": [None]}))
        False
    """
    return any(
        name in results.columns and bool(results[name].notna().any()) for name in RECORD_EVIDENCE
    )


# --------------------------------------------------------------------------- summary


def summary(
    results: pd.DataFrame,
    by: Hashable | None = None,
    *,
    long: bool = False,
    currency: str | None = None,
) -> pd.DataFrame:
    """Count and share of every outcome, overall or per value of a column, with a total row.

    The table is wide and flat, one row per group:

    - index: the values of ``by`` (sorted; categories keep their order), then ``"(missing)"``
      for rows whose ``by`` value is missing (never dropped), then ``"total"``. With ``by=None``
      the only row is ``"total"``. The index is named after ``by``.
    - ``rows``: rows in the group.
    - for every outcome in :data:`~itnivoice_nb._outcomes.OUTCOMES` order, even when zero:
      ``<outcome>`` (count, int) followed by ``<outcome>_share`` (count / rows, 0-1 float; the
      shares of a row sum to 1, NaN for a group of no rows).
    - only when call records are present (see :func:`has_call_records`): ``answered`` (answered
      calls), ``answered_share`` (answered / submitted), ``responded`` (answered calls in which a
      key was pressed: ``feedback_value`` other than "-1"), ``responded_share`` (responded /
      answered), ``mean_call_duration_s`` (mean ``call_duration`` of answered calls),
      ``total_call_duration_s`` and ``total_cost`` (sums over every call record).

    ``attrs["currency"]`` names the currency of ``total_cost``: ``currency`` when given, else
    the one the call records name (``currency`` column), else ``"USD"``, the vendor's. Costs in
    several currencies are never added up: ``total_cost`` is then missing and
    ``attrs["currency"]`` lists them (``iv.plot_cost`` shows each).

    With ``long=True`` the table is tidy instead: one row per (group, outcome) with the columns
    ``<by>`` (or ``group``), ``outcome`` (categorical, in outcome order), ``count`` and ``share``
    — the same groups, total included (drop it with ``table[table[by] != "total"]``), and no
    call-record columns. Ready for ``seaborn`` or ``pivot``. The input is not mutated.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({"outcome": pd.Series(
        ...     ["submitted", "submitted", "failed", "duplicate"], dtype=OUTCOME_DTYPE)})
        >>> row = summary(results).loc["total"]
        >>> int(row["rows"]), int(row["submitted"]), float(row["submitted_share"])
        (4, 2, 0.5)
        >>> summary(results, long=True).head(3)  # doctest: +NORMALIZE_WHITESPACE
           group    outcome  count  share
        0  total  submitted      2   0.50
        1  total   rejected      0   0.00
        2  total     failed      1   0.25
        >>> summary(results, by="segment")
        Traceback (most recent call last):
        ...
        ValueError: by='segment' is not a column of results; columns: outcome

    Raises:
        ValueError: ``results`` has no ``outcome`` column, an outcome is not one of
            ``OUTCOMES``, ``by`` is not a column, or ``currency`` contradicts the records.
    """
    results = _check_results(results)
    _check_by(results, by)
    _check_currency(currency)
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
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts / rows[:, None]
    index = pd.Index([*labels, TOTAL_ROW], dtype=object, name=by)
    if long:
        return _long_table(index, counts, shares, by)

    data: dict[str, Any] = {"rows": rows}
    for j, name in enumerate(OUTCOMES):
        data[name] = counts[:, j]
        data[name + SHARE_SUFFIX] = shares[:, j]
    currencies: list[str] = []
    if has_call_records(results):
        record_columns, currencies = _record_summary(results, group, n_groups, counts, currency)
        data.update(record_columns)
    table = Summary(data, index=index)
    if currencies:
        table.attrs["currency"] = ", ".join(currencies)
    return table


class Summary(pd.DataFrame):
    """What :func:`summary` returns: a DataFrame that shows itself in a notebook as the
    coloured table of :func:`style_summary`. Anything computed from it is a plain DataFrame.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> t = summary(pd.DataFrame({"outcome": pd.Series(["submitted"], dtype=OUTCOME_DTYPE)}))
        >>> isinstance(t, pd.DataFrame), "<table" in t._repr_html_(), type(t.head()).__name__
        (True, True, 'DataFrame')
    """

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def _repr_html_(self) -> str | None:
        if _is_summary(self):
            return style_summary(self).to_html()
        return pd.DataFrame(self)._repr_html_()  # type: ignore[operator]


def _long_table(
    index: pd.Index, counts: np.ndarray, shares: np.ndarray, by: Hashable | None
) -> pd.DataFrame:
    """The tidy form of :func:`summary`: one row per (group, outcome)."""
    name: Hashable = "group" if by is None else by
    if name in LONG_COLUMNS:
        name = f"{name} (group)"
    k = len(OUTCOMES)
    codes = np.tile(np.arange(k), len(index))
    return pd.DataFrame(
        {
            name: np.repeat(index.to_numpy(dtype=object), k),
            "outcome": pd.Categorical.from_codes(codes, dtype=OUTCOME_DTYPE),
            "count": counts.reshape(-1),
            "share": shares.reshape(-1),
        }
    )


def _record_summary(
    results: pd.DataFrame,
    group: np.ndarray,
    n_groups: int,
    counts: np.ndarray,
    currency: str | None,
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The call-record columns of :func:`summary` (one value per group, then the total) and the
    currencies of the costs."""
    n = len(results)
    answered = _answered_array(results)
    duration = _float_array(_column(results, "call_duration"), n)
    cost = _float_array(_column(results, "cost"), n)
    charged = ~np.isnan(cost)
    found = sorted(set(_row_currencies(results, currency, charged)[charged]))
    if not found:
        found = [_check_currency(currency) or _account_currency(results)]

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
    total_cost = sums(cost)
    if len(found) > 1:  # never add up two currencies
        total_cost = np.full(len(total_cost), np.nan)
    values = (
        answered_count,
        answered_share,
        responded_count,
        responded_share,
        means(np.where(answered, duration, np.nan)),
        np.rint(sums(duration)).astype(np.int64),
        total_cost,
    )
    return dict(zip(RECORD_SUMMARY_COLUMNS, values, strict=True)), found


# --------------------------------------------------------------------------- styling


def _is_summary(frame: pd.DataFrame) -> bool:
    return "rows" in frame.columns and all(name in frame.columns for name in OUTCOMES)


def _share_bar(colour: str) -> Callable[[object], str]:
    """CSS for a share cell: a thin bar of ``colour`` along the cell's bottom edge, under the
    text (never behind it), on a pale track that shows the 100 % scale."""

    def css(value: object) -> str:
        try:
            share = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return ""
        if not np.isfinite(share):
            return ""
        percent = 100 * min(max(share, 0.0), 1.0)
        return (
            f"background-image: linear-gradient(90deg, {colour} {percent:.1f}%, "
            f"{BAR_TRACK} {percent:.1f}%); background-size: 100% {BAR_HEIGHT_PX}px; "
            "background-position: left bottom; background-repeat: no-repeat; "
            f"padding-bottom: {BAR_HEIGHT_PX + 3}px; color: #000000; "
            "background-color: #ffffff;"
        )

    return css


def style_summary(summary_df: pd.DataFrame, *, show_empty: bool = False) -> Styler:
    """A Styler showing a :func:`summary` table with the outcome colours.

    Outcome headers get their outcome's colour (with black or white text, whichever reads),
    shares are percentages with a thin bar in that colour *under* the number (the text stays
    black on white), counts get thousands separators, the total row is bold, ``total_cost``
    names its currency, and index labels that look like phone numbers are masked to their last
    4 digits. Outcomes no row has are hidden (the caption names them) unless
    ``show_empty=True``. The table itself is not changed.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({"outcome": pd.Series(["submitted"], dtype=OUTCOME_DTYPE)})
        >>> html = style_summary(summary(results)).to_html()
        >>> "100.0%" in html, "no rows: rejected" in html
        (True, True)
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
    styler = styler.format_index(mask_text, axis="index")
    currency = summary_df.attrs.get("currency")
    mixed = isinstance(currency, str) and "," in currency

    def header(label: object) -> str:
        if label == "total_cost" and currency and not mixed:
            return f"total_cost ({currency})"
        return str(label)

    styler = styler.format_index(header, axis="columns")

    colours = {
        **{o: OUTCOME_COLORS[o] for o in OUTCOMES},
        "answered": FUNNEL_COLORS["answered"],
        "responded": FUNNEL_COLORS["responded"],
    }
    for name, colour in colours.items():
        share = name + SHARE_SUFFIX
        if share in columns:
            styler = styler.map(_share_bar(colour), subset=[share])

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
    empty = [o for o in OUTCOMES if not summary_df[o].fillna(0).astype(bool).any()]
    if empty and not show_empty:
        hidden: list[Hashable] = [c for o in empty for c in (o, o + SHARE_SUFFIX) if c in columns]
        styler = styler.hide(subset=hidden, axis="columns")
    by = summary_df.index.name
    caption = "Outcomes" + (f" per {by}" if by is not None else "")
    if currency and mixed:
        caption += f" (costs in {currency} are not added up: see iv.plot_cost)"
    elif currency:
        caption += f" (cost in {currency})"
    if empty and not show_empty:
        caption += f"; no rows: {', '.join(empty)}"
    return styler.set_caption(caption)


def styled(
    results_or_summary: pd.DataFrame,
    by: Hashable | None = None,
    *,
    currency: str | None = None,
    show_empty: bool = False,
) -> Styler:
    """The coloured view of a results frame's :func:`summary` (or of a summary itself).

    ``iv.summary(results)`` stays a plain DataFrame; use this to look at it in a notebook:
    ``iv.styled(results, by="segment")`` or ``iv.summary(results).pipe(iv.styled)``. See
    :func:`style_summary` for what it shows; ``currency`` is passed to :func:`summary`.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({"outcome": pd.Series(["failed"], dtype=OUTCOME_DTYPE)})
        >>> type(summary(results).pipe(styled)).__name__
        'Styler'
    """
    frame = results_or_summary
    if isinstance(frame, pd.DataFrame) and "outcome" not in frame and _is_summary(frame):
        if by is not None:
            raise ValueError("by= applies to a results frame, not to a summary table")
        if currency is not None:
            raise ValueError("currency= applies to a results frame: pass it to iv.summary")
        return style_summary(frame, show_empty=show_empty)
    return style_summary(summary(frame, by=by, currency=currency), show_empty=show_empty)
