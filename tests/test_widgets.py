"""The send form without a browser: set widget values, click, and read what the form shows.

Every send goes to a real local :class:`itnivoice_nb.Sandbox` on 127.0.0.1 (or to a closed port
on 127.0.0.1); each test's journal is its own file in ``tmp_path`` (``journal=`` of the form).
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import re
import socket
import sys
import time
import wave
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ipywidgets
import pandas as pd
import pytest
from ipywidgets.embed import embed_minimal_html

import itnivoice_nb as iv
from itnivoice_nb.form import SendForm, check_send, guess_phone_column, send_form
from itnivoice_nb.form._common import BAD, FALLBACK, OK, THEME, descendants, for_people
from itnivoice_nb.form.results import outcome_statement

SECRET = "s3cr3t-do-not-show-7f1c"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials from the machine; the working directory is tmp_path."""
    for name in ("ITNIOTECH_API_KEY", "ITNIOTECH_API_SECRET", "ITNIOTECH_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ITNIOTECH_JOURNAL", str(tmp_path / "default-journal.sqlite"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "j.sqlite"


@pytest.fixture
def make_form(journal: Path) -> Iterator[Callable[..., SendForm]]:
    """send_form(..., journal=tmp_path / "j.sqlite") whose forms are closed after the test."""
    forms: list[SendForm] = []

    def make(*args: Any, **kwargs: Any) -> SendForm:
        kwargs.setdefault("journal", journal)
        form = send_form(*args, **kwargs)
        forms.append(form)
        return form

    yield make
    for form in forms:
        form.close()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """No backoff between the attempts of a failing request (keeps failure tests quick)."""
    monkeypatch.setattr(iv.RetryPolicy, "delay", lambda self, attempt: 0.0)


def messy(n_valid: int = 6) -> pd.DataFrame:
    """n_valid distinct valid numbers, then 1 duplicate and 3 invalid cells, with a segment."""
    first: list[str] = [f"+91 85632 {14120 + i:05d}" for i in range(n_valid)]
    phones: list[str | None] = [*first, first[0].replace(" ", "-"), "12345", "call me later", None]
    return pd.DataFrame(
        {
            "name": [f"person {i}" for i in range(len(phones))],
            "segment": ["a", "b"] * (len(phones) // 2) + ["a"] * (len(phones) % 2),
            "phone": phones,
        },
        index=pd.RangeIndex(100, 100 + len(phones)),
    )


def digits(n_valid: int = 6) -> list[str]:
    """The numbers of messy(n_valid) as the API receives them."""
    return [f"918563{214120 + i:06d}" for i in range(n_valid)]


def uploaded(name: str, content: bytes, *more: tuple[str, bytes]) -> tuple[dict[str, Any], ...]:
    """A FileUpload value as ipywidgets 8 holds it: a tuple of each file's dict."""
    return tuple(
        {"name": name, "type": "", "size": len(content), "content": memoryview(content),
         "last_modified": datetime.now(UTC)}
        for name, content in ((name, content), *more)
    )


def excel(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def fill_message(form: SendForm, file_id: str = "hello.mp3") -> None:
    form.app_id.value = "4luaKsL2"
    form.file_id.value = file_id


def text_of(markup: str) -> str:
    """The text a reader sees in an HTML widget's value."""
    spaced = re.sub(r"</(div|td|th|tr|summary|p)>|<br\s*/?>", " ", markup)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", spaced))).strip()


def all_html(form: SendForm) -> str:
    """Every HTML/label value and placeholder in the form, as one string."""
    values = []
    stack = [form.widget]
    while stack:
        widget = stack.pop()
        stack.extend(getattr(widget, "children", ()))
        value = getattr(widget, "value", None)
        if isinstance(value, str) and type(widget).__name__ in ("HTML", "Label", "HTMLMath"):
            values.append(value)
        values.append(str(getattr(widget, "placeholder", "")))
        values.append(str(getattr(widget, "description", "")))
    return "\n".join(values)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the form")
        time.sleep(0.02)


def send_now(form: SendForm, timeout: float = 60) -> pd.DataFrame:
    """Send… → Yes, send → wait; the results."""
    form.send_button.click()
    assert form.confirm_box.layout.display != "none", form.check_output.value
    form.confirm_button.click()
    assert form.wait(timeout), "the send did not finish"
    assert form.results is not None, form.error.value
    return form.results


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    assert form.send_button.disabled and form.plan is None
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
    form.recipients_upload.value = uploaded("list.xlsx", buffer.getvalue())
    assert len(form.df) == 2 and form.column.value == "number"
    fill_message(form)
    form.check_button.click()
    assert form.counts["to_call"] == 2, form.check_output.value
    # The plan's warning (a column named "number" is renamed) is said in the form.
    assert "'number' → 'number_input'" in text_of(form.check_output.value)

    form.recipients_upload.value = uploaded("notes.pdf", b"\x00\x01 not a table")
    assert "unknown file type" in text_of(form.source_label.value)
    assert form.plan is None and form.send_button.disabled


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
    # Named as the form labels them, not as the package's arguments.
    assert "Not ready" in said and "'Audio fileId'" in said and "'Max duration (s)'" in said
    assert "file_id" not in said and "max_duration" not in said
    assert form.send_button.disabled and form.plan is None
    # The counts are shown all the same; the plan (to call, requests) needs a valid message.
    assert form.counts == {"rows": 10, "valid": 6, "invalid": 3, "duplicate": 1}


# --------------------------------------------------------------------------- check


def test_check_makes_a_plan_counts_the_rows_and_lists_the_skipped_ones_masked(
    make_form: Any,
) -> None:
    form = make_form(messy(n_valid=450))
    fill_message(form)
    form.check_button.click()
    expected = {
        "rows": 454, "valid": 450, "to_call": 450, "invalid": 3, "duplicate": 1,
        "already_called": 0, "deferred": 0, "excluded": 0, "done": 0, "requests": 3,
    }
    assert {key: form.counts.get(key) for key in expected} == expected, form.check_output.value
    assert set(form.plan.counts) <= set(form.counts), "every count of the plan is kept"
    assert isinstance(form.plan, iv.SendPlan)
    assert (form.plan.to_call, form.plan.requests) == (450, 3)
    shown = text_of(form.check_output.value)
    assert ("454 rows: 450 to call · 3 invalid · 1 duplicate · 0 already called · 3 requests"
            in shown)
    assert "Check passed" in shown
    assert not form.send_button.disabled

    table = form.refused_table.value
    assert "4 rows will not be called" in text_of(table)
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
    for change in (
        lambda: setattr(form.loop_count, "value", 2),
        lambda: setattr(form.campaign, "value", "spring"),
        lambda: setattr(form.allow_repeat, "value", True),
        lambda: setattr(form.region, "value", "IN"),
    ):
        form.check_button.click()
        assert not form.send_button.disabled and form.checked and form.plan is not None
        change()
        assert form.send_button.disabled and not form.checked and form.plan is None
        assert "Changed since the last check" in text_of(form.check_output.value)
    form.check_button.click()
    assert form.plan is not None and form.plan.campaign == "spring" and form.plan.allow_repeat

    form.column.value = "name"
    assert form.send_button.disabled and form.plan is None
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


# --------------------------------------------------------------------------- the plan


def test_the_plan_is_a_snapshot_editing_the_frame_after_check_changes_nothing(
    make_form: Any,
) -> None:
    df = pd.DataFrame({"phone": ["+91 85632 14120", "call me later"]})
    form = make_form(df, sandbox_options={"reject_share": 0.0})
    fill_message(form)
    form.check_button.click()
    form.send_button.click()
    assert form.confirm_text.startswith("Call 1 number with fileId hello.mp3")
    # The caller edits the frame in place after the check: the plan does not see it.
    df.loc[1, "phone"] = "+91 85632 14121"
    df.loc[0, "phone"] = "+91 85632 14199"
    form.confirm_button.click()
    assert form.wait(30)
    sandbox = form.sandbox
    assert sandbox is not None
    assert dict(sandbox.charges) == {"918563214120": 1}, "exactly the confirmed number"
    assert [r.endpoint for r in sandbox.requests].count("sendGroup") == 1
    assert form.results is not None
    assert form.results["outcome"].astype(str).tolist() == ["submitted", "invalid"]
    assert form.status_text == "Sent: 1 of 1 numbers submitted."
    assert form.plan is None and form.send_button.disabled, "a plan is sent once"


def test_the_confirmation_states_the_plan_on_the_sandbox(make_form: Any) -> None:
    form = make_form(messy())
    fill_message(form, file_id="greeting-2024.mp3")
    form.check_button.click()
    form.send_button.click()
    assert form.confirm_box.layout.display != "none"
    assert form.confirm_text == (
        "Call 6 numbers with fileId greeting-2024.mp3 on the local SANDBOX (no real calls, "
        "nothing charged), in 1 request? 10 rows: 6 to call, 3 invalid, 1 duplicate, "
        "0 already called. Campaign: no label."
    )
    assert form.send_button.disabled
    sandbox = form.sandbox
    assert sandbox is not None, "Check started the form's sandbox (the plan's account)"
    form.back_button.click()
    assert form.confirm_box.layout.display == "none" and form.confirm_text == ""
    assert form.results is None and not sandbox.requests, "Back sends nothing"
    assert not form.send_button.disabled


def test_a_second_check_names_the_numbers_already_called_and_the_campaign(
    make_form: Any, journal: Path,
) -> None:
    with iv.Sandbox(reject_share=0.0) as sb:
        first = make_form(messy(), client=sb.client())
        fill_message(first)
        first.campaign.value = "spring"
        first.check_button.click()
        send_now(first)
        assert first.status_text == "Sent: 6 of 6 numbers submitted."

        # The same list and label again: the campaign was sent; nothing to call.
        first.check_button.click()
        assert first.send_button.disabled
        assert "this campaign was sent already" in text_of(first.check_output.value)

        # A longer list, another label: the six called are skipped, by name of their campaign.
        form = make_form(messy(n_valid=8), client=sb.client())
        fill_message(form)
        form.campaign.value = "autumn"
        form.check_button.click()
        assert form.plan is not None and form.plan.already_called_by == {"campaign 'spring'": 6}
        assert form.counts["to_call"] == 2 and form.counts["already_called"] == 6
        assert "6 already called" in text_of(form.check_output.value)
        assert "already_called" in form.refused_table.value
        form.send_button.click()
        assert form.confirm_text == (
            f"Call 2 numbers with fileId hello.mp3 on the SANDBOX account sand… at "
            f"{sb.base_url} (no real calls), in 1 request? 12 rows: 2 to call, 3 invalid, "
            "1 duplicate, 6 already called. Skipped as already called: 6 by campaign 'spring' "
            "(tick 'Allow calling again' to call them again). Campaign: 'autumn'."
        )
        form.back_button.click()

        # Allow calling again: a new check calls all eight; the six are charged a second time.
        form.allow_repeat.value = True
        assert form.send_button.disabled, "the box is part of the plan"
        assert "charged again" in text_of(form.allow_repeat_msg.value)
        form.check_button.click()
        assert form.counts["to_call"] == 8 and form.counts["already_called"] == 0
        results = send_now(form)
        assert (results["outcome"] == "submitted").sum() == 8
        charges = sb.charges
        assert [charges[n] for n in digits(8)] == [2] * 6 + [1] * 2
    assert journal.is_file(), "the form's journal= is where the ledger is"


# --------------------------------------------------------------------------- the account


def test_confirmation_names_the_real_account_and_never_shows_the_secret(
    make_form: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ITNIOTECH_API_KEY", "key1abcdefgh")
    monkeypatch.setenv("ITNIOTECH_API_SECRET", SECRET)
    form = make_form(messy(n_valid=1234))
    assert not form.sandbox_switch.value, "credentials in the environment: real API"
    assert form.api_key.value == "key1abcdefgh"
    assert form.api_secret.value == "", "the secret from the environment is not copied"
    assert form.api_secret.placeholder == "(from $ITNIOTECH_API_SECRET)"
    fill_message(form)
    form.check_button.click()  # planning reads the journal only: nothing reaches the API
    form.send_button.click()
    assert form.confirm_text == (
        "Call 1,234 numbers with fileId hello.mp3 on the REAL Itniotech account key1…, in "
        "7 requests? 1,238 rows: 1,234 to call, 3 invalid, 1 duplicate, 0 already called. "
        "Campaign: no label."
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


def test_the_secret_leaves_every_widget_once_the_client_is_built(
    make_form: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    secret = "Zq8-distinctive-secret-3141"
    with iv.Sandbox(api_key="key1abcdefgh", api_secret=secret, reject_share=0.0) as sb:
        monkeypatch.setenv("ITNIOTECH_BASE_URL", sb.base_url)
        form = make_form(messy())
        form.sandbox_switch.value = False
        form.api_key.value = sb.api_key
        form.api_secret.value = secret
        fill_message(form)
        form.check_button.click()  # builds the client from the fields
        assert form.plan is not None, form.check_output.value + form.error.value
        assert form.api_secret.value == "", "the Password field is cleared"
        assert "secret is set" in form.api_secret.placeholder
        assert "kept in the client only" in text_of(form.account_msg.value)
        form.send_button.click()
        assert "SANDBOX account key1…" in form.confirm_text

        state = json.dumps(ipywidgets.Widget.get_manager_state(drop_defaults=False))
        assert secret not in state
        page = tmp_path / "form.html"
        embed_minimal_html(page, views=[form.widget], title="form")
        assert page.stat().st_size > 1000 and secret not in page.read_text(encoding="utf-8")
        for shown in (all_html(form), repr(form), str(form._repr_mimebundle_()),
                      form.confirm_text, form.check_output.value):
            assert secret not in shown

        # The client kept the secret: the send is signed with it and accepted.
        form.confirm_button.click()
        assert form.wait(30) and form.results is not None, form.error.value
        assert (form.results["outcome"] == "submitted").sum() == 6
        assert secret not in json.dumps(ipywidgets.Widget.get_manager_state())

        # A new key drops the client: the secret must be typed again, and the form says so.
        form.api_key.value = "key2abcdefgh"
        assert "type the API secret again" in text_of(form.account_msg.value)
        assert form.api_secret.placeholder == "API secret"
        form.check_button.click()
        assert form.plan is None and "no credentials" in text_of(form.account_msg.value)
        # So does the sandbox switch.
        form.api_key.value = sb.api_key
        form.api_secret.value = secret
        form.check_button.click()  # (nothing to call: this campaign was sent already)
        assert form.api_secret.value == "" and "secret is set" in form.api_secret.placeholder
        form.sandbox_switch.value = True
        form.sandbox_switch.value = False
        assert "type the API secret again" in text_of(form.account_msg.value)
        assert "secret is set" not in form.api_secret.placeholder
        form.check_button.click()
        assert "no credentials" in text_of(form.account_msg.value)


def test_a_wrong_secret_stops_the_send_and_says_nothing_was_charged(
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
        assert f"SANDBOX account {sb.api_key[:4]}… at {sb.base_url}" in form.confirm_text
        form.confirm_button.click()
        assert form.wait(30)
        assert not sb.charges
    shown = text_of(form.error.value)
    assert "-1" in shown and "authentication error" in shown
    assert "Check ITNIOTECH_API_KEY and ITNIOTECH_API_SECRET" in shown
    assert "Traceback" not in form.error.value + form.status.value
    assert isinstance(form.last_error, iv.SendStopped)
    status = form.status_text
    assert status.startswith("The send stopped early: "), status
    assert "nothing was charged" in status and "submitted" not in status
    assert f'color:{BAD}' in form.status.value
    results = form.results
    assert results is not None and len(results) == 454
    assert not (results["outcome"] == "submitted").any()
    assert "not-the-secret" not in all_html(form)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err


def test_a_client_passed_in_is_used_and_left_open(make_form: Any, tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0.0) as sb:
        client = sb.client()
        journal = tmp_path / "elsewhere" / "journal.sqlite"
        journal.parent.mkdir()
        form = make_form(messy(), client=client, journal=journal)
        assert not form.sandbox_switch.value, "a client passed in: not the form's sandbox"
        assert form.api_key.value == sb.api_key and form.api_secret.value == ""
        assert form.api_secret.placeholder == "(from the client passed in)"
        fill_message(form)
        form.check_button.click()
        assert form.plan is not None and form.plan.client is client
        results = send_now(form)
        assert (results["outcome"] == "submitted").sum() == 6
        assert len(sb.requests) == 1 and form.sandbox is None
        assert journal.is_file()
        assert client.balance()["balance"] is not None, "the client passed in still works"


# --------------------------------------------------------------------------- send and status


def test_send_to_the_sandbox_gives_one_result_row_per_input_row(
    make_form: Any, journal: Path,
) -> None:
    df = messy(n_valid=450)
    before = df.copy()
    form = make_form(df, sandbox_options={"reject_share": 0.1, "seed": 1})
    fill_message(form)
    form.check_button.click()
    results = send_now(form)
    assert form.last_error is None, form.error.value
    assert len(results) == len(df) and results.index.equals(df.index)
    assert results[["name", "segment", "phone"]].equals(before), "the user's columns are kept"
    pd.testing.assert_frame_equal(df, before)
    counts = results["outcome"].value_counts()
    assert counts["submitted"] + counts["rejected"] == 450 and counts["rejected"] > 10
    assert counts["invalid"] == 3 and counts["duplicate"] == 1
    assert form.sandbox is not None and len(form.sandbox.requests) == 3
    assert journal.is_file()

    assert form.status_text == (
        f"Sent: {counts['submitted']:,} of 450 numbers submitted, {counts['rejected']:,} "
        "rejected by the API."
    )
    assert "454 rows" in text_of(form.status.value)
    assert f"color:{OK}" in form.status.value
    summary = form.summary_html.value
    assert "<table" in summary and "submitted" in summary and "454" in summary
    assert form.chart.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert form.chart.layout.display != "none"
    assert form.progress.value == 450 and form.progress.bar_style == "success"
    assert "450 of 450 numbers sent" in text_of(form.progress_label.value)
    assert form.send_button.disabled, "a new send needs a new check"
    assert form.cancel_button.disabled and not form.check_button.disabled

    sandbox = form.sandbox
    form.close()
    assert not sandbox.running, "closing the form stops its sandbox"


def test_every_batch_failing_is_said_plainly_in_the_error_colour(
    make_form: Any, fast_retries: None,
) -> None:
    port = closed_port()
    client = iv.VoiceClient("key1abcdefgh", "secret", base_url=f"http://127.0.0.1:{port}/voice")
    form = make_form(messy(n_valid=11), client=client, batch_size=5)
    fill_message(form)
    form.check_button.click()
    assert form.counts["requests"] == 3
    results = send_now(form, timeout=60)
    assert (results["outcome"] == "failed").sum() == 11
    assert form.status_text == (
        f"11 of 11 numbers failed: could not connect to 127.0.0.1:{port}/voice/sendGroup; "
        "nothing was charged."
    )
    assert "Sent" not in form.status_text
    assert f"color:{BAD}" in form.status.value
    assert form.progress.bar_style == "danger"
    assert "0 of 11 numbers sent; 11 failed" in text_of(form.progress_label.value)


def test_the_outcome_statement_never_claims_what_did_not_happen() -> None:
    def frame(*outcomes: tuple[str, int], reason: str = "boom") -> pd.DataFrame:
        names = [name for name, n in outcomes for _ in range(n)]
        return pd.DataFrame({"outcome": names, "outcome_reason": [reason] * len(names)})

    said = outcome_statement(frame(("unknown", 2), ("submitted", 3)))
    assert said.text == ("Sent: 3 of 5 numbers submitted, 2 unknown: the request may have "
                         "reached the API, so these may have been charged (not resent).")
    assert "nothing was charged" not in said.text
    said = outcome_statement(frame(("failed", 2), ("unknown", 1)))
    assert "nothing was charged" not in said.text and said.colour == BAD
    assert said.text.startswith("0 of 3 numbers submitted, 2 failed (not charged: boom)")
    said = outcome_statement(frame(("submitted", 2), ("not_sent", 3)), cancelled=True)
    assert said.text == ("Cancelled: 2 of 5 numbers submitted, 3 not sent. Check and Send "
                         "again to send the rest.")
    said = outcome_statement(frame(("submitted", 5)), cancelled=True)
    assert said.text == "Completed before the Cancel took effect: 5 of 5 numbers submitted."
    said = outcome_statement(frame(("invalid", 2), ("already_called", 1)))
    assert said.text == "Nothing was sent: no number to call. 1 number skipped as already called."
    assert said.colour == BAD


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
    assert form.status_text == (
        f"Cancelled: {counts['submitted']:,} of 3,000 numbers submitted, "
        f"{counts['not_sent']:,} not sent. Check and Send again to send the rest."
    )
    assert form.last_error is None and form.error.value == ""
    assert form.cancel_button.disabled and not form.check_button.disabled
    assert form.progress.bar_style == "warning"

    # Check and Send again: the same campaign resumes with the rows not sent.
    form.check_button.click()
    assert form.plan is not None and form.plan.resumed
    assert form.plan.to_call == counts["not_sent"]
    assert form.counts["done"] == counts["submitted"]
    form.sandbox.latency = 0.0
    form.send_button.click()
    assert "already in the journal" in form.confirm_text
    form.confirm_button.click()
    assert form.wait(60)
    assert (form.results["outcome"] == "submitted").sum() == n
    assert "Resuming" in text_of(form.status.value)
    assert max(form.sandbox.charges.values()) == 1, "nobody called twice"


def test_a_cancel_clicked_as_the_send_finishes_leaves_the_final_truth(make_form: Any) -> None:
    # 1. Cancel clicked in the very last progress update: the send has done everything.
    form = make_form(messy(), sandbox_options={"reject_share": 0.0}, batch_size=2)
    fill_message(form)
    form.check_button.click()
    part = form.check_part
    original = part._on_progress

    def last_then_cancel(done: int, total: int, counts: dict[str, int]) -> None:
        original(done, total, counts)
        if done == total:
            form.cancel_button.click()

    part._on_progress = last_then_cancel
    results = send_now(form)
    assert (results["outcome"] == "submitted").sum() == 6
    status = form.status_text
    assert status in ("Sent: 6 of 6 numbers submitted.",
                      "Completed before the Cancel took effect: 6 of 6 numbers submitted."), status
    assert "Cancelling" not in text_of(form.status.value)

    # 2. Cancel clicked after the send ended (the click raced the end): the status stands.
    form.cancel_button.click()
    assert form.status_text == status

    # 3. Cancel clicked while the last request is in flight: it completes, and is said so.
    with iv.Sandbox(reject_share=0.0, latency=0.6) as sb:
        form = make_form(messy(), client=sb.client())
        fill_message(form)
        form.check_button.click()
        form.send_button.click()
        form.confirm_button.click()
        wait_for(lambda: any(r.endpoint == "sendGroup" for r in sb.requests))
        form.cancel_button.click()
        assert form.wait(30)
    assert form.results is not None and (form.results["outcome"] == "submitted").sum() == 6
    assert form.status_text == (
        "Completed before the Cancel took effect: 6 of 6 numbers submitted."
    ), form.status_text
    assert form.progress.bar_style == "success"
    assert "Cancelling" not in text_of(form.status.value)


# --------------------------------------------------------------------------- audio, display


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
