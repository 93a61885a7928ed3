"""Check → plan, the confirmation, Send → ``plan.send`` on a worker thread, Cancel, progress.

**Check** builds a :class:`~itnivoice_nb.SendPlan` with :func:`itnivoice_nb.plan` from the
fields and the campaign options (calling hours, suppression lists, cost bound): a snapshot (the
rows are copied), so editing the DataFrame afterwards changes nothing about it. **Send…** states
the plan in words (numbers to call, skipped as invalid / duplicate / already called and by
which campaign, deferred to their calling hours and when they open, excluded and by which
lists, the cost bound, the account, the requests) and waits for **Yes, send**, which runs
exactly that plan: ``plan.send(...)`` on a background thread with the form's own progress bar.
Any edit after Check drops the plan (Send is disabled until a new Check). **Cancel** stops the
send after the requests in flight; whatever the timing, the status tells what really happened.

Example (the form's own sandbox; ``journal=None`` keeps the journal in memory):
    >>> import pandas as pd, itnivoice_nb as iv
    >>> form = iv.send_form(pd.DataFrame({"phone": ["+91 85632 14120", "12"]}), journal=None)
    >>> form.app_id.value, form.file_id.value = "4luaKsL2", "hello.mp3"
    >>> form.check_button.click()
    >>> form.plan.to_call, form.plan.requests
    (1, 1)
    >>> form.send_button.click()
    >>> form.confirm_text.startswith("Call 1 number with fileId hello.mp3 on the local SANDBOX")
    True
    >>> form.confirm_button.click(); form.wait(30)
    True
    >>> form.results["outcome"].astype(str).tolist(), form.status_text
    (['submitted', 'invalid'], 'Sent: 1 of 1 numbers submitted.')
    >>> form.close()
"""

from __future__ import annotations

import html
import re
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any, Final

import ipywidgets as w
import pandas as pd

from .._client import VoiceClient
from .._errors import CostLimitError, ItniotechError, SendInterrupted, SendStopped
from .._numbers import mask_number, prepare
from .._outcomes import NOT_SENT
from .._plan import plan as make_plan
from .._sendplan import DEFAULT_JOURNAL, SendPlan
from .._vendor import MAX_CALLEES
from ._common import (
    BAD,
    MUTED,
    OK,
    RESEND_UNKNOWN_LABEL,
    WARN,
    Background,
    ErrorBox,
    esc,
    for_people,
    guarded,
    html_out,
    note,
    plural,
    readable,
)
from .account import AccountPart, account_words
from .message import MessagePart
from .options import OptionsPart
from .recipients import RecipientsPart
from .results import ResultsPart, Statement, outcome_statement

__all__ = [
    "COUNT_WORDS", "DEFAULT_JOURNAL", "REFUSED_SHOWN", "CheckSend", "Sent", "confirmation_lines",
]  # fmt: skip

REFUSED_SHOWN: Final = 200
"""At most this many rows that will not be called are listed after a check."""


COUNT_WORDS: Final = {
    "to_call": "to call",
    "valid": "valid",
    "invalid": "invalid",
    "duplicate": "duplicate",
    "already_called": "already called",
    "deferred": "deferred",
    "excluded": "excluded",
    "done": "sent in an earlier run",
    "unknown": "of unknown outcome in an earlier run",
}
"""How the check and the confirmation name the plan's counts (others: the key, spaced)."""
_ALWAYS_SHOWN: Final = ("to_call", "valid", "invalid", "duplicate", "already_called")


def _shown_counts(plan: SendPlan) -> list[str]:
    """The keys of ``plan.counts`` to show: the usual four, and the others when not zero."""
    keys = ["to_call", *(k for k in plan.counts if k != "to_call")]
    return [k for k in keys if k in _ALWAYS_SHOWN or plan.counts.get(k, 0)]


def _count_words(plan: SendPlan) -> str:
    """``"10 rows: 6 to call, 3 invalid, 1 duplicate, 0 already called"``."""
    counts = {**plan.counts, "to_call": plan.to_call}
    parts = [f"{counts[key]:,} {COUNT_WORDS.get(key, key.replace('_', ' '))}"
             for key in _shown_counts(plan)]
    return f"{plural(plan.rows, 'row')}: " + ", ".join(parts)


