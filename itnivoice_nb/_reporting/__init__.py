"""Reporting on a results DataFrame: summary tables, charts, a one-figure report.

The modules import one way only: :mod:`._common` (checks, counts, colours, masked labels, the
currency) → :mod:`.summary` (:func:`summary`, :func:`styled`) → :mod:`.plots` (every
``plot_*`` chart) → :mod:`.report` (:func:`report`, :func:`save_report`). Every name below is
also importable from :mod:`itnivoice_nb`.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
    >>> results = pd.DataFrame({"outcome": pd.Series(["submitted", "excluded"],
    ...                                              dtype=OUTCOME_DTYPE)})
    >>> summary(results).loc["total", ["rows", "excluded"]].tolist()
    [2, 1]
    >>> plot_outcomes(results).get_title()
    'Outcome of every row (n=2)'
"""

from __future__ import annotations

from ._common import (
    DEFAULT_CURRENCY,
    FUNNEL_COLORS,
    FUNNEL_MEANINGS,
    FUNNEL_NEEDS_RECORDS,
    FUNNEL_STAGES,
    KEY_COLORS,
    KEY_ORDER,
    MISSING_GROUP,
    NEUTRAL,
    NO_KEY,
    NO_RECORDS,
    NO_ROWS,
    TOTAL_ROW,
    campaign_name,
)
from ._plots import (
    NOT_SUBMITTED,
    SIP_WORDS,
    plot_by_country,
    plot_call_results,
    plot_cost,
    plot_durations,
    plot_failure_reasons,
    plot_funnel,
    plot_outcomes,
    plot_responses,
    plot_timeline,
)
from ._report import SAVE_SUFFIXES, report, save_report
from ._summary import (
    LONG_COLUMNS,
    RECORD_SUMMARY_COLUMNS,
    has_call_records,
    style_summary,
    styled,
    summary,
)

__all__ = [
    "DEFAULT_CURRENCY",
    "FUNNEL_COLORS",
    "FUNNEL_MEANINGS",
    "FUNNEL_NEEDS_RECORDS",
    "FUNNEL_STAGES",
    "KEY_COLORS",
    "KEY_ORDER",
    "LONG_COLUMNS",
    "MISSING_GROUP",
    "NEUTRAL",
    "NOT_SUBMITTED",
    "NO_KEY",
    "NO_RECORDS",
    "NO_ROWS",
    "RECORD_SUMMARY_COLUMNS",
    "SAVE_SUFFIXES",
    "SIP_WORDS",
    "TOTAL_ROW",
    "campaign_name",
    "has_call_records",
    "plot_by_country",
    "plot_call_results",
    "plot_cost",
    "plot_durations",
    "plot_failure_reasons",
    "plot_funnel",
    "plot_outcomes",
    "plot_responses",
    "plot_timeline",
    "report",
    "save_report",
    "style_summary",
    "styled",
    "summary",
]
