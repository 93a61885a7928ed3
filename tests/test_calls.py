"""call_outcomes: records joined onto results row for row, stored in the journal, retried safely."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import itnivoice_nb as iv
from itnivoice_nb._outcomes import RECORD_COLUMNS

MSG = iv.VoiceMessage(app_id="4luaKsL2", file_id="f.mp3", max_duration=30, loop_count=2)


def frame(n: int) -> pd.DataFrame:
    rng = random.Random(3)
    nums = ["91" + "".join(rng.choice("0123456789") for _ in range(10)) for _ in range(n)]
    nums[3] = "123"  # invalid
    nums[7] = nums[5]  # duplicate
    index = pd.Index(np.random.default_rng(1).permutation(n) * 10, name="id")
    return pd.DataFrame({"phone": nums, "segment": ["a", "b"] * (n // 2)}, index=index)


def test_join_keeps_every_row_in_order(tmp_path: Path) -> None:
    df = frame(400)
    with iv.Sandbox(reject_share=0.1, answer_share=0.6) as sb:
        client = sb.client()
        res = iv.send(df, MSG, client=client, journal=tmp_path / "j", progress=False)
        calls = iv.call_outcomes(res, client=client, progress=False)
        fetched = [r for r in sb.requests if r.endpoint == "recordGroup"]
    assert calls.index.equals(res.index)
    pd.testing.assert_frame_equal(calls[res.columns], res)
    assert list(calls.columns[-len(RECORD_COLUMNS) :]) == list(RECORD_COLUMNS)
    submitted = res["outcome"] == "submitted"
    assert len(fetched) == submitted.sum()
    assert (calls.loc[submitted, "record_status"] == "final").all()
    assert calls.loc[~submitted, "record_status"].isna().all()
    assert calls.loc[~submitted, "answered"].isna().all()
    answered = calls["answered"].fillna(False).astype(bool)
    assert (calls.loc[answered, "sip_code"] == "200").all()
    assert 0.45 < answered.sum() / submitted.sum() < 0.75
    assert (calls.loc[answered, "call_duration"] <= 60).all()
    assert (calls.loc[answered, "charged_duration"] >= calls.loc[answered, "call_duration"]).all()
    assert calls.loc[answered, "cost"].gt(0).all()
    assert (
        calls.loc[submitted & ~answered, "sip_code"]
        .isin(["480", "486", "603", "487", "404", "408"])
        .all()
    )


def test_journal_keeps_final_records(tmp_path: Path) -> None:
    df = frame(100)
    with iv.Sandbox(reject_share=0) as sb:
        client = sb.client()
        res = iv.send(df, MSG, client=client, journal=tmp_path / "j", progress=False)
        first = iv.call_outcomes(res, client=client, progress=False)
        n = len(sb.requests)
        second = iv.call_outcomes(res, client=client, progress=False)
        assert len(sb.requests) == n  # nothing fetched again
    pd.testing.assert_frame_equal(first, second)


def test_in_progress_records_are_fetched_again(tmp_path: Path) -> None:
    df = frame(20)
    with iv.Sandbox(reject_share=0, record_delay=3600) as sb:
        client = sb.client()
        res = iv.send(df, MSG, client=client, journal=tmp_path / "j", progress=False)
        calls = iv.call_outcomes(res, client=client, progress=False)
        submitted = calls["outcome"] == "submitted"
        assert (calls.loc[submitted, "record_status"] == "in_progress").all()
        assert calls.loc[submitted, "answered"].eq(False).all()
        n = len(sb.requests)
        sb.record_delay = 0
        calls = iv.call_outcomes(res, client=client, progress=False)
        assert len(sb.requests) == n + submitted.sum()
        assert (calls.loc[submitted, "record_status"] == "final").all()


def test_unknown_voice_ids_are_not_found(tmp_path: Path) -> None:
    df = frame(20)
    with iv.Sandbox(reject_share=0) as sb:
        res = iv.send(df, MSG, client=sb.client(), journal=None, progress=False)
    with iv.Sandbox() as other:  # knows none of these voiceIds
        calls = iv.call_outcomes(res, client=other.client(), progress=False)
    submitted = calls["outcome"] == "submitted"
    assert (calls.loc[submitted, "record_status"] == "not_found").all()
    assert len(calls) == len(df)


def test_safe_failures_are_retried(tmp_path: Path) -> None:
    df = frame(30)
    with iv.Sandbox(reject_share=0) as sb:
        client = sb.client()
        res = iv.send(df, MSG, client=client, journal=None, progress=False)
        sb.inject("status", path="recordGroup", code="-18", on=[1, 2])
        sb.inject("http_500", path="recordGroup", on=[4])
        sb.inject("drop_after", path="recordGroup", on=[6])
        calls = iv.call_outcomes(res, client=client, progress=False, concurrency=1)
        fetches = sum(r.endpoint == "recordGroup" for r in sb.requests)
    submitted = calls["outcome"] == "submitted"
    assert (calls.loc[submitted, "record_status"] == "final").all()
    assert fetches == submitted.sum() + 4


def test_persistent_failures_are_marked_error_not_dropped(tmp_path: Path) -> None:
    df = frame(10)
    with iv.Sandbox(reject_share=0) as sb:
        client = sb.client()
        res = iv.send(df, MSG, client=client, journal=None, progress=False)
        sb.inject("status", path="recordGroup", code="-18", on=[1, 2, 3])
        calls = iv.call_outcomes(res, client=client, progress=False, concurrency=1)
    statuses = calls.loc[calls["outcome"] == "submitted", "record_status"].value_counts()
    assert statuses.to_dict() == {"final": 7, "error": 1}
    assert len(calls) == len(df)


def test_results_without_voice_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="voice_id"):
        iv.call_outcomes(pd.DataFrame({"phone": ["1"]}))


def test_call_outcomes_twice_does_not_duplicate_columns(tmp_path: Path) -> None:
    df = frame(10)
    with iv.Sandbox(reject_share=0) as sb:
        client = sb.client()
        res = iv.send(df, MSG, client=client, journal=None, progress=False)
        once = iv.call_outcomes(res, client=client, progress=False)
        twice = iv.call_outcomes(once, client=client, progress=False)
    assert list(once.columns) == list(twice.columns)


def test_call_outcomes_finds_the_running_sandbox_or_says_what_to_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ITNIOTECH_API_KEY", raising=False)
    monkeypatch.delenv("ITNIOTECH_API_SECRET", raising=False)
    df = pd.DataFrame({"phone": ["918563214120"]})
    msg = iv.VoiceMessage(app_id="a", file_id="f.mp3", max_duration=30)
    with iv.Sandbox(reject_share=0, answer_share=1.0) as sb:
        res = iv.send(df, msg, client=sb.client(), journal=None, progress=False)
        calls = iv.call_outcomes(res, progress=False)  # no client: the sandbox still runs
        assert calls["answered"].tolist() == [True]
    with pytest.raises(iv.ConfigurationError, match=r"pass client=.*sb\.client\(\)"):
        iv.call_outcomes(res, progress=False)