def _hour_utc(moment: Any) -> str:
    """``"2026-11-28 between 03:00 and 04:00 UTC"`` (the schedule counts rows by the hour)."""
    start = pd.Timestamp(moment).tz_convert("UTC")
    end = start + pd.Timedelta(hours=1)
    return f"{start:%Y-%m-%d} between {start:%H:%M} and {end:%H:%M} UTC"


def deferred_words(plan: SendPlan) -> str | None:
    """The calling hours and the deferred rows in words: how many, and when the first open.

    None when the plan has no calling hours.
    """
    if plan.window is None:
        return None
    deferred = plan.counts.get("deferred", 0)
    hours = f"calling hours {plan.window}, in each recipient's time zone"
    if not deferred:
        return f"Every number to call is inside its {hours}."
    text = f"Deferred: {plural(deferred, 'number')} outside their {hours}"
    table = plan.schedule
    if table is not None and len(table):
        known = table.dropna(subset=["opens_utc"])
        if len(known):
            first = known.iloc[0]
            text += (f"; the first ({int(first['rows']):,}) open on "
                     f"{_hour_utc(first['opens_utc'])}")
        never = int(table.loc[table["opens_utc"].isna(), "rows"].sum())
        if never:
            text += (f"; {plural(never, 'number')} do not open within 8 days (no time zone "
                     "known: fill in 'Default time zone'; or no calling hour in common)")
    return text + ". Click Check, then Send…, again once they open to call them."


def excluded_words(plan: SendPlan) -> str | None:
    """The excluded count and the lists that excluded them (None when nothing is excluded)."""
    excluded = plan.counts.get("excluded", 0)
    if not excluded:
        return None
    lists = ", ".join(plan.excluded_lists)
    why = (f"on the suppression lists ({lists}) or refused as blacklisted before" if lists
           else "refused by the API as blacklisted before")
    return f"Excluded: {plural(excluded, 'number')}, {why}."


def confirmation_lines(
    plan: SendPlan, account: str, *, allow_repeat: bool = False, resend_unknown: bool = False
) -> list[str]:
    """The plan in words, one sentence a line: what **Yes, send** will do.

    ``account`` names the account (see :func:`~itnivoice_nb._form.account.account_words`);
    ``allow_repeat`` and ``resend_unknown``: whether those boxes are ticked.
    """
    number = "number" if plan.to_call == 1 else "numbers"
    lines = [
        f"Call {plan.to_call:,} {number} with fileId {plan.audio} on {account}, "
        f"in {plural(plan.requests, 'request')}?",
        _count_words(plan) + ".",
    ]
    if plan.already_called_by:
        who = "; ".join(f"{n:,} by {by}" for by, n in plan.already_called_by.items())
        hint = "" if allow_repeat else " (tick 'Allow calling again' to call them again)"
        lines.append(f"Skipped as already called: {who}{hint}.")
    for extra in (deferred_words(plan), excluded_words(plan)):
        if extra:
            lines.append(extra)
    unknown = plan.counts.get("unknown", 0)
    if unknown:
        lines.append(
            f"{plural(unknown, 'number')} sent by an earlier run of this campaign have an unknown "
            "outcome (the request may have been charged): "
            + (f"they are sent again ('{RESEND_UNKNOWN_LABEL}' is ticked) and may be charged "
               "twice." if resend_unknown else
               f"they are not sent again (tick '{RESEND_UNKNOWN_LABEL}' in the campaign options "
               "to resend them).")
        )
    cost = plan.cost_text()
    if cost:
        lines.append(for_people(cost))
    label = "no label" if plan.campaign is None else repr(plan.campaign)
    resumed = (", already in the journal: the numbers it already sent are not sent again"
               if plan.resumed else "")
    lines.append(f"Campaign: {label}{resumed}.")
    return lines


