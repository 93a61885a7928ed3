"""The :class:`SendForm` itself: the parts put together, one layout, display, repr and close.

The parts (recipients, message and campaign, campaign options, account, check and send,
results, call records and follow-up) each live in their own module; this one only composes them
and forwards their widgets as the form's attributes (``form.app_id``, ``form.check_button``…),
as tests and notebooks use them.
"""

from __future__ import annotations

import html
import os
import re
import threading
from typing import Any

import ipywidgets as w
import pandas as pd

from .._client import VoiceClient
from .._sandbox import Sandbox
from .._sendplan import SendPlan
from .._vendor import MAX_CALLEES
from ._common import THEME_CSS, ErrorBox, descendants, note, section
from .account import AccountPart
from .check_send import DEFAULT_JOURNAL, CheckSend
from .followup import FollowUpPart
from .message import MessagePart
from .options import OptionsPart
from .recipients import RecipientsPart
from .results import ResultsPart

__all__ = ["SendForm", "send_form"]

JournalArg = str | os.PathLike[str] | bool | None
"""What ``journal=`` may be: as for :func:`itnivoice_nb._plan`."""


class SendForm:
    """The send form; see :func:`send_form`. Shows itself in a notebook (``form`` last in a cell).

    Attributes used by tests and power users: the widgets (``column``, ``region``, ``app_id``,
    ``file_id``, ``display_num``, ``max_duration``, ``loop_count``, ``called_info``,
    ``segment_by``, ``segment_audio``, ``segment_msg`` (one message per segment),
    ``campaign``, ``allow_repeat``, the campaign options (``options_box``, ``call_start``,
    ``call_end``, ``call_days``, ``default_timezone``, ``exclude_upload``, ``exclude_text``,
    ``exclude_blacklisted``, ``rates``, ``max_cost``, ``resend_unknown`` and their ``…_msg``),
    ``sandbox_switch``, ``api_key``, ``api_secret``, ``check_button``, ``send_button``,
    ``confirm_button``, ``back_button``, ``cancel_button``, ``status``, ``error``,
    ``downloads``, ``chart``, ``funnel`` (the funnel, once the call records are fetched),
    ``records_button``, ``follow_up_button``, ``follow_up_confirm``…),
    ``df``, ``plan`` (the :class:`~itnivoice_nb.SendPlan` of the last passing Check; None after
    any change), ``counts`` (the last check's counts), ``results`` (after a send: the last
    send's or follow-up's results, with the call records once fetched), ``last_error``,
    ``thread`` (the background send), ``sandbox`` (once started), and the parts
    ``recipients_part``, ``message_part``, ``options_part``, ``account_part``, ``check_part``,
    ``results_part``, ``follow_up_part``.
    """

    def __init__(
        self,
        df: pd.DataFrame | None = None,
        client: VoiceClient | None = None,
        *,
        journal: JournalArg | Any = DEFAULT_JOURNAL,
        sandbox_options: dict[str, Any] | None = None,
        batch_size: int = MAX_CALLEES,
        concurrency: int = 4,
    ) -> None:
        if df is not None and not isinstance(df, pd.DataFrame):
            raise TypeError(f"df: expected a pandas DataFrame or None, got {type(df).__name__}")
        if client is not None and not isinstance(client, VoiceClient):
            raise TypeError(
                f"client: expected an iv.VoiceClient or None, got {type(client).__name__}"
            )
        self._check: CheckSend | None = None  # set last: the parts report changes to it
        self.errors_part = errors = ErrorBox()
        self.results_part = ResultsPart()
        self.recipients_part = recipients = RecipientsPart(self._changed, errors)
        self.account_part = AccountPart(self._changed, errors, client, sandbox_options)
        self.message_part = MessagePart(self._changed, errors, self.account_part.client)
        self.options_part = OptionsPart(
            self._changed, errors,
            region=lambda: recipients.region_value() if recipients.validate_region() else None,
        )  # fmt: skip
        self._check = self.check_part = CheckSend(
            recipients=self.recipients_part, message=self.message_part,
            account=self.account_part, results=self.results_part, errors=errors,
            options=self.options_part, journal=journal, batch_size=batch_size,
            concurrency=concurrency,
        )  # fmt: skip
        self.follow_up_part = FollowUpPart(self.check_part, self.results_part, errors)
        self._forward()
        self.widget = self._layout()
        self.recipients_part.set_recipients(
            df, "the DataFrame passed in" if df is not None else None
        )

    def _changed(self) -> None:
        if self._check is not None:
            df = self.recipients_part.df
            self.message_part.set_columns(() if df is None else df.columns)
            self._check.invalidate()

    def _forward(self) -> None:
        """The parts' widgets as the form's own attributes (the names tests and notebooks use)."""
        r, m, a, c, s = (self.recipients_part, self.message_part, self.account_part,
                         self.check_part, self.results_part)
        o, f = self.options_part, self.follow_up_part
        self.recipients_upload, self.source_label = r.upload, r.source_label
        self.column, self.column_msg, self.region, self.region_msg = (
            r.column, r.column_msg, r.region, r.region_msg
        )  # fmt: skip
        self.app_id, self.app_id_msg, self.file_id, self.file_id_msg = (
            m.app_id, m.app_id_msg, m.file_id, m.file_id_msg
        )  # fmt: skip
        self.audio_upload, self.upload_audio_button, self.audio_msg = (
            m.audio_upload, m.upload_audio_button, m.audio_msg
        )  # fmt: skip
        self.display_num, self.display_num_msg = m.display_num, m.display_num_msg
        self.max_duration, self.max_duration_msg = m.max_duration, m.max_duration_msg
        self.loop_count, self.loop_count_msg = m.loop_count, m.loop_count_msg
        self.called_info, self.called_info_count, self.called_info_msg = (
            m.called_info, m.called_info_count, m.called_info_msg
        )  # fmt: skip
        self.segment_by, self.segment_audio, self.segment_msg = (
            m.segment_by, m.segment_audio, m.segment_msg
        )  # fmt: skip
        self.campaign, self.campaign_msg = m.campaign, m.campaign_msg
        self.allow_repeat, self.allow_repeat_msg = m.allow_repeat, m.allow_repeat_msg
        self.options_box = o.box
        self.call_start, self.call_end, self.call_days, self.hours_msg = (
            o.call_start, o.call_end, o.call_days, o.hours_msg
        )  # fmt: skip
        self.default_timezone, self.timezone_msg = o.default_timezone, o.timezone_msg
        self.exclude_upload, self.exclude_clear, self.exclude_text = (
            o.exclude_upload, o.exclude_clear, o.exclude_text
        )  # fmt: skip
        self.exclude_blacklisted, self.exclude_msg = o.exclude_blacklisted, o.exclude_msg
        self.rates, self.rates_msg, self.max_cost, self.max_cost_msg = (
            o.rates, o.rates_msg, o.max_cost, o.max_cost_msg
        )  # fmt: skip
        self.resend_unknown = o.resend_unknown
        self.sandbox_switch, self.api_key, self.api_secret, self.account_msg = (
            a.sandbox_switch, a.api_key, a.api_secret, a.account_msg
        )  # fmt: skip
        self.check_button, self.send_button, self.cancel_button = (
            c.check_button, c.send_button, c.cancel_button
        )  # fmt: skip
        self.check_output, self.refused_table = c.check_output, c.refused_table
        self.confirm_box, self.confirm_label = c.confirm_box, c.confirm_label
        self.confirm_button, self.back_button = c.confirm_button, c.back_button
        self.progress, self.progress_label, self.progress_box = (
            c.progress, c.progress_label, c.progress_box
        )  # fmt: skip
        self.status, self.error = s.status, self.errors_part.widget
        self.summary_html, self.chart, self.results_box = s.summary_html, s.chart, s.box
        self.funnel = s.funnel
        self.downloads = s.downloads
        self.records_button, self.records_msg = f.records_button, f.records_msg
        self.follow_up_button, self.follow_up_box = f.follow_up_button, f.follow_up_box
        self.follow_up_label, self.follow_up_confirm, self.follow_up_back = (
            f.follow_up_label, f.follow_up_confirm, f.follow_up_back
        )  # fmt: skip

    def _layout(self) -> Any:
        self.title = w.HTML(
            THEME_CSS + "<h3 style='margin:4px 0'>Send a recorded voice message</h3>"
            + note("Fill in the fields, click <b>Check</b>, then <b>Send</b>. Nothing is sent "
                   "before you confirm.")
        )
        widget = w.VBox(
            [
                self.title,
                section("1 · Recipients"), *self.recipients_part.rows,
                section("2 · Message"), *self.message_part.rows,
                section("3 · Campaign"), *self.message_part.campaign_rows,
                *self.options_part.rows,
                section("4 · Account"), *self.account_part.rows,
                section("5 · Check and send"), *self.check_part.rows,
                self.status, self.progress_box, self.error, self.results_box,
                *self.follow_up_part.rows,
            ],
            layout=w.Layout(padding="4px", max_width="980px"),
        )  # fmt: skip
        widget.add_class("iv-form")
        return widget

    # ------------------------------------------------------------------ state, for readers

    @property
    def df(self) -> pd.DataFrame | None:
        """The recipients in use: the DataFrame passed in (the same object) or the upload."""
        return self.recipients_part.df

    @property
    def plan(self) -> SendPlan | None:
        """The plan of the last passing Check (a snapshot); None after any change or a send."""
        return self.check_part.plan

    @property
    def checked(self) -> bool:
        """Whether the last check passed and nothing has changed since."""
        return self.check_part.plan is not None

    @property
    def counts(self) -> dict[str, int]:
        """The last check's counts: rows, valid, invalid, duplicate, and with a plan to_call,
        already_called… and requests."""
        return self.check_part.counts

    @property
    def results(self) -> pd.DataFrame | None:
        """The last send's results DataFrame (one row per input row), or None."""
        return self.results_part.results

    @property
    def last_error(self) -> BaseException | None:
        return self.errors_part.last

    @property
    def thread(self) -> threading.Thread | None:
        """The background send's thread (None before the first send)."""
        return self.check_part.thread

    @property
    def sandbox(self) -> Sandbox | None:
        """The form's own sandbox, once started (by a Check or an audio upload in sandbox mode)."""
        return self.account_part.sandbox

    @property
    def journal(self) -> Any:
        return self.check_part.journal

    @property
    def batch_size(self) -> int:
        return self.check_part.batch_size

    @property
    def concurrency(self) -> int:
        return self.check_part.concurrency

    @property
    def sandbox_options(self) -> dict[str, Any]:
        return self.account_part.sandbox_options

    @property
    def confirm_text(self) -> str:
        """The confirmation as plain text ("" when none is shown)."""
        return self.check_part.confirm_text

    @property
    def follow_up_text(self) -> str:
        """The follow-up's confirmation as plain text ("" when none is shown)."""
        return self.follow_up_part.confirm_text

    @property
    def records_text(self) -> str:
        """What the call records say, as plain text ("" before they are fetched)."""
        return self.follow_up_part.records_text

    @property
    def status_text(self) -> str:
        """The status headline as plain text (e.g. "Sent: 11 of 11 numbers submitted.")."""
        value = self.status.value
        found = re.search(r'class="iv-status-headline"[^>]*>(.*?)</span>', value, re.S)
        text = found.group(1) if found else re.sub(r"<[^>]+>", "", value)
        return html.unescape(text).strip()

    # ------------------------------------------------------------------ display, repr, close

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        # The widgets' own text repr lists every value, the Password field's included.
        bundle["text/plain"] = repr(self)
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        # The bundle of _repr_mimebundle_: no widget repr (with the secret) in the text/plain.
        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self) -> str:
        df = self.df
        rows = "no recipients" if df is None else f"{len(df):,} rows"
        mode = "sandbox" if self.sandbox_switch.value else "real API"
        results = self.results
        done = "" if results is None else f", results: {len(results):,} rows"
        return f"<SendForm: {rows}, column={self.column.value!r}, {mode}{done}>"

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background work (a send, a follow-up, fetching the call records) to
        end; True if it has (or none was started)."""
        return self.follow_up_part.wait(timeout) and self.check_part.wait(timeout)

    def close(self) -> None:
        """Cancel a running send, stop the form's sandbox and close every widget of the form."""
        self.check_part.close()
        self.follow_up_part.close()
        self.account_part.close()
        for widget in list(descendants(self.widget)):
            widget.close()


