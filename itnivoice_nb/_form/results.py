"""After a send: the outcome in plain words, the summary table, the outcome chart, downloads.

The results download as CSV and as an Excel workbook (``itnivoice_nb._export.to_excel``)
from links with a ``data:`` URI and the ``download`` attribute: ipywidgets has no download
widget, and such a link works in JupyterLab, the classic notebook and Voila alike.

:func:`outcome_statement` reads only the results' ``outcome`` and ``outcome_reason`` columns and
says what happened, in the error colour when nothing got through: e.g. ``"11 of 11 numbers
failed: could not connect to api.itniotech.com/voice/sendGroup; nothing was charged"``. It says
"nothing was charged" only when every number a request was made for is ``failed`` (the API
refused the whole request, or it never arrived), and warns that ``unknown`` numbers may have
been charged. It never says "Sent" when nothing was submitted.

Example:
    >>> import pandas as pd
    >>> results = pd.DataFrame({"outcome": ["submitted", "submitted", "rejected", "invalid"],
    ...                         "outcome_reason": [None, None, "blacklisted", "too short"]})
    >>> outcome_statement(results).text
    'Sent: 2 of 3 numbers submitted, 1 rejected by the API.'
    >>> failed = pd.DataFrame({"outcome": ["failed"] * 2, "outcome_reason": [
    ...     "could not connect to api.itniotech.com/voice/sendGroup; nothing was sent: refused"] * 2})
    >>> said = outcome_statement(failed)
    >>> said.text, said.colour == BAD
    ('2 of 2 numbers failed: could not connect to api.itniotech.com/voice/sendGroup; nothing was charged.', True)
"""  # noqa: E501

from __future__ import annotations

import base64
import io
import re
import tempfile
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import ipywidgets as w
import pandas as pd

from .._outcomes import (
    ALREADY_CALLED,
    FAILED,
    NOT_SENT,
    OUTCOME_COLORS,
    OUTCOME_MEANINGS,
    OUTCOMES,
    REJECTED,
    SUBMITTED,
    UNKNOWN,
)
from ._common import BAD, MUTED, OK, WARN, esc, for_people, html_out, note, plural, readable

__all__ = [
    "DOWNLOAD_MAX_BYTES", "ResultsPart", "Statement", "download_links", "download_name",
    "outcome_statement", "summary_html",
]  # fmt: skip

_REASON_MAX: Final = 200
DOWNLOAD_MAX_BYTES: Final = 30_000_000
"""A download larger than this is not offered in the page (it would live in the widget state)."""
_XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Statement:
    """What a send did, in words (``text``), the colour to say it in, and the bar's style."""

    text: str
    colour: str
    bar_style: str
    sent: int
    """Numbers a request carried that the API answered for, or may have (not ``failed``)."""
    total: int
    """Numbers of the campaign to call: sent, failed and not sent."""
    failed: int
    not_sent: int


def _short_reason(reason: str) -> str:
    """A failure reason without the transport details after "; nothing was sent"."""
    text = reason.split("; nothing was sent")[0].strip().rstrip(".;")
    return text if len(text) <= _REASON_MAX else text[: _REASON_MAX - 1] + "…"


def _main_reason(results: pd.DataFrame, outcome: str) -> str:
    if "outcome_reason" not in results.columns:
        return ""
    reasons = results.loc[results["outcome"] == outcome, "outcome_reason"].dropna()
    if reasons.empty:
        return ""
    return _short_reason(str(reasons.astype(str).value_counts().index[0]))


