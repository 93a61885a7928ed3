"""The send form without a browser: set widget values, click, and read what the form shows.

Every send goes to a real local :class:`itnivoice_nb.Sandbox` on 127.0.0.1; the journal lands in
``tmp_path`` (the default journal is in the working directory, which each test moves there).
"""

from __future__ import annotations

import html
import io
import re
import time
import wave
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

import itnivoice_nb as iv
from itnivoice_nb.widgets import SendForm, guess_phone_column, send_form

SECRET = "s3cr3t-do-not-show-7f1c"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No credentials from the machine; the default journal goes to tmp_path."""
    for name in ("ITNIOTECH_API_KEY", "ITNIOTECH_API_SECRET", "ITNIOTECH_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def make_form() -> Iterator[Callable[..., SendForm]]:
    """send_form(...) whose forms are closed (sandbox stopped, send cancelled) after the test."""
    forms: list[SendForm] = []

    def make(*args: Any, **kwargs: Any) -> SendForm:
        form = send_form(*args, **kwargs)
        forms.append(form)
        return form

    yield make
    for form in forms:
        form.close()


def messy(n_valid: int = 6) -> pd.DataFrame:
    """n_valid distinct valid numbers, then 1 duplicate and 3 invalid cells, with a segment."""
    phones = [f"+91 85632 {14120 + i:05d}" for i in range(n_valid)]
    phones += [phones[0].replace(" ", "-"), "12345", "call me later", None]
    return pd.DataFrame(
        {
            "name": [f"person {i}" for i in range(len(phones))],
            "segment": ["a", "b"] * (len(phones) // 2) + ["a"] * (len(phones) % 2),
            "phone": phones,
        },
        index=pd.RangeIndex(100, 100 + len(phones)),
    )


def uploaded(name: str, content: bytes) -> tuple[dict[str, Any], ...]:
    """A FileUpload value as ipywidgets 8 holds it: a tuple of one file's dict."""
    return (
        {"name": name, "type": "", "size": len(content), "content": memoryview(content),
         "last_modified": datetime.now(UTC)},
    )


def fill_message(form: SendForm, file_id: str = "hello.mp3") -> None:
    form.app_id.value = "4luaKsL2"
    form.file_id.value = file_id


def text_of(markup: str) -> str:
    """The text a reader sees in an HTML widget's value."""
    spaced = re.sub(r"</(div|td|th|tr|summary|p)>|<br\s*/?>", " ", markup)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", spaced))).strip()


def all_html(form: SendForm) -> str:
    """Every HTML/label value in the form, as one string."""
    values = []
    stack = [form.widget]
    while stack:
        widget = stack.pop()
        stack.extend(getattr(widget, "children", ()))
        value = getattr(widget, "value", None)
        if isinstance(value, str) and type(widget).__name__ in ("HTML", "Label", "HTMLMath"):
            values.append(value)
    return "\n".join(values)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the form")
        time.sleep(0.02)


# --------------------------------------------------------------------------- recipients


def test_guess_phone_column_by_name_then_by_content() -> None:
    numbers = ["+91 85632 14120", "+44 20 7946 0958"]
    assert guess_phone_column(pd.DataFrame({"id": ["1", "2"], "Mobile No": numbers})) == "Mobile No"
    assert guess_phone_column(pd.DataFrame({"id": ["a", "b"], "contact": numbers})) == "contact"
    # A phone-like name holding no numbers loses to a column that holds them.
    df = pd.DataFrame({"phone_type": ["home", "work"], "x": numbers})
    assert guess_phone_column(df) == "x"
    assert guess_phone_column(pd.DataFrame({"a": ["x"], "b": ["y"]})) == "a"
    assert guess_phone_column(pd.DataFrame()) is None


