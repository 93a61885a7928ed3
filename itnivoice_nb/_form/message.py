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

One message per segment (a column's value): one ``value = fileId`` line each.
    >>> part.set_columns(["phone", "lang"])
    >>> part.segment_by.value = "lang"
    >>> part.segment_audio.value = "en = en.mp3\\nhi = hi.mp3"
    >>> messages, bad = part.message()
    >>> {k: m.file_id for k, m in messages.items()}, messages["hi"].max_duration, bad
    ({'en': 'en.mp3', 'hi': 'hi.mp3'}, 60, [])
    >>> part.segment_audio.value = "en: en.mp3"
    >>> part.message(), part.segment_msg.value.count("write each line as")
    ((None, ['segment_audio']), 1)
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
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

__all__ = ["MESSAGE_FIELDS", "ONE_MESSAGE", "MessagePart", "parse_segment_audio"]

MESSAGE_FIELDS: Final = (
    "app_id", "file_id", "display_num", "max_duration", "loop_count", "called_info",
)  # fmt: skip
"""The :class:`~itnivoice_nb.VoiceMessage` fields the form has, in its order."""

_PLACEHOLDERS: Final = {"app_id": "app", "file_id": "file.mp3"}
"""Stand-ins for the required fields while another field is checked on its own."""

ONE_MESSAGE: Final = "(one message for every row)"
"""The "One message per value of" choice that sends the same message to every row."""


def parse_segment_audio(text: str) -> tuple[dict[str, str], list[str]]:
    """The ``value = fileId`` lines of the "audio per segment" field: ``{value: fileId}`` and
    the problems, in words (blank lines and lines starting with ``#`` are skipped).

    Example:
        >>> parse_segment_audio("en = en.mp3\\n\\n hi=hi.mp3 ")
        ({'en': 'en.mp3', 'hi': 'hi.mp3'}, [])
        >>> for problem in parse_segment_audio("en = a.mp3\\nen = b.mp3\\nfr")[1]:
        ...     print(problem)
        line 2: 'en' is given twice
        line 3: write each line as value = fileId, e.g. en = en.mp3
    """
    found: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        value, equals, file_id = (part.strip() for part in line.partition("="))
        if not equals or not value or not file_id:
            problems.append(f"line {number}: write each line as value = fileId, e.g. en = en.mp3")
            continue
        if value in found:
            problems.append(f"line {number}: {value!r} is given twice")
            continue
        kwargs: dict[str, Any] = {**_PLACEHOLDERS, "file_id": file_id}
        try:
            VoiceMessage(**kwargs)
        except ValueError as err:
            problems.append(f"line {number}: " + for_people(without_field(str(err), "file_id")))
            continue
        found[value] = file_id
    return found, problems


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
        # Segments: one message per value of a column (same fields, one audio each).
        self.segment_by = w.Dropdown(
            description="One message per value of", options=[(ONE_MESSAGE, None)], value=None,
            style={"description_width": "180px"}, layout=w.Layout(width="476px"),
        )
        self.segment_by.add_class("iv-segment-by")
        self.segment_audio = w.Textarea(
            description="Audio per segment", placeholder="one line per value: value = fileId\n"
            "en = en.mp3\nhi = hi.mp3", style=LABEL_STYLE,
            layout=w.Layout(width=FIELD_WIDTH, height="70px"), continuous_update=True,
        )
        self.segment_audio.add_class("iv-segment-audio")
        self.segment_msg = html_out("iv-segment-msg")
        self.segments_box = w.Accordion(
            children=[w.VBox([
                w.HTML(note("Send each row the message of its segment: the fields above, with "
                            "the audio of the row's value in the column chosen. Rows whose value "
                            "has no line are not called.")),
                self.segment_by,
                row(self.segment_audio, self.segment_msg),
            ])],
            titles=("Segments: one message per value of a column (optional)",),
            selected_index=None, layout=w.Layout(max_width="900px"),
        )  # fmt: skip
        self.segments_box.add_class("iv-segments")
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
            self.segment_by, self.segment_audio,
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
            self.segments_box,
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
        self.segment_by.observe(self._on_segments, names="value")
        self.segment_audio.observe(self._on_segments, names="value")
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
        out: Any = getattr(self, f"{name}_msg")
        if name == "file_id" and self.segment_column() is not None:
            out.value = note("not used: each segment has its audio (Segments, below)")
            return True
        error = self._error(name)
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

    def segment_column(self) -> Any:
        """The column chosen in "One message per value of", or None for one message."""
        return self.segment_by.value

    def set_columns(self, columns: Iterable[Any]) -> None:
        """The recipients' columns, offered in "One message per value of" (the choice is kept
        while its column is there)."""
        options = [(ONE_MESSAGE, None), *((str(c), c) for c in columns)]
        if options == list(self.segment_by.options):
            return
        keep = self.segment_by.value
        values = [value for _, value in options]
        self.segment_by.options = options
        self.segment_by.value = keep if keep in values else None

    def validate_segments(self) -> dict[str, str] | None:
        """Check the "audio per segment" lines and say so next to them: ``{value: fileId}``,
        or None when a line is wrong (or none is given)."""
        found, problems = parse_segment_audio(self.segment_audio.value)
        if self.segment_column() is None:
            self.segment_msg.value = ""
            return found if not problems else None
        if problems:
            self.segment_msg.value = note(esc("; ".join(problems)), BAD)
            return None
        if not found:
            self.segment_msg.value = note("required: one line per value, e.g. en = en.mp3")
            return None
        self.segment_msg.value = note(f"✓ {len(found):,} segment{'s' if len(found) > 1 else ''}",
                                      OK)
        return found

    def message(
        self, segments: Iterable[Any] = ()
    ) -> tuple[VoiceMessage | dict[Any, VoiceMessage] | None, list[str]]:
        """The VoiceMessage of the fields, or None and the names of the fields it refuses.

        With a column chosen in "One message per value of": ``{value: VoiceMessage}``, one per
        "audio per segment" line; a value is matched to the one of ``segments`` (the column's
        values) it spells, so a number in the column is matched by its digits.
        """
        bad = [name for name in MESSAGE_FIELDS if not self.validate(name)]
        audio = self.validate_segments()
        if self.segment_column() is not None and audio is None:
            bad.append("segment_audio")
        if bad:
            return None, bad
        fields = {name: self._value(name) for name in MESSAGE_FIELDS}
        if self.segment_column() is None or audio is None:
            return VoiceMessage(**fields), []
        spelt: dict[str, Any] = {}
        for value in segments:
            spelt.setdefault(str(value), value)
        return {spelt.get(value, value): VoiceMessage(**{**fields, "file_id": file_id})
                for value, file_id in audio.items()}, []

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
    def _on_segments(self, change: dict[str, Any]) -> None:
        self.validate("file_id")
        self.validate_segments()
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