def outcome_statement(
    results: pd.DataFrame, *, cancelled: bool = False, stopped: bool = False
) -> Statement:
    """What ``results`` say happened, in one or two plain sentences.

    ``cancelled``: the send was interrupted by Cancel; ``stopped``: the API stopped it (e.g. a
    wrong secret). Both are told from the truth of the rows: a Cancel that came after every
    number was sent says the send completed.
    """
    counts = results["outcome"].astype(str).value_counts()

    def n(outcome: str) -> int:
        return int(counts.get(outcome, 0))

    submitted, rejected, failed, unknown, not_sent = (
        n(SUBMITTED), n(REJECTED), n(FAILED), n(UNKNOWN), n(NOT_SENT)
    )  # fmt: skip
    attempted = submitted + rejected + failed + unknown
    total = attempted + not_sent
    sent = attempted - failed
    already = n(ALREADY_CALLED)
    skipped = f" {plural(already, 'number')} skipped as already called." if already else ""

    def statement(text: str, colour: str, bar: str) -> Statement:
        return Statement(text + skipped, colour, bar, sent, total, failed, not_sent)

    if total == 0:
        return statement("Nothing was sent: no number to call.", BAD, "danger")
    parts: list[str] = []
    if attempted and failed == attempted:
        reason = _main_reason(results, FAILED)
        parts.append(f"{failed:,} of {total:,} numbers failed" + (f": {reason}" if reason else "")
                     + "; nothing was charged")
    else:
        if submitted or attempted:
            parts.append(f"{submitted:,} of {total:,} numbers submitted")
        if rejected:
            parts.append(f"{rejected:,} rejected by the API")
        if failed:
            reason = _main_reason(results, FAILED)
            parts.append(f"{failed:,} failed (not charged" + (f": {reason})" if reason else ")"))
        if unknown:
            parts.append(f"{unknown:,} unknown: the request may have reached the API, so these "
                         "may have been charged (not resent)")
    if not_sent:
        parts.append(f"{not_sent:,} not sent")
    said = ", ".join(parts) + "."
    if cancelled and not_sent:
        head, colour = "Cancelled: ", WARN
        said += " Check and Send again to send the rest."
    elif stopped:
        head, colour = "The send stopped early: ", BAD
    elif cancelled:
        head = "Completed before the Cancel took effect: "
        colour = OK if submitted and failed + unknown == 0 else WARN
    elif submitted + rejected == 0:
        head, colour = "", BAD
    else:
        head = "Sent: "
        colour = OK if failed + unknown + not_sent == 0 else WARN
    if submitted + rejected == 0:
        colour = BAD
    bar = {OK: "success", WARN: "warning", BAD: "danger"}[colour]
    text = head + said
    return statement(text[0].upper() + text[1:], colour, bar)


def summary_html(table: pd.DataFrame, row: Hashable) -> str:
    """A row of ``iv.summary(results)``, one line per outcome: count, share, meaning."""

    def value(name: str) -> Any:
        return table.at[row, name]

    cell = "style='padding:2px 14px 2px 0; text-align:{}'"
    left, right = cell.format("left"), cell.format("right")
    lines = []
    outcomes = [o for o in OUTCOMES if o in table.columns]
    outcomes += [o for o in (ALREADY_CALLED,) if o in table.columns and o not in outcomes]
    for outcome in outcomes:
        colour = OUTCOME_COLORS.get(outcome, "#999999")
        swatch = (f"<span style='display:inline-block; width:0.8em; height:0.8em; margin-right:"
                  f"6px; background:{colour}'></span>")
        share = (f"{float(value(outcome + '_share')):.1%}" if outcome + "_share" in table.columns
                 else "")
        lines.append(
            f"<tr class='iv-summary-{outcome}'><td {left}>{swatch}{outcome}</td>"
            f"<td {right}>{int(value(outcome)):,}</td><td {right}>{share}</td>"
            f"<td {left}><span style='color:{MUTED}'>{esc(OUTCOME_MEANINGS.get(outcome, ''))}"
            "</span></td></tr>"
        )
    return (
        "<table class='iv-summary-table' style='border-collapse:collapse; margin:8px 0'>"
        f"<thead><tr><th {left}>outcome</th><th {right}>rows</th><th {right}>share</th>"
        f"<th {left}>meaning</th></tr></thead><tbody>{''.join(lines)}</tbody>"
        f"<tfoot><tr style='font-weight:bold; border-top:1px solid {MUTED}'><td {left}>total</td>"
        f"<td {right}>{int(value('rows')):,}</td><td {right}>100%</td><td></td></tr></tfoot>"
        "</table>"
    )


def download_name(results: pd.DataFrame, suffix: str) -> str:
    """``results-<campaign label>.<suffix>`` (the label made safe for a file name; the
    campaign's id when it has no label).

    Example:
        >>> frame = pd.DataFrame({"outcome": []})
        >>> frame.attrs.update({"label": "spring · follow-up 1", "campaign": "ab12cd34ef"})
        >>> download_name(frame, "csv")
        'results-spring-follow-up-1.csv'
        >>> frame.attrs["label"] = None
        >>> download_name(frame, "xlsx")
        'results-ab12cd34.xlsx'
    """
    label = results.attrs.get("label") or str(results.attrs.get("campaign") or "")[:8]
    slug = re.sub(r"[^\w.-]+", "-", str(label), flags=re.ASCII).strip("-.")[:80]
    return f"results-{slug or 'campaign'}.{suffix}"


