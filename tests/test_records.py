"""records: typed call records, time parsing, the 31-day window split and the two-month limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from itnivoice_nb._errors import RecordPeriodError
from itnivoice_nb._records import parse_time, record_frame, record_windows, snake, typed_record

RAW = {
    "voiceId": "2203031134011000001",
    "callee": "91856321412",
    "displayNum": "1008122211",
    "code": "IN",
    "submitTime": "2022-02-18 10:00:00",
    "callTime": "2022-02-18T10:00:01+08:00",
    "ringingTime": "2022-02-18 10:00:03",
    "answerTime": "2022-02-18 10:00:07",
    "hangupTime": "2022-02-18 10:00:52",
    "callDuration": 45,
    "chargedDuration": "60",
    "terminationCode": "200",
    "terminationReason": "ok",
    "cost": "0.0300",
    "rate": "0.0300",
    "baseCost": "0.0300",
    "billPeriod": "60+60",
    "voiceFileId": "f.mp3",
    "feedbackValue": "-1",
    "calledInfo": "spring",
}


def test_snake() -> None:
    assert snake("terminationCode") == "termination_code" and snake("voiceId") == "voice_id"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-02-18 10:00:00", "2022-02-18 02:00:00+00:00"),
        ("2022-02-18T10:00:00+08:00", "2022-02-18 02:00:00+00:00"),
        ("2022-02-18T02:00:00Z", "2022-02-18 02:00:00+00:00"),
        ("2022/02/18 10:00:00", "2022-02-18 02:00:00+00:00"),
    ],
)
def test_times_both_formats(text: str, expected: str) -> None:
    assert str(parse_time(text)) == expected


@pytest.mark.parametrize("text", ["", None, "   ", "not a time"])
def test_empty_or_bad_times_are_none(text: object) -> None:
    assert parse_time(text) is None


def test_typed_record() -> None:
    rec = typed_record(RAW)
    assert rec["answered"] is True
    assert rec["call_duration"] == 45 and rec["charged_duration"] == 60
    assert rec["cost"] == pytest.approx(0.03)
    assert rec["answer_time"] < rec["hangup_time"]
    assert rec["termination_code"] == "200"
    busy = typed_record({**RAW, "terminationCode": "486", "answerTime": ""})
    assert busy["answered"] is False and busy["answer_time"] is None


def test_record_frame_dtypes() -> None:
    frame = record_frame([RAW, {**RAW, "voiceId": "2", "terminationCode": "480", "cost": ""}])
    assert list(frame["voice_id"]) == ["2203031134011000001", "2"]
    assert str(frame["submit_time"].dtype) == "datetime64[ns, UTC]" or "UTC" in str(
        frame["submit_time"].dtype
    )
    assert frame["answered"].tolist() == [True, False]
    assert frame["cost"].isna().tolist() == [False, True]
    assert frame["call_duration"].dtype == "Int64"
    assert record_frame([]).empty


def test_windows_split_at_31_days() -> None:
    now = datetime(2022, 4, 10, tzinfo=UTC)
    windows = list(record_windows("2022-02-15", "2022-04-10", now=now))
    assert len(windows) == 2
    starts = [pd.Timestamp(a) for a, _ in windows]
    ends = [pd.Timestamp(b) for _, b in windows]
    assert all(b - a <= timedelta(days=31) for a, b in zip(starts, ends, strict=True))
    assert ends[0] == starts[1] and starts[0] == pd.Timestamp("2022-02-15", tz="UTC")
    assert ends[-1] == pd.Timestamp(now)
    assert windows[0][0] == "2022-02-15T00:00:00+00:00"


def test_old_periods_refused() -> None:
    now = datetime(2022, 4, 10, tzinfo=UTC)
    with pytest.raises(RecordPeriodError, match="older than two months"):
        list(record_windows("2022-01-01", "2022-01-20", now=now))
    with pytest.raises(RecordPeriodError, match="before start"):
        list(record_windows("2022-04-01", "2022-03-20", now=now))
    with pytest.raises(RecordPeriodError, match="not a date"):
        list(record_windows("yesterday-ish", now=now))
