"""Matplotlib charts of a results DataFrame: what happened to every number, and why.

Every chart is axes-level, like seaborn's: the results frame first, everything else
keyword-only, ``ax=None`` draws on a new notebook-width figure (else on ``ax``), and the Axes
is returned. Each outcome has one fixed colour in every chart
(:data:`~itnivoice_nb._outcomes.OUTCOME_COLORS`, colour-blind safe). Bars that are not outcomes
(unanswered calls, costs, "other" bars) are dark grey; funnel stages and pressed keys have
fixed colours of their own (:data:`~itnivoice_nb._reporting.FUNNEL_COLORS`,
:data:`~itnivoice_nb._reporting.KEY_COLORS`). No chart shows a full phone number: any run of 7 or
more digits in a label is masked to its last 4 digits.

Charts stay readable at any size: legends sit outside the bars, outcome names under bars are
wrapped or turned upright when the Axes is narrow (decided when drawn, from the real layout),
and bar labels that would not fit are shortened or left out. The count in a title is the sum
of the bars drawn (what is left out is merged into an "(other …)" bar or said in the title).

When there is nothing to draw (no rows, nothing sent yet, no call records yet) the Axes says so
in words instead of raising; a frame that is not a results frame (no ``outcome`` column, or a
column the chart needs is missing) is a ValueError.

Countries: :func:`plot_by_country` groups numbers by their country calling code, found from the
distinct 1-3 leading digits with ``phonenumbers.COUNTRY_CODE_TO_REGION_CODE`` (fast on a million
rows). A code used by one region is labelled with that region (``IN (+91)``); a code shared by
several (``+1`` of the US, Canada and the Caribbean, ``+7``, ``+44``...) keeps the code as its
group (``+1 (US/CA/…)``), because telling them apart needs the full number parsed one at a time
(~30 µs a number). Rows without a number (invalid ones) are left out, and the title says how many.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
    >>> results = pd.DataFrame({
    ...     "number": ["919812345678", "14165550123", None],
    ...     "outcome": pd.Series(["submitted", "rejected", "invalid"], dtype=OUTCOME_DTYPE),
    ...     "outcome_reason": [None, "number in blacklist", "too short: 6 digits"],
    ... })
    >>> ax = plot_outcomes(results)
    >>> [int(bar.get_height()) for bar in ax.patches][:3]
    [1, 1, 0]
    >>> [t.get_text() for t in plot_by_country(results).get_yticklabels()]
    ['+1 (US/CA/…)  n=1', 'IN (+91)  n=1']
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, Final

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import phonenumbers
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.textpath import TextToPath
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter
from matplotlib.transforms import ScaledTranslation

from .._outcomes import (
    ALREADY_CALLED,
    DEFERRED,
    DUPLICATE,
    EXCLUDED,
    INVALID,
    OUTCOME_COLORS,
    OUTCOMES,
    SUBMITTED,
)
from ._common import (
    FUNNEL_COLORS,
    FUNNEL_NEEDS_RECORDS,
    FUNNEL_STAGES,
    KEY_COLORS,
    KEY_ORDER,
    NEUTRAL,
    NO_KEY,
    NO_RECORDS,
    NO_ROWS,
    _answered_array,
    _check_by,
    _check_results,
    _count_matrix,
    _feedback_keys,
    _float_array,
    _group_codes,
    _message_setting,
    _outcome_codes,
    _plural,
    _record_array,
    _responded_array,
    _row_currencies,
    _say,
    _short,
    _sip_codes,
    _text_color,
    _wrapped,
)
from ._summary import has_call_records

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
]

FIGSIZE: Final = (9.0, 4.5)
"""Size of a chart drawn on a new figure: fits a notebook cell."""

NOT_SUBMITTED: Final = tuple(o for o in OUTCOMES if o != SUBMITTED)
"""Every outcome but submitted: the rows :func:`plot_failure_reasons` explains by default."""

SKIPPED: Final = (INVALID, DUPLICATE, ALREADY_CALLED, DEFERRED, EXCLUDED)
"""Outcomes of rows a run never meant to call: not *sendable* in :func:`plot_funnel`."""

DUPLICATE_REASON: Final = "same number as an earlier row"
"""The one reason :func:`plot_failure_reasons` gives duplicates (their own names a row each)."""

SIP_WORDS: Final[dict[str, str]] = {
    "200": "answered",
    "400": "bad request",
    "403": "forbidden",
    "404": "not found",
    "408": "timeout",
    "410": "gone",
    "480": "no answer",
    "484": "incomplete number",
    "486": "busy",
    "487": "cancelled",
    "488": "not acceptable",
    "500": "server error",
    "502": "bad gateway",
    "503": "unavailable",
    "504": "gateway timeout",
    "600": "busy everywhere",
    "603": "declined",
    "604": "does not exist",
}
"""Short words for the SIP codes of call records, for chart labels ("486 busy")."""

_AUTO_FREQS: Final = (
    "1ms", "2ms", "5ms", "10ms", "20ms", "50ms", "100ms", "200ms", "500ms",
    "1s", "2s", "5s", "10s", "15s", "30s",
    "1min", "2min", "5min", "10min", "15min", "30min",
    "1h", "2h", "3h", "6h", "12h", "1D", "2D", "7D", "14D", "30D",
)  # fmt: skip
_MAX_BINS: Final = 60
_RELATIVE_SPAN: Final = pd.Timedelta(minutes=2)
"""Timelines shorter than this are labelled in seconds after the first bin ("+0.2 s")."""
_TIMESTAMP: Final = re.compile(
    r"\b\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?(?:\s*(?:UTC|Z|[+-]\d\d:?\d\d))?"
)
_TEXT_PATHS: Final = TextToPath()
_LABEL_PAD_PT: Final = 4.0
_LAYOUT_SHRINK: Final = 0.7
_TICK_SIZE: Final = 9.0
_MIN_TICK_SIZE: Final = 6.0


# --------------------------------------------------------------------------- helpers


def _axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """``ax``, or the Axes of a new notebook-width figure."""
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _text_width_pt(text: str, size: float) -> float:
    """The width of the widest line of ``text`` at font ``size``, in points (no renderer)."""
    font = FontProperties(size=size)
    return max(
        (_TEXT_PATHS.get_text_width_height_descent(line, font, ismath=False)[0]
         for line in text.splitlines()),
        default=0.0,
    )  # fmt: skip


def _legend_outside(ax: Axes, colours: dict[str, str], title: str) -> None:
    """A legend of coloured patches to the right of the Axes: never on the bars."""
    handles = [Patch(facecolor=colour, label=name) for name, colour in colours.items()]
    ax.legend(
        handles=handles, title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0, frameon=False, fontsize=9,
    )  # fmt: skip


def _legend_right(ax: Axes, names: Sequence[str], title: str = "outcome") -> None:
    _legend_outside(ax, {name: OUTCOME_COLORS[name] for name in names}, title)


def _outcome_label(name: str) -> str:
    """An outcome name on two lines at its underscore (``already\\ncalled``)."""
    return name.replace("_", "\n")


class _FittedLabels(Formatter):
    """Category names under vertical bars (one per whole number) that never run together.

    Decided each time the ticks are formatted, from the Axes' width at that moment (so the
    final layout is what counts): on one line when every name fits its slot, else wrapped at
    underscores (``already\\ncalled``, in a point smaller font if need be), else upright (rotated
    90°), in a smaller font if even that is too wide.
    """

    def __init__(self, names: Sequence[str], size: float = _TICK_SIZE) -> None:
        self.names = list(names)
        self.size = size
        self._mode: tuple[float, float] | None = None

    def _name(self, value: float) -> str:
        i = round(float(value))
        return self.names[i] if 0 <= i < len(self.names) and abs(value - i) < 1e-6 else ""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self._name(x)

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        names = [self._name(v) for v in values]
        axis = self.axis
        if not isinstance(axis, Axis) or axis.axes is None:
            return names
        ax = axis.axes
        low, high = sorted(ax.get_xlim())
        dpi = float(ax.get_figure(root=True).dpi)  # type: ignore[union-attr]
        slot = float(ax.bbox.width) / dpi * 72 / max(high - low, 1e-9)  # points per bar
        room = slot - _LABEL_PAD_PT
        size, rotation = self.size, 0.0
        wrapped = [_outcome_label(n) for n in names]

        def fits(texts: list[str], at: float) -> bool:
            return max((_text_width_pt(t, at) for t in texts), default=0.0) <= room

        if fits(names, size):
            texts = names
        elif fits(wrapped, size):
            texts = wrapped
        elif fits(wrapped, size - 1):
            texts, size = wrapped, size - 1
        else:
            texts, rotation = names, 90.0
            size = max(_MIN_TICK_SIZE, min(size, room / 1.25))  # a line is ~1.2 × its size
        if self._mode != (size, rotation):  # only on a change: no endless redraws
            self._mode = (size, rotation)
            axis.set_tick_params(labelsize=size, labelrotation=rotation)
        return texts


def _category_ticks(ax: Axes, names: Sequence[str]) -> None:
    """Name the bars at 0, 1, 2… with :class:`_FittedLabels`."""
    ax.set_xticks(np.arange(len(names), dtype=float))
    ax.xaxis.set_major_formatter(_FittedLabels(names))


class _ColumnLabel(Text):
    """The label above one vertical bar: the first of ``options`` that fits the bar's slot and
    the room above the bar when drawn (``"1,234\\n41.1%"``, then ``"41%"``), else nothing."""

    def __init__(self, bar: Rectangle, options: Sequence[str], size: float) -> None:
        x = float(bar.get_x() + bar.get_width() / 2)
        super().__init__(x, float(bar.get_height()), options[0], ha="center", va="bottom",
                         size=size)  # fmt: skip
        self.set_clip_on(False)
        self._options = list(options)

    def draw(self, renderer: Any) -> None:
        axes, figure = self.axes, self.figure
        if not self.get_visible() or axes is None or figure is None:
            return
        offset = ScaledTranslation(0, 2 / 72, figure.dpi_scale_trans)
        self.set_transform(axes.transData + offset)
        left, right = axes.transData.transform([(0.0, 0.0), (1.0, 0.0)])[:, 0]
        pad = _LABEL_PAD_PT / 72 * figure.dpi
        top = axes.bbox.y1
        for option in self._options:
            self.set_text(option)
            extent = super().get_window_extent(renderer)
            if extent.width + pad <= abs(right - left) and extent.y1 <= top + 1:
                break
        else:
            self.set_text("")
        super().draw(renderer)


class _InsideLabel(Text):
    """A label centred in a bar segment, drawn (with text) only when it fits inside it."""

    def __init__(self, segment: Rectangle, text: str, colour: str, size: float) -> None:
        x = float(segment.get_x() + segment.get_width() / 2)
        y = float(segment.get_y() + segment.get_height() / 2)
        super().__init__(x, y, text, ha="center", va="center", size=size, color=colour)
        self._segment = segment
        self._full = text

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        self.set_text(self._full)
        box = self._segment.get_window_extent(renderer)
        mine = super().get_window_extent(renderer)
        if not (mine.width + 2 <= box.width and mine.height <= box.height + 1):
            self.set_text("")
        super().draw(renderer)


def _keep_top(
    labels: list[str], counts: np.ndarray, top: int, noun: str, by_size: bool
) -> tuple[list[str], np.ndarray]:
    """The ``top`` largest groups (by size, or in their own order) and one "(other ...)" row."""
    totals = counts.sum(axis=1)
    order = np.argsort(-totals, kind="stable") if by_size else np.arange(len(labels))
    if len(labels) > top:
        keep = np.sort(np.argsort(-totals, kind="stable")[:top])
        if by_size:
            keep = keep[np.argsort(-totals[keep], kind="stable")]
        rest = np.setdiff1d(np.arange(len(labels)), keep)
        other = counts[rest].sum(axis=0, keepdims=True)
        return (
            [labels[i] for i in keep] + [f"(other {len(rest):,} {noun})"],
            np.vstack([counts[keep], other]),
        )
    return [labels[i] for i in order], counts[order]


def _stacked_bars(ax: Axes, labels: Sequence[str], counts: np.ndarray) -> None:
    """One horizontal bar per group, one segment per outcome, the share inside each segment
    that has room for it."""
    totals = counts.sum(axis=1)
    y = np.arange(len(labels))
    left = np.zeros(len(labels))
    drawn: list[str] = []
    for j, name in enumerate(OUTCOMES):
        column = counts[:, j]
        if not column.any():
            continue
        colour = OUTCOME_COLORS[name]
        bars = ax.barh(
            y, column, left=left, height=0.7, color=colour, label=name,
            edgecolor="white", linewidth=0.5,
        )  # fmt: skip
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(totals > 0, column / np.maximum(totals, 1), 0.0)
        for bar, s, c in zip(bars, share, column, strict=True):
            if c and s >= 0.06:
                ax.add_artist(_InsideLabel(bar, f"{s:.0%}", _text_color(colour), 8))
        left = left + column
        drawn.append(name)
    ax.set_yticks(
        y, [f"{_short(label, 32)}  n={int(t):,}" for label, t in zip(labels, totals, strict=True)]
    )
    ax.set_ylim(len(labels) - 0.5, -0.5)  # first group on top
    ax.set_xlabel("rows")
    _legend_right(ax, drawn)


# --------------------------------------------------------------------------- outcomes


def plot_outcomes(
    results: pd.DataFrame,
    *,
    by: Hashable | None = None,
    ax: Axes | None = None,
    max_groups: int = 20,
) -> Axes:
    """Rows per outcome: one bar per outcome, or one stacked bar per value of ``by``.

    Without ``by``: vertical bars in :data:`OUTCOMES` order (zeros included), labelled with the
    count and share (the share alone, or nothing, when the bars are too narrow); the outcome
    names are wrapped or upright when the Axes is narrow. With ``by``: a horizontal bar per group
    (missing values are the group ``(missing)``), stacked by outcome with each segment's share of
    its group written inside when it fits; beyond ``max_groups`` groups the smallest are merged
    into ``(other N groups)``.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({"segment": ["a", "b", "b"],
        ...     "outcome": pd.Series(["submitted", "submitted", "failed"], dtype=OUTCOME_DTYPE)})
        >>> ax = plot_outcomes(results, by="segment")
        >>> ax.get_title()
        'Outcome per segment (n=3)'
    """
    results = _check_results(results)
    _check_by(results, by)
    ax = _axes(ax)
    n = len(results)
    title = f"Outcome per {by} (n={n:,})" if by is not None else f"Outcome of every row (n={n:,})"
    if n == 0:
        return _say(ax, title, NO_ROWS)
    outcome = _outcome_codes(results)
    if by is None:
        counts = np.bincount(outcome, minlength=len(OUTCOMES))
        x = np.arange(len(OUTCOMES))
        bars = ax.bar(
            x, counts, color=[OUTCOME_COLORS[o] for o in OUTCOMES], edgecolor="white", width=0.7
        )
        for bar, c in zip(bars, counts, strict=True):
            ax.add_artist(_ColumnLabel(bar, [f"{c:,}\n{c / n:.1%}", f"{c / n:.0%}"], 9))
        ax.set_xlim(-0.5, len(OUTCOMES) - 0.5)
        _category_ticks(ax, list(OUTCOMES))
        ax.set_xlabel("outcome")
        ax.set_ylabel("rows")
        ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True))
        ax.margins(y=0.25)
    else:
        group, labels = _group_codes(results, by)
        matrix = _count_matrix(group, outcome, len(labels))
        kept, matrix = _keep_top([str(v) for v in labels], matrix, max_groups, "groups", False)
        _stacked_bars(ax, kept, matrix)
        ax.set_ylabel(str(by))
    ax.set_title(title)
    return ax


def _clean_reason(outcome: str, reason: str) -> str:
    """The reason as a chart groups it: one reason for every duplicate, dates shown as "…"."""
    if outcome == DUPLICATE:
        return DUPLICATE_REASON
    return _TIMESTAMP.sub("…", reason)


def _reasons(results: pd.DataFrame, mask: np.ndarray, outcome: np.ndarray) -> pd.Series:
    """Rows per (outcome code, reason) among ``mask``, most common first."""
    reason = results["outcome_reason"][mask].astype("str")
    if "invalid_reason" in results.columns:
        invalid = outcome[mask] == OUTCOMES.index(INVALID)
        fallback = results["invalid_reason"][mask].astype("str")
        reason = reason.mask(reason.isna() & invalid, fallback)
    reason = reason.fillna("(no reason given)")
    codes = outcome[mask]
    # clean each distinct (outcome, reason) once: duplicates name a row each
    pair, uniques = pd.factorize(
        pd.Series(codes.astype(str)) + "\x00" + pd.Series(reason.to_numpy(dtype=object)),
    )
    cleaned = np.array(
        [_clean_reason(OUTCOMES[int(u.split("\x00", 1)[0])], u.split("\x00", 1)[1])
         for u in uniques],
        dtype=object,
    )  # fmt: skip
    frame = pd.DataFrame({"outcome": codes, "reason": cleaned[pair] if len(pair) else []})
    counts = frame.groupby(["outcome", "reason"], sort=True).size()
    # Most common first; ties in outcome order, then alphabetical (a stable sort keeps that).
    return counts.sort_values(ascending=False, kind="stable")


def _check_outcomes(outcomes: Iterable[str] | None) -> tuple[str, ...]:
    if outcomes is None:
        return NOT_SUBMITTED
    chosen = (outcomes,) if isinstance(outcomes, str) else tuple(outcomes)
    wrong = [o for o in chosen if o not in NOT_SUBMITTED]
    if wrong or not chosen:
        raise ValueError(
            f"outcomes must name some of {', '.join(NOT_SUBMITTED)} (submitted rows have no "
            f"reason to explain); got {list(chosen)!r}"
        )
    return tuple(o for o in OUTCOMES if o in chosen)


def plot_failure_reasons(
    results: pd.DataFrame,
    *,
    top: int = 10,
    outcomes: Iterable[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Why rows were not submitted: the ``top`` most common reasons, the rest in one bar.

    One horizontal bar per (outcome, reason), most common on top, coloured by the outcome (a
    reason that occurs under two outcomes gets two bars); reasons beyond ``top`` are merged into
    one grey ``(other N reasons)`` bar, so the bars add up to the count in the title. The reason
    is ``outcome_reason``, or ``invalid_reason`` for invalid rows without one; every duplicate
    has the one reason ``same number as an earlier row``, and dates in reasons are shown as "…"
    (so "called 2026-11-20 10:00 UTC in campaign 'spring'" rows group together).

    By default every row that was not submitted is counted: rejected, failed, unknown, invalid,
    duplicate, not sent, already called, deferred and excluded. ``outcomes`` picks some of those;
    the title then says how many rows of the others are not shown.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({
        ...     "outcome": pd.Series(["rejected", "rejected", "invalid", "duplicate"],
        ...                          dtype=OUTCOME_DTYPE),
        ...     "outcome_reason": ["number in blacklist"] * 2
        ...                       + ["too short: 6 digits", "same number as row 0"]})
        >>> ax = plot_failure_reasons(results)
        >>> [t.get_text() for t in ax.get_yticklabels()]
        ['number in blacklist', 'too short: 6 digits', 'same number as an earlier row']
        >>> ax.get_title()
        'Why rows were not submitted (4 rows)'
        >>> plot_failure_reasons(results, outcomes=["rejected"]).get_title().splitlines()[1]
        'not counted: 1 invalid, 1 duplicate'
    """
    results = _check_results(results, ("outcome", "outcome_reason"))
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a whole number of at least 1, got {top!r}")
    chosen = _check_outcomes(outcomes)
    ax = _axes(ax)
    title = "Why rows were not submitted"
    if len(results) == 0:
        return _say(ax, title, NO_ROWS)
    outcome = _outcome_codes(results)
    mask = np.isin(outcome, [OUTCOMES.index(o) for o in chosen])
    counts_all = np.bincount(outcome, minlength=len(OUTCOMES))
    others = [
        f"{int(counts_all[OUTCOMES.index(o)]):,} {o}"
        for o in NOT_SUBMITTED
        if o not in chosen and counts_all[OUTCOMES.index(o)]
    ]
    note = f"\nnot counted: {', '.join(others)}" if others else ""
    if not mask.any():
        nothing = f"no {', '.join(chosen)} rows" if outcomes is not None else "every row submitted"
        return _say(ax, title + note, nothing)
    counts = _reasons(results, mask, outcome)
    shown = counts.head(top)
    names = [OUTCOMES[int(code)] for code, _ in shown.index]
    values = shown.to_numpy(dtype=np.int64)
    labels = [_wrapped(reason) for _, reason in shown.index]
    colours = [OUTCOME_COLORS[o] for o in names]
    rest = counts.iloc[top:]
    if len(rest):
        values = np.append(values, int(rest.sum()))
        labels.append(f"(other {len(rest):,} reasons)")
        colours.append(NEUTRAL)
    y = np.arange(len(values))
    bars = ax.barh(y, values, height=0.7, color=colours)
    ax.bar_label(bars, labels=[f"{int(v):,}" for v in values], padding=3, size=9)
    ax.set_yticks(y, labels, size=9)
    ax.set_ylim(len(values) - 0.5, -0.5)
    ax.margins(x=0.12)
    ax.set_xlabel("rows")
    ax.set_ylabel("reason")
    _legend_right(ax, [o for o in chosen if o in names])
    heading = f"{title} ({_plural(int(values.sum()), 'row')})"
    if len(rest):
        heading += f"\ntop {top} of {len(counts):,} reasons; the other {len(rest):,} in one bar"
    ax.set_title(heading + note)
    return ax


