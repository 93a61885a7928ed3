"""The send form: an ipywidgets form over ``prepare`` → check → ``send`` → summary, in a notebook.

:func:`send_form` returns a :class:`SendForm`: recipients (the DataFrame passed in, or a CSV /
Excel file uploaded in the form) and the phone column; the message fields, each validated by
:class:`~itnivoice_nb.VoiceMessage` as it is typed; the account (API key and secret, or the
local sandbox); **Check** (counts, requests, the refused rows with masked numbers); **Send**
(enabled only by a passing check, confirmed in words, run on a background thread with a progress
bar and a **Cancel** button); then the summary table and the outcome chart, and
``form.results`` for the next cell. The form has no rules of its own: every decision is made by
the package's public functions, and every error they raise is shown in the form as text.

The API secret typed in the Password field is used to build the client and shown nowhere else
(not in labels, the confirmation, the form's repr or its notebook output). A secret set in
``$ITNIOTECH_API_SECRET`` is used when the field is left blank and is never copied into it.

Example:
    >>> import pandas as pd
    >>> from itnivoice_nb.widgets import send_form
    >>> form = send_form(pd.DataFrame({"name": ["a", "b"], "mobile": ["+91 85632 14120", "12"]}))
    >>> form.column.value
    'mobile'
    >>> form.app_id.value, form.file_id.value = "4luaKsL2", "hello.mp3"
    >>> form.sandbox_switch.value = True
    >>> form.check_button.click()
    >>> form.counts["valid"], form.counts["invalid"], form.send_button.disabled
    (1, 1, False)
    >>> form.close()

In a notebook, put ``form`` (or ``iv.send_form(df)``) last in a cell to show it; after a send,
``form.results`` is the results DataFrame (one row per input row).
"""

from __future__ import annotations

import functools
import html
import io
import os
import re
import tempfile
import threading
import warnings
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import ipywidgets as w
import pandas as pd

from ._vendor import CALLED_INFO_MAX, DEFAULT_BASE_URL, MAX_CALLEES
from .client import ENV_KEY, ENV_SECRET, VoiceClient
from .errors import ItniotechError, SendInterrupted, SendStopped
from .message import VoiceMessage
from .numbers import mask_number, prepare
from .outcomes import NOT_SENT, OUTCOME_COLORS, OUTCOME_MEANINGS, OUTCOMES
from .sandbox import Sandbox
from .send import send

__all__ = ["SendForm", "guess_phone_column", "send_form"]

PHONE_WORDS: Final = ("phone", "mobile", "msisdn", "tel", "number", "callee", "cell")
"""Column names that suggest phone numbers, most telling first."""

REFUSED_SHOWN: Final = 200
"""At most this many refused rows are listed after a check."""

_GUESS_ROWS: Final = 500
_GUESS_COLUMNS: Final = 60
_LABEL_WIDTH: Final = "150px"
_FIELD_WIDTH: Final = "430px"
_OK: Final = "#1a7f37"
_BAD: Final = "#b42318"
_MUTED: Final = "#666"
_MESSAGE_FIELDS: Final = (
    "app_id", "file_id", "display_num", "max_duration", "loop_count", "called_info",
)  # fmt: skip
_PLACEHOLDERS: Final = {"app_id": "app", "file_id": "file.mp3"}
_TABLE_SUFFIXES: Final = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
_AUDIO_ACCEPT: Final = ".mp3,.m4a,.wav"

_F = TypeVar("_F", bound=Callable[..., Any])


# --------------------------------------------------------------------------- small helpers


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _note(text: str, colour: str = _MUTED) -> str:
    return f'<span style="color:{colour}; font-size:0.9em">{text}</span>' if text else ""


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _without_field(message: str, name: str) -> str:
    """``"loop_count: 4 is out of range…"`` → ``"4 is out of range…"`` (shown next to the field)."""
    return message[len(name) + 2 :] if message.startswith(name + ": ") else message


def _masked_key(api_key: str) -> str:
    """The first 4 characters of an API key then "…" (the key is not secret, but need not show)."""
    return (api_key[:4] if len(api_key) > 8 else "") + "…"


def _readable(err: BaseException) -> str:
    """One readable paragraph for an error; never a traceback."""
    if isinstance(err, ItniotechError | ValueError | TypeError | OSError | LookupError):
        text = str(err) or type(err).__name__
        return text if isinstance(err, ItniotechError | ValueError) else (
            f"{type(err).__name__}: {text}"
        )
    return f"unexpected error ({type(err).__name__}): {err}"


