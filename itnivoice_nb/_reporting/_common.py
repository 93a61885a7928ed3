"""What every summary and chart shares: checks, counts, colours, masked labels, the currency.

This is the first module of :mod:`itnivoice_nb._reporting`: it imports nothing from the others
(the order is ``_common`` → ``summary`` → ``plots`` → ``report``) and no pyplot, so a summary
never pays for matplotlib. Everything here but the constants is private to the package.

Example:
    >>> mask_text("call +919812345678 now")
    'call ••••••••5678 now'
    >>> _text_color("#F0E442"), _text_color("#332288")
    ('#000000', '#ffffff')
    >>> import pandas as pd
    >>> _account_currency(pd.DataFrame({"currency": ["EUR", None]})), _account_currency(None)
    ('EUR', 'USD')
"""

from __future__ import annotations

import textwrap
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .._numbers._mask import mask_text
from .._outcomes import OUTCOME_COLORS, OUTCOMES, SUBMITTED

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "DEFAULT_CURRENCY",
    "FUNNEL_COLORS",
    "FUNNEL_MEANINGS",
    "FUNNEL_NEEDS_RECORDS",
    "FUNNEL_STAGES",
    "KEY_COLORS",
    "KEY_ORDER",
    "MISSING_GROUP",
    "NEUTRAL",
    "NO_KEY",
    "NO_RECORDS",
    "NO_ROWS",
    "TOTAL_ROW",
    "campaign_name",
]

TOTAL_ROW: Final = "total"
"""Index label of the last row of :func:`~itnivoice_nb._reporting.summary`: every row."""

MISSING_GROUP: Final = "(missing)"
"""Group label for rows whose ``by`` value is missing; such rows are never dropped."""

SHARE_SUFFIX: Final = "_share"

DEFAULT_CURRENCY: Final = "USD"
"""The currency of costs when no call record names one: the vendor quotes in US dollars."""

NO_ROWS: Final = "no rows"
NO_RECORDS: Final = "no call records yet — run iv.call_outcomes(results) first"
FUNNEL_NEEDS_RECORDS: Final = (
    "answered and responded need call records — run iv.call_outcomes(results) first"
)

NEUTRAL: Final = "#4D4D4D"
"""Colour of bars that are not an outcome (unanswered calls, costs, merged "other" bars)."""

FUNNEL_STAGES: Final = ("rows", "sendable", "submitted", "answered", "responded")
"""The stages of :func:`~itnivoice_nb._reporting.plot_funnel`, each a subset of the one before:
every row; a number this run meant to call (valid, not a duplicate, not already called, not
deferred, not excluded); accepted by the API; answered (call record); a key pressed
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
    "sendable": "a number this run meant to call: valid, not a duplicate, not already called, "
    "not deferred and not excluded",
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
"""One fixed colour per key of :func:`~itnivoice_nb._reporting.plot_responses` (others: grey)."""

RECORD_EVIDENCE: Final = ("answered", "sip_code", "call_duration", "cost")
"""Columns whose values show that ``iv.call_outcomes`` joined call records."""

_LABEL_CHARS: Final = 55


# --------------------------------------------------------------------------- checks


def _check_results(results: object, required: Iterable[str] = ("outcome",)) -> pd.DataFrame:
    """Return ``results`` if it is a DataFrame with the ``required`` columns, else raise."""
    if not isinstance(results, pd.DataFrame):
        from .._frames import as_pandas

        try:
            results = as_pandas(results, "results")  # a polars or Arrow copy of the results
        except TypeError:
            raise TypeError(
                f"expected a results DataFrame (what iv.send returns), got "
                f"{type(results).__name__}"
            ) from None
    missing = [c for c in required if c not in results.columns]
    if missing:
        have = ", ".join(map(str, results.columns)) or "none"
        raise ValueError(
            f"results has no column {', '.join(map(repr, missing))}: expected the DataFrame "
            f"iv.send returns (columns such as 'outcome', 'outcome_reason', 'number', "
            f"'sent_at'); columns present: {have}"
        )
    return results


def _check_by(results: pd.DataFrame, by: Hashable | None) -> None:
    if by is not None and by not in results.columns:
        raise ValueError(
            f"by={by!r} is not a column of results; columns: "
            + ", ".join(map(str, results.columns))
        )


# --------------------------------------------------------------------------- counting


def _outcome_codes(results: pd.DataFrame) -> np.ndarray:
    """The outcome of every row as an int array: its position in :data:`OUTCOMES`.

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


