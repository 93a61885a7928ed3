"""The one parser of the API's JSON answers: every answer is read here, and only here.

:func:`parse_fields` reads a sendGroup answer column-wise — status, reason and, for status "0",
one list per field of ``data`` (callee, voiceId, terminationCode, terminationReason) — and is
used by the client as the answer arrives and by the results when they read an answer back from
the journal, so the two cannot read the same text differently. The columns are taken as the
vendor writes them (every value a string) and converted value by value only when some value is
not (a JSON number, a "+91…" callee is kept as written; :func:`digits` compares callees).

Example:
    >>> f = parse_fields('{"status":"0","reason":"success","data":[{"voiceId":"1",'
    ...     '"callee":91856321412,"terminationCode":"0","terminationReason":"success"}]}')
    >>> f.status, f.callee, f.code
    ('0', ['91856321412'], ['0'])
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Final

from ._errors import BadResponseError
from ._vendor import STATUS_OK

_EXCERPT: Final = 200
_GET: Final = dict.get
_STRINGS: Final = frozenset({str})
_TEXT_OR_NONE: Final = frozenset({str, type(None)})


def excerpt(text: str) -> str:
    """The start of a body, on one line, for an error message."""
    text = " ".join(text.split())
    return text[:_EXCERPT] + ("…" if len(text) > _EXCERPT else "")


def json_object(text: str, http_status: int) -> dict[str, Any]:
    """The answer as a JSON object, or :class:`BadResponseError` (truncated, HTML, …)."""
    try:
        payload = json.loads(text)
    except ValueError:
        raise BadResponseError(
            "the answer is not JSON (truncated, or an error page)",
            http_status=http_status,
            excerpt=excerpt(text),
        ) from None
    if not isinstance(payload, dict):
        raise BadResponseError(
            "the answer is JSON but not an object", http_status=http_status, excerpt=excerpt(text)
        )
    return payload


def status_of(payload: dict[str, Any], text: str, http_status: int) -> tuple[str, str]:
    """The answer's ``status`` (as text) and ``reason``; BadResponseError when there is none."""
    status = payload.get("status")
    if status is None or isinstance(status, bool) or not isinstance(status, str | int):
        raise BadResponseError(
            "the answer has no 'status'", http_status=http_status, excerpt=excerpt(text)
        )
    reason = payload.get("reason")
    return str(status).strip(), "" if reason is None else str(reason)


@dataclass(frozen=True, slots=True)
class AnswerFields:
    """A sendGroup answer, column-wise: one entry per ``data`` item in each list."""

    status: str
    reason: str
    callee: list[str]
    voice: list[str | None]
    """voiceId; None where absent or empty."""
    code: list[str | None]
    why: list[str | None]


def _text(value: object) -> str:
    return value if type(value) is str else str(value)


def _column(values: list[Any], *, empty_is_none: bool = False) -> list[Any]:
    """Text or None, converting only when some value is not already one of them."""
    if not set(map(type, values)) <= _TEXT_OR_NONE:
        values = [None if v is None else _text(v) for v in values]
    if empty_is_none and "" in values:
        values = [None if v == "" else v for v in values]
    return values


def parse_fields(text: str, http_status: int = 200) -> AnswerFields:
    """Read a sendGroup answer; :class:`BadResponseError` if it is not the documented shape.

    A status other than "0" is returned with empty columns (not raised): the caller decides.

    Example:
        >>> parse_fields('{"status":"-10","reason":"no money"}').reason
        'no money'
    """
    payload = json_object(text, http_status)
    status, reason = status_of(payload, text, http_status)
    if status != STATUS_OK:
        return AnswerFields(status, reason, [], [], [], [])
    data = payload.get("data")
    if not isinstance(data, list):
        raise BadResponseError(
            "the sendGroup answer has no 'data' list", http_status=http_status,
            excerpt=excerpt(text),
        )  # fmt: skip
    n = len(data)
    if n and set(map(type, data)) != {dict}:
        raise BadResponseError(
            "a sendGroup 'data' entry is not an object with a callee",
            http_status=http_status,
            excerpt=excerpt(text),
        )
    callee: list[Any] = list(map(_GET, data, repeat("callee", n)))
    if not set(map(type, callee)) <= _STRINGS:
        if any(type(c) not in (str, int) for c in callee):  # bool is not a callee either
            raise BadResponseError(
                "a sendGroup 'data' entry is not an object with a callee",
                http_status=http_status,
                excerpt=excerpt(text),
            )
        callee = [_text(c) for c in callee]
    return AnswerFields(
        status,
        reason,
        callee,
        _column(list(map(_GET, data, repeat("voiceId", n))), empty_is_none=True),
        _column(list(map(_GET, data, repeat("terminationCode", n)))),
        _column(list(map(_GET, data, repeat("terminationReason", n)))),
    )


def digits(value: object) -> str:
    """A callee as the answer wrote it, as digits only ("+91 856…" → "91856…").

    Example:
        >>> digits("+91 85632 14120"), digits(918563214120)
        ('918563214120', '918563214120')
    """
    text = value if type(value) is str else str(value)
    return text if text.isdigit() else "".join(ch for ch in text if ch.isdigit())
