"""The sandbox's endpoints: what each one answers, given a request that reached it.

HTTP is not this module's business (see ``server.py``); each handler takes the account state and
the decoded request and returns the JSON answer as a dict. Every endpoint first checks the
signed headers (``checks.check_auth``); POST endpoints then want a JSON object body.

=========================  ======  =================================================================
path                       method  answer ``data``
=========================  ======  =================================================================
/voice/sendGroup           POST    one entry per callee, in order (duplicates answered each time)
/voice/fileUpload          POST    the new fileId (a string)
/voice/fileQuery           POST    page of ``{fileId, fileName}``, oldest first
/voice/recordGroup/{id}    GET     the call record, or ``null`` (status "0") for an unknown voiceId
/voice/recordGroupQuery    POST    page of call records submitted in the window, in submission order
/sms/getBalance            GET     none: ``balance``, ``gift``, ``credit`` beside status and reason
=========================  ======  =================================================================

A refused request is answered ``{"status": code, "reason": text}`` without ``data``.

Example:
    >>> route("/voice/recordGroup/2203031134011000001")[0].name
    'recordGroup'
    >>> route("/voice/nothing")
    (None, '')
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from .._vendor import STATUS_OK, TERMINATION_ACCEPTED
from .checks import (
    Refusal,
    check_auth,
    check_content_type,
    page_of,
    parse_send_group,
    parse_upload,
    parse_window,
)
from .simulation import call_record
from .state import SandboxState, money

UNLIMITED_BALANCE: Final = "999999.0000"
"""What ``getBalance`` reports when the sandbox has no balance limit."""

_ACCEPTED: Final = (TERMINATION_ACCEPTED, "success")
_COMPACT: Final = (",", ":")


class Headers(Protocol):
    """Anything with a case-insensitive ``get`` of header values (``http.client.HTTPMessage``)."""

    def get(self, name: str) -> Any: ...


Handler = Callable[[SandboxState, dict[str, Any], str, float], dict[str, Any]]


def _success(**fields: Any) -> dict[str, Any]:
    return {"status": STATUS_OK, "reason": "success", **fields}


def _pages(total: int, size: int) -> int:
    return -(-total // size)


class RenderedList(list[str]):
    """A JSON array whose items are already JSON texts: ``sendGroup``'s ``data`` on the hot path.

    Rendering 200 entries with one f-string each is twice as fast as building dicts for
    ``json.dumps``; the values are digits and fixed ASCII texts, so nothing needs escaping.
    """


def encode_answer(payload: dict[str, Any]) -> bytes:
    """The JSON bytes of an answer (``data`` may be a :class:`RenderedList`)."""
    data = payload.get("data")
    if not isinstance(data, RenderedList):
        return json.dumps(payload, separators=_COMPACT).encode()
    head = json.dumps({k: v for k, v in payload.items() if k != "data"}, separators=_COMPACT)
    return f'{head[:-1]},"data":[{",".join(data)}]}}'.encode()


def send_group(state: SandboxState, body: dict[str, Any], arg: str, now: float) -> dict[str, Any]:
    send = parse_send_group(body)
    if state.check_file_ids and send.file_id not in state.file_ids():
        raise Refusal("-22", f"fileId {send.file_id!r} is not an uploaded file")
    refusals = state.refusals(send.callee)
    batch = state.submit(send, frozenset(refusals), now)
    if isinstance(batch, str):
        raise Refusal("-10", batch)
    prefix, first = batch.prefix, batch.first
    data = RenderedList()
    for index, number in enumerate(send.numbers):
        code, reason = refusals.get(index, _ACCEPTED)
        data.append(
            f'{{"voiceId":"{prefix}{first + index}","callee":"{number}",'
            f'"terminationCode":"{code}","terminationReason":"{reason}"}}'
        )
    return _success(data=data)


def file_upload(state: SandboxState, body: dict[str, Any], arg: str, now: float) -> dict[str, Any]:
    name, content = parse_upload(body)
    upload = state.add_upload(name, len(content), now)
    if upload is None:
        raise Refusal("-20", f"a file named {name!r} exists already")
    return _success(data=upload.file_id)


def file_query(state: SandboxState, body: dict[str, Any], arg: str, now: float) -> dict[str, Any]:
    current, size = page_of(body)
    with state.lock:
        files = list(state.ledger.uploads.values())
    page = files[(current - 1) * size : current * size]
    records = [{"fileId": f.file_id, "fileName": f.file_name} for f in page]
    return _success(
        data={
            "total": len(files),
            "size": size,
            "current": current,
            "pages": _pages(len(files), size),
            "records": records,
        }
    )


def get_balance(state: SandboxState, body: dict[str, Any], arg: str, now: float) -> dict[str, Any]:
    with state.lock:
        units = state.ledger.balance
    balance = UNLIMITED_BALANCE if units is None else money(units)
    return _success(balance=balance, gift="0.0000", credit="0.0000")


def record_group(state: SandboxState, body: dict[str, Any], arg: str, now: float) -> dict[str, Any]:
    found = state.find_call(arg)
    if found is None:
        return _success(data=None)
    batch, index, callee = found
    record = call_record(state.seed, batch, index, callee, now=now, record_delay=state.record_delay)
    return _success(data=record)


def record_group_query(
    state: SandboxState, body: dict[str, Any], arg: str, now: float
) -> dict[str, Any]:
    current, size = page_of(body)
    start, end = parse_window(body, now)
    total, page = state.calls_between(start, end, (current - 1) * size, size)
    records = [
        call_record(state.seed, batch, index, callee, now=now, record_delay=state.record_delay)
        for batch, index, callee in page
    ]
    return _success(
        data={
            "total": total,
            "size": size,
            "current": current,
            "pages": _pages(total, size),
            "searchCount": True,
            "records": records,
        }
    )


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One route: its name (used by faults and the request log), method, path and handler.

    A ``path`` ending in ``/`` takes the rest of the URL path as its argument.
    """

    name: str
    method: str
    path: str
    handler: Handler

    @property
    def takes_json(self) -> bool:
        return self.method == "POST"


