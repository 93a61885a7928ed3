"""Fault injection: for each fault, nobody is charged twice and every row has an honest outcome."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pandas as pd
import pytest

import itnivoice_nb as iv
from tests.scripted import free_port

MSG = iv.VoiceMessage(app_id="4luaKsL2", file_id="f.mp3", max_duration=30)
FAST = iv.RetryPolicy(max_attempts=3, backoff=0.01, max_backoff=0.02)
N = 1000  # five requests of 200


def frame(n: int = N) -> pd.DataFrame:
    rng = random.Random(11)
    nums = sorted({"44" + "".join(rng.choice("0123456789") for _ in range(10)) for _ in range(n)})
    return pd.DataFrame({"phone": nums[:n], "who": range(n)})


def run(sb: iv.Sandbox, tmp_path: Path, **kw: object) -> pd.DataFrame:
    args: dict[str, object] = {
        "client": sb.client(timeout=(2.0, 2.0)),
        "journal": tmp_path / "j",
        "progress": False,
        "retry": FAST,
        "concurrency": 1,
    }
    args.update(kw)
    return iv.send(frame(), MSG, **args)  # type: ignore[arg-type]


def batch_outcomes(res: pd.DataFrame) -> dict[int, set[str]]:
    grouped = res.groupby("batch", observed=True)["outcome"].agg(lambda s: set(s.astype(str)))
    return {int(k): v for k, v in grouped.items()}


def assert_accounted(res: pd.DataFrame, sb: iv.Sandbox) -> None:
    assert len(res) == N and res["outcome"].notna().all()
    assert res["outcome"].isin(["submitted", "rejected", "failed", "unknown", "not_sent"]).all()
    assert res.loc[res["outcome"] != "submitted", "outcome_reason"].notna().all()
    assert sb.max_charges() <= 1
    # every submitted number was charged exactly once
    charges = sb.charges
    assert all(charges[n] == 1 for n in res.loc[res["outcome"] == "submitted", "number"])


@pytest.mark.parametrize(
    ("kind", "options", "charged"),
    [
        ("drop_before", {}, False),
        ("drop_after", {}, True),
        ("http_500", {}, False),
        ("http_500", {"charge": True}, True),
        ("truncate", {}, True),
    ],
)
def test_ambiguous_faults_become_unknown_and_are_not_resent(
    tmp_path: Path, kind: str, options: dict[str, object], charged: bool
) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        sb.inject(kind, on=[2], **options)
        res = run(sb, tmp_path)
        assert len(sb.requests) == 5  # never retried
        assert_accounted(res, sb)
        outcomes = batch_outcomes(res)
        assert outcomes[2] == {"unknown"}
        assert all(outcomes[b] == {"submitted"} for b in (1, 3, 4, 5))
        unknown = res[res["outcome"] == "unknown"]
        assert len(unknown) == 200
        assert unknown["outcome_reason"].str.contains("may have been").all()
        assert sb.charged_total() == (1000 if charged else 800)
        # re-running sends nothing: the unknown batch is not resent on its own
        again = run(sb, tmp_path)
        assert len(sb.requests) == 5
        pd.testing.assert_frame_equal(res, again)
        # resend_unknown=True resends it, on purpose
        run(sb, tmp_path, resend_unknown=True)
        assert len(sb.requests) == 6
        assert sb.max_charges() == (2 if charged else 1)


@pytest.mark.parametrize("code", ["-16", "-18", "-26"])
def test_refusals_that_charge_nothing_are_retried(tmp_path: Path, code: str) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        sb.inject("status", code=code, on=[2], times=1)
        res = run(sb, tmp_path)
        assert len(sb.requests) == 6
        statuses = [r.status for r in sb.requests]
        assert statuses.count(code) == 1
        assert (res["outcome"] == "submitted").all()
        assert_accounted(res, sb)
        # each attempt is signed afresh: Sign and Timestamp headers were computed per request
        assert all(r.headers.get("Sign") for r in sb.requests)


def test_persistent_port_error_fails_that_batch_only(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        sb.inject("status", code="-18", on=[2, 3, 4])
        res = run(sb, tmp_path)
        assert len(sb.requests) == 3 + 4  # three attempts for batch 2, then the other four
        outcomes = batch_outcomes(res)
        assert outcomes[2] == {"failed"} and outcomes[1] == {"submitted"}
        assert res.loc[res["batch"] == 2, "outcome_reason"].str.contains("-18").all()
        assert_accounted(res, sb)
        # failed batches were never charged, so re-running resends them
        sb.clear_faults()
        again = run(sb, tmp_path)
        assert (again["outcome"] == "submitted").all() and sb.max_charges() == 1


def test_timestamp_expired_retried_at_most_twice(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        sb.inject("status", code="-16", on=[1, 2, 3, 4])
        res = run(sb, tmp_path, retry=iv.RetryPolicy(max_attempts=9, backoff=0.01))
        assert [r.status for r in sb.requests][:3] == ["-16", "-16", "-16"]
        assert batch_outcomes(res)[1] == {"failed"}


def test_clock_skew_is_reported_after_timestamp_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import itnivoice_nb._signing as signing

    real = time.time
    monkeypatch.setattr(signing, "clock", lambda: real() - 600)
    with iv.Sandbox(reject_share=0) as sb, pytest.warns(RuntimeWarning, match="behind"):
        res = run(sb, tmp_path)
    assert (res["outcome"] == "failed").all()
    assert res["outcome_reason"].str.contains("-16").all()


@pytest.mark.parametrize("code", ["-1", "-2", "-10", "-22"])
def test_stop_codes_stop_the_send(tmp_path: Path, code: str) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        sb.inject("status", code=code, on=[3])
        with pytest.raises(iv.SendStopped, match=code) as info:
            run(sb, tmp_path)
        assert len(sb.requests) == 3
        res = info.value.results
        outcomes = batch_outcomes(res)
        assert outcomes == {1: {"submitted"}, 2: {"submitted"}, 3: {"failed"}}
        assert (res.loc[res["batch"].isna(), "outcome"] == "not_sent").all()
        assert (res["outcome"] == "not_sent").sum() == 400
        assert_accounted(res, sb)
        # fixed: the same call resumes with the failed and not-sent batches
        sb.clear_faults()
        done = run(sb, tmp_path)
        assert (done["outcome"] == "submitted").all() and sb.max_charges() == 1
        assert len(sb.requests) == 6


def test_numbers_missing_from_the_answer_are_unknown(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        sb.inject("omit_numbers", on=[1], count=3)
        res = run(sb, tmp_path)
        unknown = res[res["outcome"] == "unknown"]
        assert len(unknown) == 3 and (unknown["batch"] == 1).all()
        assert unknown["outcome_reason"].str.contains("did not mention").all()
        assert_accounted(res, sb)


def test_connection_refused_is_retried_then_failed(tmp_path: Path) -> None:
    client = iv.VoiceClient(
        api_key="k", api_secret="s", base_url=f"http://127.0.0.1:{free_port()}/voice"
    )
    res = iv.send(
        frame(),
        MSG,
        client=client,
        journal=tmp_path / "j",
        progress=False,
        retry=FAST,
        concurrency=2,
    )
    assert (res["outcome"] == "failed").all()
    assert res["outcome_reason"].str.contains("could not connect").all()
    assert res["status"].isna().all()


def test_latency_past_the_read_timeout_is_unknown(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        sb.inject("latency", seconds=1.5, on=[4])
        client = sb.client(timeout=(2.0, 0.5))
        res = iv.send(
            frame(),
            MSG,
            client=client,
            journal=tmp_path / "j",
            progress=False,
            retry=FAST,
            concurrency=1,
        )
        time.sleep(1.2)  # let the sandbox finish the slow request: it charges it
        assert batch_outcomes(res)[4] == {"unknown"}
        assert sb.charged_total() == 1000 and sb.max_charges() == 1


def test_probabilistic_faults_still_at_most_once(tmp_path: Path) -> None:
    with iv.Sandbox(seed=4) as sb:
        for kind in ("drop_before", "drop_after", "truncate", "http_500"):
            sb.inject(kind, probability=0.08)
        sb.inject("status", code="-18", probability=0.1)
        res = iv.send(
            frame(),
            MSG,
            client=sb.client(),
            journal=tmp_path / "j",
            progress=False,
            retry=FAST,
            concurrency=4,
            batch_size=20,
        )
        assert_accounted(res, sb)
        faulted = [r for r in sb.requests if r.fault]
        assert faulted, "the seeded faults should hit some of the 50+ requests"
        unknown_batches = set(res.loc[res["outcome"] == "unknown", "batch"].dropna().astype(int))
        ambiguous = {"drop_before", "drop_after", "truncate", "http_500"}
        assert len(unknown_batches) == sum(1 for r in sb.requests if r.fault in ambiguous)


def test_http_429_may_have_been_received_so_it_is_unknown_and_stops(tmp_path: Path) -> None:
    # The request reached the server: by "may it have been charged", unknown, never resent.
    with iv.Sandbox(reject_share=0) as sb:
        sb.inject("http_500", http_status=429, on=[2])
        with pytest.raises(iv.SendStopped, match="429") as info:
            run(sb, tmp_path, concurrency=1)
        res = info.value.results
        outcomes = batch_outcomes(res)
        assert sb.max_charges() == 1
        assert len([r for r in sb.requests if r.endpoint == "sendGroup"]) == 2  # not retried
    assert outcomes[1] == {"submitted"}
    assert outcomes[2] == {"unknown"}
    assert set(res.loc[res["batch"].isna() & res["valid"], "outcome"]) == {"not_sent"}

