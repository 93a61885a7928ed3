"""After a send: fetch the call records, then offer a follow-up wave to the unanswered.

**Fetch call records** runs :func:`itnivoice_nb.call_outcomes` on the results (on a background
thread, with the client of the send) and says how many calls were answered; the results then
carry the records (``form.results``, the summary and the downloads), and the campaign funnel
(:func:`itnivoice_nb.plot_funnel`) is shown below the outcome chart. **Send follow-up to N
unanswered** states what it will do (how many numbers, that it is a new follow-up campaign and
its label) and, once confirmed, runs :func:`itnivoice_nb.follow_up` with the same client, journal
and campaign options, through the form's progress bar and Cancel; its results are then shown
like a send's.

Example (the form's own sandbox, every call unanswered; ``journal=None``: in memory):
    >>> import pandas as pd, itnivoice_nb as iv
    >>> form = iv.send_form(pd.DataFrame({"phone": ["+91 85632 14120", "+91 85632 14121"]}),
    ...                     journal=None, sandbox_options={"answer_share": 0.0})
    >>> form.app_id.value, form.file_id.value = "4luaKsL2", "hello.mp3"
    >>> form.check_button.click(); form.send_button.click(); form.confirm_button.click()
    >>> form.wait(30), form.records_button.disabled
    (True, False)
    >>> form.records_button.click(); form.wait(30)
    True
    >>> form.records_text, form.follow_up_button.description
    ('Call records: 0 answered, 2 not answered.', 'Send follow-up to 2 unanswered')
    >>> form.close()
"""

from __future__ import annotations

import html
import re
import threading
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd

from .._calls import call_outcomes
from .._follow import follow_up, follow_up_label, pick
from .._outcomes import SUBMITTED
from ._common import (
    BAD,
    WARN,
    Background,
    ErrorBox,
    esc,
    guarded,
    html_out,
    note,
    plural,
    readable,
    row,
)
from .check_send import CheckSend, Sent
from .results import ResultsPart

__all__ = ["FollowUpPart", "record_counts"]


