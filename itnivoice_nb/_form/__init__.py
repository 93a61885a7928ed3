"""The send form: an ipywidgets form over ``iv.plan`` → confirm → ``plan.send`` → summary.

:func:`send_form` returns a :class:`SendForm`: recipients (the DataFrame passed in, or a CSV /
Excel file uploaded in the form) and the phone column; the message fields, each validated by
:class:`~itnivoice_nb.VoiceMessage` as it is typed; the campaign label and whether numbers
already called may be called again; the campaign options (calling hours in each recipient's
time zone, suppression lists uploaded or typed, rates and a cost limit); the account (API key
and secret, or the local sandbox); **Check**, which makes a :class:`~itnivoice_nb.SendPlan` (a
snapshot of the rows: editing the DataFrame afterwards changes nothing) and shows its counts
and the rows it will not call; **Send…**, which states the plan in words (deferred rows and
when they open, exclusions, the cost bound) and, once confirmed, runs exactly that plan on a
background thread with a progress bar and a **Cancel** button; then the outcome in plain words,
the summary table, the outcome chart and **Download CSV** / **Download Excel** links;
**Fetch call records** and **Send follow-up to N unanswered** (confirmed first). The form has
no rules of its own: every decision is made by the package's functions, and every error they
raise is shown in the form as text, in the form's words (the fields and boxes it shows, never
Python). Its colours follow JupyterLab's light and dark themes.

The API secret typed in the Password field is used to build the client and then cleared from
the field: no widget state, saved notebook or HTML export holds it, and it is shown nowhere
(not in labels, the confirmation, the form's repr or its notebook output). A secret set in
``$ITNIOTECH_API_SECRET`` is used when the field is left blank and is never copied into it.

One module per job: :mod:`.recipients` (data, upload, column, region), :mod:`.message`
(message fields, audio upload, campaign settings), :mod:`.options` (calling hours, suppression
lists, cost), :mod:`.account` (key, secret, sandbox), :mod:`.check_send` (Check → plan,
confirmation, Send, Cancel, progress), :mod:`.results` (outcome statement, summary, chart,
downloads), :mod:`.followup` (call records, follow-up), :mod:`.sendform` (the form put
together).

Example (against the form's own local sandbox; ``journal=None``: an in-memory journal):
    >>> import pandas as pd
    >>> from itnivoice_nb._form import send_form
    >>> df = pd.DataFrame({"name": ["a", "b"], "mobile": ["+91 85632 14120", "12"]})
    >>> form = send_form(df, journal=None)
    >>> form.column.value
    'mobile'
    >>> form.app_id.value, form.file_id.value = "4luaKsL2", "hello.mp3"
    >>> form.sandbox_switch.value = True
    >>> form.check_button.click()
    >>> form.counts["to_call"], form.counts["invalid"], form.send_button.disabled
    (1, 1, False)
    >>> form.close()

In a notebook, put ``form`` (or ``iv.send_form(df)``) last in a cell to show it; after a send,
``form.results`` is the results DataFrame (one row per input row).
"""

from __future__ import annotations

from .recipients import guess_phone_column
from .sendform import SendForm, send_form

__all__ = ["SendForm", "guess_phone_column", "send_form"]