def test_the_dataframe_passed_in_and_the_guessed_column_are_used(make_form: Any) -> None:
    df = messy().rename(columns={"phone": "msisdn"})
    form = make_form(df)
    assert form.df is df
    assert form.column.value == "msisdn"
    assert [value for _, value in form.column.options] == ["name", "segment", "msisdn"]
    assert "10 rows" in text_of(form.source_label.value)
    assert form.send_button.disabled
    assert form.sandbox_switch.value, "no credentials in the environment: sandbox on"


def test_a_csv_and_an_excel_file_uploaded_in_the_form_become_the_recipients(
    make_form: Any,
) -> None:
    form = make_form()
    assert form.df is None and form.column.options == ()
    csv = b"customer,tel\nx,+91 85632 14120\ny,0091 856 321 4121\nz,oops\n"
    form.recipients_upload.value = uploaded("list.csv", csv)
    assert form.df is not None and len(form.df) == 3
    assert form.column.value == "tel"
    assert form.df["tel"].tolist()[1] == "0091 856 321 4121", "read as text"

    buffer = io.BytesIO()
    pd.DataFrame({"who": ["a", "b"], "number": ["918563214120", "918563214121"]}).to_excel(
        buffer, index=False
    )
    data = buffer.getvalue()
    form.recipients_upload.value = uploaded("list.xlsx", data)
    assert len(form.df) == 2 and form.column.value == "number"
    fill_message(form)
    form.check_button.click()
    assert form.counts["valid"] == 2, form.check_output.value
    # prepare's warning (a column named "number" is renamed) is said in the form.
    assert "'number' → 'number_input'" in text_of(form.check_output.value)

    junk = b"\x00\x01 not a table"
    form.recipients_upload.value = uploaded("notes.pdf", junk)
    assert "unknown file type" in text_of(form.source_label.value)


# --------------------------------------------------------------------------- fields


def test_each_message_field_is_validated_as_it_is_typed(make_form: Any) -> None:
    form = make_form(messy())
    assert "required" in text_of(form.app_id_msg.value)
    form.app_id.value = " 4luaKsL2"
    assert "spaces at its ends" in text_of(form.app_id_msg.value)
    form.app_id.value = "4luaKsL2"
    assert text_of(form.app_id_msg.value) == "✓"

    form.max_duration.value = "500"
    assert "out of range" in text_of(form.max_duration_msg.value)
    assert "1 to 120" in text_of(form.max_duration_msg.value)
    form.max_duration.value = "abc"
    assert "not a whole number" in text_of(form.max_duration_msg.value)
    form.max_duration.value = ""
    assert form.max_duration_msg.value == ""
    form.max_duration.value = "60"
    assert text_of(form.max_duration_msg.value) == "✓"

    form.display_num.value = "12"
    assert "refused" in text_of(form.display_num_msg.value)
    form.display_num.value = "+1 008-122-211"
    assert text_of(form.display_num_msg.value) == "✓"

    form.called_info.value = "x" * 1001
    assert "1,001 / 1,000" in text_of(form.called_info_count.value)
    assert "too long" in text_of(form.called_info_msg.value)
    form.called_info.value = "spring"
    assert "6 / 1,000" in text_of(form.called_info_count.value)
    assert form.called_info_msg.value.count("✓") == 1

    form.region.value = "UK"
    assert "'GB'" in text_of(form.region_msg.value)
    form.region.value = "IN"
    assert text_of(form.region_msg.value) == "✓"


def test_check_refuses_a_bad_message_and_names_the_fields(make_form: Any) -> None:
    form = make_form(messy())
    form.app_id.value = "4luaKsL2"
    form.max_duration.value = "0"
    form.check_button.click()
    said = text_of(form.check_output.value)
    assert "Not ready" in said and "file_id" in said and "max_duration" in said
    assert form.send_button.disabled
    # The counts are shown all the same; the request count needs a valid message.
    assert form.counts["valid"] == 6 and "requests" not in form.counts


# --------------------------------------------------------------------------- check


