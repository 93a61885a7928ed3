"""One figure for a quick look at a campaign, and that figure saved as an image or a web page.

:func:`report` draws the charts of :mod:`itnivoice_nb._reporting._plots` on one figure (four, or
eight with call records) with one outcome legend below them; :func:`save_report` writes it to a
PNG/SVG/PDF file, or to one self-contained HTML page with the coloured
:func:`~itnivoice_nb._reporting.summary` table.

Example:
    >>> import pandas as pd, tempfile, os
    >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
    >>> results = pd.DataFrame({"outcome": pd.Series(["submitted"], dtype=OUTCOME_DTYPE)})
    >>> [ax.get_title() for ax in report(results).axes][:2]
    ['Outcome of every row (n=1)', 'Why rows were not submitted']
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .._outcomes import OUTCOME_COLORS, OUTCOME_MEANINGS, OUTCOMES
from ._common import (
    FUNNEL_COLORS,
    FUNNEL_MEANINGS,
    FUNNEL_STAGES,
    NO_RECORDS,
    _check_by,
    _check_results,
    _outcome_codes,
    _say,
    _short,
    campaign_name,
)
from ._plots import (
    plot_by_country,
    plot_call_results,
    plot_durations,
    plot_failure_reasons,
    plot_funnel,
    plot_outcomes,
    plot_responses,
    plot_timeline,
)
from ._summary import has_call_records, style_summary, summary

__all__ = ["SAVE_SUFFIXES", "report", "save_report"]

SAVE_SUFFIXES: Final = (".png", ".svg", ".pdf", ".html")
"""File suffixes :func:`save_report` can write."""

_LEGEND_COLUMNS: Final = 5
"""Outcomes per row of the figure's outcome legend (two rows for the ten outcomes)."""


def report(results: pd.DataFrame, *, by: Hashable | None = None) -> Figure:
    """One figure for a quick look: outcomes, reasons rows were not submitted, countries,
    timeline, and (with call records) call results, durations, the funnel and the keys pressed.

    ``by`` splits the outcome chart; the funnel and the keys are drawn for all rows (split them
    with ``plot_funnel(results, by=...)`` and ``plot_responses(results, by=...)``). One outcome
    legend below the charts serves them all.

    The figure is not registered with pyplot, so a notebook shows it once, as the cell's value;
    in a script use ``fig.savefig(...)`` or :func:`save_report`.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({"outcome": pd.Series(["submitted"], dtype=OUTCOME_DTYPE)})
        >>> len(report(results).axes)
        4
    """
    results = _check_results(results)
    _check_by(results, by)
    records = has_call_records(results)
    nrows = 4 if records else 2
    figure = Figure(figsize=(14.0, 4.6 * nrows + 0.4), layout="constrained")
    axes = figure.subplots(nrows, 2, squeeze=False)
    panels: list[tuple[Callable[..., Axes], tuple[str, ...], dict[str, Any], str]] = [
        (plot_outcomes, ("outcome",), {"by": by}, "Outcome of every row"),
        (plot_failure_reasons, ("outcome_reason",), {}, "Why rows were not submitted"),
        (plot_by_country, ("number",), {}, "Outcome per country calling code"),
        (plot_timeline, ("sent_at",), {}, "Rows sent over time"),
    ]
    if records:
        panels += [
            (plot_call_results, (), {}, "Result of the calls"),
            (plot_durations, (), {}, "Call duration of answered calls"),
            (plot_funnel, (), {}, "Campaign funnel"),
            (plot_responses, (), {}, "Keys pressed on answered calls"),
        ]
    for (draw, needs, kwargs, title), ax in zip(panels, axes.flat, strict=False):
        absent = [c for c in needs if c not in results.columns]
        if absent:
            _say(ax, title, f"no {', '.join(absent)} column in results")
        else:
            draw(results, ax=ax, **kwargs)
    for ax in axes.flat:  # one outcome legend for the whole figure, not one per chart
        legend = ax.get_legend()
        if legend is not None and legend.get_title().get_text() == "outcome":
            legend.remove()
    figure.legend(
        handles=[Patch(facecolor=OUTCOME_COLORS[o], label=o) for o in OUTCOMES],
        loc="outside lower center", ncols=_LEGEND_COLUMNS, frameon=False, title=None,
    )  # fmt: skip
    campaign = campaign_name(results)
    heading = "Voice campaign" + (f" {_short(campaign, 60)}" if campaign else "")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sub = f"{len(results):,} rows · drawn {stamp}"
    if not records:
        sub += " · " + NO_RECORDS
    figure.suptitle(f"{heading}\n{sub}", fontsize=13)
    return figure


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
    results: pd.DataFrame, path: str | PathLike[str], *, by: Hashable | None = None
) -> Path:
    """Write the :func:`report` figure to ``path``; return the path written.

    The suffix chooses the format: ``.png``, ``.svg`` or ``.pdf`` hold the figure; ``.html`` is
    one self-contained page (no external resources) with a title, the generation time, the
    counts, the coloured :func:`~itnivoice_nb._reporting.summary` table, what every outcome
    means, and the figure embedded as a base64 PNG.

    Example:
        >>> import pandas as pd, tempfile, os
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
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
    results = _check_results(results)
    _check_by(results, by)
    figure = report(results, by=by)
    if suffix == ".html":
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        out.write_text(_html_page(results, by, buffer.getvalue()), encoding="utf-8")
    else:
        figure.savefig(out, format=suffix.lstrip("."), dpi=100 if suffix == ".png" else None)
    return out
