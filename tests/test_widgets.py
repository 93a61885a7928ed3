"""The send form without a browser: set widget values, click, and read what the form shows.

Every send goes to a real local :class:`itnivoice_nb.Sandbox` on 127.0.0.1 (or to a closed port
on 127.0.0.1); each test's journal is its own file in ``tmp_path`` (``journal=`` of the form).
"""

from __future__ import annotations

import base64
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
from itnivoice_nb._form import SendForm, check_send, guess_phone_column, send_form
from itnivoice_nb._form._common import (
    BAD,
    FALLBACK,
    OK,
    THEME,
    descendants,
    for_people,
    without_field,
)
from itnivoice_nb._form.results import outcome_statement

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
    markup = re.sub(r"<style\b.*?</style>", "", markup, flags=re.S)
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
    # Said for the form's reader: what to click, not the package's Python.
    assert "err.results" not in shown and "api_key/api_secret" not in shown
    assert "click Check, then Send…, again" in shown, shown
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


# --------------------------------------------------------------------------- campaign options

AT = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
"""A Friday, 21:30 in India (calls deferred to Monday 09:00 there), 11:00 in New York."""


def world() -> pd.DataFrame:
    """Two Indian numbers, one each in New York, London and Sydney, and an invalid cell."""
    return pd.DataFrame({"name": list("abcdef"), "phone": [
        "+91 85632 14120", "+91 85632 14121", "+1 212 555 0123", "+44 20 7946 0958",
        "+61 2 9374 4000", "12",
    ]})  # fmt: skip


