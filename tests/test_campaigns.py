"""Campaigns that respect people: suppression lists, segments, follow-ups, a cost ceiling.

Every send goes to the sandbox; charges are checked from its own per-number count.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import itnivoice_nb as iv

MSG = iv.VoiceMessage(app_id="4luaKsL2", file_id="en.mp3", max_duration=50)
HINDI = iv.VoiceMessage(app_id="4luaKsL2", file_id="hi.mp3", max_duration=30)


def people(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"phone": [f"+91 98{start + i:08d}" for i in range(n)],
                         "name": [f"p{start + i}" for i in range(n)]})


# --------------------------------------------------------------------------- suppression


def test_suppression_lists_in_messy_spellings_exclude_their_rows(tmp_path: Path) -> None:
    csv = tmp_path / "opt-outs.csv"
    csv.write_text("Name;Mobile No\nA;0091-98000-00001\nB;not a number\n", encoding="utf-8-sig")
    xlsx = tmp_path / "staff.xlsx"
    pd.DataFrame({"tel": ["(+91) 9800000002"]}).to_excel(xlsx, index=False)
    df = people(6)
    with iv.Sandbox(reject_share=0) as sb:
        p = iv.plan(df, MSG, client=sb.client(), journal=tmp_path / "j",
                    exclude=[csv, str(xlsx), pd.Series(["+919800000003"], name="dnc")])
        assert p.counts["excluded"] == 3 and p.to_call == 3
        assert "opt-outs.csv" in str(p)
        res = p.send(progress=False)
        assert set(sb.charges) == {"919800000000", "919800000004", "919800000005"}
    assert res["outcome"].tolist() == ["submitted", "excluded", "excluded", "excluded",
                                       "submitted", "submitted"]
    assert res["outcome_reason"].iloc[1] == "on the suppression list opt-outs.csv"
    assert res["outcome_reason"].iloc[2] == "on the suppression list staff.xlsx"
    assert res["outcome_reason"].iloc[3] == "on the suppression list list 'dnc'"


def test_a_dict_names_its_lists_and_a_list_of_numbers_is_one_list(tmp_path: Path) -> None:
    client = iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice")
    named = iv.plan(people(3), MSG, client=client, journal=None,
                    exclude={"opted out": ["00919800000000"]}).preview()
    assert named["outcome_reason"].iloc[0] == "on the suppression list opted out"
    plain = iv.plan(people(3), MSG, client=client, journal=None,
                    exclude=["+91 98000 00001", "+91 98000 00002"]).preview()
    assert plain["outcome"].tolist() == ["not_sent", "excluded", "excluded"]
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        iv.plan(people(1), MSG, client=client, journal=None, exclude="missing.csv")


def test_numbers_refused_as_blacklisted_before_are_excluded_by_default(tmp_path: Path) -> None:
    df = people(200)
    with iv.Sandbox(reject_share=0.2, seed=5) as sb:
        first = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        black = first["termination_reason"].fillna("").str.contains("blacklist")
        assert black.any()
        other = iv.VoiceMessage(app_id="4luaKsL2", file_id="other.mp3")  # another audio
        again = iv.send(df, other, client=sb.client(), journal=tmp_path / "j", progress=False)
        assert (again.loc[black, "outcome"] == "excluded").all()
        assert again.loc[black, "outcome_reason"].str.startswith(
            "refused by the API as blacklisted").all()
        assert (again.loc[~black, "outcome"] != "excluded").all()
        anyway = iv.send(df[black], other, client=sb.client(), journal=tmp_path / "j",
                         progress=False, exclude_blacklisted=False, campaign="try again")
        assert (anyway["outcome"] != "excluded").all()


def test_numbers_excluded_later_leave_a_stopped_campaign(tmp_path: Path) -> None:
    df = people(30)
    with iv.Sandbox(reject_share=0, balance=0.05, price=0.01) as sb:
        with pytest.raises(iv.SendStopped):
            iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                    batch_size=10, concurrency=1)
        sb.balance = 100
        # someone opted out meanwhile: resuming the same campaign must not call them
        res = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                      batch_size=10, concurrency=1, exclude=[df["phone"].iloc[25]])
        assert "919800000025" not in sb.charges and sb.max_charges() == 1
    assert res["outcome"].iloc[25] == "excluded"
    assert (res["outcome"].drop(index=25) == "submitted").all()


# --------------------------------------------------------------------------- segments


def test_a_message_per_segment(tmp_path: Path) -> None:
    df = people(6)
    df["lang"] = ["en", "hi", "en", "fr", "hi", "en"]
    with iv.Sandbox(reject_share=0) as sb:
        p = iv.plan(df, {"en": MSG, "hi": HINDI}, by="lang", client=sb.client(),
                    journal=tmp_path / "j")
        assert (p.to_call, p.requests, p.counts["invalid"]) == (5, 2, 1)
        res = p.send(progress=False)
        files = {r.body["fileId"]: r.body["callee"].split(",") for r in sb.requests}
        assert files == {"en.mp3": ["919800000000", "919800000002", "919800000005"],
                         "hi.mp3": ["919800000001", "919800000004"]}
    assert res["outcome"].tolist() == ["submitted"] * 3 + ["invalid"] + ["submitted"] * 2
    assert res["outcome_reason"].iloc[3].startswith("no message for segment 'fr' (lang)")
    assert res["file_id"].fillna("-").tolist() == ["en.mp3", "hi.mp3", "en.mp3", "-", "hi.mp3",
                                                   "en.mp3"]
    table = iv.summary(res, by="lang")
    assert table.loc["hi", "submitted"] == 2


def test_the_ledger_key_is_per_message(tmp_path: Path) -> None:
    df = people(2)
    df["lang"] = ["en", "hi"]
    with iv.Sandbox(reject_share=0) as sb:
        iv.send(df, {"en": MSG, "hi": HINDI}, by="lang", client=sb.client(),
                journal=tmp_path / "j", progress=False)
        swapped = df.assign(lang=["hi", "en"])
        res = iv.send(swapped, {"en": MSG, "hi": HINDI}, by="lang", client=sb.client(),
                      journal=tmp_path / "j", progress=False)
        assert sb.max_charges() == 2  # each number now hears the other audio, once
        again = iv.send(swapped, {"en": MSG, "hi": HINDI}, by="lang", client=sb.client(),
                        journal=tmp_path / "j", progress=False, campaign="x")
        assert sb.max_charges() == 2
    assert (res["outcome"] == "submitted").all()
    assert (again["outcome"] == "already_called").all()


def test_segments_need_by_and_messages() -> None:
    client = iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice")
    with pytest.raises(ValueError, match="needs by="):
        iv.plan(people(1), {"en": MSG}, client=client, journal=None)
    with pytest.raises(ValueError, match="'lang' is not a column"):
        iv.plan(people(1), {"en": MSG}, by="lang", client=client, journal=None)
    with pytest.raises(TypeError, match=r"message\['en'\]"):
        iv.plan(people(1).assign(lang="en"), {"en": "hello"}, by="lang", client=client,
                journal=None)


# --------------------------------------------------------------------------- follow-ups


def test_follow_up_round_trip(tmp_path: Path) -> None:
    df = people(40)
    with iv.Sandbox(reject_share=0, answer_share=0.5, seed=4) as sb:
        first = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                        campaign="spring")
        calls = iv.call_outcomes(first, client=sb.client(), progress=False)
        unanswered = calls.index[(calls["answered"] == False) & (  # noqa: E712
            calls["record_status"] == "final")]
        assert 0 < len(unanswered) < 40
        wave = iv.follow_up(first, client=sb.client(), progress=False)
        assert list(wave.index) == list(unanswered)
        assert (wave["outcome"] == "submitted").all()
        assert wave.attrs["label"] == "spring · follow-up 1"
        assert all(sb.charges[n] == 2 for n in wave["number"])
        answered = calls.loc[calls["answered"] == True, "number"]  # noqa: E712
        assert all(sb.charges[n] == 1 for n in answered)
        # the same follow-up again sends nothing new
        n = len(sb.requests)
        again = iv.follow_up(first, client=sb.client(), progress=False)
        assert len(sb.requests) == n and sb.max_charges() == 2
        assert (again["outcome"] == "submitted").all()
        # a second wave after the first one's records
        second = iv.follow_up(wave, client=sb.client(), progress=False)
        assert second.attrs["label"] == "spring · follow-up 2"
        assert set(second["number"]) <= set(wave["number"])


def test_follow_up_who(tmp_path: Path) -> None:
    df = people(30)
    with iv.Sandbox(reject_share=0, answer_share=1.0, seed=1) as sb:
        first = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        calls = iv.call_outcomes(first, client=sb.client(), progress=False)
        silent = calls["feedback_value"].astype("str") == "-1"
        picked = iv.follow_up(calls, client=sb.client(), who="no_response", progress=False)
        assert list(picked.index) == list(calls.index[silent])
        custom = iv.follow_up(calls, client=sb.client(), progress=False,
                              who=lambda r: r["name"].isin(["p1", "p2"]))
        assert custom["name"].tolist() == ["p1", "p2"]
    with pytest.raises(ValueError, match="who: 'everyone'"):
        iv.follow_up(calls, client=iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice"),
                     who="everyone")


# --------------------------------------------------------------------------- cost


def test_cost_bound_and_refusal(tmp_path: Path) -> None:
    df = pd.concat([people(4), pd.DataFrame({"phone": ["+1 201 555 0123"], "name": ["us"]})],
                   ignore_index=True)
    with iv.Sandbox(reject_share=0) as sb:
        p = iv.plan(df, MSG, client=sb.client(), journal=tmp_path / "j",
                    rates={"91": 0.02, "1": 0.015})
        assert p.max_cost == pytest.approx(4 * 0.02 + 0.015)  # 50 s: one minute each
        assert p.cost_unknown == 0 and "Cost at most 0.10" in str(p)
        unpriced = iv.plan(df, MSG, client=sb.client(), journal=tmp_path / "j",
                           rates={"91": 0.02})
        assert unpriced.cost_unknown == 1
        with pytest.raises(iv.CostLimitError, match="have no known rate"):
            iv.plan(df, MSG, client=sb.client(), journal=tmp_path / "j", rates={"91": 0.02},
                    max_cost=10).send(progress=False)
        with pytest.raises(iv.CostLimitError, match="more than max_cost=0.05"):
            iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                    rates={"91": 0.02, "1": 0.015}, max_cost=0.05)
        assert sb.requests == []
        # without max_duration the bound assumes 120 s and says so
        open_ended = iv.plan(df, iv.VoiceMessage("4luaKsL2", "en.mp3"), client=sb.client(),
                             journal=tmp_path / "j", rates={"91": 0.02, "1": 0.015})
        assert open_ended.max_cost == pytest.approx(2 * (4 * 0.02 + 0.015))
        assert "120 s assumed" in str(open_ended)
        ok = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                     rates={"91": 0.02, "1": 0.015}, max_cost=0.5)
    assert (ok["outcome"] == "submitted").all()


def test_rates_default_to_those_in_the_journals_call_records(tmp_path: Path) -> None:
    df = people(5)
    with iv.Sandbox(reject_share=0, answer_share=1.0) as sb:
        first = iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        calls = iv.call_outcomes(first, client=sb.client(), progress=False)
        rate = float(calls["rate"].dropna().astype(float).max())
        p = iv.plan(people(3, 100), MSG, client=sb.client(), journal=tmp_path / "j")
    assert p.max_cost == pytest.approx(3 * rate)


def test_check_balance_compares_the_bound(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0, balance=0.05) as sb:
        with pytest.raises(iv.InsufficientBalanceError, match="cost bound"):
            iv.send(people(10), MSG, client=sb.client(), journal=tmp_path / "j",
                    progress=False, rates={"91": 0.02}, check_balance=True)
        assert [r.endpoint for r in sb.requests] == ["getBalance"]


# --------------------------------------------------------------------------- calling hours

INDIA = "+91 98000 00000"
NEW_YORK = "+1 212 555 0100"


def hours_frame() -> pd.DataFrame:
    return pd.DataFrame({"phone": [INDIA, NEW_YORK], "name": ["in", "ny"]})


def test_calling_hours_defer_rows_outside_their_local_window(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 09:30 in Kolkata, 23:00 in New York
    with iv.Sandbox(reject_share=0) as sb:
        p = iv.plan(hours_frame(), MSG, client=sb.client(), journal=tmp_path / "j",
                    call_window=("09:00", "20:00"), at=at)
        assert (p.to_call, p.counts["deferred"]) == (1, 1)
        assert "Calling hours 09:00–20:00" in str(p)
        assert p.schedule is not None and int(p.schedule["rows"].sum()) == 1
        res = p.send(progress=False)
        assert set(sb.charges) == {"919800000000"}
        assert res["outcome"].tolist() == ["submitted", "deferred"]
        assert res["outcome_reason"].iloc[1] == (
            "23:00 local (America/New_York); window 09:00–20:00; opens 2026-11-27 09:00 local"
        )
        # the same call, later: New York's window is open; India is not called again
        later = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 10:00 in New York
        again = iv.send(hours_frame(), MSG, client=sb.client(), journal=tmp_path / "j",
                        progress=False, call_window=("09:00", "20:00"), at=later)
        assert sb.max_charges() == 1 and set(sb.charges) == {"919800000000", "12125550100"}
        assert again["outcome"].tolist() == ["submitted", "submitted"]
        # and once more: nothing left to send
        n = len(sb.requests)
        iv.send(hours_frame(), MSG, client=sb.client(), journal=tmp_path / "j", progress=False,
                call_window=("09:00", "20:00"), at=later)
        assert len(sb.requests) == n


def test_calling_days_and_a_window_that_closes_after_a_deferred_row_was_claimed(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime

    saturday = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    client = iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice")
    p = iv.plan(hours_frame(), MSG, client=client, journal=None,
                call_window=("09:00", "20:00"), call_days="Mon-Fri", at=saturday)
    assert p.counts["deferred"] == 2
    assert p.preview()["outcome_reason"].iloc[1].startswith(
        "Sat 10:00 local (America/New_York); calls Mon-Fri 09:00–20:00")
    with pytest.raises(ValueError, match="naive"):
        iv.plan(hours_frame(), MSG, client=client, journal=None, call_window=("09:00", "20:00"),
                at=datetime(2026, 11, 28, 15, 0))


def test_an_unknown_time_zone_waits_for_default_timezone(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    client = iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice")
    odd = pd.DataFrame({"phone": ["+800 1234 5678"]})  # international freephone: no zone
    at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    p = iv.plan(odd, MSG, client=client, journal=None, call_window=("09:00", "20:00"), at=at)
    assert p.counts["deferred"] == 1
    assert "pass default_timezone" in p.preview()["outcome_reason"].iloc[0]
    q = iv.plan(odd, MSG, client=client, journal=None, call_window=("09:00", "20:00"), at=at,
                default_timezone="Europe/London")
    assert q.to_call == 1


def test_segments_by_a_column_whose_name_the_results_also_use(tmp_path: Path) -> None:
    df = people(2).assign(status=["en", "hi"])  # "status" is also a results column
    client = iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice")
    with pytest.warns(UserWarning, match="status_input"):
        p = iv.plan(df, {"en": MSG, "hi": HINDI}, by="status", client=client, journal=None)
    assert p.to_call == 2 and p.audio == "en: en.mp3, hi: hi.mp3"
