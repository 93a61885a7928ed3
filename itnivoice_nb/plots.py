"""The charts, under their old address: everything here lives in :mod:`itnivoice_nb.reporting`.

Kept so that ``from itnivoice_nb.plots import plot_outcomes`` (and ``from itnivoice_nb import
plots``) keep working; new code imports from :mod:`itnivoice_nb` or
:mod:`itnivoice_nb.reporting`.

Example:
    >>> from itnivoice_nb import plots, reporting
    >>> plots.plot_outcomes is reporting.plot_outcomes
    True
"""

from __future__ import annotations

from .reporting import (
    FUNNEL_NEEDS_RECORDS,
    NO_RECORDS,
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
    report,
)

__all__ = [
    "FUNNEL_NEEDS_RECORDS",
    "NOT_SUBMITTED",
    "NO_RECORDS",
    "SIP_WORDS",
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
]