@pytest.fixture
def planned_at(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The form's plans are made for AT (not now); the keyword arguments of each are kept."""
    calls: list[dict[str, Any]] = []

    def plan(*args: Any, **kwargs: Any) -> iv.SendPlan:
        calls.append(kwargs)
        return iv.plan(*args, at=AT, **kwargs)

    monkeypatch.setattr(check_send, "make_plan", plan)
    return calls


def fill_options(form: SendForm) -> None:
    """Calling hours on weekdays, a suppression file and a typed list, rates and a limit."""
    form.options_box.selected_index = 0
    form.call_start.value, form.call_end.value, form.call_days.value = "9:00", "20:00", "mon-fri"
    form.default_timezone.value = "Europe/London"
    staff = excel(pd.DataFrame({"who": ["x", "y"], "tel": ["0061 2 9374 4000", "oops"]}))
    optouts = b"mobile\n00447700900123\n"
    form.exclude_upload.value = uploaded("staff.xlsx", staff, ("optouts.csv", optouts))
    form.exclude_text.value = "0044 20 7946 0958\n"
    form.rates.value = "91=0.02, +1 = 0.015"
    form.max_cost.value = "1"


def test_campaign_options_are_passed_to_the_plan(
    make_form: Any, planned_at: list[dict[str, Any]],
) -> None:
    form = make_form(world())
    assert form.options_box.selected_index is None, "the section starts folded"
    fill_message(form)
    fill_options(form)
    assert "Mon-Fri 09:00–20:00" in text_of(form.hours_msg.value)
    said = text_of(form.exclude_msg.value)
    assert "staff.xlsx: 1 number, 1 entry not read as a number" in said
    assert "optouts.csv: 1 number" in said and "typed in the form: 1 number" in said
    lists = form.options_part.lists
    assert list(lists) == ["staff.xlsx", "optouts.csv"]
    assert lists["optouts.csv"]["mobile"].tolist() == ["00447700900123"], "read as text"

    form.check_button.click()
    assert form.plan is not None, form.check_output.value + form.error.value
    kwargs = planned_at[-1]
    assert (kwargs["call_window"], kwargs["call_days"]) == (("9:00", "20:00"), "mon-fri")
    assert kwargs["default_timezone"] == "Europe/London"
    assert kwargs["rates"] == {"91": 0.02, "1": 0.015} and kwargs["max_cost"] == 1.0
    assert kwargs["exclude_blacklisted"] is True
    exclude = kwargs["exclude"]
    assert list(exclude) == ["staff.xlsx", "optouts.csv", "typed in the form"]
    assert isinstance(exclude["staff.xlsx"], pd.DataFrame)
    assert exclude["typed in the form"] == ["0044 20 7946 0958"]

    plan = form.plan
    assert plan.window == "Mon-Fri 09:00–20:00"
    assert plan.excluded_lists == ("staff.xlsx", "optouts.csv", "typed in the form")
    assert (plan.counts["to_call"], plan.counts["deferred"], plan.counts["excluded"]) == (1, 2, 2)
    assert plan.cost_limit == 1.0 and plan.max_cost == pytest.approx(0.015 * 2)
    shown = text_of(form.check_output.value)
    assert "2 deferred" in shown and "2 excluded" in shown
    assert "deferred" in form.refused_table.value and "staff.xlsx" in form.refused_table.value

    # Every option is part of the plan: changing one drops it.
    for field, value in ((form.call_days, "Mon-Sat"), (form.rates, "91=0.03, 1=0.02, 44=0.05"),
                         (form.exclude_text, ""), (form.max_cost, "2"),
                         (form.default_timezone, "Asia/Kolkata"),
                         (form.exclude_blacklisted, False), (form.resend_unknown, True)):
        form.check_button.click()
        assert form.plan is not None, (field.description, text_of(form.check_output.value))
        field.value = value
        assert form.plan is None and form.send_button.disabled, field.description
    # Remove lists: the uploads no longer count.
    form.exclude_clear.click()
    form.check_button.click()
    assert form.plan is not None and form.plan.excluded_lists == ()
    assert planned_at[-1]["exclude"] is None


def test_bad_campaign_options_are_said_next_to_their_field(
    make_form: Any, capsys: pytest.CaptureFixture[str],
) -> None:
    form = make_form(world())
    fill_message(form)
    cases = [
        (form.call_start, "9:00", form.hours_msg, "give both ends of the calling hours"),
        (form.call_end, "25:00", form.hours_msg, "'25:00' is not a time of day"),
        (form.call_end, "08:00", form.hours_msg, "is not after the start 09:00"),
        (form.call_end, "20:00", form.hours_msg, "✓ 09:00–20:00"),
        (form.call_days, "Mnday", form.hours_msg, "'Mnday' is not a day; write e.g. 'Mon-Fri'"),
        (form.default_timezone, "Mars/Base", form.timezone_msg, "'Mars/Base' is not a time zone"),
        (form.rates, "91 0.02", form.rates_msg, "write a calling code, \"=\" and the price"),
        (form.rates, "x=1", form.rates_msg, "'x' is not a calling code"),
        (form.rates, "91=cheap", form.rates_msg, "91: 'cheap' is not a price"),
        (form.max_cost, "lots", form.max_cost_msg, "'lots' is not an amount"),
    ]
    for field, value, msg, expected in cases:
        field.value = value
        assert expected in text_of(msg.value), (value, msg.value)
        assert f"color:{BAD}" in msg.value or expected.startswith("✓")
    form.check_button.click()
    said = text_of(form.check_output.value)
    assert said.startswith("6 rows") and "Not ready" in said
    assert ("fix the campaign options: calling hours, default time zone, rates per minute, "
            "max cost") in said
    assert form.options_box.selected_index == 0, "the section opens to show what is wrong"
    assert form.plan is None and form.send_button.disabled

    # A value only the plan refuses (a negative limit) is said next to its field too.
    for field, value in ((form.call_days, ""), (form.default_timezone, ""), (form.rates, ""),
                         (form.max_cost, "-5")):
        field.value = value
    form.call_start.value = form.call_end.value = ""
    form.check_button.click()
    assert "expected an amount ≥ 0" in text_of(form.max_cost_msg.value)
    assert "fix the campaign options: max cost" in text_of(form.check_output.value)
    form.max_cost.value = ""
    form.call_days.value = "Mon-Fri"
    assert "calling days need calling hours" in text_of(form.hours_msg.value)
    # An unreadable list is said, and blocks the check.
    form.call_days.value = ""
    form.exclude_upload.value = uploaded("notes.pdf", b"%PDF")
    assert "Could not read notes.pdf: notes.pdf: unknown file type" in text_of(
        form.exclude_msg.value)
    form.check_button.click()
    assert "fix the campaign options: suppression lists" in text_of(form.check_output.value)
    assert form.error.value == "" and form.last_error is None
    everything = all_html(form) + capsys.readouterr().err
    assert "Traceback" not in everything
    assert "call_window" not in everything and "call_days" not in everything
    assert "max_cost" not in everything and "rates[" not in everything


def test_the_confirmation_states_deferred_excluded_and_the_cost(
    make_form: Any, planned_at: list[dict[str, Any]],
) -> None:
    form = make_form(world())
    fill_message(form)
    fill_options(form)
    form.check_button.click()
    form.send_button.click()
    text = form.confirm_text
    assert text.startswith("Call 1 number with fileId hello.mp3 on the local SANDBOX"), text
    assert ("6 rows: 1 to call, 1 invalid, 0 duplicate, 0 already called, 2 deferred, "
            "2 excluded.") in text
    assert ("Deferred: 2 numbers outside their calling hours Mon-Fri 09:00–20:00, in each "
            "recipient's time zone; the first (2) open on 2026-11-30 between 03:00 and 04:00 "
            "UTC.") in text
    assert ("Excluded: 2 numbers, on the suppression lists (staff.xlsx, optouts.csv, typed in "
            "the form) or refused as blacklisted before.") in text
    assert "Cost at most 0.03 (2 min a call" in text and "limit 1.00." in text
    assert "'Max duration (s)' blank: 120 s assumed" in text and "max_duration" not in text
    form.back_button.click()

    # Above the limit: said before any send, next to the field, and Send stays off.
    form.max_cost.value = "0.01"
    form.check_button.click()
    said = text_of(form.check_output.value)
    assert "the calls could cost up to 0.03, more than the 'Max cost' of 0.01" in said
    assert "raise 'Max cost'" in said and "max_cost=" not in said
    assert "more than the 'Max cost'" in text_of(form.max_cost_msg.value)
    assert form.plan is None and form.send_button.disabled

    # Calling hours open for everyone: said so; nothing deferred.
    form.max_cost.value = ""
    form.call_start.value, form.call_end.value, form.call_days.value = "00:00", "24:00", ""
    form.check_button.click()
    form.send_button.click()
    assert ("Every number to call is inside its calling hours 00:00–24:00, in each recipient's "
            "time zone.") in form.confirm_text
    assert "Deferred" not in form.confirm_text


def test_a_campaign_entirely_deferred_is_not_ready_and_says_why(
    make_form: Any, planned_at: list[dict[str, Any]],
) -> None:
    form = make_form(pd.DataFrame({"phone": ["+91 85632 14120", "+91 85632 14121"]}))
    fill_message(form)
    form.call_start.value, form.call_end.value = "09:00", "20:00"
    form.check_button.click()
    said = text_of(form.check_output.value)
    assert "no number to call now: every valid number is deferred" in said, said
    assert form.counts["deferred"] == 2 and form.send_button.disabled


# --------------------------------------------------------------------------- after the send


def link(downloads: str, css: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, content) of the download link with the CSS class ``css``."""
    found = re.search(
        rf'<a class="iv-download {css}" download="([^"]+)" href="data:([^;]+);base64,([^"]+)"',
        downloads,
    )
    assert found, downloads[:500]
    return html.unescape(found.group(1)), found.group(2), base64.b64decode(found.group(3))


def test_the_results_download_as_csv_and_excel_from_the_page(make_form: Any) -> None:
    from openpyxl import load_workbook

    form = make_form(messy(), sandbox_options={"reject_share": 0.0})
    fill_message(form)
    form.campaign.value = "spring offer/2026"
    form.check_button.click()
    results = send_now(form)
    name, mime, content = link(form.downloads.value, "iv-download-csv")
    assert (name, mime) == ("results-spring-offer-2026.csv", "text/csv")
    back = pd.read_csv(io.BytesIO(content), dtype=str)
    assert len(back) == len(results) == 10
    assert back["outcome"].tolist() == results["outcome"].astype(str).tolist()
    assert back["number"].dropna().str.startswith("91").all(), "numbers kept as text"
    name, mime, content = link(form.downloads.value, "iv-download-excel")
    assert name == "results-spring-offer-2026.xlsx"
    assert mime == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(content))
    assert "rows" in book.sheetnames and book["rows"].max_row == 11
    assert "Download CSV" in text_of(form.downloads.value)
    assert "Download Excel" in text_of(form.downloads.value)
    # The status speaks to the page's reader: no Python name to type.
    status = text_of(form.status.value)
    assert "form.results" not in status and "All 10 rows" not in status
    assert "The results of all 10 rows can be downloaded below." in status


def test_call_records_then_a_follow_up_to_the_unanswered(make_form: Any, journal: Path) -> None:
    with iv.Sandbox(reject_share=0.0, answer_share=0.5, seed=3) as sb:
        form = make_form(messy(n_valid=12), client=sb.client())
        assert form.records_button.disabled and form.follow_up_button.disabled
        fill_message(form)
        form.campaign.value = "spring"
        form.check_button.click()
        send_now(form)
        assert not form.records_button.disabled and form.follow_up_button.disabled
        form.records_button.click()
        assert form.wait(30)
        results = form.results
        assert results is not None and "answered" in results.columns, form.records_msg.value
        answered = int(results["answered"].astype("boolean").fillna(False).sum())
        unanswered = 12 - answered
        assert 0 < unanswered < 12, "the seed gives some of each"
        assert form.records_text == (
            f"Call records: {answered} answered, {unanswered} not answered."
        )
        assert "answered" in form.summary_html.value or form.summary_html.value
        assert form.follow_up_button.description == f"Send follow-up to {unanswered} unanswered"
        assert not form.follow_up_button.disabled
        sends = [r for r in sb.requests if r.endpoint == "sendGroup"]

        # The confirmation comes first; Back sends nothing.
        form.follow_up_button.click()
        assert form.follow_up_box.layout.display != "none"
        text = form.follow_up_text
        assert text.startswith(
            f"Send a follow-up to {unanswered} numbers whose call was not answered, with fileId "
            f"hello.mp3 on the SANDBOX account sand… at {sb.base_url} (no real calls)?"
        ), text
        assert "It is a new campaign, 'spring · follow-up 1'" in text
        form.follow_up_back.click()
        assert form.follow_up_box.layout.display == "none" and form.follow_up_text == ""
        assert [r for r in sb.requests if r.endpoint == "sendGroup"] == sends

        form.follow_up_button.click()
        form.follow_up_confirm.click()
        assert form.wait(60)
        assert form.last_error is None, form.error.value
        wave = form.results
        assert wave is not None and len(wave) == unanswered
        assert wave.attrs["label"] == "spring · follow-up 1"
        assert wave.attrs["journal"] == str(journal), "the form's journal"
        assert (wave["outcome"] == "submitted").sum() == unanswered
        assert form.status_text == (
            f"Follow-up 'spring · follow-up 1': Sent: {unanswered} of {unanswered} numbers "
            "submitted."
        )
        called_again = set(results.loc[~results["answered"].astype("boolean").fillna(False)
                                       & (results["outcome"] == "submitted"), "number"])
        charges = sb.charges
        assert {n for n, times in charges.items() if times == 2} == called_again
        assert link(form.downloads.value, "iv-download-csv")[0] == (
            "results-spring-follow-up-1.csv"
        )
        assert form.follow_up_button.disabled, "the new wave needs its own call records"
        assert not form.records_button.disabled


def test_after_fetching_the_call_records_the_page_shows_the_funnel(make_form: Any) -> None:
    with iv.Sandbox(reject_share=0.0, answer_share=0.5, seed=3) as sb:
        form = make_form(messy(), client=sb.client())
        fill_message(form)
        form.check_button.click()
        send_now(form)
        assert form.funnel.layout.display == "none", "no funnel before the call records"
        form.records_button.click()
        assert form.wait(30)
        assert form.last_error is None, form.error.value
        assert any(widget is form.funnel for widget in descendants(form.widget))
        assert form.funnel.layout.display == "block"
        assert bytes(form.funnel.value).startswith(b"\x89PNG"), "a PNG image in the page"
        assert "iv-funnel" in form.funnel._dom_classes
        assert bytes(form.funnel.value) != bytes(form.chart.value)
        # A new send shows its own results: the old funnel goes.
        form.allow_repeat.value = True
        form.check_button.click()
        send_now(form)
        assert form.funnel.layout.display == "none"


# --------------------------------------------------------------------------- segments


def segmented() -> pd.DataFrame:
    return pd.DataFrame({
        "phone": ["+91 85632 14120", "+91 85632 14121", "+91 85632 14122", "+91 85632 14123",
                  "+91 85632 14124"],
        "lang": ["en", "hi", "en", "fr", "hi"],
    })  # fmt: skip


def test_one_message_per_segment_each_segment_gets_its_own_audio(make_form: Any) -> None:
    with iv.Sandbox(reject_share=0.0) as sb:
        form = make_form(segmented(), client=sb.client())
        assert form.segment_by.value is None
        assert [label for label, _ in form.segment_by.options] == [
            "(one message for every row)", "phone", "lang",
        ]
        form.app_id.value = "4luaKsL2"  # no "Audio fileId": each segment has its own
        form.max_duration.value = "45"
        form.segment_by.value = "lang"
        form.segment_audio.value = "en = en.mp3\nhi = hi.mp3\n"
        assert "✓ 2 segments" in text_of(form.segment_msg.value)
        form.check_button.click()
        assert form.plan is not None, text_of(form.check_output.value)
        assert form.counts["to_call"] == 4 and form.counts["invalid"] == 1
        refused = text_of(form.refused_table.value)
        assert "no message for segment 'fr' (lang)" in refused, refused
        form.send_button.click()
        assert form.confirm_text.startswith(
            "Call 4 numbers with fileId en: en.mp3, hi: hi.mp3 on the SANDBOX"
        ), form.confirm_text
        form.confirm_button.click()
        assert form.wait(60) and form.results is not None, form.error.value
        results = form.results
        sent = {r.body["fileId"]: sorted(r.body["callee"].split(","))
                for r in sb.requests if r.endpoint == "sendGroup"}
        assert sent == {"en.mp3": ["918563214120", "918563214122"],
                        "hi.mp3": ["918563214121", "918563214124"]}
        outcome = results["outcome"].astype(str).tolist()
        assert outcome == ["submitted", "submitted", "submitted", "invalid", "submitted"]
        assert "no message for segment 'fr'" in str(results["outcome_reason"].iloc[3])


def test_the_confirmation_names_each_segment_s_audio(make_form: Any) -> None:
    form = make_form(segmented())
    form.app_id.value = "4luaKsL2"
    form.segment_by.value = "lang"
    form.segment_audio.value = "en = en.mp3\nhi = hi.mp3"
    form.check_button.click()
    form.send_button.click()
    assert form.confirm_text.startswith(
        "Call 4 numbers with fileId en: en.mp3, hi: hi.mp3 on the local SANDBOX"
    ), form.confirm_text


def test_segment_lines_are_checked_and_any_change_drops_the_plan(make_form: Any) -> None:
    form = make_form(segmented())
    fill_message(form)
    form.check_button.click()
    assert form.plan is not None
    form.segment_by.value = "lang"
    assert form.plan is None and form.send_button.disabled, "choosing a column drops the plan"
    assert "not used" in text_of(form.file_id_msg.value)
    form.check_button.click()
    check = text_of(form.check_output.value)
    assert "fix the message field 'Audio per segment'" in check, check
    assert "required" in text_of(form.segment_msg.value)
    form.segment_audio.value = "en = en.mp3\nen = other.mp3\nhi: hi.mp3\n = fr.mp3"
    said = text_of(form.segment_msg.value)
    assert "line 2: 'en' is given twice" in said
    assert "line 3: write each line as value = fileId, e.g. en = en.mp3" in said
    assert "line 4: write each line" in said and PYTHON.search(said) is None, said
    form.segment_audio.value = "en = en.mp3\nhi = hi.mp3\nfr = fr.mp3"
    form.check_button.click()
    assert form.plan is not None and form.counts["to_call"] == 5
    form.segment_audio.value = "en = en.mp3\nhi = hi.mp3"
    assert form.plan is None, "editing the lines drops the plan"
    form.check_button.click()
    assert form.plan is not None
    form.segment_by.value = None
    assert form.plan is None and "✓" in text_of(form.file_id_msg.value)
    form.check_button.click()
    assert form.plan is not None and form.plan.audio == "hello.mp3"


def test_a_numeric_segment_column_matches_the_lines_by_their_digits(make_form: Any) -> None:
    frame = segmented().assign(group=[1, 2, 1, 3, 2])
    with iv.Sandbox(reject_share=0.0) as sb:
        form = make_form(frame, client=sb.client())
        form.app_id.value = "4luaKsL2"
        form.segment_by.value = "group"
        form.segment_audio.value = "1 = one.mp3\n2 = two.mp3"
        form.check_button.click()
        assert form.plan is not None and form.counts["to_call"] == 4
        send_now(form)
        files = sorted(r.body["fileId"] for r in sb.requests if r.endpoint == "sendGroup")
        assert files == ["one.mp3", "two.mp3"]


def test_a_follow_up_keeps_the_campaign_options(
    make_form: Any, planned_at: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    import itnivoice_nb._plan

    monkeypatch.setattr(itnivoice_nb._plan, "plan", check_send.make_plan)  # follow_up's plan
    with iv.Sandbox(reject_share=0.0, answer_share=0.0) as sb:
        form = make_form(pd.DataFrame({"phone": ["+1 212 555 0123", "+1 212 555 0124"]}),
                         client=sb.client())
        fill_message(form)
        form.call_start.value, form.call_end.value = "09:00", "20:00"
        form.default_timezone.value = "America/New_York"
        form.exclude_text.value = "+44 20 7946 0958"
        form.check_button.click()
        send_now(form)
        form.records_button.click()
        assert form.wait(30)
        form.follow_up_button.click()
        form.follow_up_confirm.click()
        assert form.wait(30)
    kwargs = planned_at[-1]
    assert kwargs["campaign"].endswith("· follow-up 1")
    assert kwargs["call_window"] == ("09:00", "20:00")
    assert kwargs["default_timezone"] == "America/New_York"
    assert kwargs["exclude"] == {"typed in the form": ["+44 20 7946 0958"]}


# --------------------------------------------------------------------------- words for people

PYTHON = re.compile(
    r"\bNone\b|\b\w+=(?:True|False|None|'|\"|\[|\{|\.\.\.)|err\.results|VoiceClient\(|"
    r"\biv\.|form\.results|\b[a-z_]+\(\)"
)
"""What a person reading the form should never meet: Python names, calls and arguments."""


def test_the_package_s_messages_are_said_in_the_form_s_words() -> None:
    try:
        iv.VoiceClient()
    except iv.ConfigurationError as err:
        no_credentials = str(err)
    try:
        iv.VoiceMessage(app_id="a", file_id="f.mp3", max_duration="abc")  # type: ignore[arg-type]
    except ValueError as err:
        duration = str(err)
    try:
        from itnivoice_nb._hours import parse_window

        parse_window(("09:00", "20:00"), [])
    except ValueError as err:
        days = str(err)
    messages = [
        no_credentials, duration, days, str(iv.AuthenticationError("bad sign")),
        # The texts of _plan.py and _hours.py, as they are today:
        "This campaign was sent already (2026-01-01 09:00 UTC); no request made, results are "
        "from the journal. Numbers it called are not called again by another campaign of this "
        "account and audio (pass allow_repeat=True to call them again).",
        "2 batch(es) of this campaign were in flight when an earlier send stopped: their outcome"
        " is unknown and they are not resent (pass resend_unknown=True to resend them, at the "
        "risk of charging twice)",
        "resend_unknown=True: resending 2 batch(es) whose outcome was unknown",
        "the send stopped: wrong key. 0 submitted, 5 not sent. Fix the cause, then run the same "
        "send again: it resumes with the batches not yet sent. The results so far are in "
        "err.results.",
        "journal full The send stopped; what was sent and answered is in err.results",
        "max_cost=5: 3 number(s) to call have no known rate, so the cost cannot be bounded; "
        "pass rates={calling code: price per minute} for them. Nothing was sent.",
        "the calls could cost up to 9.00, more than max_cost=5; nothing was sent. Call fewer "
        "numbers, lower max_duration or raise max_cost.",
        "Cost at most 1.20 (2 min a call at the rate of its calling code, max_duration unset: "
        "120 s assumed).",
        "no time zone known for +999…: pass default_timezone",
        "send(): kept your column(s) under new names to make room for the results: 'number' → "
        "'number_input'",
    ]
    for message in messages:
        said = for_people(without_field(message, "max_duration"))  # as next to the field
        assert not PYTHON.search(said), (message, said)
        assert "allow_repeat" not in said and "resend_unknown" not in said, said
        assert "default_timezone" not in said and "max_duration" not in said, said
    assert "tick 'Allow calling again' to call them again" in for_people(messages[4])
    assert ("tick 'Resend batches whose outcome is unknown' in the campaign options"
            in for_people(messages[5]))
    assert "fill in 'Default time zone'" in for_people(messages[12])
    assert for_people(messages[7]).endswith("click Check, then Send…, again: it resumes with "
                                            "the batches not yet sent.")
    assert "or blank" in for_people(duration)
    assert for_people(no_credentials).startswith("no credentials: type the API key and the API "
                                                 "secret")


def test_the_form_never_shows_python_to_its_reader(
    make_form: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []

    def look(form: SendForm) -> None:
        seen.append(all_html(form))

    look(make_form())  # no recipients yet
    form = make_form(pd.DataFrame({"number": ["+91 85632 14120", "+91 85632 14121"]}))
    form.max_duration.value = "abc"
    look(form)
    form.max_duration.value = ""
    form.sandbox_switch.value = False
    fill_message(form)
    form.check_button.click()  # no credentials
    assert "no credentials" in text_of(form.account_msg.value)
    look(form)
    form.sandbox_switch.value = True
    form.call_days.value = "Mon-Fri"
    form.check_button.click()  # days without hours; the column renamed to make room
    look(form)
    form.call_days.value = ""
    form.check_button.click()
    assert "Renamed input column(s) to make room" in text_of(form.check_output.value)
    send_now(form)
    look(form)
    for shown in seen:
        found = PYTHON.search(text_of(shown))
        assert found is None, (found, text_of(shown)[max(0, found.start() - 80):found.end() + 80])


# --------------------------------------------------------------------------- colours, tooltips

JUPYTERLAB: dict[str, dict[str, str]] = {
    # JupyterLab 4's theme variables (Voila's themes/@jupyterlab/theme-*-extension/index.css).
    "light": {
        "--jp-ui-font-color1": "rgba(0, 0, 0, 0.87)", "--jp-ui-font-color2": "rgba(0, 0, 0, 0.54)",
        "--jp-success-color0": "#1b5e20", "--jp-success-color1": "#388e3c",
        "--jp-error-color1": "#d32f2f", "--jp-error-color2": "#e57373",
        "--jp-warn-color1": "#f57c00", "--jp-layout-color0": "#ffffff",
    },
    "dark": {
        "--jp-ui-font-color1": "rgba(255, 255, 255, 0.87)",
        "--jp-ui-font-color2": "rgba(255, 255, 255, 0.54)",
        "--jp-success-color0": "#388e3c", "--jp-success-color1": "#4caf50",
        "--jp-error-color1": "#f44336", "--jp-error-color2": "#e57373",
        "--jp-warn-color1": "#ff9800", "--jp-layout-color0": "#111111",
    },
}  # fmt: skip
BACKGROUNDS = {"light": ["#ffffff"], "dark": ["#111111", "#212121"]}
"""JupyterLab's page (--jp-layout-color0) and panel (--jp-layout-color1) backgrounds."""


def theme_variables(theme: str) -> dict[str, str]:
    """The variables of JupyterLab's theme as installed (Voila's copy), else JUPYTERLAB's."""
    css = Path(sys.prefix) / f"share/jupyter/voila/themes/@jupyterlab/theme-{theme}-extension"
    path = css / "index.css"
    if not path.is_file():
        return JUPYTERLAB[theme]
    found = dict(re.findall(r"(--[\w-]+)\s*:\s*([^;{}]+);", path.read_text(encoding="utf-8")))
    out = {}
    for name in JUPYTERLAB[theme]:
        out[name] = resolve(found[name], found)
    return out


def resolve(value: str, variables: dict[str, str]) -> str:
    """``var(--x, fallback)`` → the value of --x in ``variables``, else the fallback."""
    value = value.strip()
    found = re.fullmatch(r"var\(\s*(--[\w-]+)\s*(?:,\s*(.+))?\)", value)
    if found is None:
        return value
    name, fallback = found.groups()
    if name in variables:
        return resolve(variables[name], variables)
    assert fallback is not None, f"{name} has no fallback"
    return resolve(fallback, variables)


def rgb(colour: str, background: tuple[float, ...] = (255, 255, 255)) -> tuple[float, ...]:
    colour = colour.strip().lower()
    if colour.startswith("#"):
        hexa = colour[1:]
        if len(hexa) == 3:
            hexa = "".join(c * 2 for c in hexa)
        return tuple(int(hexa[i:i + 2], 16) for i in (0, 2, 4))
    found = re.fullmatch(r"rgba?\(([^)]+)\)", colour)
    assert found, colour
    parts = [float(p) for p in found.group(1).split(",")]
    alpha = parts[3] if len(parts) == 4 else 1.0
    return tuple(alpha * c + (1 - alpha) * b for c, b in zip(parts[:3], background, strict=True))


def contrast(colour: str, background: str) -> float:
    def luminance(value: tuple[float, ...]) -> float:
        channels = [c / 255 for c in value]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    back = rgb(background)
    lighter, darker = sorted((luminance(rgb(colour, back)), luminance(back)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_colour_is_a_theme_variable_readable_in_light_and_dark(make_form: Any) -> None:
    form = make_form(messy(), sandbox_options={"reject_share": 0.3, "seed": 1})
    fill_message(form)
    form.max_duration.value = "500"  # an error next to a field
    form.check_button.click()  # Not ready, in the error colour
    form.max_duration.value = ""
    form.check_button.click()
    form.send_button.click()
    form.confirm_button.click()
    assert form.wait(30)  # a partial outcome (some rejected), in the warn colour
    form.error.value = ""
    form.errors_part.show(ValueError("an error"))
    shown = all_html(form) + form.chart.layout.display
    assert '[data-jp-theme-light="false"] .iv-form' in form.title.value, "the dark theme's sheet"
    colours = set(re.findall(r"(?<![\w-])color\s*:\s*([^;\"'}<]+)", shown))
    assert {OK, BAD} <= {c.strip() for c in colours}, colours
    used: set[str] = set()
    for colour in colours:
        found = re.fullmatch(r"var\((--iv-[\w-]+), (#[0-9a-f]{3,6})\)", colour.strip())
        assert found, f"a colour that is not one of the form's variables: {colour!r}"
        name, fallback = found.groups()
        assert fallback == FALLBACK[name]
        assert contrast(fallback, "#ffffff") >= 4.5, (name, fallback)
        used.add(name)
    for name in used:
        light, dark = THEME[name]
        for theme, value in (("light", light), ("dark", dark)):
            # In JupyterLab (its variables set), and without them (their fallbacks).
            for variables in (theme_variables(theme), {}):
                resolved = resolve(value, variables)
                backgrounds = BACKGROUNDS[theme] if variables or theme == "light" else ["#111111"]
                for background in backgrounds:
                    ratio = contrast(resolved, background)
                    assert ratio >= 4.5, (name, theme, resolved, background, round(ratio, 2))


def test_every_button_and_upload_has_a_tooltip(make_form: Any) -> None:
    form = make_form(messy())
    kinds = (ipywidgets.Button, ipywidgets.FileUpload)
    found = [widget for widget in descendants(form.widget) if isinstance(widget, kinds)]
    assert sum(isinstance(widget, ipywidgets.FileUpload) for widget in found) == 3
    for widget in found:
        assert isinstance(widget.tooltip, str) and len(widget.tooltip) > 10, widget.description
