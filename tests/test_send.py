"""send(): end to end against the sandbox — every row accounted for, every number at most once."""

from __future__ import annotations

import logging
import random
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import itnivoice_nb as iv
from itnivoice_nb._outcomes import OUTCOMES, SEND_COLUMNS

MSG = iv.VoiceMessage(
    app_id="4luaKsL2",
    file_id="f.mp3",
    display_num="1008122211",
    max_duration=50,
    loop_count=2,
    called_info="spring",
)
FAST = iv.RetryPolicy(max_attempts=3, backoff=0.01, max_backoff=0.02)


def numbers(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add("91" + "".join(rng.choice("0123456789") for _ in range(10)))
    return sorted(out)


def frame(n: int, seed: int = 1) -> pd.DataFrame:
    nums = numbers(n, seed)
    rng = np.random.default_rng(seed)
    index = rng.permutation(np.arange(1000, 1000 + n))
    return pd.DataFrame(
        {
            "phone": ["+" + x[:2] + " " + x[2:] for x in nums],
            "segment": rng.choice(["a", "b", "c"], size=n),
            "amount": np.arange(n) * 1.5,
        },
        index=pd.Index(index, name="row"),
    )


def sent_numbers(sb: iv.Sandbox) -> list[str]:
    out: list[str] = []
    for r in sb.requests:
        if r.endpoint == "sendGroup" and isinstance(r.body, dict):
            out.extend(str(r.body["callee"]).split(","))
    return out


def test_end_to_end_every_number_once_rows_line_up(tmp_path: Path) -> None:
    df = frame(1000)
    messy = pd.DataFrame(
        {"phone": ["12", "call me", None, df["phone"].iloc[5]], "segment": "x", "amount": 0.0},
        index=pd.Index([1, 2, 3, 4], name="row"),
    )
    df = pd.concat([df, messy])
    before = df.copy()
    with iv.Sandbox(seed=3, reject_share=0.1) as sb:
        res = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j.sqlite", progress=False)
        got = sent_numbers(sb)
        sizes = [r.callees for r in sb.requests if r.endpoint == "sendGroup"]
        charges = sb.charges
    pd.testing.assert_frame_equal(df, before)  # input not mutated
    assert res.index.equals(df.index)
    pd.testing.assert_frame_equal(res[["phone", "segment", "amount"]], df)
    assert list(res.columns[-len(SEND_COLUMNS) :]) == list(SEND_COLUMNS)
    assert (
        sorted(got)
        == sorted(set(got))
        == sorted(res.loc[res["valid"] & ~res["duplicate"], "number"])
    )
    assert max(sizes) <= 200 and len(sizes) == 5
    assert max(charges.values()) == 1
    counts = res["outcome"].value_counts()
    assert counts["invalid"] == 3 and counts["duplicate"] == 1
    assert counts["submitted"] + counts["rejected"] == 1000
    assert 50 < counts["rejected"] < 160
    sub = res[res["outcome"] == "submitted"]
    assert sub["voice_id"].notna().all() and (sub["termination_code"] == "0").all()
    assert set(sub["number"]) == set(charges)  # charged exactly the submitted numbers
    rej = res[res["outcome"] == "rejected"]
    assert rej["outcome_reason"].notna().all() and (rej["termination_code"] != "0").all()
    assert res.loc[res["outcome"] != "submitted", "outcome_reason"].notna().all()
    assert res["sent_at"].dt.tz is not None
    assert res.loc[df.index[-1], "outcome_reason"].startswith("same number as row ")
    # a DataFrame joined back by index gets exactly its rows
    joined = df.join(res[["outcome"]])
    assert len(joined) == len(df) and joined["outcome"].notna().all()


def test_dry_run_makes_no_request(tmp_path: Path) -> None:
    with iv.Sandbox() as sb:
        res = iv.send(
            frame(450),
            MSG,
            client=sb.client(),
            dry_run=True,
            progress=False,
            journal=tmp_path / "j.sqlite",
        )
        assert sb.requests == []
    assert (res["outcome"] == "not_sent").all()
    assert res.attrs["requests"] == 3
    assert res["outcome_reason"].str.contains("dry run").all()
    assert not (tmp_path / "j.sqlite").exists()


def test_dry_run_needs_no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ITNIOTECH_API_KEY", raising=False)
    monkeypatch.delenv("ITNIOTECH_API_SECRET", raising=False)
    res = iv.send(frame(3), MSG, dry_run=True, progress=False)
    assert len(res) == 3


def test_rerun_sends_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    df = frame(500)
    with iv.Sandbox() as sb:
        first = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        n = len(sb.requests)
        capsys.readouterr()
        again = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        assert len(sb.requests) == n
        out = capsys.readouterr().out
        assert "sent already" in out and "allow_repeat=True" in out
        pd.testing.assert_frame_equal(first, again)
        # a new label is a new campaign, but the ledger still knows these numbers
        labelled = iv.send(
            df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
            campaign="second wave",
        )
        assert sb.max_charges() == 1
        # only the numbers the API refused (never called) are tried again
        retried = sent_numbers(sb)[len(first[first["outcome"].isin(["submitted", "rejected"])]):]
        rejected = first[first["outcome"] == "rejected"]
        blacklisted = rejected["termination_reason"].str.contains("blacklist")
        assert blacklisted.any() and not blacklisted.all()
        assert sorted(retried) == sorted(rejected.loc[~blacklisted, "number"])
        # numbers refused as blacklisted are excluded from then on
        assert (labelled.loc[rejected.index[blacklisted], "outcome"] == "excluded").all()
        assert (labelled.loc[first["outcome"] == "submitted", "outcome"]
                == "already_called").all()
        n = len(sb.requests)
        # on purpose: allow_repeat calls them again
        iv.send(
            df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
            campaign="second wave", allow_repeat=True,
        )
        assert len(sb.requests) > n
        assert sb.max_charges() == 2


def test_different_message_is_a_different_campaign(tmp_path: Path) -> None:
    df = frame(10)
    with iv.Sandbox() as sb:
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        other = iv.VoiceMessage(app_id="4luaKsL2", file_id="other.mp3")
        iv.send(df, other, client=sb.client(), journal=tmp_path / "j", progress=False)
        assert len(sb.requests) == 2


def test_concurrency_gives_the_same_results_as_sequential(tmp_path: Path) -> None:
    df = frame(3000)
    results = []
    for conc in (1, 8):
        with iv.Sandbox(seed=5, latency=0.01) as sb:
            res = iv.send(
                df,
                MSG,
                client=sb.client(),
                journal=tmp_path / f"j{conc}",
                progress=False,
                concurrency=conc,
                batch_size=100,
            )
        results.append(res.drop(columns=["voice_id", "sent_at"]))
    pd.testing.assert_frame_equal(results[0], results[1])
    assert results[0]["batch"].max() == 30


def test_batch_size_is_capped_at_200(tmp_path: Path) -> None:
    with iv.Sandbox() as sb:
        iv.send(
            frame(450),
            MSG,
            client=sb.client(),
            journal=tmp_path / "j",
            batch_size=500,
            progress=False,
        )
        assert sorted(r.callees for r in sb.requests) == [50, 200, 200]


@pytest.mark.parametrize(
    ("bad", "kw"),
    [
        ("batch_size", {"batch_size": 0}),
        ("concurrency", {"concurrency": 0}),
        ("message", {"message": {"app_id": "x"}}),
        ("rate_limit", {"rate_limit": -1}),
    ],
)
def test_bad_arguments_are_clear(bad: str, kw: dict[str, object], tmp_path: Path) -> None:
    args: dict[str, object] = {"message": MSG, "journal": tmp_path / "j", "progress": False}
    args.update(kw)
    with iv.Sandbox() as sb, pytest.raises((ValueError, TypeError), match=bad):
        iv.send(frame(3), client=sb.client(), **args)  # type: ignore[arg-type]


def test_missing_column_is_clear(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'mobile' not found"):
        iv.send(frame(3), MSG, column="mobile", dry_run=True, progress=False)


def test_empty_frame(tmp_path: Path) -> None:
    with iv.Sandbox() as sb:
        res = iv.send(
            pd.DataFrame({"phone": []}),
            MSG,
            client=sb.client(),
            journal=tmp_path / "j",
            progress=False,
        )
        assert sb.requests == []
    assert res.empty and "outcome" in res.columns


def test_balance_runs_out_then_resume_after_top_up(tmp_path: Path) -> None:
    df = frame(1000)
    with iv.Sandbox(balance=4.5, price=0.01, reject_share=0.0) as sb:
        with pytest.raises(iv.SendStopped, match="-10") as info:
            iv.send(
                df,
                MSG,
                client=sb.client(),
                journal=tmp_path / "j",
                progress=False,
                concurrency=1,
                retry=FAST,
            )
        res = info.value.results
        assert isinstance(info.value.cause, iv.InsufficientBalanceError)
        counts = res["outcome"].value_counts()
        assert counts["submitted"] == 400 and counts["failed"] == 200
        assert counts["not_sent"] == 400
        assert (
            res.loc[res["outcome"] == "not_sent", "outcome_reason"]
            .str.contains("stopped first")
            .all()
        )
        assert "Top up" in str(info.value)
        sb.balance = 100.0
        done = iv.send(
            df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False, retry=FAST
        )
        assert (done["outcome"] == "submitted").all()
        assert sb.max_charges() == 1 and sb.charged_total() == 1000


@pytest.mark.parametrize("secret", ["wrong-secret"])
def test_authentication_error_stops_everything(tmp_path: Path, secret: str) -> None:
    with iv.Sandbox() as sb:
        client = iv.VoiceClient(api_key=sb.api_key, api_secret=secret, base_url=sb.base_url)
        with pytest.raises(iv.SendStopped) as info:
            iv.send(
                frame(1000),
                MSG,
                client=client,
                journal=tmp_path / "j",
                progress=False,
                concurrency=1,
            )
        assert len(sb.requests) == 1
    res = info.value.results
    assert res["outcome"].value_counts()["failed"] == 200
    assert res["outcome"].value_counts()["not_sent"] == 800
    assert "ITNIOTECH_API_KEY" in str(info.value) and secret not in str(info.value)


def test_secret_never_in_results_journal_logs_or_progress(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Sup3rS3cretValue"
    with iv.Sandbox(api_secret=secret) as sb:
        res = iv.send(
            frame(300), MSG, client=sb.client(), journal=tmp_path / "j.sqlite", progress=True
        )
        signs = {r.headers.get("Sign") for r in sb.requests}
    out = capsys.readouterr()
    text = out.out + out.err + caplog.text + repr(res) + repr(res.attrs) + res.to_csv()
    blobs = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for needle in [secret, *signs]:
        assert needle and needle not in text
        assert needle.encode() not in blobs
    # the progress bar shows counts, never a full number
    assert not any(n in out.err for n in res["number"].dropna())
    assert "submitted=" in out.err


def test_journal_false_warns_but_works() -> None:
    with iv.Sandbox() as sb, pytest.warns(UserWarning, match="journal=False"):
        res = iv.send(frame(5), MSG, client=sb.client(), journal=False, progress=False)
    assert (res["outcome"].isin(["submitted", "rejected"])).all()


def test_default_journal_is_the_users_wherever_the_notebook_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ITNIOTECH_JOURNAL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "itnivoice_nb" / "journal.sqlite"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with iv.Sandbox(reject_share=0) as sb:
        monkeypatch.chdir(tmp_path / "a")
        res = iv.send(frame(6).iloc[:5], MSG, client=sb.client(), progress=False)
        assert res.attrs["journal"] == str(expected) and expected.is_file()
        # another folder, another notebook: the same ledger, nobody called twice
        monkeypatch.chdir(tmp_path / "b")
        again = iv.send(frame(6), MSG, client=sb.client(), progress=False)
        assert sb.max_charges() == 1
    assert (again["outcome"].iloc[:5] == "already_called").all()
    assert again["outcome"].iloc[5] == "submitted"
    assert not (tmp_path / "a" / ".itnivoice").exists()


def test_environment_variable_names_the_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITNIOTECH_JOURNAL", str(tmp_path / "mine.sqlite"))
    with iv.Sandbox() as sb:
        res = iv.send(frame(2), MSG, client=sb.client(), progress=False)
    assert res.attrs["journal"] == str(tmp_path / "mine.sqlite")


def test_rate_limit_spaces_requests(tmp_path: Path) -> None:
    with iv.Sandbox() as sb:
        iv.send(
            frame(1000),
            MSG,
            client=sb.client(),
            journal=tmp_path / "j",
            progress=False,
            batch_size=100,
            rate_limit=20.0,
            concurrency=4,
        )
        stamps = sorted(r.received for r in sb.requests)
    assert len(stamps) == 10
    assert stamps[-1] - stamps[0] >= 9 / 20.0 * 0.9


def test_column_name_collisions_keep_user_columns(tmp_path: Path) -> None:
    df = frame(5).assign(outcome="user", status="vip", batch=7)
    with iv.Sandbox() as sb, pytest.warns(UserWarning, match="outcome"):
        res = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
    assert (res["outcome_input"] == "user").all() and (res["status_input"] == "vip").all()
    assert (res["batch_input"] == 7).all()
    assert set(res["outcome"]) <= set(OUTCOMES) and (res["status"] == "0").all()


def test_cancel_event_stops_and_resume_finishes(tmp_path: Path) -> None:
    df = frame(4000)
    cancel = threading.Event()
    with iv.Sandbox(latency=0.05) as sb:
        timer = threading.Timer(0.4, cancel.set)
        timer.start()
        with pytest.raises(iv.SendInterrupted) as info:
            iv.send(
                df,
                MSG,
                client=sb.client(),
                journal=tmp_path / "j",
                progress=False,
                batch_size=50,
                concurrency=2,
                cancel=cancel,
            )
        res = info.value.results
        counts = res["outcome"].value_counts()
        assert counts["not_sent"] > 0 and counts["submitted"] + counts["rejected"] > 0
        assert counts.sum() == len(df)
        n_before = len(sb.requests)
        done = iv.send(
            df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False, batch_size=50
        )
        assert sb.max_charges() == 1
        assert len(sb.requests) == 80
        assert n_before < 80
    assert done["outcome"].isin(["submitted", "rejected"]).all()


def test_keyboard_interrupt_in_main_thread(tmp_path: Path) -> None:
    import _thread

    df = frame(4000)
    with iv.Sandbox(latency=0.05) as sb:
        timer = threading.Timer(0.3, _thread.interrupt_main)
        timer.start()
        with pytest.raises(iv.SendInterrupted) as info:
            iv.send(
                df,
                MSG,
                client=sb.client(),
                journal=tmp_path / "j",
                progress=False,
                batch_size=50,
                concurrency=2,
            )
        counts = info.value.results["outcome"].value_counts()
        assert counts.sum() == 4000 and counts["not_sent"] > 0
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False, batch_size=50)
        sent = sent_numbers(sb)
        assert sb.max_charges() == 1 and len(sent) == len(set(sent)) == 4000


def test_progress_bar_counts_recipients(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with iv.Sandbox() as sb:
        iv.send(frame(450), MSG, client=sb.client(), journal=tmp_path / "j", progress=True)
    err = capsys.readouterr().err
    assert "450/450" in err


def test_results_from_journal_match_what_was_recorded(tmp_path: Path) -> None:
    from itnivoice_nb import _journal as j

    with iv.Sandbox(seed=9, reject_share=0.2) as sb:
        res = iv.send(
            frame(300), MSG, client=sb.client(), journal=tmp_path / "j.sqlite", progress=False
        )
    book = j.Journal(tmp_path / "j.sqlite")
    batches = book.batches(res.attrs["campaign"])
    assert [b.state for b in batches] == ["answered", "answered"]
    import json

    recorded = {d["callee"]: d for b in batches for d in json.loads(b.response or "")["data"]}
    for number, voice, code in res[["number", "voice_id", "termination_code"]].itertuples(
        index=False
    ):
        assert recorded[number]["voiceId"] == voice
        assert recorded[number]["terminationCode"] == code


def test_check_balance_stops_before_sending(tmp_path: Path) -> None:
    with iv.Sandbox(balance=0.0) as sb:
        with pytest.raises(iv.SendStopped, match="balance") as info:
            iv.send(
                frame(10),
                MSG,
                client=sb.client(),
                journal=tmp_path / "j",
                progress=False,
                check_balance=True,
            )
        assert [r.endpoint for r in sb.requests] == ["getBalance"]
    assert (info.value.results["outcome"] == "not_sent").all()


def test_default_region_and_strict_flow_through(tmp_path: Path) -> None:
    df = pd.DataFrame({"phone": ["08563214120", "(856) 321-4120"]})
    with iv.Sandbox(reject_share=0) as sb:
        res = iv.send(
            df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False, default_region="IN"
        )
    assert res["number"].tolist()[0] == "918563214120"


def test_time_per_run_is_bounded() -> None:
    # guard against accidental sleeps in the happy path: 20 requests at zero latency
    t0 = time.perf_counter()
    with iv.Sandbox() as sb:
        iv.send(frame(4000), MSG, client=sb.client(), journal=None, progress=False)
    assert time.perf_counter() - t0 < 30


def test_progress_callable_reports_each_batch(tmp_path: Path) -> None:
    seen: list[tuple[int, int, dict[str, int]]] = []
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(frame(450), MSG, client=sb.client(), journal=tmp_path / "j", batch_size=200,
                progress=lambda done, total, counts: seen.append((done, total, counts)))
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)
    assert seen[-1][0] == seen[-1][1] == 450 and len(seen) == 3
    assert seen[-1][2]["submitted"] == 450


def test_answer_callees_written_differently_still_match() -> None:
    import json

    from tests.scripted import scripted

    data = [
        {"voiceId": "1", "callee": "+918563214120", "terminationCode": "0"},
        {"voiceId": 2, "callee": 918563214121, "terminationCode": 0},
        {"voiceId": "3", "callee": "918563214122", "terminationCode": "2",
         "terminationReason": "invalid number"},
    ]
    body = json.dumps({"status": "0", "reason": "success", "data": data})
    with scripted((200, body, {})) as (url, _):
        client = iv.VoiceClient(api_key="k", api_secret="s", base_url=url)
        res = iv.send(pd.DataFrame({"phone": ["918563214120", "918563214121", "918563214122"]}),
                      MSG, client=client, journal=None, progress=False)
    assert res["outcome"].tolist() == ["submitted", "submitted", "rejected"]
    assert res["voice_id"].tolist() == ["1", "2", "3"]
    assert res["outcome_reason"].tolist()[2] == "invalid number"


def test_changed_list_calls_only_the_new_numbers(tmp_path: Path) -> None:
    df = frame(300)
    more = pd.concat([df, pd.DataFrame({"phone": ["+44 20 7946 0958"], "segment": "x",
                                        "amount": 0.0}, index=pd.Index([9], name="row"))])
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        n = len(sb.requests)
        res = iv.send(more, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        assert len(sb.requests) == n + 1 and sb.max_charges() == 1
        assert (res["outcome"].iloc[:300] == "already_called").all()
        assert res["outcome"].iloc[300] == "submitted"
        assert res["outcome_reason"].iloc[0].startswith("called 20")
        # a label does not get past the ledger; allow_repeat does
        labelled = iv.send(more, MSG, client=sb.client(), journal=tmp_path / "j",
                           progress=False, campaign="reminder")
        assert (labelled["outcome"] == "already_called").all() and sb.max_charges() == 1
        iv.send(more, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                campaign="reminder", allow_repeat=True)
        assert sb.max_charges() == 2
        # another audio file to the same numbers is another matter
        other = iv.VoiceMessage(app_id="4luaKsL2", file_id="other.mp3")
        iv.send(more, other, client=sb.client(), journal=tmp_path / "j", progress=False)
        assert sb.max_charges() == 3