@dataclass(frozen=True)
class Sent:
    """What the last send was made with: the client, the account in words, and the plan's
    and the send's options (a follow-up uses the same)."""

    client: VoiceClient
    account: str
    plan_kwargs: dict[str, Any] = default(default_factory=dict)
    send_kwargs: dict[str, Any] = default(default_factory=dict)


Job = Callable[[Callable[[int, int, dict[str, int]], None], threading.Event], pd.DataFrame]
"""A send run on the form's thread: ``job(progress, cancel) -> results``."""


class CheckSend(Background):
    """The check-and-send section and its logic (the controller of the form).

    Widgets: ``check_button``, ``send_button``, ``cancel_button``, ``check_output``,
    ``refused_table``, ``confirm_box`` (``confirm_label``, ``confirm_button``,
    ``back_button``), ``progress`` and ``progress_label``. State: ``plan`` (the plan of the
    last passing Check, None after any change), ``counts``, ``thread`` (the background send),
    ``sent`` (what the last send was made with). :meth:`start` runs any send (the plan's, or a
    follow-up) on the background thread with the progress bar and Cancel; ``on_results``
    hooks are called with each send's results, ``busy_hooks`` with True / False as a send
    starts and ends.
    """

    def __init__(
        self,
        *,
        recipients: RecipientsPart,
        message: MessagePart,
        account: AccountPart,
        results: ResultsPart,
        errors: ErrorBox,
        options: OptionsPart | None = None,
        journal: Any = DEFAULT_JOURNAL,
        batch_size: int = MAX_CALLEES,
        concurrency: int = 4,
    ) -> None:
        self.recipients, self.message, self.account = recipients, message, account
        self.results, self.errors = results, errors
        self.options = options if options is not None else OptionsPart(lambda: None, errors)
        self.journal = journal
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.plan: SendPlan | None = None
        self.counts: dict[str, int] = {}
        self.thread: threading.Thread | None = None
        self._cancel: threading.Event | None = None
        self._sending = False
        self._lock = threading.Lock()
        self._notes: list[str] = []
        self._plan_kwargs: dict[str, Any] = {}
        self.sent: Sent | None = None
        self.on_results: list[Callable[[pd.DataFrame], None]] = []
        self.busy_hooks: list[Callable[[bool], None]] = []

        self.check_button = w.Button(description="Check", button_style="info", icon="check",
                                     tooltip="Validate every row and field; nothing is sent")
        self.check_button.add_class("iv-check")
        self.send_button = w.Button(description="Send…", button_style="warning", icon="phone",
                                    disabled=True, tooltip="Enabled once the check passes")
        self.send_button.add_class("iv-send")
        self.cancel_button = w.Button(description="Cancel", icon="stop", disabled=True,
                                      tooltip="Stop after the requests in flight")
        self.cancel_button.add_class("iv-cancel")
        self.check_output = html_out("iv-check-output")
        self.refused_table = html_out("iv-refused")
        self.confirm_label = html_out("iv-confirm-text")
        self.confirm_button = w.Button(description="Yes, send", button_style="danger",
                                       icon="phone", tooltip="Send exactly what is said above")
        self.confirm_button.add_class("iv-confirm")
        self.back_button = w.Button(description="Back", icon="times",
                                    tooltip="Do not send; change the fields or check again")
        self.back_button.add_class("iv-back")
        self.confirm_box = w.VBox(
            [self.confirm_label, w.HBox([self.confirm_button, self.back_button])],
            layout=w.Layout(display="none", border=f"2px solid {WARN}", padding="6px",
                            margin="6px 0"),
        )
        self.confirm_box.add_class("iv-confirm-box")
        self.progress = w.IntProgress(value=0, min=0, max=1, bar_style="info",
                                      layout=w.Layout(width="430px"))
        self.progress.add_class("iv-progress")
        self.progress_label = html_out("iv-progress-label")
        self.progress_box = w.HBox([self.progress, self.progress_label],
                                   layout=w.Layout(display="none", align_items="center"))
        self.rows: list[Any] = [
            w.HBox([self.check_button, self.send_button, self.cancel_button]),
            self.check_output,
            self.refused_table,
            self.confirm_box,
        ]
        self.check_button.on_click(self._on_check)
        self.send_button.on_click(self._on_send)
        self.confirm_button.on_click(self._on_confirm)
        self.back_button.on_click(self._on_back)
        self.cancel_button.on_click(self._on_cancel)

    def report_error(self, err: BaseException) -> None:
        self.errors.show(err)

    @property
    def sending(self) -> bool:
        return self._sending

    # ------------------------------------------------------------------ the plan goes stale

    def invalidate(self) -> None:
        """Any change after a check: the plan no longer holds; Send waits for a new Check."""
        if self._sending:
            return
        had_plan = self.plan is not None
        self.plan = None
        self.send_button.disabled = True
        self.confirm_box.layout.display = "none"
        self.confirm_label.value = ""
        if had_plan:
            self.check_output.value = note("Changed since the last check: click Check again.")
            self.refused_table.value = ""
            self.counts = {}

    # ------------------------------------------------------------------ check

    @guarded
    def _on_check(self, button: Any = None) -> None:
        if self._sending:
            return
        self.errors.clear()
        self.invalidate()
        self.check_output.value = ""
        self.refused_table.value = ""
        self.counts = {}
        problems: list[str] = []
        df, column = self.recipients.df, self.recipients.column.value
        by = self.message.segment_column()
        if by is not None and (df is None or by not in df.columns):
            by = None
            problems.append("choose again in 'One message per value of'")
        segments = () if by is None or df is None else df[by].dropna().unique()
        message, bad = self.message.message(segments)
        if bad:
            labels = [str(getattr(self.message, name).description) for name in bad]
            problems.append("fix the message field" + ("s" if len(bad) > 1 else "") + " "
                            + ", ".join(f"'{label}'" for label in labels))
        region_ok = self.recipients.validate_region()
        if not region_ok:
            problems.append("fix 'Default region'")
        options, wrong = self.options.plan_kwargs()
        if wrong:
            problems.append("fix the campaign options: " + ", ".join(wrong))
        client = None
        try:
            client = self.account.client()
        except ItniotechError as err:
            self.account.account_msg.value = note(esc(readable(err)), BAD)
            problems.append("give the API key and secret, or switch the sandbox on")
        if df is None or column is None:
            problems.append("choose recipients: upload a CSV / Excel file, or give the form a "
                            "table in the notebook")
            self._show_check(None, problems, [])
            return
        region = self.recipients.region_value() if region_ok else None
        plan: SendPlan | None = None
        kwargs = dict(options, default_region=region, batch_size=self.batch_size)
        # Their warnings (e.g. a column renamed to make room) are shown with the counts.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if message is not None and client is not None and region_ok and not wrong:
                try:
                    plan = make_plan(
                        df, message, column=column, client=client, by=by,
                        campaign=self.message.campaign_value(),
                        allow_repeat=bool(self.message.allow_repeat.value),
                        journal=self.journal, **kwargs,
                    )  # fmt: skip
                except (ValueError, TypeError) as err:
                    option = self.options.show_plan_error(err)
                    if option is None:
                        raise
                    problems.append(f"fix the campaign options: {option}")
            if plan is not None:
                counts = self._plan_counts(plan)
                self.refused_table.value = _not_called_html(df, column, plan.preview())
            else:
                counts = _prepare_counts(df, column, region)
        self._notes = list(dict.fromkeys(for_people(str(item.message)) for item in caught))
        self.counts = counts
        if plan is not None and plan.to_call == 0:
            if counts.get("already_called"):
                problems.append("no number to call: every valid number was already called (tick "
                                "'Allow calling again' to call them again)")
            elif counts.get("done"):
                problems.append(f"no number to call: this campaign was sent already "
                                f"({counts['done']:,} numbers; tick 'Allow calling again' to "
                                "send it again)")
            elif counts.get("deferred") or counts.get("excluded"):
                problems.append("no number to call now: every valid number is deferred to its "
                                "calling hours or excluded")
            else:
                problems.append("no valid number to call")
        elif plan is None and counts["valid"] == 0:
            problems.append("no valid number to call")
        if plan is not None and plan.to_call:
            try:
                plan.check_cost()  # the package's rule for max_cost, said before any send
            except CostLimitError as err:
                said = readable(err).replace("; nothing was sent.", ".")
                said = said.replace(" Nothing was sent.", "")
                self.options.max_cost_msg.value = note(esc(said), BAD)
                self.options.open()
                problems.append(said.rstrip("."))
        self._show_check(plan, problems, self._notes)
        if problems or plan is None:
            return
        self.plan = plan
        self._plan_kwargs = kwargs
        self.send_button.disabled = False

    @staticmethod
    def _plan_counts(plan: SendPlan) -> dict[str, int]:
        counts = {"rows": plan.rows}
        skipped = plan.counts.get("invalid", 0) + plan.counts.get("duplicate", 0)
        counts["valid"] = plan.rows - skipped
        counts.update({key: int(n) for key, n in plan.counts.items()})
        counts["to_call"] = plan.to_call
        counts["requests"] = plan.requests
        return counts

    def _show_check(
        self, plan: SendPlan | None, problems: list[str], notes: list[str],
        passed: str = "Check passed: click Send… to review and confirm.",
    ) -> None:  # fmt: skip
        counts = self.counts
        parts = []
        if counts:
            def span(key: str, colour: str = "") -> str:
                style = f' style="color:{colour}"' if colour else ""
                return f'<span class="iv-count-{key}"{style}>{counts[key]:,}</span>'

            shown = ["valid", "invalid", "duplicate"] if plan is None else _shown_counts(plan)
            colours = {"to_call": OK, "valid": OK, "invalid": BAD}
            words = [f"{span(key, colours.get(key, ''))} "
                     f"{COUNT_WORDS.get(key, key.replace('_', ' '))}" for key in shown]
            requests = (f"{span('requests')} request{'' if counts['requests'] == 1 else 's'} "
                        f"(≤{min(self.batch_size, MAX_CALLEES)} numbers each)"
                        if "requests" in counts else "– requests")
            parts.append(
                '<div class="iv-counts" style="font-size:1.05em; margin:6px 0">'
                f"<b>{span('rows')} rows</b>: " + " · ".join([*words, requests]) + "</div>"
            )
        if problems:
            parts.append(
                f'<div class="iv-check-result iv-check-failed" style="color:{BAD}">'
                "Not ready: " + esc("; ".join(problems)) + ".</div>"
            )
        else:
            parts.append(
                f'<div class="iv-check-result iv-check-passed" style="color:{OK}">'
                f"{esc(passed)}</div>"
            )
        parts.extend(f'<div class="iv-check-note">{note(esc(n))}</div>' for n in notes)
        self.check_output.value = "".join(parts)

    # ------------------------------------------------------------------ confirm

    def account_words(self, plan: SendPlan) -> str:
        return account_words(plan.api_key, plan.client.base_url, sandbox=plan.sandbox,
                             own_sandbox=self.account.is_own_sandbox(plan.client))

    @guarded
    def _on_send(self, button: Any = None) -> None:
        plan = self.plan
        if plan is None or self._sending:
            return
        self.errors.clear()
        lines = confirmation_lines(
            plan, self.account_words(plan), allow_repeat=bool(self.message.allow_repeat.value),
            resend_unknown=bool(self.options.resend_unknown.value),
        )
        self.confirm_label.value = (
            f'<div style="font-size:1.05em"><b>{esc(lines[0])}</b></div>'
            + "".join(f"<div>{esc(line)}</div>" for line in lines[1:])
        )
        self.confirm_box.layout.display = "flex"
        self.send_button.disabled = True

    @guarded
    def _on_back(self, button: Any = None) -> None:
        self.confirm_box.layout.display = "none"
        self.confirm_label.value = ""
        self.send_button.disabled = self.plan is None

    @property
    def confirm_text(self) -> str:
        """The confirmation as plain text ("" when none is shown)."""
        text = re.sub(r"</div>", " ", self.confirm_label.value)
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", text))).strip()

    # ------------------------------------------------------------------ send

    def set_busy(self, busy: bool) -> None:
        """While a send runs every input is disabled, and Cancel is enabled."""
        self._sending = busy
        for field in (*self.recipients.inputs, *self.message.inputs):
            field.disabled = busy
        self.account.set_busy(busy)
        self.message.set_busy(busy)
        self.options.set_busy(busy)
        for hook in self.busy_hooks:
            hook(busy)
        self.check_button.disabled = busy
        self.send_button.disabled = True
        self.cancel_button.disabled = not busy
        self.cancel_button.button_style = "danger" if busy else ""

    @guarded
    def _on_confirm(self, button: Any = None) -> None:
        plan = self.plan
        if plan is None or self._sending:
            return
        self.confirm_box.layout.display = "none"
        self.confirm_label.value = ""
        self._show_check(plan, [], self._notes,
                         passed="Sent with this check; click Check again before another send.")
        self.plan = None  # a plan is sent once; another send needs another Check
        send_kwargs = self.options.send_kwargs()
        self.sent = Sent(plan.client, self.account_words(plan), dict(self._plan_kwargs),
                         send_kwargs)

        def job(progress: Callable[[int, int, dict[str, int]], None],
                cancel: threading.Event) -> pd.DataFrame:
            return plan.send(concurrency=self.concurrency, progress=progress, cancel=cancel,
                             **send_kwargs)

        self.start(job, total=plan.to_call, client=plan.client,
                   words=f"Sending to {plural(plan.to_call, 'number')} on {self.sent.account}…")

    def start(self, job: Job, *, total: int, client: VoiceClient, words: str,
              heading: str = "") -> None:
        """Run ``job`` (a send) on the background thread, with the progress bar and Cancel;
        then say its outcome (after ``heading``) and show its results."""
        from .._reporting import _plots  # noqa: F401  (imported on the UI thread, before the send)

        self.results.clear()
        self.progress.max = max(1, total)
        self.progress.value = 0
        self.progress.bar_style = "info"
        self.progress_label.value = note(f"0 of {total:,} numbers answered")
        self.progress_box.layout.display = "flex"
        self._cancel = threading.Event()
        self.set_busy(True)
        self.results.say(words)
        self.thread = threading.Thread(
            target=self._send_worker, args=(job, client, self._cancel, heading),
            name="itnivoice-send-form", daemon=True,
        )
        self.thread.start()

    def _send_worker(self, job: Job, client: VoiceClient, cancel: threading.Event,
                     heading: str) -> None:
        results: pd.DataFrame | None = None
        error: BaseException | None = None
        cancelled = stopped = False
        try:
            # The form's own bar: tqdm's notebook bar, drawn from this thread, would go astray.
            results = job(self._on_progress, cancel)
        except SendInterrupted as err:
            results, cancelled = err.results, True
        except SendStopped as err:
            results, error, stopped = err.results, err, True
        except BaseException as err:  # shown in the form, never as a traceback
            error = err
            results = getattr(err, "results", None)  # a JournalError's rows, when known
            if not isinstance(results, pd.DataFrame):
                results = None
        try:
            self._finish(results, error, cancelled=cancelled, stopped=stopped, heading=heading)
        except BaseException as err:
            self.errors.show(err)
        finally:
            if self.account.may_close(client):
                client.close()  # the form's own connections; a client passed in stays open
            with self._lock:
                self._sending = False
            self.set_busy(False)
        if results is not None:
            for hook in self.on_results:
                try:
                    hook(results)
                except Exception as err:  # shown in the form, never as a traceback
                    self.errors.show(err)

    def _on_progress(self, done: int, total: int, counts: dict[str, int]) -> None:
        """A batch ended (called by ``plan.send`` on the form's send thread)."""
        self.progress.max = max(1, total)
        self.progress.value = min(done, total)
        self.progress_label.value = note(f"{done:,} of {total:,} numbers answered")

    def _finish(
        self, results: pd.DataFrame | None, error: BaseException | None, *,
        cancelled: bool, stopped: bool, heading: str = "",
    ) -> None:  # fmt: skip
        with self._lock:  # after this, a late Cancel changes nothing: the status is final
            self._sending = False
            if error is not None:
                self.errors.show(error)
            if results is None:
                self.progress.bar_style = "danger"
                self.results.say(heading + ("The send failed: nothing is known to have been "
                                            "sent; see the error below." if error is not None
                                            else "The send failed."), BAD)
                return
            said = outcome_statement(results, cancelled=cancelled, stopped=stopped)
            if heading:
                said = Statement(heading + said.text, said.colour, said.bar_style, said.sent,
                                 said.total, said.failed, said.not_sent)
            self.progress.max = max(1, said.total)
            self.progress.value = said.sent
            self.progress.bar_style = said.bar_style
            self.progress_label.value = note(
                f"{said.sent:,} of {said.total:,} numbers sent"
                + (f"; {said.failed:,} failed" if said.failed else "")
                + (f"; {said.not_sent:,} not sent" if said.not_sent else ""),
                said.colour if said.colour != OK else MUTED,
            )
            self.results.show(results, said)
        self.results.render(results)

    @guarded
    def _on_cancel(self, button: Any = None) -> None:
        with self._lock:
            if not self._sending or self._cancel is None:
                return  # the send has ended already: its status stands
            self._cancel.set()
            self.cancel_button.disabled = True
            self.results.say("Cancelling: the requests in flight finish, no new one starts…",
                             WARN)

    def close(self) -> None:
        """Cancel a running send and wait for it (at most 30 s)."""
        if self._cancel is not None:
            self._cancel.set()
        super().close()


