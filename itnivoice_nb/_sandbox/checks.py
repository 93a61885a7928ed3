"""Request checks: the vendor's rules applied to a request, and the status each refusal gets.

The rules come from ``itnivoice_nb._vendor`` as data; the checking code is the sandbox's own
(it never calls the client's signing or validation code, so a bug there cannot hide here).

Order and codes, the same for every endpoint:

1. ``Api-Key`` not the sandbox's: ``-1``
2. ``Timestamp`` missing, not Unix seconds, or over ``timestamp_window`` s off the clock: ``-16``
3. ``Sign`` != md5(key + secret + timestamp) as hex (any case): ``-1``
4. (POST) ``Content-Type`` media type not ``application/json`` (case, spaces, charset free): ``-22``
5. (POST) body not UTF-8 JSON, or not a JSON object: ``-22``
6. the endpoint's fields: ``-22`` (uploads: also ``-21`` and ``-20``, see :func:`parse_upload`)

Field leniency is that of a Java (Jackson) server talking to PHP clients: whole numbers may come as
JSON numbers, integral floats (``50.0``) or numeric strings (``"50"``), and ``""`` or ``null`` means
"not given"; ``true``/``false`` and ``50.5`` are refused. Numbers must be plain ASCII digits.

Example:
    >>> parse_callees("91856321412,91856321300")
    ['91856321412', '91856321300']
    >>> try:
    ...     parse_callees("91856321412,123")
    ... except Refusal as refusal:
    ...     print(refusal.code, refusal.reason)
    -22 parameter exception: callee number 2 ('123') is not 7-15 digits
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import md5
from typing import Any, Final

from .._vendor import (
    AUDIO_NAME_MAX,
    AUDIO_NAME_MIN,
    AUDIO_SUFFIXES,
    CALLED_INFO_MAX,
    LOOP_COUNT_DEFAULT,
    LOOP_COUNT_MAX,
    LOOP_COUNT_MIN,
    MAX_CALLEES,
    MAX_DURATION_MAX,
    MAX_DURATION_MIN,
    NUMBER_MAX_DIGITS,
    NUMBER_MIN_DIGITS,
    PAGE_SIZE_MAX,
    RECORD_RETENTION_DAYS,
    RECORD_WINDOW_DAYS,
    STATUS_MESSAGES,
)

_NUMBER: Final = f"[0-9]{{{NUMBER_MIN_DIGITS},{NUMBER_MAX_DIGITS}}}"
_NUMBER_RE: Final = re.compile(_NUMBER)
_CALLEES_RE: Final = re.compile(f"{_NUMBER}(?:,{_NUMBER})*")
_DIGITS_RE: Final = re.compile(r"\s*([0-9]+)\s*")
_DIGITS_TEXT: Final = f"{NUMBER_MIN_DIGITS}-{NUMBER_MAX_DIGITS} digits"
_PAGE_SIZE_DEFAULT: Final = 10


class Refusal(Exception):
    """The answer to a refused request: a vendor status code and a reason naming the cause."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.reason = f"{STATUS_MESSAGES.get(code, 'failure')}: {detail}"
        super().__init__(f"{code} {self.reason}")

    def payload(self) -> dict[str, Any]:
        """The JSON answer: ``status`` and ``reason``; a refused request carries no ``data``."""
        return {"status": self.code, "reason": self.reason}


def _param(detail: str) -> Refusal:
    return Refusal("-22", detail)


# --- headers -------------------------------------------------------------------------------


def check_auth(
    api_key: str | None,
    timestamp: str | None,
    sign: str | None,
    *,
    key: str,
    secret: str,
    now: float,
    window: float,
) -> None:
    """Check the ``Api-Key``, ``Timestamp`` and ``Sign`` header values; raise :class:`Refusal`."""
    if api_key is None or not hmac.compare_digest(api_key.strip().encode(), key.encode()):
        raise Refusal("-1", "unknown Api-Key")
    stamp = (timestamp or "").strip()
    if not stamp.isascii() or not stamp.isdigit():
        raise Refusal("-16", "the Timestamp header is missing or not Unix seconds")
    if abs(int(stamp) - now) > window:
        raise Refusal(
            "-16", f"Timestamp {stamp} is more than {window:g} s away from the server clock"
        )
    expected = md5((key + secret + stamp).encode()).hexdigest()
    if sign is None or not hmac.compare_digest(sign.strip().lower().encode(), expected.encode()):
        raise Refusal("-1", "the Sign header does not match")