# --------------------------------------------------------------------------- countries


def _calling_code_label(prefix: str) -> str:
    """Group label of the numbers starting with ``prefix`` (their first 3 digits)."""
    for size in (1, 2, 3):
        head = prefix[:size]
        if len(head) < size or not head.isdigit():
            break
        code = int(head)
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
        if not regions:
            continue
        if regions == ("001",):
            return f"+{code} (non-geographic)"
        if len(regions) == 1:
            return f"{regions[0]} (+{code})"
        if code == 1:
            return "+1 (US/CA/…)"
        shown = "/".join(regions[:3]) + ("/…" if len(regions) > 3 else "")
        return f"+{code} ({shown})"
    return "(unknown calling code)"


def plot_by_country(results: pd.DataFrame, *, top: int = 15, ax: Axes | None = None) -> Axes:
    """Outcome mix per country calling code: a stacked bar per code, the largest ``top``.

    Numbers are grouped by calling code (see the module docstring): ``IN (+91)`` for a code of
    one region, ``+1 (US/CA/…)`` for a shared one. Rows without a number (invalid) are left out
    and counted in the title; codes beyond ``top`` are merged into ``(other N codes)``.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({"number": ["919812345678", None],
        ...     "outcome": pd.Series(["submitted", "invalid"], dtype=OUTCOME_DTYPE)})
        >>> plot_by_country(results).get_title().splitlines()[1]
        '1 row without a number (invalid) not shown'
    """
    results = _check_results(results, ("outcome", "number"))
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a whole number of at least 1, got {top!r}")
    ax = _axes(ax)
    title = "Outcome per country calling code"
    n = len(results)
    if n == 0:
        return _say(ax, title, NO_ROWS)
    outcome = _outcome_codes(results)
    number = results["number"].astype("str")  # no copy when it is text already
    present = np.asarray(number.notna())
    missing = n - int(present.sum())
    if missing == n:
        return _say(ax, title, f"no numbers to group: all {n:,} rows are invalid")
    prefix = number[present].str.lstrip("+").str.slice(0, 3)
    codes, uniques = pd.factorize(prefix)
    label_names, label_index = np.unique(
        [_calling_code_label(str(u)) for u in uniques], return_inverse=True
    )
    group = np.asarray(label_index, dtype=np.int64)[codes]
    matrix = _count_matrix(group, outcome[present], len(label_names))
    kept, matrix = _keep_top([str(v) for v in label_names], matrix, top, "codes", True)
    _stacked_bars(ax, kept, matrix)
    ax.set_ylabel("calling code")
    note = ""
    if missing:
        note = f"\n{_plural(missing, 'row')} without a number (invalid) not shown"
    ax.set_title(f"{title} (n={n - missing:,}){note}")
    return ax