def test_check_counts_the_rows_and_lists_the_refused_ones_masked(make_form: Any) -> None:
    df = messy(n_valid=450)
    form = make_form(df)
    fill_message(form)
    form.check_button.click()
    assert form.counts == {
        "rows": 454, "valid": 450, "invalid": 3, "duplicate": 1, "requests": 3,
    }, form.check_output.value
    shown = text_of(form.check_output.value)
    assert "454 rows: 450 valid · 3 invalid · 1 duplicate · 3 requests" in shown
    assert "Check passed" in shown
    assert not form.send_button.disabled

    table = form.refused_table.value
    assert "4 refused rows" in text_of(table)
    for reason in ("too short: 5 digits", "contains letters", "missing", "same number as row 100"):
        assert reason in table
    assert "•" * 11 + "4120" in table  # the duplicate "+91-85632-14120": all but the last 4
    assert "8563214120" not in table and "85632" not in table
    assert not re.search(r"\d{5,}", text_of(table)), "no long run of digits in the table"


def test_send_stays_disabled_until_the_check_passes_and_after_any_change(
    make_form: Any,
) -> None:
    form = make_form(messy())
    form.send_button.click()
    assert form.confirm_box.layout.display == "none", "no confirmation without a check"
    form.check_button.click()
    assert form.send_button.disabled and "Not ready" in text_of(form.check_output.value)

    fill_message(form)
    form.check_button.click()
    assert not form.send_button.disabled and form.checked

    form.loop_count.value = 2
    assert form.send_button.disabled and not form.checked
    assert "Changed since the last check" in text_of(form.check_output.value)
    form.check_button.click()
    assert not form.send_button.disabled

    form.column.value = "name"
    assert form.send_button.disabled
    form.check_button.click()
    assert form.send_button.disabled, "no valid number in the name column"
    assert "no valid number to call" in text_of(form.check_output.value)


def test_a_frame_prepare_cannot_read_gives_a_readable_error_not_a_traceback(
    make_form: Any, capsys: pytest.CaptureFixture[str],
) -> None:
    df = pd.DataFrame([["a", "+91 85632 14120"]], columns=["phone", "phone"])
    form = make_form(df)
    fill_message(form)
    form.check_button.click()
    assert "appears 2 times" in text_of(form.error.value)
    assert isinstance(form.last_error, ValueError)
    assert form.send_button.disabled
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err


# --------------------------------------------------------------------------- confirm and send


def test_confirmation_states_how_many_numbers_and_the_sandbox(make_form: Any) -> None:
    form = make_form(messy())
    fill_message(form, file_id="greeting-2024.mp3")
    form.check_button.click()
    form.send_button.click()
    assert form.confirm_box.layout.display != "none"
    assert form.confirm_text == (
        "Call 6 numbers with fileId greeting-2024.mp3 on the local SANDBOX (no real calls, "
        "nothing charged)? (10 rows: 6 valid, 3 invalid, 1 duplicate; 1 request)"
    )
    assert form.send_button.disabled
    form.back_button.click()
    assert form.confirm_box.layout.display == "none" and form.confirm_text == ""
    assert form.results is None and form.sandbox is None, "Back sends nothing"
    assert not form.send_button.disabled


