"""The rest of the voice API through VoiceClient, against the sandbox and scripted answers."""

from __future__ import annotations

import json
import struct
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

import itnivoice_nb as iv
from tests.scripted import scripted


def wav(path: Path, seconds: float = 0.2) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(
            b"".join(struct.pack("<h", (i * 37) % 2000) for i in range(int(8000 * seconds)))
        )
    return path


def test_upload_audio_returns_a_usable_file_id(tmp_path: Path) -> None:
    path = wav(tmp_path / "greeting.wav")
    with iv.Sandbox(check_file_ids=True, reject_share=0) as sb:
        client = sb.client()
        file_id = client.upload_audio(path)
        assert file_id.endswith(".wav")
        msg = iv.VoiceMessage(app_id="a", file_id=file_id)
        res = iv.send(
            pd.DataFrame({"phone": ["918563214120"]}),
            msg,
            client=client,
            journal=None,
            progress=False,
        )
        assert res["outcome"].tolist() == ["submitted"]
        upload = next(r for r in sb.requests if r.endpoint == "fileUpload")
        assert upload.body["fileName"] == "greeting.wav"
        assert [u.size for u in sb.uploads] == [path.stat().st_size]


def test_upload_name_taken_is_data_exists_with_advice(tmp_path: Path) -> None:
    path = wav(tmp_path / "greeting.wav")
    with iv.Sandbox() as sb:
        client = sb.client()
        client.upload_audio(path)
        with pytest.raises(iv.DataExistsError, match="already in the account.*name="):
            client.upload_audio(path)
        assert client.upload_audio(path, name="greeting2.wav").endswith(".wav")


def test_upload_data_validation_error_has_advice(tmp_path: Path) -> None:
    path = wav(tmp_path / "greeting.wav")
    with scripted((200, json.dumps({"status": "-21", "reason": "bad file"}), {})) as (url, _):
        client = iv.VoiceClient(api_key="k", api_secret="s", base_url=url)
        with pytest.raises(iv.DataValidationError, match="real .mp3/.m4a/.wav"):
            client.upload_audio(path)


@pytest.mark.parametrize(
    ("name", "file_name", "error", "fragment"),
    [
        ("missing.wav", None, FileNotFoundError, "not found"),
        ("notes.txt", None, ValueError, "suffix"),
        ("ok.wav", "x" * 29 + ".wav", ValueError, "33 characters"),
        ("ok.wav", "x" * 30 + ".wav", ValueError, "5-32 characters"),
        ("ok.wav", "ok.ogg", ValueError, "suffix"),
    ],
)
def test_upload_checks_before_sending(
    tmp_path: Path, name: str, file_name: str | None, error: type[Exception], fragment: str
) -> None:
    path = tmp_path / name
    if name != "missing.wav":
        path.write_bytes(b"RIFF0000WAVE")
    with iv.Sandbox() as sb:
        with pytest.raises(error, match=fragment):
            sb.client().upload_audio(path, name=file_name)
        assert sb.requests == []


def test_audio_files_walks_every_page(tmp_path: Path) -> None:
    path = wav(tmp_path / "x.wav", 0.01)
    with iv.Sandbox() as sb:
        client = sb.client()
        ids = [client.upload_audio(path, name=f"clip{i:03d}.wav") for i in range(230)]
        files = client.audio_files()
        queries = [r for r in sb.requests if r.endpoint == "fileQuery"]
    assert list(files.columns) == ["file_id", "file_name"]
    assert sorted(files["file_id"]) == sorted(ids) and len(files) == 230
    assert len(queries) == 3 and all(q.body["size"] == 100 for q in queries)


def test_balance_falls_with_each_charge() -> None:
    with iv.Sandbox(balance=10.0, price=0.01, reject_share=0) as sb:
        client = sb.client()
        before = client.balance()
        nums = [f"9185632{i:05d}" for i in range(150)]
        iv.send(
            pd.DataFrame({"phone": nums}),
            iv.VoiceMessage("a", "f.mp3"),
            client=client,
            journal=None,
            progress=False,
        )
        after = client.balance()
        assert [r.path for r in sb.requests if r.endpoint == "getBalance"] == [
            "/sms/getBalance"
        ] * 2
    assert set(before) == {"balance", "gift", "credit"}
    assert before["balance"] == pytest.approx(10.0)
    assert after["balance"] == pytest.approx(8.5)


def test_call_record_is_typed() -> None:
    msg = iv.VoiceMessage("a", "f.mp3", max_duration=20, loop_count=2)
    with iv.Sandbox(reject_share=0, answer_share=1.0) as sb:
        client = sb.client()
        res = iv.send(
            pd.DataFrame({"phone": ["918563214120"]}),
            msg,
            client=client,
            journal=None,
            progress=False,
        )
        rec = client.call_record(res["voice_id"].iloc[0])
        assert client.call_record("999999999999") is None
    assert rec is not None
    assert rec["answered"] is True and rec["termination_code"] == "200"
    assert isinstance(rec["call_duration"], int) and rec["call_duration"] <= 40
    assert rec["answer_time"].tzinfo is not None and rec["hangup_time"] >= rec["answer_time"]
    assert isinstance(rec["cost"], float)


def test_call_records_pages_and_windows() -> None:
    msg = iv.VoiceMessage("a", "f.mp3")
    nums = [f"4420794{i:05d}" for i in range(260)]
    with iv.Sandbox(reject_share=0) as sb:
        client = sb.client()
        iv.send(pd.DataFrame({"phone": nums}), msg, client=client, journal=None, progress=False)
        now = datetime.now(UTC)
        frame = client.call_records(now - timedelta(days=45), now + timedelta(minutes=1))
        queries = [r for r in sb.requests if r.endpoint == "recordGroupQuery"]
    assert len(frame) == 260 and set(frame["callee"]) == set(nums)
    windows = {(q.body["params"]["strTime"], q.body["params"]["endTime"]) for q in queries}
    assert len(windows) == 2  # 45 days → two windows of at most 31 days
    assert len(queries) == 1 + 3  # the older window is empty; the newer has 3 pages
    for column in (
        "voice_id",
        "submit_time",
        "answer_time",
        "call_duration",
        "cost",
        "termination_code",
        "answered",
        "bill_period",
        "feedback_value",
    ):
        assert column in frame.columns
    assert frame["answered"].eq(frame["termination_code"] == "200").all()
    assert str(frame["submit_time"].dt.tz) == "UTC"


def test_call_records_refuses_old_periods() -> None:
    with iv.Sandbox() as sb:
        with pytest.raises(iv.RecordPeriodError, match="two months"):
            sb.client().call_records("2020-01-01", "2020-01-10")
        assert sb.requests == []