def _link(data: bytes, mime: str, name: str, css: str, text: str) -> str:
    payload = base64.b64encode(data).decode("ascii")
    return (f'<a class="iv-download {css}" download="{esc(name)}" '
            f'href="data:{mime};base64,{payload}" title="{esc(name)}">{esc(text)}</a>')


def download_links(results: pd.DataFrame) -> str:
    """The HTML of the "Download CSV" and "Download Excel" links of ``results`` (or why one
    is not offered)."""
    said: list[str] = []
    csv = results.to_csv(index=False).encode("utf-8")
    if len(csv) > DOWNLOAD_MAX_BYTES:
        return note(f"The results ({len(csv) / 1e6:,.0f} MB as CSV) are too large to download "
                    "from the page; save them from the notebook instead.", WARN)
    said.append(_link(csv, "text/csv", download_name(results, "csv"), "iv-download-csv",
                      "⬇ Download CSV"))
    try:
        from .._export import to_excel

        with tempfile.TemporaryDirectory(prefix="itnivoice-results-") as folder:
            book = to_excel(results, Path(folder) / "results.xlsx").read_bytes()
    except Exception as err:  # an Excel file is a convenience: the CSV is there regardless
        said.append(note(f"No Excel file: {esc(readable(err))}", WARN))
    else:
        said.append(_link(book, _XLSX, download_name(results, "xlsx"), "iv-download-excel",
                          "⬇ Download Excel"))
    return "".join(said)


class ResultsPart:
    """The status line (``status``), the summary table (``summary_html``), the outcome chart
    (``chart``), the download links (``downloads``) and ``results``, the last send's results
    DataFrame (with the call records once fetched)."""

    def __init__(self) -> None:
        self.results: pd.DataFrame | None = None
        self.status = html_out("iv-status")
        self.summary_html = html_out("iv-summary")
        self.chart = w.Image(format="png", layout=w.Layout(max_width="760px", display="none"))
        self.chart.add_class("iv-chart")
        self.funnel = w.Image(format="png", layout=w.Layout(max_width="760px", display="none"))
        self.funnel.add_class("iv-funnel")
        self.downloads = html_out("iv-downloads")
        self.box = w.VBox([self.summary_html, self.chart, self.funnel, self.downloads])
        self.box.add_class("iv-results")

    def say(self, text: str, colour: str = MUTED) -> None:
        """Put ``text`` (plain text) in the status line."""
        self.status.value = f'<div class="iv-status-text">{note(esc(text), colour)}</div>'

    def clear(self) -> None:
        self.results = None
        self.summary_html.value = ""
        self.downloads.value = ""
        self.chart.layout.display = "none"
        self.funnel.layout.display = "none"

    def show(self, results: pd.DataFrame, said: Statement) -> None:
        """The statement and the notices of the send (then :meth:`render`: table and chart)."""
        self.results = results
        notices = results.attrs.get("notices") or []
        extra = "".join(f"<br>{esc(for_people(str(n)))}" for n in notices)
        self.status.value = (
            f'<div class="iv-status-text" style="color:{said.colour}">'
            f'<span class="iv-status-headline" style="color:{said.colour}">{esc(said.text)}'
            f"</span> The results of all {len(results):,} rows can be downloaded below."
            f"{note(extra)}</div>"
        )

    def render(self, results: pd.DataFrame, *, funnel: bool = False) -> None:
        """The summary table, the outcome chart and the downloads of ``results``; with
        ``funnel`` (once the call records are fetched) the campaign funnel too."""
        from .._reporting import TOTAL_ROW, plot_funnel, plot_outcomes, summary

        self.results = results
        self.summary_html.value = summary_html(summary(results), TOTAL_ROW)
        _draw(self.chart, lambda ax: plot_outcomes(results, ax=ax))
        if funnel:
            _draw(self.funnel, lambda ax: plot_funnel(results, ax=ax))
        else:
            self.funnel.layout.display = "none"
        self.downloads.value = download_links(results)


def _draw(image: w.Image, plot: Callable[[Any], Any]) -> None:
    """``plot(ax)`` on a figure of its own (no pyplot: safe off the UI thread), as ``image``."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.0, 3.4), layout="constrained")
    plot(figure.subplots())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    image.value = buffer.getvalue()
    image.layout.display = "block"
