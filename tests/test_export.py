"""Results that travel: ``to_excel`` workbooks, ``read_results`` round trips, and
``call_outcomes`` refusing voiceIds that a plain ``pd.read_csv`` turned into numbers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

import itnivoice_nb as iv
from itnivoice_nb._export import (
    MAX_WIDTH,
    VOICE_ID_AS_NUMBERS,
    check_voice_ids,
    read_results,
    to_excel,
)
from itnivoice_nb._outcomes import OUTCOME_DTYPE, RECORD_COLUMNS

MSG = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3", max_duration=30)
PHONES = ["+91 85632 14120", "918563214121", "12", "918563214120", "447700900123", "0044x"]
RECORD_TIMES = ("submit_time", "call_time", "ringing_time", "answer_time", "hangup_time")


def _people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": PHONES,
            "name": ["Asha", "Ravi", "Bad", "Asha again", "Tom", "Odd"],
            "zip": ["01234", "NA", None, "560001", "SW1A", "  "],
        }
    )


def _send(sb: iv.Sandbox, df: pd.DataFrame, tmp_path: Path) -> pd.DataFrame:
    return iv.send(df, MSG, client=sb.client(), journal=tmp_path / "j.sqlite", progress=False)


def _us(frame: pd.DataFrame) -> pd.DataFrame:
    """Record times in microseconds, as read_results gives them (call_outcomes gives
    datetime64[s, UTC] for a time column with no value at all, e.g. no answered call)."""
    return frame.astype({t: "datetime64[us, UTC]" for t in RECORD_TIMES if t in frame})


def _sheet(path: Path, name: str) -> tuple[list[str], list[list[Any]], Any]:
    book = load_workbook(path)
    sheet = book[name]
    lines = [[c.value for c in row] for row in sheet.iter_rows()]
    return [str(h) for h in lines[0]], lines[1:], sheet


# --------------------------------------------------------------------------- to_excel


def test_to_excel_writes_summary_rows_and_calls(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0, answer_share=0.5, seed=3) as sb:
        results = _send(sb, _people(), tmp_path)
        calls = iv.call_outcomes(results, client=sb.client(), progress=False)
        records = sb.client().call_records(datetime.now() - timedelta(hours=1))
    before = calls.copy(deep=True)
    path = to_excel(calls, tmp_path / "campaign.xlsx", records)

    assert path == tmp_path / "campaign.xlsx"
    pd.testing.assert_frame_equal(calls, before)  # the input is never changed
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "rows", "calls"]

    header, body, sheet = _sheet(path, "rows")
    assert len(body) == len(calls)
    assert header[: len(calls.columns)] == [
        f"{c} (UTC)" if c == "sent_at" or c in RECORD_TIMES else c for c in calls.columns
    ]
    col = {name: i for i, name in enumerate(header)}
    sent = calls["sent_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.round("ms")
    for i, row in enumerate(body):
        for name in ("phone", "number", "voice_id"):
            value = calls[name].iloc[i]
            assert row[col[name]] == (None if pd.isna(value) else value)
        stamp = row[col["sent_at (UTC)"]]
        if pd.isna(sent.iloc[i]):
            assert stamp is None
        else:
            assert isinstance(stamp, datetime) and stamp.tzinfo is None
            assert abs(pd.Timestamp(stamp) - sent.iloc[i]) <= pd.Timedelta("1ms")
        assert row[col["outcome"]] == calls["outcome"].iloc[i]
    for name in ("phone", "number", "voice_id"):
        cell = sheet.cell(row=2, column=col[name] + 1)
        assert cell.data_type == "s" and cell.number_format == "@"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
    assert all(6 <= w <= MAX_WIDTH for w in widths)

    s_header, s_body, s_sheet = _sheet(path, "summary")
    table = iv.summary(calls)
    currency = table.attrs.get("currency")
    money = f"total_cost ({currency})" if currency else "total_cost"
    assert s_header == ["group", *(money if c == "total_cost" else c for c in table.columns)]
    assert s_body[0][0] == "total" and s_body[0][1] == len(calls)
    assert s_body[0][s_header.index("answered")] == int(table["answered"].iloc[0])
    assert s_sheet.cell(row=2, column=s_header.index("submitted_share") + 1).number_format == (
        "0.0%"
    )

    c_header, c_body, _ = _sheet(path, "calls")
    assert len(c_body) == len(records) > 0
    assert "submit_time (UTC)" in c_header and "callee" in c_header
    ids = {row[c_header.index("voice_id")] for row in c_body}
    assert ids == set(records["voice_id"])


def test_to_excel_without_calls_and_grouped(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        results = _send(sb, _people(), tmp_path)
    path = to_excel(results, tmp_path / "out.XLSX", by="name")
    assert load_workbook(path).sheetnames == ["summary", "rows"]
    header, body, sheet = _sheet(path, "summary")
    assert header[0] == "name"
    assert [row[0] for row in body][-1] == "total"
    assert sheet.freeze_panes == "B2"


def test_to_excel_phone_numbers_stored_as_numbers_become_text(tmp_path: Path) -> None:
    df = pd.DataFrame({"msisdn": [918563214120, 447700900123], "id": [12345678901234567, 7]})
    with iv.Sandbox(reject_share=0) as sb:
        results = iv.send(
            df,
            MSG,
            column="msisdn",
            client=sb.client(),
            journal=tmp_path / "j.sqlite",
            progress=False,
        )
    header, body, sheet = _sheet(to_excel(results, tmp_path / "r.xlsx"), "rows")
    assert [row[0] for row in body] == ["918563214120", "447700900123"]
    assert sheet["A2"].data_type == "s"
    # Excel keeps 15 digits: a column with a longer integer is written as text, all of it
    assert [row[header.index("id")] for row in body] == ["12345678901234567", "7"]


def test_to_excel_mask_keeps_last_four_digits(tmp_path: Path) -> None:
    notes: list[str | None] = ["call 918563214120 back", None, "x", "", "ok", "y"]
    df = _people().assign(note=pd.Series(notes, dtype="str"))
    with iv.Sandbox(reject_share=0) as sb:
        results = _send(sb, df, tmp_path)
    before = results.copy(deep=True)
    header, body, _ = _sheet(to_excel(results, tmp_path / "m.xlsx", mask=True), "rows")
    pd.testing.assert_frame_equal(results, before)
    first = dict(zip(header, body[0], strict=True))
    assert first["phone"] == "•" * 11 + "4120"  # "+91 85632 14120": 15 characters
    assert first["number"] == "••••••••4120"
    assert first["note"] == "call ••••••••4120 back"
    assert first["voice_id"] == results["voice_id"].iloc[0]  # ids are not masked
    assert first["name"] == "Asha"
    digits = re.compile(r"\d{5,}")
    for row in body:
        for name in ("phone", "number"):
            value = row[header.index(name)]
            assert value is None or not digits.search(str(value))


def test_to_excel_text_is_never_a_formula(tmp_path: Path) -> None:
    df = pd.DataFrame({"phone": ["918563214120"] * 3})
    df["note"] = ['=HYPERLINK("http://x","y")', "#N/A", "a\x01b"]
    df["when"] = pd.to_datetime(["2026-01-01 12:00"] * 3).tz_localize("Asia/Kolkata")
    df["naive"] = pd.to_datetime(["2026-01-01 12:00"] * 3)
    df["cancelled"] = [True, False, True]  # not a phone column, though it contains "cel"
    when = pd.Timestamp("2026-01-01 12:00", tz="Asia/Kolkata")
    df["mixed"] = pd.Series([when, "later", None], dtype=object)
    with iv.Sandbox(reject_share=0) as sb:
        results = _send(sb, df, tmp_path)
    header, body, sheet = _sheet(to_excel(results, tmp_path / "f.xlsx"), "rows")
    note = header.index("note") + 1
    assert [sheet.cell(row=r, column=note).data_type for r in (2, 3, 4)] == ["s", "s", "s"]
    assert [row[note - 1] for row in body] == ['=HYPERLINK("http://x","y")', "#N/A", "a\ufffdb"]
    assert "when (UTC)" in header and "naive" in header
    assert body[0][header.index("when (UTC)")] == datetime(2026, 1, 1, 6, 30)
    assert body[0][header.index("naive")] == datetime(2026, 1, 1, 12, 0)
    assert [row[header.index("cancelled")] for row in body] == [True, False, True]
    # times among other values: text, in UTC, saying so
    assert [row[header.index("mixed")] for row in body] == [
        "2026-01-01 06:30:00.000+00:00",
        "later",
        None,
    ]


def test_to_excel_refuses_what_it_cannot_write(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        results = _send(sb, _people(), tmp_path)
    with pytest.raises(ValueError, match=r"\.xlsx"):
        to_excel(results, tmp_path / "r.csv")
    with pytest.raises(TypeError, match="calls"):
        to_excel(results, tmp_path / "r.xlsx", calls=[1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outcome"):
        to_excel(results.drop(columns="outcome"), tmp_path / "r.xlsx")
    floats = results.assign(voice_id=pd.to_numeric(results["voice_id"]))
    with pytest.raises(ValueError, match=re.escape(VOICE_ID_AS_NUMBERS)):
        to_excel(floats, tmp_path / "r.xlsx")
    assert not list(tmp_path.glob("*.xlsx")) and not list(tmp_path.glob(".*partial"))


# --------------------------------------------------------------------------- read_results


def test_csv_round_trip_send_today_fetch_tomorrow(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0.2, answer_share=0.6, seed=5) as sb:
        results = _send(sb, _people(), tmp_path)
        results.to_csv(tmp_path / "today.csv", index=False)

        back = read_results(tmp_path / "today.csv")  # tomorrow, in a new kernel
        pd.testing.assert_frame_equal(back, results)
        assert back["outcome"].dtype == OUTCOME_DTYPE
        assert str(back["sent_at"].dtype) == "datetime64[ns, UTC]"
        assert back["zip"].tolist()[:2] == ["01234", "NA"]  # the user's text stays text

        fetched = iv.call_outcomes(back, client=sb.client(), progress=False)
        direct = iv.call_outcomes(results, client=sb.client(), progress=False)
    assert fetched["record_status"].notna().sum() == (results["outcome"] == "submitted").sum()
    pd.testing.assert_frame_equal(fetched[list(RECORD_COLUMNS)], direct[list(RECORD_COLUMNS)])


def test_csv_round_trip_with_call_records(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0, answer_share=0.5, seed=2) as sb:
        calls = iv.call_outcomes(_send(sb, _people(), tmp_path), client=sb.client(), progress=False)
    calls.to_csv(tmp_path / "calls.csv", index=False)
    back = read_results(tmp_path / "calls.csv")
    pd.testing.assert_frame_equal(back, _us(calls))
    assert str(back["answered"].dtype) == "boolean"
    assert str(back["submit_time"].dtype) == "datetime64[us, UTC]"


def test_xlsx_round_trip(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0.2, answer_share=0.6, seed=5) as sb:
        results = _send(sb, _people(), tmp_path)
        calls = iv.call_outcomes(results, client=sb.client(), progress=False)
        path = to_excel(calls, tmp_path / "campaign.xlsx")

        back = read_results(path)
        expected = _us(calls.assign(sent_at=calls["sent_at"].dt.round("ms")))
        pd.testing.assert_frame_equal(back, expected)

        again = iv.call_outcomes(back[list(results.columns)], client=sb.client(), progress=False)
    pd.testing.assert_frame_equal(again[list(RECORD_COLUMNS)], calls[list(RECORD_COLUMNS)])


def test_read_results_xlsx_user_columns_keep_their_types(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "phone": ["918563214120", "918563214121"],
            "age": [31, 42],
            "score": [0.5, None],
            "vip": [True, False],
        }
    )
    with iv.Sandbox(reject_share=0) as sb:
        results = _send(sb, df, tmp_path)
    back = read_results(to_excel(results, tmp_path / "u.xlsx"))
    assert str(back["phone"].dtype) == "str"
    assert back["age"].tolist() == [31, 42] and str(back["age"].dtype) == "int64"
    assert back["score"].tolist()[0] == 0.5 and np.isnan(back["score"].tolist()[1])
    assert back["vip"].tolist() == [True, False]


def test_read_results_reads_excel_saved_csv_with_bom_and_tsv(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        results = _send(sb, _people(), tmp_path)
    results.to_csv(tmp_path / "bom.csv", index=False, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(read_results(tmp_path / "bom.csv"), results)
    results.to_csv(tmp_path / "r.tsv", index=False, sep="\t")
    pd.testing.assert_frame_equal(read_results(tmp_path / "r.tsv"), results)


def test_read_results_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_results(tmp_path / "missing.csv")
    (tmp_path / "r.json").write_text("{}")
    with pytest.raises(ValueError, match="unknown file type"):
        read_results(tmp_path / "r.json")
    pd.DataFrame({"phone": ["1"], "name": ["a"]}).to_csv(tmp_path / "people.csv", index=False)
    with pytest.raises(ValueError, match="no column of a results file"):
        read_results(tmp_path / "people.csv")
    pd.DataFrame({"number": ["1"], "outcome": ["sent"]}).to_csv(tmp_path / "o.csv", index=False)
    with pytest.raises(ValueError, match=r"unexpected values \['sent'\]"):
        read_results(tmp_path / "o.csv")
    pd.DataFrame({"number": ["1"], "valid": ["maybe"]}).to_csv(tmp_path / "v.csv", index=False)
    with pytest.raises(ValueError, match="'valid'.*'maybe'"):
        read_results(tmp_path / "v.csv")
    Workbook().save(tmp_path / "other.xlsx")  # one sheet, "Sheet"
    with pytest.raises(ValueError, match="no sheet 'rows'"):
        read_results(tmp_path / "other.xlsx")


# --------------------------------------------------------------------------- call_outcomes


def test_call_outcomes_refuses_voice_ids_read_as_floats(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        results = _send(sb, _people(), tmp_path)  # invalid rows: voice_id has gaps → float64
        results.to_csv(tmp_path / "r.csv", index=False)
        plain = pd.read_csv(tmp_path / "r.csv")
        assert plain["voice_id"].dtype == np.float64
        before = len(sb.requests)
        with pytest.raises(ValueError, match=re.escape(VOICE_ID_AS_NUMBERS)):
            iv.call_outcomes(plain, client=sb.client(), progress=False)
        assert len(sb.requests) == before  # refused before asking the API anything


def test_call_outcomes_refuses_voice_ids_read_as_ints(tmp_path: Path) -> None:
    df = pd.DataFrame({"phone": ["918563214120", "918563214121"]})
    with iv.Sandbox(reject_share=0) as sb:
        results = _send(sb, df, tmp_path)
        results.to_csv(tmp_path / "r.csv", index=False)
        plain = pd.read_csv(tmp_path / "r.csv")
        assert plain["voice_id"].dtype == np.int64
        with pytest.raises(ValueError, match=re.escape(VOICE_ID_AS_NUMBERS)):
            iv.call_outcomes(plain, client=sb.client(), progress=False)
        objects = results.assign(voice_id=[int(v) for v in results["voice_id"]])
        with pytest.raises(ValueError, match="read the file with iv.read_results"):
            iv.call_outcomes(
                objects.astype({"voice_id": object}), client=sb.client(), progress=False
            )


def test_call_outcomes_takes_voice_ids_read_as_text(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0, answer_share=1.0) as sb:
        results = _send(sb, _people(), tmp_path)
        results.to_csv(tmp_path / "r.csv", index=False)
        text = pd.read_csv(tmp_path / "r.csv", dtype=str)
        calls = iv.call_outcomes(text, client=sb.client(), progress=False)
    assert calls["answered"].tolist() == [True, True, pd.NA, pd.NA, True, pd.NA]


def test_voice_ids_read_as_numbers_are_refused_even_when_all_missing() -> None:
    # a dry run read back with a plain read_csv: float64 of NaN; the fix is the same reading
    frame = pd.DataFrame({"voice_id": [np.nan, np.nan], "outcome": ["not_sent", "invalid"]})
    with pytest.raises(ValueError, match=re.escape(VOICE_ID_AS_NUMBERS)):
        iv.call_outcomes(frame, progress=False)
    check_voice_ids(frame.astype({"voice_id": "str"}))
    check_voice_ids(pd.DataFrame({"voice_id": ["1", None, True]}))  # bools are no numbers
    with pytest.raises(ValueError, match="loses digits"):
        check_voice_ids(pd.DataFrame({"voice_id": ["1", 2.0]}))


def test_read_results_reads_a_csv_excel_saved_with_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "saved.csv"
    path.write_bytes("\ufeffphone;number;valid;duplicate;outcome;voice_id\n"
                     "+91 85632 14120;918563214120;True;False;submitted;22030311340110001\n"
                     .encode())
    back = iv.read_results(path)
    assert back["voice_id"].tolist() == ["22030311340110001"]
    assert back["outcome"].astype(str).tolist() == ["submitted"]