def record_counts(results: pd.DataFrame) -> dict[str, int]:
    """Submitted rows by what their call record says: ``answered``, ``not_answered`` (final),
    ``in_progress``, ``not_found``, ``error``.

    Example:
        >>> frame = pd.DataFrame({"outcome": ["submitted"] * 3 + ["invalid"],
        ...                       "record_status": ["final", "final", "in_progress", None],
        ...                       "answered": [True, False, None, None]})
        >>> record_counts(frame)
        {'answered': 1, 'not_answered': 1, 'in_progress': 1, 'not_found': 0, 'error': 0}
    """
    submitted = results["outcome"].astype("str").to_numpy(dtype=object) == SUBMITTED
    status = results["record_status"].astype("str").to_numpy(dtype=object)
    answered = results["answered"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    final = submitted & (status == "final")
    return {
        "answered": int((final & answered).sum()),
        "not_answered": int((final & ~answered).sum()),
        "in_progress": int((submitted & (status == "in_progress")).sum()),
        "not_found": int((submitted & (status == "not_found")).sum()),
        "error": int((submitted & (status == "error")).sum()),
    }


class FollowUpPart(Background):
    """``records_button`` and ``records_msg``; ``follow_up_button`` and its confirmation
    (``follow_up_box``: ``follow_up_label``, ``follow_up_confirm``, ``follow_up_back``).

    ``thread`` is the records fetch running in the background (None before the first).
    """

    def __init__(self, check: CheckSend, results: ResultsPart, errors: ErrorBox) -> None:
        self.check, self.results, self.errors = check, results, errors
        self.thread: threading.Thread | None = None
        self._busy = False
        self.records_button = w.Button(
            description="Fetch call records", icon="download", disabled=True,
            tooltip="Ask the API what became of each call (answered or not); the calls must "
            "have ended", layout=w.Layout(width="180px"),
        )
        self.records_button.add_class("iv-fetch-records")
        self.records_msg = html_out("iv-records-msg")
        self.follow_up_button = w.Button(
            description="Send follow-up…", icon="redo", disabled=True,
            tooltip="Call again, as a new follow-up campaign, the numbers whose call was not "
            "answered (you confirm first)", layout=w.Layout(width="300px"),
        )
        self.follow_up_button.add_class("iv-follow-up")
        self.follow_up_label = html_out("iv-follow-up-text")
        self.follow_up_confirm = w.Button(description="Yes, send the follow-up",
                                          button_style="danger", icon="phone",
                                          tooltip="Send the follow-up said above",
                                          layout=w.Layout(width="220px"))
        self.follow_up_confirm.add_class("iv-follow-up-confirm")
        self.follow_up_back = w.Button(description="Back", icon="times",
                                       tooltip="Do not send the follow-up")
        self.follow_up_back.add_class("iv-follow-up-back")
        self.follow_up_box = w.VBox(
            [self.follow_up_label, w.HBox([self.follow_up_confirm, self.follow_up_back])],
            layout=w.Layout(display="none", border=f"2px solid {WARN}", padding="6px",
                            margin="6px 0"),
        )
        self.follow_up_box.add_class("iv-follow-up-box")
        self.box = w.VBox([row(self.records_button, self.follow_up_button), self.records_msg,
                           self.follow_up_box])
        self.box.add_class("iv-after-send")
        self.rows: list[Any] = [self.box]
        self.records_button.on_click(self._on_records)
        self.follow_up_button.on_click(self._on_follow_up)
        self.follow_up_confirm.on_click(self._on_confirm)
        self.follow_up_back.on_click(self._on_back)
        check.on_results.append(self.results_changed)
        check.busy_hooks.append(self.set_busy)

    def report_error(self, err: BaseException) -> None:
        self.errors.show(err)

    # ------------------------------------------------------------------ state

    def _unanswered(self) -> int:
        results = self.results.results
        if results is None or "record_status" not in results.columns:
            return 0
        return int(np.count_nonzero(pick(results, "unanswered")))

    def update(self) -> None:
        """Enable what can be done with the results shown."""
        results = self.results.results
        busy = self._busy or self.check.sending
        submitted = (results is not None
                     and bool((results["outcome"].astype("str") == SUBMITTED).any()))
        can_call = self.check.sent is not None
        self.records_button.disabled = busy or not submitted or not can_call
        n = self._unanswered()
        self.follow_up_button.description = (
            f"Send follow-up to {n:,} unanswered" if n else "Send follow-up…"
        )
        self.follow_up_button.disabled = busy or not n or not can_call

    def set_busy(self, busy: bool) -> None:
        if busy:
            self._hide_confirmation()
        self.update()

    def results_changed(self, results: pd.DataFrame) -> None:
        """A send (or a follow-up) ended: its results are the ones shown."""
        self.records_msg.value = ""
        self.update()

    @property
    def records_text(self) -> str:
        """The call records' counts as plain text ("" before a fetch)."""
        text = re.sub(r"<[^>]+>", "", self.records_msg.value)
        return html.unescape(text).strip()

    # ------------------------------------------------------------------ call records

    @guarded
    def _on_records(self, button: Any = None) -> None:
        results, sent = self.results.results, self.check.sent
        if results is None or sent is None or self._busy or self.check.sending:
            return
        self.errors.clear()
        self._busy = True
        self.update()
        self.records_msg.value = note("Fetching the call records…")
        self.thread = threading.Thread(target=self._records_worker, args=(results, sent),
                                       name="itnivoice-call-records", daemon=True)
        self.thread.start()

    def _records_worker(self, results: pd.DataFrame, sent: Sent) -> None:
        try:
            calls = call_outcomes(results, client=sent.client, progress=False)
        except Exception as err:  # shown in the form, never as a traceback
            self.records_msg.value = note(f"Could not fetch the call records: "
                                          f"{esc(readable(err))}", BAD)
            self.errors.remember(err)
        else:
            if self.results.results is results:  # nothing newer was sent meanwhile
                calls.attrs.update(results.attrs)
                self.results.render(calls, funnel=True)
                self.records_msg.value = note(esc(self._records_words(calls)))
        finally:
            # The client's connections stay open: a new send may be using the same client.
            self._busy = False
            self.update()

    @staticmethod
    def _records_words(calls: pd.DataFrame) -> str:
        c = record_counts(calls)
        parts = [f"{c['answered']:,} answered", f"{c['not_answered']:,} not answered"]
        if c["in_progress"]:
            parts.append(f"{c['in_progress']:,} still in progress (fetch again later)")
        if c["not_found"]:
            parts.append(f"{c['not_found']:,} with no record yet (fetch again later)")
        if c["error"]:
            parts.append(f"{c['error']:,} could not be fetched (fetch again)")
        return "Call records: " + ", ".join(parts) + "."

    # ------------------------------------------------------------------ the follow-up

    def confirmation_lines(self) -> list[str]:
        results, sent = self.results.results, self.check.sent
        assert results is not None and sent is not None
        n = self._unanswered()
        file_id = (results.attrs.get("message") or {}).get("file_id", "the same audio")
        return [
            f"Send a follow-up to {plural(n, 'number')} whose call was not answered, with "
            f"fileId {file_id} on {sent.account}?",
            f"It is a new campaign, {follow_up_label(results)!r}: only these {n:,} are called "
            "again, with the same campaign options (calling hours, numbers not to call, cost "
            "limit).",
        ]

    @property
    def confirm_text(self) -> str:
        text = re.sub(r"</div>", " ", self.follow_up_label.value)
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", text))).strip()

    @guarded
    def _on_follow_up(self, button: Any = None) -> None:
        if self.results.results is None or self.check.sent is None or not self._unanswered():
            return
        self.errors.clear()
        lines = self.confirmation_lines()
        self.follow_up_label.value = (
            f'<div style="font-size:1.05em"><b>{esc(lines[0])}</b></div>'
            + "".join(f"<div>{esc(line)}</div>" for line in lines[1:])
        )
        self.follow_up_box.layout.display = "flex"
        self.follow_up_button.disabled = True

    def _hide_confirmation(self) -> None:
        self.follow_up_box.layout.display = "none"
        self.follow_up_label.value = ""

    @guarded
    def _on_back(self, button: Any = None) -> None:
        self._hide_confirmation()
        self.update()

    @guarded
    def _on_confirm(self, button: Any = None) -> None:

        results, sent = self.results.results, self.check.sent
        if results is None or sent is None or self._busy or self.check.sending:
            return
        n = self._unanswered()
        if not n:
            return
        self._hide_confirmation()
        label = follow_up_label(results)
        check = self.check

        def job(progress: Any, cancel: threading.Event) -> pd.DataFrame:
            return follow_up(
                results, client=sent.client, who="unanswered", journal=check.journal,
                concurrency=check.concurrency, progress=progress, cancel=cancel,
                **sent.plan_kwargs, **sent.send_kwargs,
            )

        check.start(job, total=n, client=sent.client, heading=f"Follow-up {label!r}: ",
                    words=f"Sending the follow-up {label!r} to {plural(n, 'number')} on "
                    f"{sent.account}…")