def _group_codes(results: pd.DataFrame, by: Hashable | None) -> tuple[np.ndarray, list[Hashable]]:
    """Group number of every row and the group labels; missing values form ``(missing)``.

    Groups are sorted (categories keep their order); ``(missing)`` comes last. With
    ``by=None`` every row is in the one group ``"all"``.
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


# --------------------------------------------------------------------------- call records


def _column(results: pd.DataFrame, name: str) -> pd.Series | None:
    return results[name] if name in results.columns else None


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


def _record_array(results: pd.DataFrame) -> np.ndarray:
    """True for rows with a final call record (``answered`` or ``sip_code`` known)."""
    known = np.zeros(len(results), dtype=bool)
    if "answered" in results.columns:
        known |= np.asarray(results["answered"].notna())
    sip = _sip_codes(results)
    if sip is not None:
        known |= np.asarray(sip.notna())
    return known


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


# --------------------------------------------------------------------------- currency


def _stated_currencies(results: pd.DataFrame | None) -> pd.Series | None:
    """The ``currency`` the call records name, stripped; NA where a record names none."""
    if results is None or "currency" not in results.columns:
        return None
    text = results["currency"].astype("string").str.strip()
    return text.mask(text.isin(["", "nan", "None", "<NA>", "?"]))


def _account_currency(results: pd.DataFrame | None) -> str:
    """The account's currency: the one the records name (the most common, if several), else
    :data:`DEFAULT_CURRENCY`."""
    stated = _stated_currencies(results)
    if stated is None:
        return DEFAULT_CURRENCY
    counts = stated.dropna().value_counts()
    return str(counts.index[0]) if len(counts) else DEFAULT_CURRENCY


def _check_currency(currency: object) -> str | None:
    if currency is None:
        return None
    if not isinstance(currency, str) or not currency.strip() or currency.strip() == "?":
        raise ValueError(f"currency must be a currency code such as 'USD', got {currency!r}")
    return currency.strip()


def _row_currencies(
    results: pd.DataFrame, currency: str | None, rows: np.ndarray | None = None
) -> np.ndarray:
    """The currency of each row's cost, as an object array of text (never missing, never "?").

    A record that names its currency keeps it; the others are in ``currency``, by default the
    account's currency (:func:`_account_currency`). ``rows`` (a boolean mask) limits the check
    that an explicit ``currency`` agrees with the records to the rows that matter.
    """
    chosen = _check_currency(currency)
    fill = chosen if chosen is not None else _account_currency(results)
    stated = _stated_currencies(results)
    if stated is None:
        return np.full(len(results), fill, dtype=object)
    if chosen is not None:
        considered = stated if rows is None else stated[rows]
        other = considered.dropna()
        other = other[other != chosen]
        if len(other):
            found = ", ".join(sorted(set(other.astype(str))))
            raise ValueError(
                f"currency={chosen!r}, but the call records say {found} for {len(other):,} "
                f"call{'s' if len(other) != 1 else ''}; leave currency=None to use the records'"
            )
    return np.asarray(stated.fillna(fill).astype(object).to_numpy(dtype=object))


# --------------------------------------------------------------------------- labels


def _short(text: object, limit: int = _LABEL_CHARS) -> str:
    """A label for display: masked numbers, at most ``limit`` characters."""
    masked = mask_text(text)
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"


def _wrapped(text: object, width: int = 34, lines: int = 2) -> str:
    """A masked label wrapped to at most ``lines`` lines of ``width`` characters."""
    return textwrap.fill(
        mask_text(text), width=width, max_lines=lines, placeholder="…", break_long_words=True
    )


def _plural(count: int, noun: str) -> str:
    """``"1 row"``, ``"2,345 rows"``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _message_setting(results: pd.DataFrame, key: str) -> Any:
    """``results.attrs["message"][key]`` if present, else None; attrs are optional."""
    message = results.attrs.get("message") if isinstance(results.attrs, dict) else None
    if isinstance(message, dict):
        return message.get(key)
    return getattr(message, key, None)


def campaign_name(results: pd.DataFrame) -> str | None:
    """The campaign's label, else ``#`` and the start of its id, from ``results.attrs``.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"outcome": []})
        >>> frame.attrs["campaign"] = "3f9a1c2b4d5e"
        >>> campaign_name(frame)
        '#3f9a1c2b'
    """
    attrs = results.attrs if isinstance(results.attrs, dict) else {}
    if attrs.get("label"):
        return str(attrs["label"])
    return f"#{str(attrs['campaign'])[:8]}" if attrs.get("campaign") else None


# --------------------------------------------------------------------------- colours


def _text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (a ``#rrggbb`` colour)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(background[i : i + 2], 16) / 255) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b  # WCAG relative luminance
    return "#000000" if luminance > 0.179 else "#ffffff"  # whichever contrasts more


# --------------------------------------------------------------------------- empty charts


def _say(ax: Axes, title: str, message: str) -> Axes:
    """The explanatory chart: ``ax`` left empty but for ``title`` and ``message`` in words."""
    ax.set_title(title)
    ax.text(
        0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes,
        wrap=True, color="#444444", fontsize=11,
    )  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])
    return ax
