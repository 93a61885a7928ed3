"""Every frame ``prepare`` accepts goes through ``send`` and back (or is refused before sending)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import itnivoice_nb as iv
from tests.scripted import scripted

MSG = iv.VoiceMessage(app_id="a", file_id="f.mp3")
NUMBERS = ["918563214120", "918563214121", "918563214120", "12"]
EXPECTED = ["submitted", "submitted", "duplicate", "invalid"]

FRAMES = {
    "multiindex": pd.DataFrame(
        {"phone": NUMBERS},
        index=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1), ("b", 2)]),
    ),
    "multiindex with repeated labels": pd.DataFrame(
        {"phone": NUMBERS},
        index=pd.MultiIndex.from_tuples([("a", 1), ("a", 1), ("b", 1), ("a", 1)]),
    ),
    "repeated labels": pd.DataFrame({"phone": NUMBERS}, index=[7, 7, 7, 7]),
    "labels that are not text": pd.DataFrame(
        {0: NUMBERS, 1.5: [1, 2, 3, 4], ("x", "y"): list("abcd")}
    ),
    "categorical": pd.DataFrame({"phone": pd.Categorical(NUMBERS)}),
    "arrow text": pd.DataFrame({"phone": pd.array(NUMBERS, dtype=pd.ArrowDtype(pa.string()))}),
    "arrow ints": pd.DataFrame(
        {"phone": pd.array([int(n) for n in NUMBERS], dtype=pd.ArrowDtype(pa.int64()))}
    ),
}


@pytest.mark.parametrize("name", list(FRAMES))
def test_every_shape_goes_through_send_and_back_on_every_run(tmp_path: Path, name: str) -> None:
    df = FRAMES[name]
    column = 0 if name == "labels that are not text" else "phone"
    with iv.Sandbox(reject_share=0) as sb:
        first = iv.send(df, MSG, column=column, client=sb.client(), journal=tmp_path / "j",
                        progress=False)
        again = iv.send(df, MSG, column=column, client=sb.client(), journal=tmp_path / "j",
                        progress=False)
        assert sb.max_charges() == 1 and len(sb.requests) == 1
    for res in (first, again):
        assert res["outcome"].tolist() == EXPECTED
        assert res.index.equals(df.index)
        assert list(res.columns[: len(df.columns)]) == list(df.columns)
    assert first["outcome_reason"].iloc[2].startswith("same number as row ")
    assert "np.int64" not in first["outcome_reason"].iloc[2]


def test_repeated_labels_name_the_position(tmp_path: Path) -> None:
    res = iv.send(FRAMES["repeated labels"], MSG, dry_run=True, journal=None,
                  client=iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice"))
    assert res["outcome_reason"].iloc[2] == "same number as row 7 (position 1)"


def test_a_frame_the_results_cannot_hold_is_refused_before_sending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from itnivoice_nb import _plan as plan_module

    def broken(*args: object, **kwargs: object) -> pd.DataFrame:
        raise NotImplementedError("an index this build cannot handle")

    monkeypatch.setattr(plan_module, "build_results", broken)
    with iv.Sandbox(reject_share=0) as sb:
        with pytest.raises(ValueError, match="not supported for sending.*Nothing was sent"):
            iv.send(FRAMES["multiindex"], MSG, client=sb.client(), journal=tmp_path / "j",
                    progress=False)
        assert sb.requests == []


def answer(*entries: tuple[str, str, str]) -> str:
    data = ",".join(
        f'{{"voiceId":"{v}","callee":"{n}","terminationCode":"{c}","terminationReason":"r"}}'
        for v, n, c in entries
    )
    return f'{{"status":"0","reason":"success","data":[{data}]}}'


def test_a_number_listed_twice_is_submitted_if_any_entry_accepted_it() -> None:
    body = answer(("v1", "918563214120", "1"), ("v2", "918563214120", "0"),
                  ("v3", "918563214121", "2"), ("v4", "918563214121", "3"))
    with scripted((200, body, {})) as (url, _):
        client = iv.VoiceClient("k", "s", url)
        res = iv.send(pd.DataFrame({"phone": NUMBERS[:2]}), MSG, client=client, journal=None,
                      progress=False)
    assert res["outcome"].tolist() == ["submitted", "rejected"]
    assert res["voice_id"].tolist() == ["v1,v2", "v3,v4"]  # every voiceId kept
    assert res["termination_code"].tolist() == ["0", "2"]


def test_numbers_not_asked_for_give_a_warning_on_the_batch() -> None:
    body = answer(("v1", "918563214120", "0"), ("v9", "447700900123", "0"))
    with scripted((200, body, {})) as (url, _):
        client = iv.VoiceClient("k", "s", url)
        with pytest.warns(RuntimeWarning, match="batch 1: .*1 number\\(s\\) that were not in"):
            res = iv.send(pd.DataFrame({"phone": NUMBERS[:1]}), MSG, client=client,
                          journal=None, progress=False)
    assert res["outcome"].tolist() == ["submitted"]


def test_an_answer_in_order_gives_no_warning() -> None:
    body = answer(("v1", "918563214120", "0"), ("v2", "918563214121", "0"))
    with scripted((200, body, {})) as (url, _), warnings.catch_warnings():
        warnings.simplefilter("error")
        iv.send(pd.DataFrame({"phone": NUMBERS[:2]}), MSG, client=iv.VoiceClient("k", "s", url),
                journal=None, progress=False)


def test_a_journal_failing_mid_send_is_a_journal_error_with_every_row(tmp_path: Path) -> None:
    from itnivoice_nb import _journal as j

    book = j.Journal(tmp_path / "j.sqlite")
    # the disk fills up when the third batch's answer is recorded
    book.db.execute(
        "CREATE TRIGGER full BEFORE UPDATE OF state ON batches "
        "WHEN NEW.batch_no = 3 AND NEW.state = 'answered' "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    df = pd.DataFrame({"phone": [f"9198{i:08d}" for i in range(50)]})
    with iv.Sandbox(reject_share=0) as sb:
        with pytest.raises(iv.JournalError, match="disk is full") as info:
            iv.send(df, MSG, client=sb.client(), journal=book, progress=False, batch_size=10,
                    concurrency=1)
        sent = len(sb.requests)
        assert sb.max_charges() == 1
    results = info.value.results
    assert results is not None and len(results) == 50
    outcomes = results["outcome"].tolist()
    assert outcomes[:30] == ["submitted"] * 30  # the third answer is kept, though unrecorded
    assert outcomes[30:] == ["not_sent"] * 20 and sent == 3
    assert "free disk space" in str(info.value)
