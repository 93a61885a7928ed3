"""The form's message fields, the audio upload, and the campaign settings (label, call again).

Each field is validated by :class:`~itnivoice_nb.VoiceMessage` itself as it is typed (the form
has no rules of its own): the reason for refusing it is shown next to it. An audio file chosen
in the form is uploaded with the account's client and its fileId fills the field. The campaign
label and the "allow calling again" box are passed to :func:`itnivoice_nb._plan` as ``campaign``
and ``allow_repeat``.

Example:
    >>> from itnivoice_nb._form._common import ErrorBox
    >>> part = MessagePart(on_change=lambda: None, errors=ErrorBox(), client=lambda: None)
    >>> part.app_id.value, part.file_id.value = "4luaKsL2", "hello.mp3"
    >>> part.max_duration.value = "500"
    >>> part.message()
    (None, ['max_duration'])
    >>> part.max_duration_msg.value.count("out of range")
    1
    >>> part.max_duration.value = "60"
    >>> part.message()[0].max_duration, part.campaign_value(), part.allow_repeat.value
    (60, None, False)
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import ipywidgets as w

from .._client import VoiceClient
from .._errors import ItniotechError
from .._message import VoiceMessage
from .._vendor import AUDIO_SUFFIXES, CALLED_INFO_MAX
from ._common import (
    BAD,
    FIELD_WIDTH,
    LABEL_STYLE,
    MUTED,
    OK,
    ErrorBox,
    esc,
    for_people,
    guarded,
    html_out,
    note,
    readable,
    row,
    text_field,
    uploaded,
    without_field,
)

__all__ = ["MESSAGE_FIELDS", "MessagePart"]

MESSAGE_FIELDS: Final = (
    "app_id", "file_id", "display_num", "max_duration", "loop_count", "called_info",
)  # fmt: skip
"""The :class:`~itnivoice_nb.VoiceMessage` fields the form has, in its order."""

_PLACEHOLDERS: Final = {"app_id": "app", "file_id": "file.mp3"}
"""Stand-ins for the required fields while another field is checked on its own."""


class MessagePart:
    """The message section (``app_id`` … ``called_info`` widgets, each with a ``<name>_msg``
    note), the audio upload and the campaign section (``campaign``, ``allow_repeat``).

    ``client()`` gives the account's client for the audio upload; ``on_change()`` is called
    after every change.
    """

    def __init__(
        self,
        on_change: Callable[[], None],
        errors: ErrorBox,
        client: Callable[[], VoiceClient | None],
    ) -> None:
        self.on_change = on_change
        self.errors = errors
        self._client = client
        self.app_id = text_field("App ID", "iv-app-id", "the voice application's ID")
        self.app_id_msg = html_out("iv-app-id-msg")
        self.file_id = text_field("Audio fileId", "iv-file-id", "a fileId, or upload a file below")
        self.file_id_msg = html_out("iv-file-id-msg")
        self.audio_upload = w.FileUpload(
            accept=",".join(AUDIO_SUFFIXES), multiple=False, description="Audio file…",
            tooltip="Choose an audio file (" + ", ".join(AUDIO_SUFFIXES) + ") to upload to the "
            "account; its fileId then fills the field", layout=w.Layout(width="180px"),
        )
        self.audio_upload.add_class("iv-audio-upload")
        self.upload_audio_button = w.Button(
            description="Upload audio", disabled=True, icon="upload",
            tooltip="Upload the audio file chosen to the account (real or sandbox)",
            layout=w.Layout(width="140px"),
        )
        self.upload_audio_button.add_class("iv-upload-audio")
        self.audio_msg = html_out("iv-audio-msg")
        self.display_num = text_field("Display number", "iv-display-num", "optional caller ID")
        self.display_num_msg = html_out("iv-display-num-msg")
        self.max_duration = text_field("Max duration (s)", "iv-max-duration", "blank, or 1-120")
        self.max_duration_msg = html_out("iv-max-duration-msg")
        self.loop_count = w.Dropdown(description="Loop count", options=[1, 2, 3], value=1,
                                     style=LABEL_STYLE, layout=w.Layout(width="240px"))
        self.loop_count.add_class("iv-loop-count")
        self.loop_count_msg = html_out("iv-loop-count-msg")
        self.called_info = w.Textarea(description="Called info", placeholder="optional text "
                                      "attached to each call", style=LABEL_STYLE,
                                      layout=w.Layout(width=FIELD_WIDTH, height="60px"),
                                      continuous_update=True)
        self.called_info.add_class("iv-called-info")
        self.called_info_count = html_out("iv-called-info-count")
        self.called_info_msg = html_out("iv-called-info-msg")
        # The campaign: a label, and whether numbers already called may be called again.
        self.campaign = text_field("Campaign label", "iv-campaign",
                                   "optional, e.g. spring-offer")
        self.campaign_msg = html_out("iv-campaign-msg")
        self.campaign_msg.value = note("A new label is a new campaign; the same label resumes.")
        self.allow_repeat = w.Checkbox(
            value=False, indent=False, layout=w.Layout(width="640px"),
            description="Allow calling again the numbers this account already called with this "
            "audio",
        )
        self.allow_repeat.add_class("iv-allow-repeat")
        self.allow_repeat_msg = html_out("iv-allow-repeat-msg")

        self.inputs: list[Any] = [
            self.app_id, self.file_id, self.audio_upload, self.display_num, self.max_duration,
            self.loop_count, self.called_info, self.campaign, self.allow_repeat,
        ]  # fmt: skip
        self.rows: list[Any] = [
            row(self.app_id, self.app_id_msg),
            row(self.file_id, self.file_id_msg),
            row(w.HTML(layout=w.Layout(width="154px")), self.audio_upload,
                self.upload_audio_button, self.audio_msg),
            row(self.display_num, self.display_num_msg),
            row(self.max_duration, self.max_duration_msg),
            row(self.loop_count, self.loop_count_msg),
            row(self.called_info, w.VBox([self.called_info_count, self.called_info_msg])),
        ]
        self.campaign_rows: list[Any] = [
            row(self.campaign, self.campaign_msg),
            self.allow_repeat,
            self.allow_repeat_msg,
        ]
        for name in MESSAGE_FIELDS:
            getattr(self, name).observe(self._on_field, names="value")
        self.campaign.observe(self._on_campaign, names="value")
        self.allow_repeat.observe(self._on_campaign, names="value")
        self.audio_upload.observe(self._on_audio_chosen, names="value")
        self.upload_audio_button.on_click(self._on_upload_audio)
        self.validate_all()
        self._describe_repeat()

    def report_error(self, err: BaseException) -> None:
        self.errors.show(err)

    # ------------------------------------------------------------------ the message

    def _value(self, name: str) -> Any:
        value = getattr(self, name).value
        if name == "called_info":
            return value if value else None
        if name == "display_num":
            return value if value.strip() else None
        return value

    def _error(self, name: str) -> str | None:
        """VoiceMessage's reason for refusing this one field, or None when it accepts it."""
        kwargs: dict[str, Any] = dict(_PLACEHOLDERS)
        kwargs[name] = self._value(name)
        try:
            VoiceMessage(**kwargs)
        except ValueError as err:
            return for_people(without_field(str(err), name))
        return None

    def validate(self, name: str) -> bool:
        """Check one field and say so next to it; True when VoiceMessage accepts it."""
        error = self._error(name)
        out: Any = getattr(self, f"{name}_msg")
        if name == "called_info":
            n = len(self.called_info.value)
            colour = BAD if n > CALLED_INFO_MAX else MUTED
            self.called_info_count.value = note(f"{n:,} / {CALLED_INFO_MAX:,} characters", colour)
        required = name in _PLACEHOLDERS
        if error is None:
            out.value = note("✓", OK) if required or self._value(name) else ""
        elif required and not getattr(self, name).value:
            out.value = note("required")
        else:
            out.value = note(esc(error), BAD)
        return error is None

    def validate_all(self) -> None:
        for name in MESSAGE_FIELDS:
            self.validate(name)

    def message(self) -> tuple[VoiceMessage | None, list[str]]:
        """The VoiceMessage of the fields, or None and the names of the fields it refuses."""
        bad = [name for name in MESSAGE_FIELDS if not self.validate(name)]
        if bad:
            return None, bad
        return VoiceMessage(**{name: self._value(name) for name in MESSAGE_FIELDS}), []

    def campaign_value(self) -> str | None:
        """The campaign label typed (ends stripped), or None for no label."""
        text = str(self.campaign.value).strip()
        return text or None

    @guarded
    def _on_field(self, change: dict[str, Any]) -> None:
        for name in MESSAGE_FIELDS:
            if getattr(self, name) is change["owner"]:
                self.validate(name)
        self.on_change()

    @guarded
    def _on_campaign(self, change: dict[str, Any]) -> None:
        self._describe_repeat()
        self.on_change()

    def _describe_repeat(self) -> None:
        if self.allow_repeat.value:
            self.allow_repeat_msg.value = note(
                "Numbers already called with this audio are called again, and charged again.", BAD
            )
        else:
            self.allow_repeat_msg.value = note(
                "Off: numbers this account already called with this audio are skipped "
                "('already called')."
            )

    # ------------------------------------------------------------------ audio upload

    def set_busy(self, busy: bool) -> None:
        self.upload_audio_button.disabled = busy or not self.audio_upload.value

    @guarded
    def _on_audio_chosen(self, change: dict[str, Any]) -> None:
        got = uploaded(change["new"])
        self.upload_audio_button.disabled = got is None or self.audio_upload.disabled
        if got is not None:
            name, content = got
            self.audio_msg.value = note(f"{esc(name)} ({len(content) / 1024:,.0f} kB): click "
                                        "Upload audio to get its fileId")

    @guarded
    def _on_upload_audio(self, button: Any = None) -> None:
        got = uploaded(self.audio_upload.value)
        if got is None:
            self.audio_msg.value = note("choose an audio file first (.mp3, .m4a, .wav)", BAD)
            return
        name, content = got
        try:
            client = self._client()
            if client is None:
                raise ItniotechError("give the API key and secret, or switch the sandbox on")
            with tempfile.TemporaryDirectory(prefix="itnivoice-audio-") as folder:
                path = Path(folder) / Path(name).name
                path.write_bytes(content)
                file_id = client.upload_audio(path)
        except (ItniotechError, ValueError, OSError) as err:
            self.audio_msg.value = note(esc(readable(err)), BAD)
            self.errors.remember(err)
            return
        self.file_id.value = file_id
        self.audio_msg.value = note(f"uploaded {esc(name)}: fileId {esc(file_id)}", OK)
