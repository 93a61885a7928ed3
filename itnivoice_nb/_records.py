"""Call records and audio lists: the vendor's JSON turned into typed values and DataFrames.

Times: the vendor's pages do not document the format; both ``"YYYY-MM-DD HH:MM:SS"`` and ISO 8601
are read. A time without an offset is taken to be in UTC+08:00 (the offset of every example on the
vendor's pages; change :data:`NAIVE_OFFSET` if your account differs); all times come out as
timezone-aware UTC timestamps. Money comes out as floats, durations as whole seconds, and
``answered`` is True exactly when the SIP code is "200".

Example:
    >>> rec = typed_record({"voiceId": "1", "callee": "91856321412", "terminationCode": "200",
    ...                     "answerTime": "2022-02-18 10:00:05", "cost": "0.0300"})
    >>> rec["answered"], rec["cost"], str(rec["answer_time"])
    (True, 0.03, '2022-02-18 02:00:05+00:00')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pandas as pd

from ._errors import RecordPeriodError
from ._vendor import RECORD_RETENTION_DAYS, RECORD_WINDOW_DAYS, SIP_ANSWERED

NAIVE_OFFSET = timezone(timedelta(hours=8))
"""Offset assumed for record times written without one."""

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")

TIME_FIELDS = ("submit_time", "call_time", "ringing_time", "answer_time", "hangup_time")
INT_FIELDS = ("call_duration", "charged_duration")
MONEY_FIELDS = ("cost", "rate", "base_cost", "settle_rate", "quote_exchange", "settle_pay")
TEXT_FIELDS = (
    "voice_id",
    "callee",
    "display_num",
    "code",
    "termination_code",
    "termination_reason",
    "bill_period",
    "voice_file_id",
    "feedback_value",
    "called_info",
    "currency",
)
RECORD_FRAME_COLUMNS = (
    "voice_id",
    "callee",
    "display_num",
    "code",
    *TIME_FIELDS,
    *INT_FIELDS,
    "termination_code",
    "termination_reason",
    "answered",
    *MONEY_FIELDS[:3],
    "bill_period",
    "voice_file_id",
    "feedback_value",
    "called_info",
    *MONEY_FIELDS[3:],
    "currency",
)


def snake(name: str) -> str:
    """``"terminationCode"`` → ``"termination_code"``."""
    return _CAMEL.sub("_", name).lower()


def parse_time(value: object) -> pd.Timestamp | None:
    """A vendor time string as a UTC timestamp; None for empty or unreadable values."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        stamp = pd.Timestamp(str(value).strip().replace("/", "-"))
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(NAIVE_OFFSET)
    return stamp.tz_convert("UTC")


def _number(value: object, kind: type) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return kind(float(value)) if kind is int else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def typed_record(raw: dict[str, Any]) -> dict[str, Any]:
    """One vendor call record (camelCase JSON) as snake_case typed values, with ``answered``."""
    out: dict[str, Any] = {snake(k): v for k, v in raw.items()}
    for name in TIME_FIELDS:
        out[name] = parse_time(out.get(name))
    for name in INT_FIELDS:
        out[name] = _number(out.get(name), int)
    for name in MONEY_FIELDS:
        if name in out:
            out[name] = _number(out[name], float)
    for name in TEXT_FIELDS:
        value = out.get(name)
        out[name] = None if value is None or value == "" else str(value)
    out["answered"] = out.get("termination_code") == SIP_ANSWERED
    return out


def is_final(raw: dict[str, Any] | None) -> bool:
    """True when the record will not change any more (the call has a termination code)."""
    if raw is None:
        return False
    code = raw.get("terminationCode")
    return code not in (None, "")


def record_frame(raws: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Call records as a typed DataFrame (columns in :data:`RECORD_FRAME_COLUMNS` order)."""
    rows = [typed_record(r) for r in raws]
    frame = pd.DataFrame(rows, columns=list(RECORD_FRAME_COLUMNS))
    return _type_frame(frame)


def _type_frame(frame: pd.DataFrame) -> pd.DataFrame:
    for name in TIME_FIELDS:
        frame[name] = pd.to_datetime(frame[name], utc=True)
    for name in INT_FIELDS:
        frame[name] = pd.array(frame[name].tolist(), dtype="Int64")
    for name in MONEY_FIELDS:
        frame[name] = pd.array(frame[name].tolist(), dtype="Float64")
    for name in TEXT_FIELDS:
        frame[name] = frame[name].astype("str")
        frame.loc[frame[name].isin(["None", "nan"]), name] = None
    frame["answered"] = pd.array(frame["answered"].tolist(), dtype="boolean")
    return frame


def audio_frame(raws: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Uploaded audio files as a DataFrame with columns ``file_id`` and ``file_name``."""
    rows = [(r.get("fileId"), r.get("fileName")) for r in raws]
    return pd.DataFrame(rows, columns=["file_id", "file_name"], dtype="str")


def _as_utc(value: object, name: str) -> datetime:
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise RecordPeriodError(f"{name}: {value!r} is not a date or time") from None
    if pd.isna(stamp):
        raise RecordPeriodError(f"{name}: {value!r} is not a date or time")
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert("UTC").to_pydatetime()


def record_windows(
    start: object, end: object = None, now: datetime | None = None
) -> Iterator[tuple[str, str]]:
    """Split ``start``-``end`` into windows of at most 31 days, as ISO 8601 strings with offset.

    Naive dates are read as UTC. Refuses periods reaching back more than two months.

    Example:
        >>> now = datetime(2022, 3, 31, tzinfo=UTC)
        >>> len(list(record_windows("2022-02-01", "2022-03-31", now=now)))
        2
    """
    now = now or datetime.now(UTC)
    lo = _as_utc(start, "start")
    hi = now if end is None else _as_utc(end, "end")
    if hi < lo:
        raise RecordPeriodError(f"end {hi:%Y-%m-%d %H:%M} is before start {lo:%Y-%m-%d %H:%M}")
    oldest = now - timedelta(days=RECORD_RETENTION_DAYS)
    if lo < oldest:
        raise RecordPeriodError(
            f"start {lo:%Y-%m-%d} is older than two months; the API keeps call records for "
            f"the last {RECORD_RETENTION_DAYS} days only (from {oldest:%Y-%m-%d})"
        )
    step = timedelta(days=RECORD_WINDOW_DAYS)
    while lo < hi:
        upper = min(hi, lo + step)
        yield lo.isoformat(timespec="seconds"), upper.isoformat(timespec="seconds")
        lo = upper