def test_confirmation_names_the_real_account_and_never_shows_the_secret(
    make_form: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ITNIOTECH_API_KEY", "key1abcdefgh")
    monkeypatch.setenv("ITNIOTECH_API_SECRET", SECRET)
    form = make_form(messy(n_valid=1234))
    assert not form.sandbox_switch.value, "credentials in the environment: real API"
    assert form.api_key.value == "key1abcdefgh"
    assert form.api_secret.value == "", "the secret from the environment is not copied"
    fill_message(form)
    form.check_button.click()
    form.send_button.click()
    assert form.confirm_text == (
        "Call 1,234 numbers with fileId hello.mp3 on the REAL Itniotech account key1…? "
        "(1,238 rows: 1,234 valid, 3 invalid, 1 duplicate; 7 requests)"
    )
    form.back_button.click()
    form.api_secret.value = SECRET + "-typed"
    form.check_button.click()
    form.send_button.click()
    assert "REAL Itniotech account key1…" in form.confirm_text
    for shown in (all_html(form), repr(form), str(form._repr_mimebundle_())):
        assert SECRET not in shown
    form.back_button.click()
    form.sandbox_switch.value = True
    form.check_button.click()
    form.send_button.click()
    assert "local SANDBOX" in form.confirm_text and "REAL" not in form.confirm_text
    assert form.api_secret.disabled and form.api_key.disabled


def test_missing_credentials_are_said_next_to_the_account(make_form: Any) -> None:
    form = make_form(messy())
    form.sandbox_switch.value = False
    fill_message(form)
    form.check_button.click()
    assert "no credentials" in text_of(form.account_msg.value)
    assert "API key and secret" in text_of(form.check_output.value)
    assert form.send_button.disabled


def test_send_to_the_sandbox_gives_one_result_row_per_input_row(
    make_form: Any, tmp_path: Any,
) -> None:
    df = messy(n_valid=450)
    before = df.copy()
    form = make_form(df, sandbox_options={"reject_share": 0.1, "seed": 1})
    fill_message(form)
    form.check_button.click()
    form.send_button.click()
    form.confirm_button.click()
    assert form.wait(60), "the send did not finish"
    results = form.results
    assert results is not None and form.last_error is None, form.error.value
    assert len(results) == len(df) and results.index.equals(df.index)
    assert results[["name", "segment", "phone"]].equals(before), "the user's columns are kept"
    pd.testing.assert_frame_equal(df, before)
    counts = results["outcome"].value_counts()
    assert counts["submitted"] + counts["rejected"] == 450 and counts["rejected"] > 10
    assert counts["invalid"] == 3 and counts["duplicate"] == 1
    assert form.sandbox is not None and len(form.sandbox.requests) == 3
    assert (tmp_path / ".itnivoice" / "journal.sqlite").is_file()

    status = text_of(form.status.value)
    assert status.startswith("Sent.") and "454 rows" in status
    assert f"{counts['submitted']:,} submitted" in status
    summary = form.summary_html.value
    assert "<table" in summary and "submitted" in summary and "454" in summary
    assert form.chart.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert form.chart.layout.display != "none"
    assert form.progress.value == 450 and form.progress.bar_style == "success"
    assert form.send_button.disabled, "a new send needs a new check"
    assert form.cancel_button.disabled and not form.check_button.disabled

    sandbox = form.sandbox
    form.close()
    assert not sandbox.running, "closing the form stops its sandbox"


def test_cancel_stops_the_send_and_keeps_every_row(make_form: Any) -> None:
    n = 3000
    df = pd.DataFrame({"phone": [f"91856{i:07d}" for i in range(n)]})
    form = make_form(df, sandbox_options={"latency": 0.3, "reject_share": 0.0},
                     batch_size=10, concurrency=1)
    fill_message(form)
    form.check_button.click()
    assert form.counts["requests"] == 300
    form.send_button.click()
    form.confirm_button.click()
    assert not form.cancel_button.disabled and form.check_button.disabled
    wait_for(lambda: form.progress.value >= 10)
    form.cancel_button.click()
    assert form.wait(30), "the send did not stop after Cancel"
    results = form.results
    assert results is not None, form.error.value
    assert len(results) == n and results.index.equals(df.index), "no row lost"
    counts = results["outcome"].value_counts()
    assert counts["not_sent"] > n // 2, counts
    assert counts["submitted"] >= 10
    assert counts["submitted"] + counts["not_sent"] == n
    assert "Cancelled" in text_of(form.status.value)
    assert form.last_error is None and form.error.value == ""
    assert form.cancel_button.disabled and not form.check_button.disabled
    assert form.progress.bar_style == "warning"

    # Check and Send again: the same campaign resumes with the rows not sent.
    form.check_button.click()
    form.sandbox.latency = 0.0
    form.send_button.click()
    form.confirm_button.click()
    assert form.wait(60)
    assert (form.results["outcome"] == "submitted").sum() == n
    assert "Resuming" in text_of(form.status.value)


def test_a_wrong_secret_shows_the_authentication_error_in_the_form(
    make_form: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    with iv.Sandbox() as sb:
        monkeypatch.setenv("ITNIOTECH_BASE_URL", sb.base_url)
        form = make_form(messy(n_valid=450))
        form.sandbox_switch.value = False
        form.api_key.value = sb.api_key
        form.api_secret.value = "not-the-secret"
        fill_message(form)
        form.check_button.click()
        form.send_button.click()
        assert f"REAL Itniotech account {sb.api_key[:4]}… at {sb.base_url}" in form.confirm_text
        form.confirm_button.click()
        assert form.wait(30)
    shown = text_of(form.error.value)
    assert "-1" in shown and "authentication error" in shown
    assert "Check ITNIOTECH_API_KEY and ITNIOTECH_API_SECRET" in shown
    assert "Traceback" not in form.error.value + form.status.value
    assert isinstance(form.last_error, iv.SendStopped)
    assert "stopped early" in text_of(form.status.value)
    results = form.results
    assert results is not None and len(results) == 454
    assert not (results["outcome"] == "submitted").any()
    assert "not-the-secret" not in all_html(form)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err


def test_a_client_passed_in_is_used_and_left_open(make_form: Any, tmp_path: Any) -> None:
    with iv.Sandbox(reject_share=0.0) as sb:
        client = sb.client()
        journal = tmp_path / "elsewhere" / "journal.sqlite"
        form = make_form(messy(), client=client, journal=journal)
        assert not form.sandbox_switch.value, "a client passed in: not the form's sandbox"
        assert form.api_key.value == sb.api_key and form.api_secret.value == ""
        assert form.api_secret.placeholder == "(from the client passed in)"
        fill_message(form)
        form.check_button.click()
        form.send_button.click()
        assert f"at {sb.base_url}" in form.confirm_text
        form.confirm_button.click()
        assert form.wait(30)
        assert form.results is not None, form.error.value
        assert (form.results["outcome"] == "submitted").sum() == 6
        assert len(sb.requests) == 1 and form.sandbox is None
        assert journal.is_file()
        assert client.balance()["balance"] is not None, "the client passed in still works"


def test_an_audio_file_uploaded_in_the_form_fills_the_file_id(make_form: Any) -> None:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    data = buffer.getvalue()
    form = make_form(messy())
    assert form.upload_audio_button.disabled
    form.audio_upload.value = uploaded("hello.wav", data)
    assert not form.upload_audio_button.disabled
    form.upload_audio_button.click()
    assert form.file_id.value.endswith(".wav"), form.audio_msg.value
    assert "uploaded hello.wav" in text_of(form.audio_msg.value)
    assert form.sandbox is not None and [u.file_name for u in form.sandbox.uploads] == ["hello.wav"]
    assert text_of(form.file_id_msg.value) == "✓"

    form.upload_audio_button.click()  # the same name again: the API refuses it (-20)
    assert "already in the account" in text_of(form.audio_msg.value)
    assert isinstance(form.last_error, iv.ApiError)


def test_the_form_displays_as_a_widget_without_the_secret(make_form: Any) -> None:
    form = make_form(messy())
    form.api_secret.value = SECRET
    bundle = form._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == form.widget.model_id
    assert SECRET not in str(bundle) and SECRET not in repr(form)
    assert bundle["text/plain"] == repr(form) == "<SendForm: 10 rows, column='phone', sandbox>"