def check_content_type(content_type: str | None) -> None:
    """Refuse (``-22``) a body whose media type is not ``application/json``."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise _param(f"Content-Type must be application/json, not {content_type!r}")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Decode a request body that must be a JSON object (``-22`` otherwise)."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _param(f"the body is not valid JSON ({exc})") from None
    if not isinstance(body, dict):
        raise _param(f"the body must be a JSON object, not {type(body).__name__}")
    return body


# --- field helpers -------------------------------------------------------------------------


def whole_number(
    body: dict[str, Any], name: str, low: int, high: int | None, default: int | None
) -> int | None:
    """Read an optional whole number field, PHP/Jackson-lenient; ``-22`` when out of range."""
    value = body.get(name)
    allowed = f"a whole number from {low}" + (f" to {high}" if high is not None else " up")
    if value is None or value == "":
        return default
    if isinstance(value, str):
        match = _DIGITS_RE.fullmatch(value)
        if match is None:
            raise _param(f"{name} {value!r} is not {allowed}")
        number = int(match.group(1))
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise _param(f"{name} {value!r} is not {allowed}")
    elif isinstance(value, float):
        if not value.is_integer():
            raise _param(f"{name} {value!r} is not {allowed}")
        number = int(value)
    else:
        number = value
    if number < low or (high is not None and number > high):
        raise _param(f"{name} {value!r} is out of range: {allowed}")
    return number


def required_text(body: dict[str, Any], name: str) -> str:
    """Read a required, non-blank string field."""
    value = body.get(name)
    if value is None:
        raise _param(f"{name} is required")
    if not isinstance(value, str):
        raise _param(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise _param(f"{name} must not be empty")
    return value


def page_of(body: dict[str, Any]) -> tuple[int, int]:
    """``(current, size)`` of a paged query: current >= 1 (default 1), size 1-100 (default 10)."""
    current = whole_number(body, "current", 1, None, 1)
    size = whole_number(body, "size", 1, PAGE_SIZE_MAX, _PAGE_SIZE_DEFAULT)
    assert current is not None and size is not None
    return current, size


# --- sendGroup -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendGroup:
    """A checked ``sendGroup`` body. ``callee`` is kept as the joined string the client sent."""

    callee: str
    numbers: list[str]
    display_num: str | None
    file_id: str
    app_id: str
    max_duration: int | None
    loop_count: int
    called_info: str


def parse_callees(callee: object) -> list[str]:
    """Split and check ``callee``: 1-200 comma-separated numbers of 7-15 ASCII digits."""
    if callee is None or callee == "":
        raise _param("callee is required")
    if not isinstance(callee, str):
        raise _param(
            f"callee must be a string of comma-separated numbers, not {type(callee).__name__}"
        )
    count = callee.count(",") + 1
    if count > MAX_CALLEES:
        raise _param(f"callee has {count} numbers; at most {MAX_CALLEES} are allowed")
    numbers = callee.split(",")
    if _CALLEES_RE.fullmatch(callee) is None:
        for position, number in enumerate(numbers, 1):
            if _NUMBER_RE.fullmatch(number) is None:
                raise _param(f"callee number {position} ({number!r}) is not {_DIGITS_TEXT}")
    return numbers


def parse_send_group(body: dict[str, Any]) -> SendGroup:
    """Check every ``sendGroup`` field against the vendor's limits, in the page's order."""
    numbers = parse_callees(body.get("callee"))
    display = body.get("displayNum")
    if display == "":
        display = None  # PHP clients send "" for "no display number"
    if display is not None and (
        not isinstance(display, str) or _NUMBER_RE.fullmatch(display) is None
    ):
        raise _param(f"displayNum {display!r} is not {_DIGITS_TEXT} or null")
    file_id = required_text(body, "fileId")
    app_id = required_text(body, "appId")
    max_duration = whole_number(body, "maxDuration", MAX_DURATION_MIN, MAX_DURATION_MAX, None)
    loop_count = whole_number(body, "loopCount", LOOP_COUNT_MIN, LOOP_COUNT_MAX, LOOP_COUNT_DEFAULT)
    assert loop_count is not None
    called_info = body.get("calledInfo")
    if called_info is None:
        called_info = ""
    if not isinstance(called_info, str):
        raise _param(f"calledInfo must be a string, not {type(called_info).__name__}")
    if len(called_info) > CALLED_INFO_MAX:
        raise _param(f"calledInfo has {len(called_info)} characters; at most {CALLED_INFO_MAX}")
    return SendGroup(
        callee=body["callee"],
        numbers=numbers,
        display_num=display,
        file_id=file_id,
        app_id=app_id,
        max_duration=max_duration,
        loop_count=loop_count,
        called_info=called_info,
    )


# --- fileUpload ----------------------------------------------------------------------------


def parse_upload(body: dict[str, Any]) -> tuple[str, bytes]:
    """``(fileName, content)`` of a ``fileUpload`` body.

    ``fileName`` missing or not 5-32 characters: ``-22``; suffix not .mp3/.m4a/.wav (any case):
    ``-21``; ``file`` missing: ``-22``; not base64 (whitespace is ignored) or empty: ``-21``.
    """
    name = required_text(body, "fileName")
    if not AUDIO_NAME_MIN <= len(name) <= AUDIO_NAME_MAX:
        raise _param(
            f"fileName has {len(name)} characters; {AUDIO_NAME_MIN}-{AUDIO_NAME_MAX} are allowed"
        )
    if not name.lower().endswith(AUDIO_SUFFIXES):
        raise Refusal("-21", f"fileName {name!r} must end with one of {', '.join(AUDIO_SUFFIXES)}")
    text = required_text(body, "file")
    try:
        content = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise Refusal("-21", "file is not valid base64") from None
    if not content:
        raise Refusal("-21", "file is empty")
    return name, content


# --- recordGroupQuery ----------------------------------------------------------------------


def _instant(params: dict[str, Any], name: str) -> datetime:
    value = params.get(name)
    if not isinstance(value, str):
        raise _param(f"params.{name} is required (ISO 8601 with offset)")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _param(f"params.{name} {value!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise _param(f"params.{name} {value!r} has no UTC offset")
    return moment


def parse_window(body: dict[str, Any], now: float) -> tuple[float, float]:
    """``(start, end)`` Unix seconds of a record query: <= 31 days, within the last 2 months."""
    params = body.get("params")
    if not isinstance(params, dict):
        raise _param("params {strTime, endTime} is required")
    start, end = _instant(params, "strTime"), _instant(params, "endTime")
    if end < start:
        raise _param("params.endTime is before params.strTime")
    if end - start > timedelta(days=RECORD_WINDOW_DAYS):
        raise _param(f"the period is longer than {RECORD_WINDOW_DAYS} days")
    if start.timestamp() < now - RECORD_RETENTION_DAYS * 86400:
        raise _param(f"params.strTime is older than {RECORD_RETENTION_DAYS} days")
    return start.timestamp(), end.timestamp()