def guess_phone_column(df: pd.DataFrame) -> Hashable | None:
    """The column most likely to hold the phone numbers, or None for a frame with no columns.

    A column named like a phone column (``phone``, ``mobile``, ``msisdn``, ``tel``, ``number``,
    ``callee``, ``cell``) whose first rows include numbers ``prepare`` accepts wins; otherwise the
    column with the most accepted values; otherwise the best-named column, else the first.

    Example:
        >>> guess_phone_column(pd.DataFrame({"id": ["1"], "contact": ["+91 85632 14120"]}))
        'contact'
        >>> guess_phone_column(pd.DataFrame({"Mobile No": ["+91 85632 14120"], "x": ["1"]}))
        'Mobile No'
    """
    columns = list(df.columns)
    if not columns:
        return None
    sample = df.head(_GUESS_ROWS)

    def name_rank(label: Hashable) -> int | None:
        name = str(label).strip().lower()
        tokens = set(re.split(r"[^a-z0-9]+", name))
        for rank, word in enumerate(PHONE_WORDS):
            if word in tokens or name.startswith(word) or name.endswith(word):
                return rank
        return None

    def accepted(label: Hashable) -> int:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = sample.loc[:, [label]]
                return int(prepare(frame, column=label)["valid"].sum())  # type: ignore[arg-type]
        except Exception:  # a column prepare cannot read holds no phone numbers
            return 0

    scores = {label: accepted(label) for label in columns[:_GUESS_COLUMNS]}
    named = [(rank, label) for label in columns if (rank := name_rank(label)) is not None]
    named_ok = [(rank, -scores.get(label, 0), i) for i, (rank, label) in enumerate(named)
                if scores.get(label, 0) > 0]
    if named_ok:
        return named[min(named_ok)[2]][1]
    best = max(scores, key=lambda label: scores[label])
    if scores[best] > 0:
        return best
    if named:
        return min(named, key=lambda item: item[0])[1]
    return columns[0]


def _read_upload(name: str, content: bytes) -> pd.DataFrame:
    """A DataFrame (every cell as text) from an uploaded CSV / TSV / Excel file's bytes."""
    suffix = Path(name).suffix.lower()
    if suffix not in _TABLE_SUFFIXES:
        raise ValueError(
            f"{name}: unknown file type {suffix or '(none)'!r}; allowed: "
            + ", ".join(_TABLE_SUFFIXES)
        )
    buffer = io.BytesIO(content)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(buffer, dtype=str)
    return pd.read_csv(
        buffer, dtype=str, keep_default_na=False, na_values=[""],
        sep="\t" if suffix == ".tsv" else ",",
    )  # fmt: skip


def _uploaded(value: Any) -> tuple[str, bytes] | None:
    """(name, bytes) of the last file in a FileUpload value (ipywidgets 8: tuple of dicts)."""
    if not value:
        return None
    item = value[-1]
    name = str(item.get("name") or "upload")
    content = item.get("content", b"")
    return name, bytes(content)


def _summary_html(table: pd.DataFrame, row: Hashable) -> str:
    """A row of ``iv.summary(results)``, one line per outcome: count, share, meaning."""

    def value(name: str) -> Any:
        return table.at[row, name]

    cell = "style='padding:2px 14px 2px 0; text-align:{}'"
    left, right = cell.format("left"), cell.format("right")
    lines = []
    for outcome in OUTCOMES:
        swatch = (f"<span style='display:inline-block; width:0.8em; height:0.8em; margin-right:"
                  f"6px; background:{OUTCOME_COLORS[outcome]}'></span>")
        lines.append(
            f"<tr class='iv-summary-{outcome}'><td {left}>{swatch}{outcome}</td>"
            f"<td {right}>{int(value(outcome)):,}</td>"
            f"<td {right}>{float(value(outcome + '_share')):.1%}</td>"
            f"<td {left}><span style='color:{_MUTED}'>{_esc(OUTCOME_MEANINGS[outcome])}"
            "</span></td></tr>"
        )
    return (
        "<table class='iv-summary-table' style='border-collapse:collapse; margin:8px 0'>"
        f"<thead><tr><th {left}>outcome</th><th {right}>rows</th><th {right}>share</th>"
        f"<th {left}>meaning</th></tr></thead><tbody>{''.join(lines)}</tbody>"
        f"<tfoot><tr style='font-weight:bold; border-top:1px solid #888'><td {left}>total</td>"
        f"<td {right}>{int(value('rows')):,}</td><td {right}>100%</td><td></td></tr></tfoot>"
        "</table>"
    )


