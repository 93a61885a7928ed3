"""The voice message: the sendGroup fields, validated once, immutable.

Example:
    >>> msg = VoiceMessage(app_id="4luaKsL2", file_id="12022022570cc.mp3", loop_count=2)
    >>> json.loads(msg.payload(["91856321412"]))["loopCount"]
    2
    >>> VoiceMessage(app_id="a", file_id="f", loop_count=4)
    Traceback (most recent call last):
    ...
    ValueError: loop_count: 4 is out of range; allowed: a whole number from 1 to 3 or None
"""

from __future__ import annotations

import json
import numbers as _numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._numbers import normalize_number
from ._vendor import (
    CALLED_INFO_MAX,
    LOOP_COUNT_DEFAULT,
    LOOP_COUNT_MAX,
    LOOP_COUNT_MIN,
    MAX_CALLEES,
    MAX_DURATION_MAX,
    MAX_DURATION_MIN,
)


def _whole(name: str, value: object, low: int, high: int, allow_none: bool) -> int | None:
    allowed = f"a whole number from {low} to {high}" + (" or None" if allow_none else "")
    if value is None:
        if allow_none:
            return None
        raise ValueError(f"{name}: missing; allowed: {allowed}")
    if isinstance(value, bool) or not isinstance(value, _numbers.Integral | float | str):
        raise ValueError(f"{name}: {value!r} is not a number; allowed: {allowed}")
    if isinstance(value, str):
        text = value.strip()
        if text == "" and allow_none:
            return None
        if not text.isdigit():
            raise ValueError(f"{name}: {value!r} is not a whole number; allowed: {allowed}")
        value = int(text)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{name}: {value!r} is not a whole number; allowed: {allowed}")
        value = int(value)
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{name}: {number} is out of range; allowed: {allowed}")
    return number


def _required_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name}: {value!r} is empty or not text; allowed: a non-empty string")
    if value != value.strip():
        raise ValueError(
            f"{name}: {value!r} has spaces at its ends; allowed: the id exactly as the API gave it"
        )
    return value


@dataclass(frozen=True, slots=True)
class VoiceMessage:
    """One recorded voice message: what every sendGroup request of a campaign carries.

    Args:
        app_id: the voice application's ID (required).
        file_id: the uploaded audio file's ID, as ``upload_audio`` returned it (required).
        display_num: caller ID shown, 7-15 digits (``+``, spaces and dashes are tidied) or None.
        max_duration: hang up N seconds after the call is answered, 1-120, or None.
        loop_count: how many times the recording plays, 1-3 (default 1).
        called_info: free text attached to the call, at most 1000 characters, or None.

    A bad value raises ``ValueError`` naming the field, what is wrong and what is allowed.

    Example:
        >>> msg = VoiceMessage(app_id="4luaKsL2", file_id="f.mp3", display_num="+1 008-122-211")
        >>> msg.display_num
        '1008122211'
    """

    app_id: str
    file_id: str
    display_num: str | None = None
    max_duration: int | None = None
    loop_count: int = LOOP_COUNT_DEFAULT
    called_info: str | None = None
    _fixed: bytes = field(init=False, repr=False, compare=False)

    def _repr_html_(self) -> str:
        """The message as a small table in a notebook.

        Example:
            >>> "<td>f.mp3</td>" in VoiceMessage("a", "f.mp3")._repr_html_()
            True
        """
        from html import escape

        rows = "".join(
            f"<tr><th style='text-align:left'>{name}</th><td>{escape(str(value))}</td></tr>"
            for name, value in (
                ("app_id", self.app_id),
                ("file_id", self.file_id),
                ("display_num", self.display_num or "(the account's default)"),
                ("max_duration", f"{self.max_duration} s" if self.max_duration else "(none)"),
                ("loop_count", self.loop_count),
                ("called_info", self.called_info or "(none)"),
            )
        )
        return f"<table><caption>VoiceMessage</caption>{rows}</table>"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "app_id", _required_text("app_id", self.app_id))
        set_(self, "file_id", _required_text("file_id", self.file_id))
        if self.display_num is not None and not (
            isinstance(self.display_num, str) and not self.display_num.strip()
        ):
            digits, reason = normalize_number(self.display_num)
            if digits is None:
                raise ValueError(
                    f"display_num: {self.display_num!r} is refused ({reason}); "
                    "allowed: 7-15 digits, country code + number, or None"
                )
            set_(self, "display_num", digits)
        else:
            set_(self, "display_num", None)
        set_(
            self,
            "max_duration",
            _whole("max_duration", self.max_duration, MAX_DURATION_MIN, MAX_DURATION_MAX, True),
        )
        loop = _whole("loop_count", self.loop_count, LOOP_COUNT_MIN, LOOP_COUNT_MAX, True)
        set_(self, "loop_count", LOOP_COUNT_DEFAULT if loop is None else loop)
        info = self.called_info
        if info is not None:
            if not isinstance(info, str):
                raise ValueError(
                    f"called_info: {type(info).__name__} is not text; "
                    f"allowed: a string of at most {CALLED_INFO_MAX} characters, or None"
                )
            if len(info) > CALLED_INFO_MAX:
                raise ValueError(
                    f"called_info: {len(info)} characters is too long; "
                    f"allowed: at most {CALLED_INFO_MAX} characters"
                )
        fixed = self.fields()
        set_(self, "_fixed", json.dumps(fixed, ensure_ascii=False, separators=(",", ":")).encode())

    def fields(self) -> dict[str, Any]:
        """The request fields other than ``callee``, in the vendor's names and order."""
        out: dict[str, Any] = {
            "displayNum": self.display_num,
            "fileId": self.file_id,
            "appId": self.app_id,
            "maxDuration": self.max_duration,
            "loopCount": self.loop_count,
        }
        if self.called_info is not None:
            out["calledInfo"] = self.called_info
        return out

    def payload(self, callees: Sequence[str]) -> bytes:
        """The exact sendGroup body for ``callees`` (1-200 normalised numbers): compact UTF-8
        JSON, ready to send."""
        self._check_callees(callees)
        joined = ",".join(callees)
        if not joined.replace(",", "").isdigit():
            raise ValueError("callees: every number must be digits only; run prepare() first")
        # Digits and commas only, so the value needs no JSON escaping.
        return b'{"callee":"' + joined.encode("ascii") + b'",' + self._fixed[1:]

    @staticmethod
    def _check_callees(callees: Sequence[str]) -> None:
        if not 1 <= len(callees) <= MAX_CALLEES:
            raise ValueError(
                f"callees: {len(callees)} numbers; allowed: 1 to {MAX_CALLEES} in one request"
            )
