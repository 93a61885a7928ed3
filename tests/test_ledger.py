"""Plan, then send; the per-number ledger: what an ordinary user does must not call anyone twice.

Every test asserts from the sandbox's own per-number charge count (``sb.charges``).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

import itnivoice_nb as iv
from itnivoice_nb._classify import RetryPolicy

ROOT = Path(__file__).resolve().parents[1]
MSG = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3", called_info="spring")
FAST = RetryPolicy(max_attempts=2, backoff=0.01, max_backoff=0.02)


def people(start: int, n: int) -> pd.DataFrame:
    return pd.DataFrame({"phone": [f"+91 98{start + i:08d}" for i in range(n)],
                         "name": [f"p{start + i}" for i in range(n)]})


def charged(sb: iv.Sandbox) -> int:
    return sum(sb.charges.values())


@pytest.mark.parametrize(
    "edit",
    [
        {"called_info": "spring (typo fixed)"},
        {"display_num": "1008122211"},
        {"max_duration": 30},
        {"loop_count": 2},
    ],
)
def test_editing_the_message_does_not_call_everyone_again(
    tmp_path: Path, edit: dict[str, object]
) -> None:
    df = people(0, 250)
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        n = len(sb.requests)
        fields = {"app_id": MSG.app_id, "file_id": MSG.file_id, "called_info": MSG.called_info}
        fields.update(edit)
        edited = iv.VoiceMessage(**fields)  # type: ignore[arg-type]
        res = iv.send(df, edited, client=sb.client(), journal=tmp_path / "j", progress=False)
        assert len(sb.requests) == n and sb.max_charges() == 1
    assert (res["outcome"] == "already_called").all()
    pattern = r"called \d{4}-\d\d-\d\d \d\d:\d\d UTC in campaign #"
    assert res["outcome_reason"].str.match(pattern).all()


@pytest.mark.parametrize("label", ["", " ", "spring", "another"])
def test_no_label_gets_past_the_ledger(tmp_path: Path, label: str) -> None:
    df = people(0, 30)
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                campaign="spring")
        res = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                      campaign=label)
        assert sb.max_charges() == 1 and len(sb.requests) == 1
    expected = "already_called" if label.strip() != "spring" else "submitted"
    assert (res["outcome"] == expected).all()  # "spring" again: the same campaign's results


def test_blank_label_is_no_label(tmp_path: Path) -> None:
    df = people(0, 3)
    client = iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice")
    plans = [iv.plan(df, MSG, client=client, campaign=label, journal=tmp_path / "j")
             for label in (None, "", "   ")]
    assert {p.campaign_id for p in plans} == {plans[0].campaign_id}
    assert {p.campaign for p in plans} == {None}


@pytest.mark.parametrize(
    "spelling",
    ["http://localhost:{port}/voice/", "HTTP://127.0.0.1:{port}//voice", "http://[::1]:{port}/voice"],
)
def test_base_url_spellings_are_one_account(tmp_path: Path, spelling: str) -> None:
    df = people(0, 20)
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        other = iv.VoiceClient(sb.api_key, sb.api_secret, spelling.format(port=sb.port))
        same = iv.plan(df, MSG, client=other, journal=tmp_path / "j")
        assert same.resumed and same.to_call == 0 and same.counts["done"] == 20
        assert (same.send(progress=False)["outcome"] == "submitted").all()  # from the journal
        p = iv.plan(df, MSG, client=other, journal=tmp_path / "j", campaign="again")
        assert p.to_call == 0 and p.counts["already_called"] == 20
        res = p.send(progress=False)
        assert sb.max_charges() == 1 and len(sb.requests) == 1
    assert (res["outcome"] == "already_called").all()


def test_spelling_and_order_of_numbers_do_not_matter(tmp_path: Path) -> None:
    df = people(0, 10)
    respelled = pd.DataFrame({"phone": [f"0091-98{i:08d}" for i in range(9, -1, -1)]},
                             index=list("abcdefghij"))
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        res = iv.send(respelled, MSG, client=sb.client(), journal=tmp_path / "j",
                      progress=False)
        assert sb.max_charges() == 1
    assert (res["outcome"] == "already_called").all()


def test_allow_repeat_calls_again(tmp_path: Path) -> None:
    df = people(0, 10)
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        again = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                        allow_repeat=True)
        assert sb.max_charges() == 2 and min(sb.charges.values()) == 2
        assert (again["outcome"] == "submitted").all()
        # the same call again: that second campaign is done, nothing more
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        assert sb.max_charges() == 2


def test_repeat_after_allows_only_older_calls(tmp_path: Path) -> None:
    first, second = people(0, 5), people(5, 5)
    both = pd.concat([first, second], ignore_index=True)
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(first, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        time.sleep(1.2)
        iv.send(second, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        res = iv.send(both, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                      repeat_after="1s")
        charges = sb.charges
    assert res["outcome"].tolist() == ["submitted"] * 5 + ["already_called"] * 5
    assert [charges[n] for n in res["number"]] == [2] * 5 + [1] * 5
    with pytest.raises(ValueError, match="not a duration"):
        iv.plan(both, MSG, client=iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice"),
                repeat_after="weekly", journal=None)


def test_repeat_after_starts_the_next_wave_of_the_same_call(tmp_path: Path) -> None:
    df = people(0, 4)
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                repeat_after=timedelta(seconds=1))
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                repeat_after=timedelta(seconds=1))
        assert sb.max_charges() == 1  # within the interval: nothing
        time.sleep(1.2)
        iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                repeat_after=timedelta(seconds=1))
        assert min(sb.charges.values()) == 2 == sb.max_charges()


def test_a_plan_is_a_snapshot(tmp_path: Path) -> None:
    df = people(0, 1)
    with iv.Sandbox(reject_share=0) as sb:
        p = iv.plan(df, MSG, client=sb.client(), journal=tmp_path / "j")
        assert p.to_call == 1 and "Call 1 number in 1 request" in str(p)
        # the caller edits the frame in place after confirming
        df.loc[0, "phone"] = "+91 9800000099"
        df.loc[1] = ["+91 9800000098", "late"]
        res = p.send(progress=False)
        assert set(sb.charges) == {"919800000000"}
    assert res["number"].tolist() == ["919800000000"]


def test_plan_shows_what_it_will_do(tmp_path: Path) -> None:
    df = pd.concat([people(0, 250), pd.DataFrame({"phone": ["12", "+91 9800000000"]})],
                   ignore_index=True)
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(people(0, 10), MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                campaign="spring")
        p = iv.plan(df, MSG, client=sb.client(), journal=tmp_path / "j", campaign="summer")
        text = str(p)
        html = p._repr_html_()
    assert (p.rows, p.to_call, p.requests) == (252, 240, 2)
    assert p.counts == {"to_call": 240, "invalid": 1, "duplicate": 1, "already_called": 10,
                        "deferred": 0, "excluded": 0, "done": 0, "unknown": 0}
    assert p.already_called_by == {"campaign 'spring'": 10}
    assert p.sandbox and "SANDBOX" in text and "Call 240 numbers in 2 requests" in text
    assert "campaign 'spring'" in text and "campaign 'summer'" in text
    assert "SANDBOX" in html and sb.api_secret not in text + html


def test_dry_run_checks_the_ledger_and_sends_nothing(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(people(0, 3), MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        n = len(sb.requests)
        res = iv.send(people(0, 5), MSG, client=sb.client(), journal=tmp_path / "j",
                      dry_run=True)
        assert len(sb.requests) == n
    assert res["outcome"].tolist() == ["already_called"] * 3 + ["not_sent"] * 2


def test_two_threads_with_overlapping_lists_call_each_number_once(tmp_path: Path) -> None:
    a, b = people(0, 600), people(300, 600)  # 300 in common
    results: dict[str, pd.DataFrame] = {}
    with iv.Sandbox(reject_share=0, latency=0.02) as sb:
        def go(name: str, df: pd.DataFrame) -> None:
            results[name] = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j",
                                    progress=False, batch_size=50, concurrency=2)

        threads = [threading.Thread(target=go, args=("a", a)),
                   threading.Thread(target=go, args=("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert sb.max_charges() == 1
        assert charged(sb) == 900
    called = pd.concat([results["a"], results["b"]])
    assert (called["outcome"] == "submitted").sum() == 900
    assert (called["outcome"] == "already_called").sum() == 300


SENDER = """
import sys
import pandas as pd
import itnivoice_nb as iv
base_url, key, secret, start, n, journal, out = sys.argv[1:8]
df = pd.DataFrame({"phone": [f"+91 98{int(start) + i:08d}" for i in range(int(n))]})
msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3", called_info="spring")
client = iv.VoiceClient(key, secret, base_url)
iv.send(df, msg, client=client, journal=journal, progress=False, batch_size=50,
        concurrency=2).to_csv(out)