def _guarded(method: _F) -> _F:
    """Run a widget callback; show any exception in the form instead of a traceback."""

    @functools.wraps(method)
    def wrapper(self: SendForm, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as err:
            self._show_error(err)
            return None

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class _Checked:
    """What a passing check saw; Send uses exactly this."""

    df: pd.DataFrame
    column: Hashable
    region: str | None
    message: VoiceMessage
    client: VoiceClient | None  # None: the form's sandbox
    account: str
    rows: int
    valid: int
    invalid: int
    duplicate: int
    requests: int


# --------------------------------------------------------------------------- the form


class SendForm:
    """The send form; see :func:`send_form`. Shows itself in a notebook (``form`` last in a cell).

    Attributes used by tests and power users: the widgets (``column``, ``region``, ``app_id``,
    ``file_id``, ``display_num``, ``max_duration``, ``loop_count``, ``called_info``,
    ``sandbox_switch``, ``api_key``, ``api_secret``, ``check_button``, ``send_button``,
    ``confirm_button``, ``back_button``, ``cancel_button``, ``status``, ``error``…), ``df``,
    ``counts`` (the last check's counts), ``results`` (after a send), ``last_error``,
    ``thread`` (the background send), ``sandbox`` (once started), and the settings
    ``journal``, ``batch_size``, ``concurrency`` and ``sandbox_options``.
    """

    def __init__(
        self,
        df: pd.DataFrame | None = None,
        client: VoiceClient | None = None,
        *,
        journal: str | os.PathLike[str] | bool = True,
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
        self.df: pd.DataFrame | None = df
        self.journal = journal
        self.sandbox_options: dict[str, Any] = dict(sandbox_options or {})
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.results: pd.DataFrame | None = None
        self.last_error: BaseException | None = None
        self.counts: dict[str, int] = {}
        self.thread: threading.Thread | None = None
        self.sandbox: Sandbox | None = None
        self._client = client
        self._checked: _Checked | None = None
        self._cancel: threading.Event | None = None
        self._sending = False
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize | None = None
        self._check_notes: list[str] = []
        self._build()
        self._wire()
        self._set_recipients(df, "the DataFrame passed in" if df is not None else None)
        self._validate_all()
        self._update_account()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        label = {"description_width": _LABEL_WIDTH}
        wide = w.Layout(width=_FIELD_WIDTH)

        def text(description: str, css: str, placeholder: str = "") -> Any:
            field = w.Text(description=description, placeholder=placeholder, style=label,
                           layout=wide, continuous_update=True)
            field.add_class(css)
            return field

        def msg(css: str) -> Any:
            out = w.HTML(value="")
            out.add_class(css)
            return out

        def section(title: str) -> Any:
            return w.HTML(f'<h4 style="margin:14px 0 4px 0">{_esc(title)}</h4>')

        self.title = w.HTML(
            "<h3 style='margin:4px 0'>Send a recorded voice message</h3>"
            + _note("Fill in the fields, click <b>Check</b>, then <b>Send</b>. Nothing is sent "
                    "before you confirm.")
        )
        # Recipients
        self.recipients_upload = w.FileUpload(
            accept=",".join(_TABLE_SUFFIXES), multiple=False, description="CSV / Excel…",
            layout=w.Layout(width="180px"),
        )
        self.recipients_upload.add_class("iv-recipients-upload")
        self.source_label = msg("iv-source")
        self.column = w.Dropdown(description="Phone column", options=[], style=label,
                                 layout=wide)
        self.column.add_class("iv-column")
        self.column_msg = msg("iv-column-msg")
        self.region = text("Default region", "iv-region", "optional, e.g. IN, US, GB")
        self.region_msg = msg("iv-region-msg")
        # Message
        self.app_id = text("App ID", "iv-app-id", "the voice application's ID")
        self.app_id_msg = msg("iv-app-id-msg")
        self.file_id = text("Audio fileId", "iv-file-id", "a fileId, or upload a file below")
        self.file_id_msg = msg("iv-file-id-msg")
        self.audio_upload = w.FileUpload(accept=_AUDIO_ACCEPT, multiple=False,
                                         description="Audio file…", layout=w.Layout(width="180px"))
        self.audio_upload.add_class("iv-audio-upload")
        self.upload_audio_button = w.Button(description="Upload audio", disabled=True,
                                            icon="upload", layout=w.Layout(width="140px"))
        self.upload_audio_button.add_class("iv-upload-audio")
        self.audio_msg = msg("iv-audio-msg")
        self.display_num = text("Display number", "iv-display-num", "optional caller ID")
        self.display_num_msg = msg("iv-display-num-msg")
        self.max_duration = text("Max duration (s)", "iv-max-duration", "blank, or 1-120")
        self.max_duration_msg = msg("iv-max-duration-msg")
        self.loop_count = w.Dropdown(description="Loop count", options=[1, 2, 3], value=1,
                                     style=label, layout=w.Layout(width="240px"))
        self.loop_count.add_class("iv-loop-count")
        self.loop_count_msg = msg("iv-loop-count-msg")
        self.called_info = w.Textarea(description="Called info", placeholder="optional text "
                                      "attached to each call", style=label,
                                      layout=w.Layout(width=_FIELD_WIDTH, height="60px"),
                                      continuous_update=True)
        self.called_info.add_class("iv-called-info")
        self.called_info_count = msg("iv-called-info-count")
        self.called_info_msg = msg("iv-called-info-msg")
        # Account
        default_sandbox = self._client is None and not (
            os.environ.get(ENV_KEY) and os.environ.get(ENV_SECRET)
        )
        self.sandbox_switch = w.Checkbox(
            value=default_sandbox, indent=False,
            description="Sandbox: run against a local emulation of the API (no real calls, "
            "nothing charged)", layout=w.Layout(width="640px"),
        )
        self.sandbox_switch.add_class("iv-sandbox")
        key = self._client.api_key if self._client is not None else os.environ.get(ENV_KEY, "")
        self.api_key = text("API key", "iv-api-key", f"or set ${ENV_KEY}")
        self.api_key.value = key
        secret_hint = (
            "(from the client passed in)" if self._client is not None
            else f"(from ${ENV_SECRET})" if os.environ.get(ENV_SECRET)
            else "API secret"
        )
        self.api_secret = w.Password(description="API secret", placeholder=secret_hint,
                                     style=label, layout=wide)
        self.api_secret.add_class("iv-api-secret")
        self.account_msg = msg("iv-account-msg")
        # Check / send
        self.check_button = w.Button(description="Check", button_style="info", icon="check",
                                     tooltip="Validate every row and field; nothing is sent")
        self.check_button.add_class("iv-check")
        self.send_button = w.Button(description="Send…", button_style="warning", icon="phone",
                                    disabled=True, tooltip="Enabled once the check passes")
        self.send_button.add_class("iv-send")
        self.check_output = msg("iv-check-output")
        self.refused_table = msg("iv-refused")
        self.confirm_label = msg("iv-confirm-text")
        self.confirm_button = w.Button(description="Yes, send", button_style="danger",
                                       icon="phone")
        self.confirm_button.add_class("iv-confirm")
        self.back_button = w.Button(description="Back", icon="times")
        self.back_button.add_class("iv-back")
        self.confirm_box = w.VBox(
            [self.confirm_label, w.HBox([self.confirm_button, self.back_button])],
            layout=w.Layout(display="none", border="2px solid #d97706", padding="6px",
                            margin="6px 0"),
        )
        self.confirm_box.add_class("iv-confirm-box")
        self.status = msg("iv-status")
        self.progress = w.IntProgress(value=0, min=0, max=1, bar_style="info",
                                      layout=w.Layout(width="430px"))
        self.progress.add_class("iv-progress")
        self.progress_label = msg("iv-progress-label")
        self.progress_box = w.HBox([self.progress, self.progress_label],
                                   layout=w.Layout(display="none", align_items="center"))
        self.cancel_button = w.Button(description="Cancel", icon="stop", disabled=True,
                                      tooltip="Stop after the requests in flight")
        self.cancel_button.add_class("iv-cancel")
        self.error = msg("iv-error")
        self.summary_html = msg("iv-summary")
        self.chart = w.Image(format="png", layout=w.Layout(max_width="760px", display="none"))
        self.chart.add_class("iv-chart")
        self.results_box = w.VBox([self.summary_html, self.chart])
        self.results_box.add_class("iv-results")

        def row(field: Any, note: Any) -> Any:
            return w.HBox([field, note], layout=w.Layout(align_items="center"))

        self.widget = w.VBox(
            [
                self.title,
                section("1 · Recipients"),
                w.HBox([self.recipients_upload, self.source_label],
                       layout=w.Layout(align_items="center")),
                row(self.column, self.column_msg),
                row(self.region, self.region_msg),
                section("2 · Message"),
                row(self.app_id, self.app_id_msg),
                row(self.file_id, self.file_id_msg),
                w.HBox([w.HTML(layout=w.Layout(width="154px")), self.audio_upload,
                        self.upload_audio_button, self.audio_msg],
                       layout=w.Layout(align_items="center")),
                row(self.display_num, self.display_num_msg),
                row(self.max_duration, self.max_duration_msg),
                row(self.loop_count, self.loop_count_msg),
                row(self.called_info, w.VBox([self.called_info_count, self.called_info_msg])),
                section("3 · Account"),
                self.sandbox_switch,
                self.api_key,
                row(self.api_secret, self.account_msg),
                section("4 · Check and send"),
                w.HBox([self.check_button, self.send_button, self.cancel_button]),
                self.check_output,
                self.refused_table,
                self.confirm_box,
                self.status,
                self.progress_box,
                self.error,
                self.results_box,
            ],
            layout=w.Layout(padding="4px", max_width="980px"),
        )
        self.widget.add_class("iv-form")
        self._inputs = [
            self.recipients_upload, self.column, self.region, self.app_id, self.file_id,
            self.audio_upload, self.display_num, self.max_duration, self.loop_count,
            self.called_info, self.sandbox_switch, self.api_key, self.api_secret,
        ]

    def _wire(self) -> None:
        for name in _MESSAGE_FIELDS:
            getattr(self, name).observe(self._on_message_field, names="value")
        self.region.observe(self._on_region, names="value")
        self.column.observe(self._on_column, names="value")
        self.recipients_upload.observe(self._on_recipients_upload, names="value")
        self.audio_upload.observe(self._on_audio_chosen, names="value")
        for field in (self.sandbox_switch, self.api_key, self.api_secret):
            field.observe(self._on_account, names="value")
        self.upload_audio_button.on_click(self._on_upload_audio)
        self.check_button.on_click(self._on_check)
        self.send_button.on_click(self._on_send)
        self.confirm_button.on_click(self._on_confirm)
        self.back_button.on_click(self._on_back)
        self.cancel_button.on_click(self._on_cancel)

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
        rows = "no recipients" if self.df is None else f"{len(self.df):,} rows"
        mode = "sandbox" if self.sandbox_switch.value else "real API"
        done = "" if self.results is None else f", results: {len(self.results):,} rows"
        return f"<SendForm: {rows}, column={self.column.value!r}, {mode}{done}>"

    def close(self) -> None:
        """Cancel a running send, stop the form's sandbox and close the widgets."""
        if self._cancel is not None:
            self._cancel.set()
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        self._stop_sandbox()
        self.widget.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background send to end; True if it has (or none was started)."""
        thread = self.thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    @property
    def checked(self) -> bool:
        """Whether the last check passed and nothing has changed since."""
        return self._checked is not None

    @property
    def confirm_text(self) -> str:
        """The confirmation question as plain text ("" when none is shown)."""
        return re.sub(r"<[^>]+>", "", html.unescape(self.confirm_label.value)).strip()

    # ------------------------------------------------------------------ recipients

    def _set_recipients(self, df: pd.DataFrame | None, source: str | None) -> None:
        self.df = df
        if df is None:
            self.source_label.value = _note("No recipients yet: upload a CSV / Excel file, or "
                                            "pass a DataFrame: iv.send_form(df).")
            self.column.options = []
            self.column_msg.value = ""
            return
        self.source_label.value = _note(
            f"Using {_esc(source)}: {_plural(len(df), 'row')} × {_plural(df.shape[1], 'column')}"
        )
        guess = guess_phone_column(df)
        options = [(str(c), c) for c in df.columns]
        self.column.options = options
        self.column.value = guess
        self._describe_column()
        self._invalidate()

    def _describe_column(self) -> None:
        df, col = self.df, self.column.value
        if df is None or col is None or col not in df.columns:
            self.column_msg.value = ""
            return
        sample = df.head(_GUESS_ROWS)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                valid = int(prepare(sample.loc[:, [col]], column=col)["valid"].sum())
        except (ValueError, TypeError) as err:
            self.column_msg.value = _note(_esc(_readable(err)), _BAD)
            return
        colour = _OK if valid else _BAD
        self.column_msg.value = _note(
            f"{valid:,} of the first {len(sample):,} values look like phone numbers", colour
        )

    @_guarded
    def _on_recipients_upload(self, change: dict[str, Any]) -> None:
        got = _uploaded(change["new"])
        if got is None:
            return
        name, content = got
        try:
            df = _read_upload(name, content)
        except Exception as err:  # pandas raises many kinds for a file it cannot read
            self.source_label.value = _note(f"Could not read {_esc(name)}: {_esc(_readable(err))}",
                                            _BAD)
            self._invalidate()
            return
        self._set_recipients(df, name)

    @_guarded
    def _on_column(self, change: dict[str, Any]) -> None:
        self._describe_column()
        self._invalidate()

    @_guarded
    def _on_region(self, change: dict[str, Any]) -> None:
        self._validate_region()
        self._invalidate()

    def _region_value(self) -> str | None:
        text = self.region.value.strip()
        return text or None

    def _validate_region(self) -> bool:
        region = self._region_value()
        if region is None:
            self.region_msg.value = ""
            return True
        try:
            prepare(pd.DataFrame({"phone": ["0"]}), column="phone", default_region=region)
        except ValueError as err:
            self.region_msg.value = _note(_esc(_without_field(str(err), "default_region")), _BAD)
            return False
        self.region_msg.value = _note("✓", _OK)
        return True

    # ------------------------------------------------------------------ message fields

    def _field_value(self, name: str) -> Any:
        value = getattr(self, name).value
        if name == "called_info":
            return value if value else None
        if name == "display_num":
            return value if value.strip() else None
        return value

    def _field_error(self, name: str) -> str | None:
        """VoiceMessage's reason for refusing this one field, or None when it accepts it."""
        kwargs: dict[str, Any] = dict(_PLACEHOLDERS)
        kwargs[name] = self._field_value(name)
        try:
            VoiceMessage(**kwargs)
        except ValueError as err:
            return _without_field(str(err), name)
        return None

    def _validate_field(self, name: str) -> bool:
        error = self._field_error(name)
        note: Any = getattr(self, f"{name}_msg")
        if name == "called_info":
            n = len(self.called_info.value)
            colour = _BAD if n > CALLED_INFO_MAX else _MUTED
            self.called_info_count.value = _note(f"{n:,} / {CALLED_INFO_MAX:,} characters", colour)
        required = name in _PLACEHOLDERS
        if error is None:
            note.value = _note("✓", _OK) if required or self._field_value(name) else ""
        elif required and not getattr(self, name).value:
            note.value = _note("required")
        else:
            note.value = _note(_esc(error), _BAD)
        return error is None

    def _validate_all(self) -> None:
        for name in _MESSAGE_FIELDS:
            self._validate_field(name)
        self._validate_region()

    @_guarded
    def _on_message_field(self, change: dict[str, Any]) -> None:
        owner = change["owner"]
        for name in _MESSAGE_FIELDS:
            if getattr(self, name) is owner:
                self._validate_field(name)
        self._invalidate()

    def _message(self) -> tuple[VoiceMessage | None, list[str]]:
        """The VoiceMessage of the fields, or None and the names of the fields it refuses."""
        bad = [name for name in _MESSAGE_FIELDS if not self._validate_field(name)]
        if bad:
            return None, bad
        return VoiceMessage(**{name: self._field_value(name) for name in _MESSAGE_FIELDS}), []

    # ------------------------------------------------------------------ account

    @_guarded
    def _on_account(self, change: dict[str, Any]) -> None:
        self._update_account()
        self._invalidate()

    def _update_account(self) -> None:
        sandbox = bool(self.sandbox_switch.value)
        self.api_key.disabled = sandbox or self._sending
        self.api_secret.disabled = sandbox or self._sending
        if sandbox:
            where = f" at {self.sandbox.base_url}" if self.sandbox is not None else ""
            self.account_msg.value = _note(f"Using the local sandbox{_esc(where)}; the key and "
                                           "secret are not used.")
        else:
            self.account_msg.value = _note("Calls are made and charged on this account.", _BAD)
        self.upload_audio_button.disabled = self._sending or not self.audio_upload.value

    def _real_client(self) -> VoiceClient:
        """The client for the real account: the one passed in, or one built from the fields."""
        key = self.api_key.value.strip()
        secret = self.api_secret.value
        if self._client is not None and not secret and key == self._client.api_key:
            return self._client
        base_url = self._client.base_url if self._client is not None else None
        return VoiceClient(api_key=key or None, api_secret=secret or None, base_url=base_url)

    @staticmethod
    def _describe_real(client: VoiceClient) -> str:
        where = "" if client.base_url == DEFAULT_BASE_URL else f" at {client.base_url}"
        return f"the REAL Itniotech account {_masked_key(client.api_key)}{where}"

    def _ensure_sandbox(self) -> Sandbox:
        with self._lock:
            if self.sandbox is None:
                sandbox = Sandbox(**self.sandbox_options).start()
                self.sandbox = sandbox
                self._finalizer = weakref.finalize(self, sandbox.stop)
        self._update_account()
        return self.sandbox

    def _stop_sandbox(self) -> None:
        with self._lock:
            sandbox, self.sandbox = self.sandbox, None
            finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer.detach()
        if sandbox is not None:
            sandbox.stop()

    # ------------------------------------------------------------------ audio upload

    @_guarded
    def _on_audio_chosen(self, change: dict[str, Any]) -> None:
        got = _uploaded(change["new"])
        self.upload_audio_button.disabled = got is None or self._sending
        if got is not None:
            name, content = got
            self.audio_msg.value = _note(f"{_esc(name)} ({len(content) / 1024:,.0f} kB): click "
                                         "Upload audio to get its fileId")

    @_guarded
    def _on_upload_audio(self, button: Any = None) -> None:
        got = _uploaded(self.audio_upload.value)
        if got is None:
            self.audio_msg.value = _note("choose an audio file first (.mp3, .m4a, .wav)", _BAD)
            return
        name, content = got
        try:
            client = (self._ensure_sandbox().client() if self.sandbox_switch.value
                      else self._real_client())
            with tempfile.TemporaryDirectory(prefix="itnivoice-audio-") as folder:
                path = Path(folder) / Path(name).name
                path.write_bytes(content)
                file_id = client.upload_audio(path)
        except (ItniotechError, ValueError, OSError) as err:
            self.audio_msg.value = _note(_esc(_readable(err)), _BAD)
            self.last_error = err
            return
        self.file_id.value = file_id
        self.audio_msg.value = _note(f"uploaded {_esc(name)}: fileId {_esc(file_id)}", _OK)

    # ------------------------------------------------------------------ check

    def _invalidate(self) -> None:
        """Any change after a check: the check no longer holds; Send waits for a new one."""
        if self._sending:
            return
        was_checked = self._checked is not None
        self._checked = None
        self.send_button.disabled = True
        self.confirm_box.layout.display = "none"
        self.confirm_label.value = ""
        if was_checked:
            self.check_output.value = _note("Changed since the last check: click Check again.")
            self.refused_table.value = ""
            self.counts = {}

    def _show_error(self, err: BaseException) -> None:
        self.last_error = err
        self.error.value = (
            f'<div class="iv-error-text" style="color:{_BAD}; border-left:3px solid {_BAD}; '
            f'padding:4px 8px; margin:4px 0; white-space:pre-wrap">{_esc(_readable(err))}</div>'
        )

    def _clear_error(self) -> None:
        self.error.value = ""

    @_guarded
    def _on_check(self, button: Any = None) -> None:
        self._clear_error()
        self._invalidate()
        self.check_output.value = ""
        self.refused_table.value = ""
        self.counts = {}
        problems: list[str] = []
        message, bad = self._message()
        if bad:
            problems.append("fix the message field" + ("s" if len(bad) > 1 else "") + " "
                            + ", ".join(bad))
        region_ok = self._validate_region()
        if not region_ok:
            problems.append("fix the default region")
        account: str | None = None
        client: VoiceClient | None = None
        if self.sandbox_switch.value:
            account = "the local SANDBOX (no real calls, nothing charged)"
        else:
            try:
                client = self._real_client()
                account = self._describe_real(client)
            except ItniotechError as err:
                self.account_msg.value = _note(_esc(_readable(err)), _BAD)
                problems.append("give the API key and secret, or switch the sandbox on")
        df, column = self.df, self.column.value
        if df is None or column is None:
            problems.append("choose recipients: upload a CSV / Excel file or pass a DataFrame")
            self._show_check(None, problems, [])
            return
        region = self._region_value() if region_ok else None
        # A dry run of send gives the counts and the requests; without a valid message,
        # prepare gives the counts alone. Their warnings are shown with the counts.
        requests: int | None = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if message is not None:
                frame = send(df, message, column=column, default_region=region,
                             batch_size=self.batch_size, dry_run=True, progress=False)
                requests = int(frame.attrs.get("requests", 0))
            else:
                frame = prepare(df, column=column, default_region=region)
        notes = list(dict.fromkeys(str(item.message) for item in caught))
        valid = frame["valid"].to_numpy(dtype=bool)
        duplicate = frame["duplicate"].to_numpy(dtype=bool)
        counts = {
            "rows": len(frame),
            "valid": int((valid & ~duplicate).sum()),
            "invalid": int((~valid).sum()),
            "duplicate": int((valid & duplicate).sum()),
        }
        if requests is not None:
            counts["requests"] = requests
        self.counts = counts
        if counts["valid"] == 0:
            problems.append("no valid number to call")
        self.refused_table.value = self._refused_html(df, column, frame, valid, duplicate)
        self._show_check(counts, problems, notes)
        self._check_notes = notes
        if problems or message is None or account is None or requests is None:
            return
        self._checked = _Checked(
            df=df, column=column, region=region, message=message, client=client,
            account=account, requests=requests, **{k: counts[k] for k in
                                                   ("rows", "valid", "invalid", "duplicate")},
        )
        self.send_button.disabled = False

    def _show_check(
        self, counts: dict[str, int] | None, problems: list[str], notes: list[str],
        passed: str = "Check passed: click Send… to review and confirm.",
    ) -> None:
        parts = []
        if counts is not None:
            requests = counts.get("requests")
            shown = "–" if requests is None else f"{requests:,}"
            parts.append(
                '<div class="iv-counts" style="font-size:1.05em; margin:6px 0">'
                f'<b><span class="iv-count-rows">{counts["rows"]:,}</span> rows</b>: '
                f'<span class="iv-count-valid" style="color:{_OK}">{counts["valid"]:,}</span> '
                "valid · "
                f'<span class="iv-count-invalid" style="color:{_BAD}">{counts["invalid"]:,}'
                "</span> invalid · "
                f'<span class="iv-count-duplicate">{counts["duplicate"]:,}</span> duplicate · '
                f'<span class="iv-count-requests">{shown}</span> '
                f"request{'' if requests == 1 else 's'} "
                f"(≤{min(self.batch_size, MAX_CALLEES)} numbers each)</div>"
            )
        if problems:
            parts.append(
                f'<div class="iv-check-result iv-check-failed" style="color:{_BAD}">'
                "Not ready: " + _esc("; ".join(problems)) + ".</div>"
            )
        else:
            parts.append(
                f'<div class="iv-check-result iv-check-passed" style="color:{_OK}">'
                f"{_esc(passed)}</div>"
            )
        parts.extend(f'<div class="iv-check-note">{_note(_esc(n))}</div>' for n in notes)
        self.check_output.value = "".join(parts)

    @staticmethod
    def _refused_html(
        df: pd.DataFrame, column: Any, frame: pd.DataFrame, valid: Any, duplicate: Any
    ) -> str:
        refused = ~valid | duplicate
        n = int(refused.sum())
        if n == 0:
            return ""
        raw = df[column].to_numpy(dtype=object)[refused][:REFUSED_SHOWN]
        labels = frame.index[refused][:REFUSED_SHOWN]
        if "outcome_reason" in frame.columns:
            reasons = frame["outcome_reason"].to_numpy(dtype=object)[refused][:REFUSED_SHOWN]
        else:
            invalid_reason = frame["invalid_reason"].to_numpy(dtype=object)
            reasons = [
                "same number as an earlier row" if dup else why
                for why, dup in zip(invalid_reason[refused], duplicate[refused], strict=True)
            ][:REFUSED_SHOWN]
        kinds = ["duplicate" if ok else "invalid" for ok in valid[refused][:REFUSED_SHOWN]]
        cell = "style='padding:1px 12px 1px 0; text-align:left'"
        body = "".join(
            f"<tr><td {cell}>{_esc(label)}</td><td {cell}><code>{_esc(mask_number(value))}"
            f"</code></td><td {cell}>{kind}</td><td {cell}>{_esc(why)}</td></tr>"
            for label, value, kind, why in zip(labels, raw, kinds, reasons, strict=True)
        )
        more = f" (the first {REFUSED_SHOWN:,} are shown)" if n > REFUSED_SHOWN else ""
        head = "".join(f"<th {cell}>{name}</th>" for name in ("row", "number", "outcome", "reason"))
        return (
            f"<details class='iv-refused-rows' {'open' if n <= 20 else ''}>"
            f"<summary>{_plural(n, 'refused row')}{more}: they will not be called</summary>"
            "<table style='border-collapse:collapse; font-size:0.9em; margin:4px 0 4px 16px'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
        )

    # ------------------------------------------------------------------ send

    @_guarded
    def _on_send(self, button: Any = None) -> None:
        checked = self._checked
        if checked is None or self._sending:
            return
        self._clear_error()
        number = "number" if checked.valid == 1 else "numbers"
        self.confirm_label.value = (
            f'<div style="font-size:1.05em">Call <b>{checked.valid:,}</b> {number} with fileId '
            f"<b>{_esc(checked.message.file_id)}</b> on <b>{_esc(checked.account)}</b>? "
            f"({checked.rows:,} rows: {checked.valid:,} valid, {checked.invalid:,} invalid, "
            f"{checked.duplicate:,} duplicate; {_plural(checked.requests, 'request')})</div>"
        )
        self.confirm_box.layout.display = "flex"
        self.send_button.disabled = True

    @_guarded
    def _on_back(self, button: Any = None) -> None:
        self.confirm_box.layout.display = "none"
        self.confirm_label.value = ""
        self.send_button.disabled = self._checked is None

    def _set_busy(self, busy: bool) -> None:
        self._sending = busy
        for field in self._inputs:
            field.disabled = busy
        self.check_button.disabled = busy
        self.send_button.disabled = True
        self.cancel_button.disabled = not busy
        self.cancel_button.button_style = "danger" if busy else ""
        self._update_account()

    @_guarded
    def _on_confirm(self, button: Any = None) -> None:
        checked = self._checked
        if checked is None or self._sending:
            return
        self.confirm_box.layout.display = "none"
        self.confirm_label.value = ""
        self._show_check(self.counts, [], self._check_notes,
                         passed="Sent with this check; click Check again before another send.")
        from . import plots  # noqa: F401  (imported here, on the UI thread, before the send)

        if checked.client is None:
            sandbox = self._ensure_sandbox()
            client = sandbox.client()
            campaign: str | None = f"send form {sandbox.base_url}"
        else:
            client, campaign = checked.client, None
        self._checked = None
        self.results = None
        self.summary_html.value = ""
        self.chart.layout.display = "none"
        self.progress.max = max(1, checked.valid)
        self.progress.value = 0
        self.progress.bar_style = "info"
        self.progress_label.value = _note(f"0 of {checked.valid:,} numbers answered")
        self.progress_box.layout.display = "flex"
        self._cancel = threading.Event()
        self._set_busy(True)
        self.status.value = _note(f"Sending to {_plural(checked.valid, 'number')} on "
                                  f"{_esc(checked.account)}…")
        self.thread = threading.Thread(
            target=self._send_worker, args=(checked, client, campaign, self._cancel),
            name="itnivoice-send-form", daemon=True,
        )
        self.thread.start()

    def _send_worker(
        self, checked: _Checked, client: VoiceClient, campaign: str | None,
        cancel: threading.Event,
    ) -> None:  # fmt: skip
        results: pd.DataFrame | None = None
        error: BaseException | None = None
        headline = ""
        try:
            results = send(
                checked.df, checked.message, column=checked.column,  # type: ignore[arg-type]
                client=client, default_region=checked.region, batch_size=self.batch_size,
                concurrency=self.concurrency, journal=self.journal, campaign=campaign,
                cancel=cancel,
                # the form's own bar: tqdm's notebook bar, drawn from this thread, would go astray
                progress=self._on_progress,
            )
            headline = "Sent."
        except SendInterrupted as err:
            results = err.results
            headline = ("Cancelled: no new request was started after Cancel; the rows not sent "
                        "are 'not_sent'. Check and Send again to resume.")
        except SendStopped as err:
            results, error = err.results, err
            headline = "The send stopped early."
        except BaseException as err:  # shown in the form, never as a traceback
            error = err
            headline = "The send failed."
        try:
            self._finish(results, error, headline)
        except BaseException as err:
            self._show_error(err)
        finally:
            if checked.client is None or checked.client is not self._client:
                client.close()  # the form's own connections; a client passed in stays open
            self._set_busy(False)

    def _on_progress(self, done: int, total: int, counts: dict[str, int]) -> None:
        """A batch ended (called by ``send`` on the form's send thread)."""
        self.progress.max = max(1, total)
        self.progress.value = min(done, total)
        self.progress_label.value = _note(f"{done:,} of {total:,} numbers answered")

    def _finish(
        self, results: pd.DataFrame | None, error: BaseException | None, headline: str
    ) -> None:
        with self._lock:
            self.results = results
        self.progress.bar_style = "success" if error is None and headline == "Sent." else "warning"
        if results is not None:
            left = int((results["outcome"] == NOT_SENT).sum())
            sent = self.progress.max - left
            self.progress.value = max(0, min(self.progress.max, sent))
            self.progress_label.value = _note(
                f"{sent:,} of {self.progress.max:,} numbers sent"
                + (f"; {left:,} not sent" if left else "")
            )
        if error is not None:
            self._show_error(error)
        if results is None:
            self.status.value = _note(_esc(headline), _BAD)
            return
        counts = results["outcome"].value_counts()
        said = ", ".join(f"{int(counts.get(o, 0)):,} {o}" for o in OUTCOMES if counts.get(o, 0))
        notices = results.attrs.get("notices") or []
        extra = "".join(f"<br>{_esc(n)}" for n in notices)
        colour = _OK if error is None and headline == "Sent." else _BAD
        self.status.value = (
            f'<div class="iv-status-text">{_note(_esc(headline), colour)} '
            f"{_esc(said)}. <code>form.results</code> holds all {len(results):,} rows."
            f"{_note(extra)}</div>"
        )
        self._show_results(results)

    def _show_results(self, results: pd.DataFrame) -> None:
        from matplotlib.figure import Figure

        from .plots import plot_outcomes
        from .reporting import TOTAL_ROW, summary

        self.summary_html.value = _summary_html(summary(results), TOTAL_ROW)
        figure = Figure(figsize=(8.0, 3.4), layout="constrained")
        plot_outcomes(results, ax=figure.subplots())
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=90)
        self.chart.value = buffer.getvalue()
        self.chart.layout.display = "block"

    @_guarded
    def _on_cancel(self, button: Any = None) -> None:
        if self._cancel is not None and self._sending:
            self._cancel.set()
            self.cancel_button.disabled = True
            self.status.value = _note("Cancelling: the requests in flight finish, no new one "
                                      "starts…")


def send_form(
    df: pd.DataFrame | None = None,
    client: VoiceClient | None = None,
    *,
    journal: str | os.PathLike[str] | bool = True,
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
        journal: as for :func:`itnivoice_nb.send`; default ``.itnivoice/journal.sqlite`` in the
            working directory.
        sandbox_options: keyword arguments of :class:`itnivoice_nb.Sandbox` for the form's
            sandbox (started when first needed, stopped by ``form.close()``).
        batch_size, concurrency: passed to :func:`itnivoice_nb.send`.

    After a send, ``form.results`` holds the results DataFrame.

    Example:
        >>> import pandas as pd
        >>> form = send_form(pd.DataFrame({"phone": ["+91 85632 14120"]}))
        >>> form.send_button.disabled
        True
        >>> form.close()
    """
    return SendForm(
        df, client, journal=journal, sandbox_options=sandbox_options, batch_size=batch_size,
        concurrency=concurrency,
    )