# --------------------------------------------------------------------------- timeline


def _auto_freq(span: pd.Timedelta) -> str:
    """The shortest bin of :data:`_AUTO_FREQS` that cuts ``span`` into at most 60 bins."""
    if span <= pd.Timedelta(0):
        return "1s"
    for freq in _AUTO_FREQS:
        if span / pd.Timedelta(freq) <= _MAX_BINS:
            return freq
    return _AUTO_FREQS[-1]


def _duration_words(width: pd.Timedelta) -> str:
    """A bin length as a person says it: ``"10 ms"``, ``"1 s"``, ``"5 min"``, ``"1 day"``."""
    seconds = width.total_seconds()
    for unit, size in (("day", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if seconds >= size and seconds % size == 0:
            amount = int(seconds // size)
            if unit == "day":
                return f"{amount} day{'s' if amount != 1 else ''}"
            return f"{amount} {unit}"
    return f"{seconds * 1000:g} ms"


def _relative_formatter(span_s: float) -> FuncFormatter:
    """Tick labels in time after the first bin: ``"+0.2 s"`` (``"+20 ms"`` for tiny spans)."""
    in_ms = span_s < 0.1

    def label(value: float, pos: int | None = None) -> str:
        amount = round(value * 1000, 3) if in_ms else round(value, 6)
        if amount == 0:
            return "0 ms" if in_ms else "0 s"
        return f"{amount:+g} {'ms' if in_ms else 's'}".replace("-", "−")

    return FuncFormatter(label)


def _clock_axis(ax: Axes) -> None:
    """Date ticks labelled as a clock (``"14:02"``, ``"14:02:05"``), dates at midnight."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    # steps of 1, 2, 5… so that a ten-minute send gets more than two ticks
    locator.intervald[mdates.SECONDLY] = [1, 2, 5, 10, 15, 30]
    locator.intervald[mdates.MINUTELY] = [1, 2, 5, 10, 15, 30]
    formatter = mdates.ConciseDateFormatter(
        locator,
        formats=["%Y", "%b", "%d %b", "%H:%M", "%H:%M", "%H:%M:%S"],
        zero_formats=["", "%Y", "%b", "%d %b", "%H:%M", "%H:%M:%S"],
        show_offset=False,
    )
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)


def plot_timeline(
    results: pd.DataFrame, *, freq: str | None = None, ax: Axes | None = None
) -> Axes:
    """Rows sent per time bin (``sent_at``, UTC), stacked by outcome.

    ``freq`` is a fixed bin length such as ``"100ms"``, ``"1min"``, ``"1h"`` or ``"1D"``; by
    default the shortest of 1 ms … 30 days that gives at most 60 bins, so a send that took a
    fraction of a second is still spread over bars. A send shorter than two minutes is labelled
    in time after its first bin (``"+0.2 s"``, the start written under the axis); a longer one
    by the clock (``"14:02"``, ``"14:02:05"``). Rows never sent are not drawn.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({
        ...     "outcome": pd.Series(["submitted", "failed"], dtype=OUTCOME_DTYPE),
        ...     "sent_at": pd.to_datetime(["2024-05-01 10:00:00.00", "2024-05-01 10:00:00.25"],
        ...                               utc=True)})
        >>> ax = plot_timeline(results)
        >>> ax.get_title()
        'Rows sent per 5 ms (n=2)'
        >>> ax.get_xlabel()
        'time after 2024-05-01 10:00:00.000 UTC (first bin)'
    """
    results = _check_results(results, ("outcome", "sent_at"))
    ax = _axes(ax)
    title = "Rows sent over time"
    if len(results) == 0:
        return _say(ax, title, NO_ROWS)
    outcome = _outcome_codes(results)
    sent = pd.to_datetime(results["sent_at"], utc=True)
    present = np.asarray(sent.notna())
    if not present.any():
        return _say(ax, title, "nothing sent yet")
    times = sent[present]
    if freq is None:
        freq = _auto_freq(times.max() - times.min())
    wrong = f"freq={freq!r} is not a fixed bin length; use e.g. '100ms', '10s', '1min' or '1h'"
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError) as error:
        raise ValueError(wrong) from error
    if not isinstance(offset, pd.offsets.Tick):  # months, business days... have no fixed length
        raise ValueError(wrong)
    width = pd.Timedelta(offset)
    bins = times.dt.floor(offset)
    codes, starts = pd.factorize(bins, sort=True)
    matrix = _count_matrix(np.asarray(codes, dtype=np.int64), outcome[present], len(starts))
    starts = pd.DatetimeIndex(starts)
    origin = starts[0]
    relative = starts[-1] + width - origin <= _RELATIVE_SPAN
    if relative:
        x = np.asarray((starts - origin).total_seconds(), dtype=float)
        bar_width = width.total_seconds()
    else:
        x = mdates.date2num(starts.tz_convert(None).to_numpy())
        bar_width = width / pd.Timedelta(days=1)
    bottom = np.zeros(len(starts))
    drawn: list[str] = []
    for j, name in enumerate(OUTCOMES):
        column = matrix[:, j]
        if not column.any():
            continue
        ax.bar(
            x, column, width=bar_width, bottom=bottom, align="edge", color=OUTCOME_COLORS[name],
            label=name, edgecolor="white", linewidth=0.3,
        )  # fmt: skip
        bottom = bottom + column
        drawn.append(name)
    first, last = times.min(), times.max()
    if relative:
        end = float(x[-1] + bar_width)
        ax.set_xlim(-0.02 * end, end * 1.02)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(_relative_formatter(end))
        stamp = f"{origin:%Y-%m-%d %H:%M:%S.%f}"[:-3]
        ax.set_xlabel(f"time after {stamp} UTC (first bin)")
    else:
        _clock_axis(ax)
        span = f"{first:%Y-%m-%d %H:%M:%S}"
        if last.date() == first.date():
            span += f" to {last:%H:%M:%S}"
        else:
            span += f" to {last:%Y-%m-%d %H:%M}"
        ax.set_xlabel(f"sent at, UTC ({span})")
    ax.set_ylabel("rows sent")
    ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True))
    _legend_right(ax, drawn)
    ax.set_title(f"Rows sent per {_duration_words(width)} (n={int(present.sum()):,})")
    return ax


# --------------------------------------------------------------------------- call records


def _no_records(results: pd.DataFrame) -> str:
    """Why there is nothing to draw from call records, in words."""
    if len(results) == 0:
        return NO_ROWS
    status = results["record_status"].dropna() if "record_status" in results.columns else None
    if status is None or status.empty:
        return NO_RECORDS
    counts = ", ".join(f"{c:,} {s}" for s, c in status.astype(str).value_counts().items())
    return f"no final call records yet ({counts}) — run iv.call_outcomes(results) again later"


def _sip_label(code: str, reasons: pd.Series) -> str:
    if code in SIP_WORDS:
        return f"{code} {SIP_WORDS[code]}"
    words = reasons.dropna()
    if len(words):
        return _short(f"{code} {words.value_counts().index[0]}", 32)
    return f"SIP {code}"


def plot_call_results(results: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Answered calls and every SIP failure among the calls with a record, as bars.

    Labels name SIP codes in words ("486 busy"); submitted rows whose call has no final record
    yet are counted in the title. Answered calls are green (the submitted colour), the rest
    dark grey.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({
        ...     "outcome": pd.Series(["submitted"] * 3, dtype=OUTCOME_DTYPE),
        ...     "answered": pd.array([True, False, False], dtype="boolean"),
        ...     "sip_code": ["200", "486", "486"]})
        >>> [t.get_text() for t in plot_call_results(results).get_yticklabels()]
        ['answered', '486 busy']
    """
    results = _check_results(results)
    ax = _axes(ax)
    title = "Result of the calls"
    if not has_call_records(results):
        return _say(ax, title, _no_records(results))
    answered = _answered_array(results)
    sip = _sip_codes(results)
    record = _record_array(results)
    if not record.any():
        return _say(ax, title, "no final call records yet")
    failed = record & ~answered
    if sip is not None:
        codes = sip[failed].fillna("").to_numpy(dtype=object)
    else:
        codes = np.full(int(failed.sum()), "", dtype=object)
    failures = pd.Series(codes).value_counts()
    reasons = results["sip_reason"] if "sip_reason" in results.columns else None
    labels = ["answered"]
    values = [int(answered[record].sum())]
    for code, count in failures.items():
        if code == "" or sip is None:
            labels.append("not answered (no SIP code)")
        else:
            words = pd.Series([], dtype=object)
            if reasons is not None:
                words = reasons[failed & np.asarray(sip == code)]
            labels.append(_sip_label(str(code), words))
        values.append(int(count))
    if len(labels) > 13:
        labels = [*labels[:12], f"(other {len(labels) - 12} SIP codes)"]
        values = [*values[:12], sum(values[12:])]
    total = int(record.sum())
    y = np.arange(len(labels))
    colours = [OUTCOME_COLORS[SUBMITTED]] + [NEUTRAL] * (len(labels) - 1)
    bars = ax.barh(y, values, height=0.7, color=colours)
    ax.bar_label(bars, labels=[f"{v:,} ({v / total:.0%})" for v in values], padding=3, size=9)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.margins(x=0.15)
    ax.set_xlabel("calls")
    ax.set_ylabel("call result")
    pending = int((_outcome_codes(results) == OUTCOMES.index(SUBMITTED))[~record].sum())
    note = f"\n{_plural(pending, 'submitted call')} without a final record yet"
    ax.set_title(f"{title} ({total:,} calls with a record)" + (note if pending else ""))
    return ax


def _positive_number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def plot_durations(
    results: pd.DataFrame, *, max_duration: float | None = None, ax: Axes | None = None
) -> Axes:
    """Histogram of the call duration of answered calls, with a line at ``max_duration``.

    ``max_duration`` defaults to ``results.attrs["message"]["max_duration"]`` when the attrs
    survived; without either, no line is drawn. Calls bunched at the line were cut off. The
    line's legend sits right of the Axes, never on the bars.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({
        ...     "outcome": pd.Series(["submitted"] * 2, dtype=OUTCOME_DTYPE),
        ...     "answered": pd.array([True, True], dtype="boolean"),
        ...     "call_duration": pd.array([12, 50], dtype="Int64")})
        >>> ax = plot_durations(results, max_duration=50)
        >>> int(sum(bar.get_height() for bar in ax.patches))
        2
    """
    results = _check_results(results)
    ax = _axes(ax)
    title = "Call duration of answered calls"
    if not has_call_records(results):
        return _say(ax, title, _no_records(results))
    duration = _float_array(results.get("call_duration"), len(results))
    values = duration[_answered_array(results) & ~np.isnan(duration)]
    if len(values) == 0:
        return _say(ax, title, "no answered calls with a duration yet")
    limit = _positive_number(max_duration)
    if max_duration is not None and limit is None:
        raise ValueError(f"max_duration must be a positive number of seconds, got {max_duration!r}")
    if limit is None:
        limit = _positive_number(_message_setting(results, "max_duration"))
    highest = max(float(values.max()), limit or 0.0)
    step = max(1, math.ceil((highest + 1) / 60))
    # bars centred on 0, step, 2*step...; the last one holds the longest call
    bins = np.arange(math.floor(highest / step + 0.5) + 2) * step - step / 2
    ax.hist(
        values,
        bins=bins.tolist(),
        color=OUTCOME_COLORS[SUBMITTED],
        edgecolor="white",
        linewidth=0.4,
    )
    if limit is not None:
        label = f"max_duration {limit:g} s"
        loops = _positive_number(_message_setting(results, "loop_count"))
        if loops is not None:
            label += f"\n(audio played up to {loops:g}×)"
        ax.axvline(limit, color="black", linestyle="--", linewidth=1.5, label=label)
        ax.legend(
            loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False,
            fontsize=9,
        )  # fmt: skip
    ax.set_xlabel("call duration (s)")
    ax.set_ylabel("answered calls")
    ax.set_title(f"{title}\nn={len(values):,}, median {np.median(values):g} s")
    return ax


def plot_cost(
    results: pd.DataFrame,
    *,
    by: Hashable | None = None,
    currency: str | None = None,
    ax: Axes | None = None,
    max_groups: int = 20,
) -> Axes:
    """Total ``cost`` of the calls, overall or per value of ``by``, as horizontal bars.

    Every amount names its currency: the one each call record names (``currency`` column);
    records that name none are in ``currency``, by default the account's currency as the other
    records name it, else ``"USD"`` (the vendor quotes US dollars). An explicit ``currency``
    that contradicts the records is a ValueError. Costs in several currencies are never added
    together: each (group, currency) gets its own bar. Missing ``by`` values are the group
    ``(missing)``; beyond ``max_groups`` bars the cheapest are merged into one.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({
        ...     "outcome": pd.Series(["submitted"] * 2, dtype=OUTCOME_DTYPE),
        ...     "cost": pd.array([0.5, 0.25], dtype="Float64")})
        >>> ax = plot_cost(results)
        >>> float(ax.patches[0].get_width()), ax.get_xlabel()
        (0.75, 'cost (USD)')
        >>> plot_cost(results, currency="EUR").get_title()
        'Cost of the calls: 0.75 EUR over 2 calls'
    """
    results = _check_results(results)
    _check_by(results, by)
    ax = _axes(ax)
    title = "Cost of the calls" + (f" per {by}" if by is not None else "")
    if not has_call_records(results):
        _row_currencies(results, currency)  # a wrong currency is an error even so
        return _say(ax, title, _no_records(results))
    n = len(results)
    cost = _float_array(results.get("cost"), n)
    charged = ~np.isnan(cost)
    row_currency = _row_currencies(results, currency, charged)
    if not charged.any():
        return _say(ax, title, "no cost recorded yet")
    group, names = _group_codes(results, by)
    labels = [_short(v, 32) for v in names] if by is not None else ["all calls"]
    currency_codes, found = pd.factorize(pd.Index(row_currency[charged], dtype=object))
    currencies = [str(c) for c in found]
    group = group[charged]
    if len(currencies) > 1:
        group = group * len(currencies) + np.asarray(currency_codes, dtype=np.int64)
        labels = [f"{g} · {c}" for g in labels for c in currencies]
        units = [c for _ in names for c in currencies]
    else:
        units = [currencies[0]] * len(labels)
    totals = np.bincount(group, weights=cost[charged], minlength=len(labels))
    if len(currencies) > 1:  # a (group, currency) pair with no call is not a bar
        rows = np.bincount(group, minlength=len(labels)) > 0
        labels = [label for label, r in zip(labels, rows, strict=True) if r]
        units = [unit for unit, r in zip(units, rows, strict=True) if r]
        totals = totals[rows]
    if len(labels) > max_groups:  # the cheapest merged, one "other" bar per currency
        order = np.argsort(-totals, kind="stable")
        keep, rest = np.sort(order[:max_groups]), order[max_groups:]
        merged = [
            (f"(other {int(np.sum(mine)):,} groups)", unit, float(totals[rest][mine].sum()))
            for unit in dict.fromkeys(units[i] for i in rest)
            for mine in [np.array([units[i] == unit for i in rest])]
        ]
        labels = [labels[i] for i in keep] + [m[0] for m in merged]
        units = [units[i] for i in keep] + [m[1] for m in merged]
        totals = np.append(totals[keep], [m[2] for m in merged])
    y = np.arange(len(labels))
    bars = ax.barh(y, totals, height=0.6, color=NEUTRAL)
    texts = [f"{t:,.2f} {unit}" for t, unit in zip(totals, units, strict=True)]
    ax.bar_label(bars, labels=texts, padding=3, size=9)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.margins(x=0.22)
    ax.set_ylabel(str(by) if by is not None else "")
    calls = _plural(int(charged.sum()), "call")
    if len(currencies) > 1:
        ax.set_xlabel("cost (each bar in its own currency)")
        ax.set_title(f"{title} over {calls} (in {', '.join(currencies)}; never added up)")
    else:
        ax.set_xlabel(f"cost ({currencies[0]})")
        ax.set_title(f"{title}: {cost[charged].sum():,.2f} {currencies[0]} over {calls}")
    return ax


# --------------------------------------------------------------------------- funnel and keys


def _text_fraction(text: str, size: float, ax: Axes) -> float:
    """About how much of the Axes' width ``text`` takes at font ``size``, allowing for the Axes
    to shrink by up to a third when the figure is laid out (tick labels, legends, neighbours)."""
    dpi = float(ax.get_figure(root=True).dpi)  # type: ignore[union-attr]
    axes_points = max(float(ax.bbox.width) / dpi * 72 * _LAYOUT_SHRINK, 72.0)
    return (_text_width_pt(text, size) * 1.05 + _LABEL_PAD_PT * 2) / axes_points


class _BarLabel(Text):
    """The label of one horizontal bar, placed when drawn, once the layout is known: inside the
    bar's end when it fits there (in black or white, whichever reads on the bar), else just
    right of the bar, in dark grey."""

    def __init__(self, bar: Rectangle, text: str, colour: str, size: float) -> None:
        x, y = bar.get_x() + bar.get_width(), bar.get_y() + bar.get_height() / 2
        super().__init__(float(x), float(y), text, va="center", ha="left", size=size)
        self.set_clip_on(False)
        self._bar = bar
        self._inside_colour = _text_color(colour)

    def _place(self, inside: bool) -> None:
        axes, figure = self.axes, self.figure
        assert axes is not None and figure is not None
        shift = (-_LABEL_PAD_PT if inside else _LABEL_PAD_PT) / 72
        offset = ScaledTranslation(shift, 0, figure.dpi_scale_trans)
        self.set_transform(axes.transData + offset)
        self.set_horizontalalignment("right" if inside else "left")
        self.set_color(self._inside_colour if inside else "#222222")

    def draw(self, renderer: Any) -> None:
        if self.get_visible() and self.axes is not None and self.figure is not None:
            self._place(False)
            text = super().get_window_extent(renderer).width
            bar = self._bar.get_window_extent(renderer).width
            pad = _LABEL_PAD_PT / 72 * self.figure.dpi
            self._place(text + 2 * pad <= bar)
        super().draw(renderer)


def _room(
    ax: Axes, widths: Sequence[float], texts: Sequence[str], right: float, size: float
) -> float:
    """The x limit at which every label fits inside its bar or right of it within the Axes."""
    fractions = [_text_fraction(t, size, ax) for t in texts]
    right = max(right, 1e-9)
    for _ in range(6):  # the limit settles in a step or two
        needed = [
            w / (1 - min(f, 0.9))
            for w, f, t in zip(widths, fractions, texts, strict=True)
            if t and f * right > w  # might not fit inside its bar
        ]
        wider = max([right, *needed])
        if wider <= right * 1.0001:
            break
        right = wider
    return right


def _label_bars(
    ax: Axes,
    bars: Sequence[Rectangle],
    texts: Sequence[str],
    colours: Sequence[str],
    *,
    right: float,
    size: float,
) -> None:
    """Label horizontal bars with ``texts`` (see :class:`_BarLabel`), and widen the x axis so
    that a label right of its bar stays within the Axes."""
    widths = [float(bar.get_width()) for bar in bars]
    limit = _room(ax, widths, texts, right, size)
    for bar, text, colour in zip(bars, texts, colours, strict=True):
        if text:
            ax.add_artist(_BarLabel(bar, text, colour, size))
    ax.set_xlim(0, limit * 1.02)


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole > 0 else "–"


def _top_groups(
    labels: list[Hashable], counts: np.ndarray, sizes: np.ndarray, max_groups: int
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The ``max_groups`` largest groups (by ``sizes``) in their order, the rest merged."""
    names = [_short(label, 28) for label in labels]
    if len(labels) <= max_groups:
        return names, counts, sizes
    keep = np.sort(np.argsort(-sizes, kind="stable")[:max_groups])
    rest = np.setdiff1d(np.arange(len(labels)), keep)
    return (
        [names[i] for i in keep] + [f"(other {len(rest):,} groups)"],
        np.vstack([counts[keep], counts[rest].sum(axis=0, keepdims=True)]),
        np.append(sizes[keep], sizes[rest].sum()),
    )


def _check_max_groups(max_groups: int) -> None:
    if isinstance(max_groups, bool) or not isinstance(max_groups, int) or max_groups < 1:
        raise ValueError(f"max_groups must be a whole number of at least 1, got {max_groups!r}")


def _grouped_bars(
    ax: Axes,
    names: list[str],
    sizes: np.ndarray,
    noun: str,
    values: np.ndarray,
    texts: list[list[str]],
    colours: dict[str, str],
    legend: str,
) -> None:
    """One block of bars per group (one bar per column of ``values``, 0-1 shares), the group
    named once at the block's middle; bars coloured by column, labelled at their end."""
    columns = list(colours)
    k = len(columns)
    y_all, widths, flat_texts, flat_colours = [], [], [], []
    for g in range(len(names)):
        for s, column in enumerate(columns):
            y_all.append(g * (k + 1) + s)
            widths.append(float(values[g, s]))
            flat_texts.append(texts[g][s])
            flat_colours.append(colours[column])
    y = np.asarray(y_all, dtype=float)
    bars = ax.barh(y, widths, height=0.8, color=flat_colours, edgecolor="white", linewidth=0.4)
    _label_bars(ax, list(bars), flat_texts, flat_colours, right=1.0, size=8)
    middles = [g * (k + 1) + (k - 1) / 2 for g in range(len(names))]
    ax.set_yticks(
        middles, [f"{name}\n{noun}={int(n):,}" for name, n in zip(names, sizes, strict=True)]
    )
    ax.set_ylim(len(names) * (k + 1) - 1.5, -0.7)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    _legend_outside(ax, colours, legend)


def _new_axes(ax: Axes | None, bars: int) -> Axes:
    """``ax``, or a new notebook-width Axes tall enough for ``bars`` horizontal bars."""
    return _axes(ax, (FIGSIZE[0], max(FIGSIZE[1], min(0.2 * bars + 1.4, 14.0))))


def plot_funnel(
    results: pd.DataFrame,
    *,
    by: Hashable | None = None,
    ax: Axes | None = None,
    max_groups: int = 6,
) -> Axes:
    """The campaign funnel: rows → sendable → submitted → answered → responded.

    Each stage is a subset of the one before (see
    :data:`~itnivoice_nb._reporting.FUNNEL_STAGES`): *sendable* rows are numbers this run meant
    to call (not invalid, a duplicate, already called, deferred or excluded); *submitted* ones
    were accepted by the API; *answered* calls have a call record with SIP 200; *responded*
    ones are answered calls in which a key was pressed (``feedback_value`` other than ``"-1"``).
    Each stage has a fixed colour (:data:`~itnivoice_nb._reporting.FUNNEL_COLORS`).

    Overall (``by=None``) one bar per stage is as long as its count, labelled with the count,
    its share of the previous stage and its share of all rows. With ``by``, each group (the
    ``max_groups`` largest; the rest merged) gets its own small funnel whose bars are shares of
    the group's rows, labelled with the count and the share of the previous stage.

    Without call records the funnel stops at *submitted* and its title says records are
    needed; an empty frame is said in words.

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({
        ...     "outcome": pd.Series(["submitted"] * 3 + ["invalid"], dtype=OUTCOME_DTYPE),
        ...     "answered": pd.array([True, True, False, None], dtype="boolean"),
        ...     "feedback_value": ["1", "-1", "-1", None]})
        >>> ax = plot_funnel(results)
        >>> [int(bar.get_width()) for bar in ax.patches]
        [4, 3, 3, 2, 1]
        >>> ax.texts[4].get_text()
        '1  (50.0% of answered · 25.0% of rows)'
    """
    results = _check_results(results)
    _check_by(results, by)
    _check_max_groups(max_groups)
    title = "Campaign funnel" + (f" per {by}" if by is not None else "")
    if len(results) == 0:
        return _say(_axes(ax), title, NO_ROWS)
    outcome = _outcome_codes(results)
    n = len(results)
    records = has_call_records(results)
    keys_known = "feedback_value" in results.columns
    submitted = outcome == OUTCOMES.index(SUBMITTED)
    answered = submitted & _answered_array(results)
    masks = [
        np.ones(n, dtype=bool),
        ~np.isin(outcome, [OUTCOMES.index(o) for o in SKIPPED]),
        submitted,
    ]
    notes: list[str] = []
    if records:
        masks.append(answered)
        if keys_known:
            masks.append(answered & _responded_array(results))
        else:
            notes.append("no feedback_value column: responses unknown")
        pending = int((submitted & ~_record_array(results)).sum())
        if pending:
            notes.append(f"{_plural(pending, 'submitted call')} without a final record yet")
    else:
        notes.append(FUNNEL_NEEDS_RECORDS)
    stages = FUNNEL_STAGES[: len(masks)]
    group, labels = _group_codes(results, by)
    counts = np.column_stack(
        [np.bincount(group, weights=m, minlength=len(labels)) for m in masks]
    ).astype(np.int64)
    colours = {stage: FUNNEL_COLORS[stage] for stage in stages}
    if by is None:
        ax = _axes(ax)
        row = counts[0]
        texts, short = [f"{int(row[0]):,}"], [f"{int(row[0]):,}"]
        for s in range(1, len(stages)):
            parts = [f"{_share(row[s], row[s - 1])} of {stages[s - 1]}"]
            shares = [_share(row[s], row[s - 1])]
            if s >= 2:
                parts.append(f"{_share(row[s], row[0])} of rows")
                shares.append(_share(row[s], row[0]))
            texts.append(f"{int(row[s]):,}  ({' · '.join(parts)})")
            short.append(" · ".join([f"{int(row[s]):,}", *shares]))
        xlabel = "rows"
        widest = float(row.max())
        if _room(ax, row.astype(float).tolist(), texts, widest, 9) > 1.5 * widest:
            # a narrow Axes: short labels, explained once below the axis
            texts = short
            xlabel = "rows (labels: count · share of the previous stage · share of all rows)"
        y = np.arange(len(stages), dtype=float)
        bars = ax.barh(y, row.astype(float), height=0.7, color=list(colours.values()))
        _label_bars(ax, list(bars), texts, list(colours.values()), right=widest, size=9)
        ax.set_yticks(y, list(stages))
        ax.set_ylim(len(stages) - 0.5, -0.5)
        ax.set_xlabel(xlabel)
    else:
        names, counts, sizes = _top_groups(labels, counts, counts[:, 0], max_groups)
        ax = _new_axes(ax, len(names) * (len(stages) + 1))
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(sizes[:, None] > 0, counts / np.maximum(sizes[:, None], 1), 0.0)
        block_texts = [
            [f"{int(c[0]):,}"]
            + [f"{int(c[s]):,} ({_share(c[s], c[s - 1])})" for s in range(1, len(stages))]
            for c in counts
        ]
        _grouped_bars(ax, names, sizes, "n", values, block_texts, colours, "stage")
        ax.set_xlabel(
            f"share of the rows of each {by} (labels: count, share of the previous stage)"
        )
        ax.set_ylabel(str(by))
    ax.set_title(f"{title} (n={n:,} rows)" + "".join(f"\n{note}" for note in notes))
    return ax


def _key_label(key: str) -> str:
    return key if key == NO_KEY else f"key {key}"


def _key_order(keys: Sequence[str]) -> list[str]:
    """Keys in keypad order, unexpected values after them (sorted), then ``no key``."""
    found = set(keys) - {NO_KEY}
    known = [k for k in KEY_ORDER if k in found]
    return [*known, *sorted(found - set(known)), NO_KEY]


def plot_responses(
    results: pd.DataFrame,
    *,
    by: Hashable | None = None,
    ax: Axes | None = None,
    max_groups: int = 6,
) -> Axes:
    """Which keys answered callees pressed, as a share of the answered calls.

    One bar per key pressed (``feedback_value``), in keypad order, then ``no key`` ("-1" or
    missing): its length is the share of answered calls, its label the count and the share.
    With ``by``, each group (the ``max_groups`` largest; the rest merged) gets a block of bars,
    shares of that group's answered calls. Each key has a fixed colour
    (:data:`~itnivoice_nb._reporting.KEY_COLORS`).

    Example:
        >>> import pandas as pd
        >>> from itnivoice_nb._outcomes import OUTCOME_DTYPE
        >>> results = pd.DataFrame({
        ...     "outcome": pd.Series(["submitted"] * 4, dtype=OUTCOME_DTYPE),
        ...     "answered": pd.array([True, True, True, False], dtype="boolean"),
        ...     "feedback_value": ["2", "1", "-1", "-1"]})
        >>> ax = plot_responses(results)
        >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts]
        (['key 1', 'key 2', 'no key'], ['1 (33.3%)', '1 (33.3%)', '1 (33.3%)'])
    """
    results = _check_results(results)
    _check_by(results, by)
    _check_max_groups(max_groups)
    title = "Keys pressed on answered calls" + (f" per {by}" if by is not None else "")
    if not has_call_records(results):
        return _say(_axes(ax), title, _no_records(results))
    keys = _feedback_keys(results)
    if keys is None:
        return _say(
            _axes(ax), title, "no feedback_value column: which keys were pressed is unknown"
        )
    answered = (_outcome_codes(results) == OUTCOMES.index(SUBMITTED)) & _answered_array(results)
    total = int(answered.sum())
    if total == 0:
        return _say(_axes(ax), title, "no answered calls yet")
    pressed = keys[answered].fillna(NO_KEY).astype(str).to_numpy(dtype=object)
    order = _key_order(list(pd.unique(pressed)))
    key_codes = pd.Index(order).get_indexer(pressed)
    group, labels = _group_codes(results, by)
    flat = np.bincount(group[answered] * len(order) + key_codes, minlength=len(labels) * len(order))
    counts = flat.reshape(len(labels), len(order))
    colours = {_key_label(k): KEY_COLORS.get(k, "#777777") for k in order}
    responded = total - int(counts[:, -1].sum())
    heading = (
        f"{title}\n{total:,} answered; {responded:,} pressed a key ({_share(responded, total)})"
    )
    if by is None:
        ax = _axes(ax)
        row = counts[0]
        shares = row / total
        texts = [f"{int(c):,} ({_share(c, total)})" for c in row]
        y = np.arange(len(order), dtype=float)
        bars = ax.barh(y, shares, height=0.7, color=list(colours.values()))
        _label_bars(
            ax, list(bars), texts, list(colours.values()), right=float(shares.max()), size=9
        )
        ax.set_yticks(y, list(colours))
        ax.set_ylim(len(order) - 0.5, -0.5)
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        ax.set_xlabel("share of answered calls")
    else:
        sizes = counts.sum(axis=1)
        names, counts, sizes = _top_groups(labels, counts, sizes, max_groups)
        ax = _new_axes(ax, len(names) * (len(order) + 1))
        values = counts / np.maximum(sizes[:, None], 1)
        block_texts = [
            [f"{int(c):,} ({_share(c, size)})" for c in row]
            for row, size in zip(counts, sizes, strict=True)
        ]
        _grouped_bars(ax, names, sizes, "answered", values, block_texts, colours, "key")
        ax.set_xlabel(f"share of the answered calls of each {by}")
        ax.set_ylabel(str(by))
    ax.set_title(heading)
    return ax