"""


def test_two_processes_with_overlapping_lists_and_one_journal(tmp_path: Path) -> None:
    journal = tmp_path / "shared.sqlite"
    with iv.Sandbox(reject_share=0, latency=0.02) as sb:
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", SENDER, sb.base_url, sb.api_key, sb.api_secret,
                 str(start), "600", str(journal), str(tmp_path / f"{start}.csv")],
                cwd=ROOT, stderr=subprocess.PIPE, text=True,
            )
            for start in (0, 300)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        assert sb.max_charges() == 1, "a number was charged twice"
        assert charged(sb) == 900
    outcomes = pd.concat([pd.read_csv(tmp_path / f"{s}.csv") for s in (0, 300)])["outcome"]
    assert (outcomes == "already_called").sum() == 300


def test_resume_rechecks_numbers_another_campaign_called_meanwhile(tmp_path: Path) -> None:
    a = people(0, 100)
    with iv.Sandbox(reject_share=0) as sb:
        # campaign A: its second request is refused (-18, nothing charged) every time: failed
        sb.inject("status", code="-18", on=[2, 3])
        first = iv.send(a, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                        batch_size=50, concurrency=1, retry=FAST, campaign="A")
        assert set(first["outcome"]) == {"submitted", "failed"}
        # campaign B (another list) calls A's failed numbers, which nobody had called
        b = people(50, 60)
        second = iv.send(b, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                         campaign="B")
        assert (second["outcome"] == "submitted").sum() == 60
        # A resumes: its failed numbers were called by B meanwhile: not called again
        again = iv.send(a, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                        batch_size=50, concurrency=1, retry=FAST, campaign="A")
        assert sb.max_charges() == 1
    assert (again["outcome"].iloc[:50] == "submitted").all()
    assert (again["outcome"].iloc[50:] == "already_called").all()
    assert again["outcome_reason"].iloc[60].endswith("in campaign 'B'")


def test_a_plan_made_before_another_send_claims_its_numbers_sends_only_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        p = iv.plan(people(0, 10), MSG, client=sb.client(), journal=tmp_path / "j")
        iv.send(people(5, 10), MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        res = p.send(progress=False)
        assert sb.max_charges() == 1
    assert res["outcome"].tolist() == ["submitted"] * 5 + ["already_called"] * 5
    assert "claimed by another send since the plan was made" in capsys.readouterr().out


def test_journal_false_turns_the_guard_off_with_a_warning(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(people(0, 2), MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        with pytest.warns(UserWarning, match="journal=False"):
            iv.send(people(0, 2), MSG, client=sb.client(), journal=False, progress=False)
        assert sb.max_charges() == 2


def test_send_and_plan_close_the_journal_they_open(tmp_path: Path) -> None:
    import gc
    import sqlite3

    opened: list[sqlite3.Connection] = []
    real = sqlite3.connect

    def spy(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = real(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(conn)
        return conn

    with iv.Sandbox(reject_share=0) as sb, pytest.MonkeyPatch.context() as m:
        m.setattr(sqlite3, "connect", spy)
        iv.send(people(0, 2), MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        iv.call_outcomes(iv.send(people(0, 2), MSG, client=sb.client(),
                                 journal=tmp_path / "j", progress=False),
                         client=sb.client(), progress=False)
    gc.collect()
    assert opened
    for conn in opened:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            conn.execute("SELECT 1")


@pytest.mark.parametrize("breaker", ["garbage", "truncate"])
def test_a_tls_error_after_the_request_was_received_is_unknown_never_resent(
    tmp_path: Path, breaker: str
) -> None:
    from tests.servers import TLSServer

    df = people(0, 5)
    with TLSServer("break", breaker=breaker) as server:  # type: ignore[arg-type]
        client = iv.VoiceClient("k", "s", server.base_url, ca_bundle=server.ca_path,
                                timeout=(2, 2))
        res = iv.send(df, MSG, client=client, journal=tmp_path / "j", progress=False,
                      retry=FAST)
        assert server.complete_requests == 1  # received once, never again
        again = iv.send(df, MSG, client=client, journal=tmp_path / "j", progress=False,
                        retry=FAST)
        other = iv.send(df, MSG, client=client, journal=tmp_path / "j", progress=False,
                        retry=FAST, campaign="another")
        assert server.complete_requests == 1
    assert (res["outcome"] == "unknown").all() and (again["outcome"] == "unknown").all()
    assert res["outcome_reason"].str.contains("may have been charged").all()
    assert (other["outcome"] == "already_called").all()
    assert other["outcome_reason"].str.startswith("may have been called").all()


def test_a_tls_handshake_refused_is_failed_and_may_be_sent_again(tmp_path: Path) -> None:
    from tests.servers import TLSServer

    df = people(0, 3)
    with TLSServer("answer", trusted=False) as server:
        client = iv.VoiceClient("k", "s", server.base_url, ca_bundle=server.ca_path,
                                timeout=(2, 2))
        res = iv.send(df, MSG, client=client, journal=tmp_path / "j", progress=False,
                      retry=FAST)
        assert server.complete_requests == 0
    assert (res["outcome"] == "failed").all()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_from_send_group_is_unknown_and_stops_the_send(
    tmp_path: Path, status: int
) -> None:
    from tests.servers import RecordingServer, Redirector

    df = people(0, 30)
    with RecordingServer("127.0.0.2") as target, Redirector(
        status, f"{target.url}/voice/sendGroup"
    ) as redirector:
        client = iv.VoiceClient("k", "s", redirector.base_url, timeout=(2, 2))
        with pytest.raises(iv.SendStopped, match=f"{status}.*127.0.0.2") as info:
            iv.send(df, MSG, client=client, journal=tmp_path / "j", progress=False,
                    batch_size=10, concurrency=1, retry=FAST)
        assert target.complete_requests == 0 and target.received == b""
        assert redirector.complete_requests == 1
    res = info.value.results
    assert res["outcome"].tolist() == ["unknown"] * 10 + ["not_sent"] * 20