ENDPOINTS: Final = (
    Endpoint("sendGroup", "POST", "/voice/sendGroup", send_group),
    Endpoint("fileUpload", "POST", "/voice/fileUpload", file_upload),
    Endpoint("fileQuery", "POST", "/voice/fileQuery", file_query),
    Endpoint("recordGroup", "GET", "/voice/recordGroup/", record_group),
    Endpoint("recordGroupQuery", "POST", "/voice/recordGroupQuery", record_group_query),
    Endpoint("getBalance", "GET", "/sms/getBalance", get_balance),
)
ENDPOINT_NAMES: Final = tuple(e.name for e in ENDPOINTS)
_EXACT: Final = {e.path: e for e in ENDPOINTS if not e.path.endswith("/")}
_PREFIXED: Final = tuple(e for e in ENDPOINTS if e.path.endswith("/"))


def route(path: str) -> tuple[Endpoint | None, str]:
    """``(endpoint, argument)`` for a URL path (without query), ``(None, "")`` if unknown."""
    endpoint = _EXACT.get(path)
    if endpoint is not None:
        return endpoint, ""
    for endpoint in _PREFIXED:
        rest = path[len(endpoint.path) :]
        if path.startswith(endpoint.path) and rest and "/" not in rest:
            return endpoint, rest
    return None, ""


def answer(
    state: SandboxState,
    endpoint: Endpoint,
    arg: str,
    headers: Headers,
    body: dict[str, Any] | Refusal | None,
    now: float,
) -> dict[str, Any]:
    """The JSON answer to a request that reached ``endpoint`` (checks, then the handler)."""
    try:
        check_auth(
            headers.get("Api-Key"),
            headers.get("Timestamp"),
            headers.get("Sign"),
            key=state.api_key,
            secret=state.api_secret,
            now=now,
            window=state.timestamp_window,
        )
        if endpoint.takes_json:
            check_content_type(headers.get("Content-Type"))
            if isinstance(body, Refusal):
                raise body
        return endpoint.handler(state, body if isinstance(body, dict) else {}, arg, now)
    except Refusal as refusal:
        return refusal.payload()