def _prepare_counts(df: pd.DataFrame, column: Any, region: str | None) -> dict[str, int]:
    """Rows, valid, invalid and duplicate counts when no plan can be made (a field is wrong)."""
    frame = prepare(df, column=column, default_region=region)
    valid = frame["valid"].to_numpy(dtype=bool)
    duplicate = frame["duplicate"].to_numpy(dtype=bool)
    return {
        "rows": len(frame),
        "valid": int((valid & ~duplicate).sum()),
        "invalid": int((~valid).sum()),
        "duplicate": int((valid & duplicate).sum()),
    }


def _not_called_html(df: pd.DataFrame, column: Any, preview: pd.DataFrame) -> str:
    """The rows the plan will not call (invalid, duplicate, already called…), numbers masked.

    ``preview`` is the plan's dry-run results, row for row in the order of ``df``.
    """
    outcome = preview["outcome"].astype(str).to_numpy(dtype=object)
    skipped = outcome != NOT_SENT
    n = int(skipped.sum())
    if n == 0:
        return ""
    raw = df[column].to_numpy(dtype=object)[skipped][:REFUSED_SHOWN]
    labels = preview.index[skipped][:REFUSED_SHOWN]
    reasons = preview["outcome_reason"].to_numpy(dtype=object)[skipped][:REFUSED_SHOWN]
    kinds = outcome[skipped][:REFUSED_SHOWN]
    cell = "style='padding:1px 12px 1px 0; text-align:left'"
    body = "".join(
        f"<tr><td {cell}>{esc(label)}</td><td {cell}><code>{esc(mask_number(value))}"
        f"</code></td><td {cell}>{esc(kind)}</td><td {cell}>"
        f"{esc('' if pd.isna(why) else for_people(str(why)))}</td></tr>"
        for label, value, kind, why in zip(labels, raw, kinds, reasons, strict=True)
    )
    more = f" (the first {REFUSED_SHOWN:,} are shown)" if n > REFUSED_SHOWN else ""
    head = "".join(f"<th {cell}>{name}</th>" for name in ("row", "number", "outcome", "reason"))
    return (
        f"<details class='iv-refused-rows' {'open' if n <= 20 else ''}>"
        f"<summary>{plural(n, 'row')} will not be called{more}</summary>"
        "<table style='border-collapse:collapse; font-size:0.9em; margin:4px 0 4px 16px'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )

