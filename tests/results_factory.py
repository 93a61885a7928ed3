"""Synthetic results DataFrames shaped like what ``iv.send`` (and ``iv.call_outcomes``) return.

Vectorised: a million rows take a few seconds. From about 3,000 rows on, every outcome occurs;
answered calls press key 1, 2 or 3 (``feedback_value``) 30 % of the time, other records say "-1";
numbers come from India (+91), Indonesia (+62), the Philippines (+63), Brazil (+55), Nigeria
(+234), the US/Canada (+1) and the UK (+44).

Example:
    >>> from itnivoice_nb._outcomes import OUTCOMES
    >>> results = make_results(3000, seed=1, with_records=True)
    >>> sorted(set(results["outcome"].astype(str))) == sorted(OUTCOMES)
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from itnivoice_nb._outcomes import (
    ALREADY_CALLED,
    DUPLICATE,
    FAILED,
    INVALID,
    NOT_SENT,
    OUTCOME_DTYPE,
    OUTCOMES,
    PREPARE_COLUMNS,
    RECORD_COLUMNS,
    REJECTED,
    SEND_COLUMNS,
    SUBMITTED,
    UNKNOWN,
)

# (calling code, first national digit, national length, weight)
COUNTRIES = (
    ("91", 9, 10, 0.35),
    ("62", 8, 10, 0.15),
    ("63", 9, 10, 0.10),
    ("55", 1, 11, 0.10),
    ("234", 8, 10, 0.10),
    ("1", 4, 10, 0.10),
    ("44", 7, 10, 0.10),
)
SEGMENTS = ("retail", "wholesale", "vip")
INVALID_REASONS = ("too short: 6 digits", "not a number: 'n/a'", "too long: 17 digits", "empty")
REJECT_REASONS = {"1": "number in blacklist", "2": "invalid number", "3": "frequency limit"}
FAILED_STATUS = {"-10": "-10 the balance is insufficient", "-22": "-22 parameter exception"}
UNKNOWN_REASON = "read timeout after sending: may have been charged"
NOT_SENT_REASON = "the send stopped before this batch"
ALREADY_CALLED_REASON = "called 2026-11-20 10:00 UTC in campaign 'spring'"
DEFERRED_REASON = "outside the calling hours 09:00-20:00 Asia/Kolkata"
EXCLUDED_REASON = "on the suppression list 'opt-outs'"
SIP = {"486": "Busy Here", "480": "Temporarily Unavailable", "404": "Not Found", "603": "Decline"}
MAX_DURATION = 50
LOOP_COUNT = 2
RATE_PER_MINUTE = 0.03
PRESS_SHARE = 0.3  # of answered calls: a key pressed (feedback_value), else "-1"
KEYS = "123"
KEY_WEIGHTS = (0.6, 0.3, 0.1)
START = pd.Timestamp("2024-05-01 09:00:00", tz="UTC")


def _numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    weights = np.array([c[3] for c in COUNTRIES])
    country = rng.choice(len(COUNTRIES), size=n, p=weights / weights.sum())
    out = np.empty(n, dtype=object)
    for i, (code, first, length, _) in enumerate(COUNTRIES):
        rows = np.flatnonzero(country == i)
        low = first * 10 ** (length - 1)
        national = rng.integers(low, low + 10 ** (length - 1), size=len(rows))
        out[rows] = (code + pd.Series(national).astype(str)).to_numpy(dtype=object)
    return out


def _missing(n: int, dtype: str) -> pd.api.extensions.ExtensionArray:
    """An all-missing nullable array of ``n`` values (fast, unlike a list of pd.NA)."""
    return pd.Series(np.full(n, np.nan)).astype(dtype).array


def _text(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype="str")


def make_results(n: int, seed: int = 0, with_records: bool = False) -> pd.DataFrame:
    """A results frame of ``n`` rows with every outcome; call records joined when asked.

    User columns: ``segment`` (about 3 % missing) and ``name``. ``attrs`` holds the message
    (``max_duration`` 50 s, ``loop_count`` 2) and a campaign name.
    """
    rng = np.random.default_rng(seed)
    idx = np.arange(n)
    segment = rng.choice(np.array(SEGMENTS, dtype=object), size=n, p=[0.6, 0.3, 0.1])
    segment[rng.random(n) < 0.03] = None

    number = _numbers(rng, n)
    invalid = rng.random(n) < 0.05
    number[invalid] = None
    invalid_reason = np.full(n, None, dtype=object)
    invalid_reason[invalid] = rng.choice(np.array(INVALID_REASONS, dtype=object), invalid.sum())

    # duplicates: a valid row repeats the number of an earlier valid, non-duplicate row
    duplicate = (rng.random(n) < 0.03) & ~invalid
    originals = np.flatnonzero(~invalid & ~duplicate)
    dup_rows = np.flatnonzero(duplicate)
    earlier = np.searchsorted(originals, dup_rows)
    duplicate[dup_rows[earlier == 0]] = False
    dup_rows, earlier = dup_rows[earlier > 0], earlier[earlier > 0]
    picked = originals[(rng.random(len(dup_rows)) * earlier).astype(np.int64)]
    number[dup_rows] = number[picked]

    outcome = np.full(n, SUBMITTED, dtype=object)
    reason = np.full(n, None, dtype=object)
    outcome[invalid] = INVALID
    reason[invalid] = invalid_reason[invalid]
    outcome[duplicate] = DUPLICATE
    reason[dup_rows] = [f"same number as row {p}" for p in picked]

    sendable = np.flatnonzero(~invalid & ~duplicate)
    stopped = sendable[int(len(sendable) * 0.98) :]
    sent = sendable[: int(len(sendable) * 0.98)]
    outcome[stopped] = NOT_SENT
    reason[stopped] = NOT_SENT_REASON
    # every other one of those: numbers the ledger says another campaign called before
    outcome[stopped[::2]] = ALREADY_CALLED
    reason[stopped[::2]] = ALREADY_CALLED_REASON
    # and, where those outcomes exist, some deferred (calling hours) or excluded (suppression
    # list): chosen by position, no random draw, so every other value stays the same
    for name, why, rows in (
        ("deferred", DEFERRED_REASON, stopped[1::6]),
        ("excluded", EXCLUDED_REASON, stopped[3::6]),
    ):
        if name in OUTCOMES:
            outcome[rows] = name
            reason[rows] = why

    batch = _missing(n, "Int64")
    batch_of_sent = np.arange(len(sent)) // 200
    batch[sent] = batch_of_sent
    n_batches = int(batch_of_sent.max()) + 1 if len(sent) else 0
    kind = rng.choice(4, size=n_batches, p=[0.86, 0.05, 0.04, 0.05])  # ok, -10, -22, unknown
    row_kind = kind[batch_of_sent]
    status = np.full(n, None, dtype=object)
    status_reason = np.full(n, None, dtype=object)
    status[sent[row_kind == 0]] = "0"
    status_reason[sent[row_kind == 0]] = "success"
    for k, code in ((1, "-10"), (2, "-22")):
        rows = sent[row_kind == k]
        status[rows] = code
        status_reason[rows] = FAILED_STATUS[code]
        outcome[rows] = FAILED
        reason[rows] = FAILED_STATUS[code]
    lost = sent[row_kind == 3]
    outcome[lost] = UNKNOWN
    reason[lost] = UNKNOWN_REASON

    answered_batch = sent[row_kind == 0]
    termination = np.full(n, None, dtype=object)
    termination_reason = np.full(n, None, dtype=object)
    refused = rng.random(len(answered_batch)) < 0.08
    codes = rng.choice(np.array(list(REJECT_REASONS), dtype=object), size=len(answered_batch))
    termination[answered_batch] = np.where(refused, codes, "0")
    why = np.array([REJECT_REASONS[c] for c in codes], dtype=object)
    termination_reason[answered_batch] = np.where(refused, why, "success")
    outcome[answered_batch[refused]] = REJECTED
    reason[answered_batch[refused]] = why[refused]
    submitted = answered_batch[~refused]
    voice_id = np.full(n, None, dtype=object)
    voice_id[submitted] = [f"V{seed:03d}{i:09d}" for i in submitted]

    sent_at = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns, UTC]")
    offsets = batch_of_sent * 1.5 + rng.random(len(sent)) * 0.5
    sent_at.iloc[sent] = START + pd.to_timedelta(offsets, unit="s")

    frame = pd.DataFrame(
        {
            "segment": _text(segment),
            "name": _text(np.array([f"Customer {i}" for i in idx], dtype=object)),
            "number": _text(number),
            "valid": ~invalid,
            "invalid_reason": _text(invalid_reason),
            "duplicate": duplicate,
            "batch": batch,
            "status": _text(status),
            "status_reason": _text(status_reason),
            "voice_id": _text(voice_id),
            "termination_code": _text(termination),
            "termination_reason": _text(termination_reason),
            "outcome": pd.Series(outcome, dtype=OUTCOME_DTYPE),
            "outcome_reason": _text(reason),
            "sent_at": sent_at,
        }
    )
    assert list(frame.columns[2:]) == [*PREPARE_COLUMNS, *SEND_COLUMNS]
    if with_records:
        frame = _add_records(frame, rng, submitted, sent_at, seed)
    frame.attrs = {
        "message": {"max_duration": MAX_DURATION, "loop_count": LOOP_COUNT},
        "campaign": "3f9a1c2b4d5e6f7a8b9c0d1e",
        "label": "synthetic spring promo",
    }
    return frame


def _add_records(
    frame: pd.DataFrame,
    rng: np.random.Generator,
    submitted: np.ndarray,
    sent_at: pd.Series,
    seed: int,
) -> pd.DataFrame:
    n = len(frame)
    m = len(submitted)
    record_status = np.full(n, None, dtype=object)
    final = rng.random(m) < 0.93
    record_status[submitted] = np.where(final, "final", "in_progress")
    rows = submitted[final]
    k = len(rows)
    picked = rng.random(k) < 0.6
    sip_codes = rng.choice(np.array(list(SIP), dtype=object), size=k, p=[0.4, 0.35, 0.15, 0.1])
    sip_codes = np.where(picked, "200", sip_codes)
    sip_code = np.full(n, None, dtype=object)
    sip_code[rows] = sip_codes
    sip_reason = np.full(n, None, dtype=object)
    sip_reason[rows] = [SIP.get(c, "OK") for c in sip_codes]

    answered = _missing(n, "boolean")
    answered[rows] = picked
    duration = np.where(picked, rng.integers(1, MAX_DURATION + 1, size=k), 0)
    duration = np.where(picked & (rng.random(k) < 0.15), MAX_DURATION, duration)
    call_duration = _missing(n, "Int64")
    call_duration[rows] = duration
    charged = np.ceil(duration / 6) * 6
    charged_duration = _missing(n, "Int64")
    charged_duration[rows] = charged.astype(np.int64)
    cost = _missing(n, "Float64")
    cost[rows] = np.round(charged / 60 * RATE_PER_MINUTE, 4)
    rate = _missing(n, "Float64")
    rate[rows] = RATE_PER_MINUTE

    base = sent_at.iloc[rows].to_numpy()
    times = {}
    for name, seconds in (("submit_time", 0), ("call_time", 2), ("ringing_time", 3)):
        column = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
        column.iloc[rows] = pd.DatetimeIndex(base) + pd.Timedelta(seconds=seconds)
        times[name] = column
    answer = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    answer.iloc[rows[picked]] = pd.DatetimeIndex(base[picked]) + pd.Timedelta(seconds=8)
    hangup = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    hangup.iloc[rows] = pd.DatetimeIndex(base) + pd.to_timedelta(8 + duration, unit="s")

    # Key presses come from a generator of their own, so that every draw above stays the same.
    keys_rng = np.random.default_rng([seed, 0xFEED])
    pressed = picked & (keys_rng.random(k) < PRESS_SHARE)
    keys = keys_rng.choice(np.array(list(KEYS), dtype=object), size=k, p=KEY_WEIGHTS)
    feedback_value = np.full(n, None, dtype=object)
    feedback_value[rows] = np.where(pressed, keys, "-1")

    def text_at(value: str) -> pd.Series:
        out = np.full(n, None, dtype=object)
        out[rows] = value
        return _text(out)

    records = pd.DataFrame(
        {
            "record_status": _text(record_status),
            "answered": answered,
            **times,
            "answer_time": answer,
            "hangup_time": hangup,
            "call_duration": call_duration,
            "charged_duration": charged_duration,
            "sip_code": _text(sip_code),
            "sip_reason": _text(sip_reason),
            "cost": cost,
            "rate": rate,
            "base_cost": cost.copy(),
            "bill_period": text_at("6/6"),
            "feedback_value": _text(feedback_value),
            "currency": text_at("USD"),
        },
        index=frame.index,
    )
    assert tuple(records.columns) == RECORD_COLUMNS
    return pd.concat([frame, records], axis=1)


def figure_texts(figure: Figure) -> list[str]:
    """Every piece of text drawn on ``figure``: titles, tick labels, bar labels, legends..."""
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def sent_within(seconds: float, n: int = 40, start: str = "2024-05-01 14:02:05") -> pd.DataFrame:
    """``n`` submitted rows whose ``sent_at`` are spread evenly over ``seconds`` from ``start``."""
    offsets = pd.to_timedelta(np.linspace(0.0, seconds, n), unit="s")
    return pd.DataFrame(
        {
            "outcome": pd.Series([SUBMITTED] * n, dtype=OUTCOME_DTYPE),
            "sent_at": pd.Timestamp(start, tz="UTC") + offsets,
        }
    )


def drawn(figure: Any) -> Any:
    """Lay out and draw ``figure`` (no pixels) and return its renderer, for window extents."""
    figure.draw_without_rendering()
    return figure._get_renderer()


def text_boxes(texts: Iterable[Text], renderer: Any) -> list[tuple[str, Bbox]]:
    """The window extent of every visible, non-empty text, with its text."""
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in texts
        if t.get_visible() and t.get_text()
    ]


def overlaps(boxes: list[tuple[str, Bbox]], slack: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of boxes that overlap by more than ``slack`` pixels both ways."""
    found = []
    for i, (a_text, a) in enumerate(boxes):
        for b_text, b in boxes[i + 1 :]:
            wide = min(a.x1, b.x1) - max(a.x0, b.x0)
            tall = min(a.y1, b.y1) - max(a.y0, b.y0)
            if wide > slack and tall > slack:
                found.append((a_text, b_text))
    return found


def bar_boxes(ax: Axes, renderer: Any) -> list[Bbox]:
    """The window extents of the bars (rectangles of non-zero size) of ``ax``."""
    return [
        p.get_window_extent(renderer)
        for p in ax.patches
        if isinstance(p, Rectangle) and p.get_visible() and p.get_width() and p.get_height()
    ]


def tick_boxes(ax: Axes, axis: str, renderer: Any) -> list[tuple[str, Bbox]]:
    """Boxes of the tick labels of ``ax``'s ``"x"`` or ``"y"`` axis that are drawn: those whose
    tick lies within the Axes (matplotlib also keeps labels of ticks just out of view)."""
    box = ax.get_window_extent(renderer)
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    inside = []
    for text, extent in text_boxes(labels, renderer):
        middle = (extent.x0 + extent.x1) / 2 if axis == "x" else (extent.y0 + extent.y1) / 2
        low, high = (box.x0, box.x1) if axis == "x" else (box.y0, box.y1)
        if low - 1 <= middle <= high + 1:
            inside.append((text, extent))
    return inside