def send_form(
    df: pd.DataFrame | None = None,
    client: VoiceClient | None = None,
    *,
    journal: JournalArg | Any = DEFAULT_JOURNAL,
    sandbox_options: dict[str, Any] | None = None,
    batch_size: int = MAX_CALLEES,
    concurrency: int = 4,
) -> SendForm:
    """An ipywidgets form to check and send a voice message to ``df`` (displayable as is).

    Args:
        df: the recipients; or leave it None and upload a CSV / Excel file in the form.
        client: the real account's client; default: built from the key and secret fields
            (prefilled from ``$ITNIOTECH_API_KEY``; a blank secret means ``$ITNIOTECH_API_SECRET``).
            The sandbox switch starts with ON when neither is available.
        journal: passed to :func:`itnivoice_nb._plan`; default: its default journal.
        sandbox_options: keyword arguments of :class:`itnivoice_nb.Sandbox` for the form's
            sandbox (started when first needed, stopped by ``form.close()``).
        batch_size: passed to :func:`itnivoice_nb._plan`; concurrency: to ``plan.send``.

    After a send, ``form.results`` holds the results DataFrame (also offered as CSV and Excel
    downloads in the form).

    Example:
        >>> import pandas as pd
        >>> form = send_form(pd.DataFrame({"phone": ["+91 85632 14120"]}))
        >>> form.send_button.disabled, form.plan is None
        (True, True)
        >>> form.close()
    """
    from .._frames import as_pandas

    return SendForm(
        None if df is None else as_pandas(df), client, journal=journal,
        sandbox_options=sandbox_options, batch_size=batch_size, concurrency=concurrency,
    )
