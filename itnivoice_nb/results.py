"""Assemble the results DataFrame from a prepared frame and the journal's batches.

One row per input row, in input order, the user's columns kept, an ``outcome`` for every row.
The per-number answers are read back from what the journal recorded, so the results and the
journal cannot disagree.

Speed (a million rows): each stored answer is decoded once with ``json.loads`` and its fields
taken as they are — the vendor's shape, every value a string. Anything else (numbers where text
was expected, a bad entry...) makes the whole assembly start again through
:func:`~itnivoice_nb.client.parse_group_answer`, which checks and converts every field: the two
roads give the same frame. Values shared by a whole batch (status, batch number, sent time) are
spread with numpy and Arrow instead of per-row Python lists.

Example:
    >>> import pandas as pd
    >>> from itnivoice_nb.numbers import prepare
    >>> prepared = prepare(pd.DataFrame({"phone": ["91856321412", "12"]}))
    >>> build_results(prepared, [], not_sent_reason="dry run")["outcome"].tolist()
    ['not_sent', 'invalid']
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from . import journal as j
from ._vendor import STATUS_MESSAGES, STATUS_OK, TERMINATION_ACCEPTED
from .client import GroupAnswer, parse_group_answer
from .errors import BadResponseError
from .outcomes import (
    DUPLICATE,
    FAILED,
    INVALID,
    NOT_SENT,
    OUTCOME_DTYPE,
    REJECTED,
    SEND_COLUMNS,
    SUBMITTED,
    UNKNOWN,
)

_UNKNOWN_MISSING = "the API answer did not mention this number: it may have been charged"
_STR: Final = pa.large_string()
_STR_DTYPE: Final = pd.StringDtype(na_value=np.nan)
_OUTCOME_CODE: Final = {name: code for code, name in enumerate(OUTCOME_DTYPE.categories)}
_GET: Final = dict.get
_CALLEE: Final = attrgetter("callee")
_VOICE_ID: Final = attrgetter("voice_id")
_CODE: Final = attrgetter("termination_code")
_REASON: Final = attrgetter("termination_reason")


def _status_text(code: str | None, reason: str | None) -> str:
    if code is None:
        return reason or ""
    meaning = STATUS_MESSAGES.get(code, "undocumented status")
    return f"{code} {meaning}" + (f": {reason}" if reason and reason != meaning else "")


# --------------------------------------------------------------------------- one batch

Fields = tuple[list[Any], list[Any], list[Any], list[Any]]
"""callee, voiceId, terminationCode, terminationReason: one item per ``data`` entry."""


def _plain_fields(text: str) -> Fields | None:
    """The ``data`` fields of a status-"0" answer as decoded, when it has the vendor's shape.

    No conversion: a value that is not a string (or null) is caught later, when the columns
    become Arrow text, and the assembly then starts again with :func:`_exact_fields`.
    """
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    if type(payload) is not dict or payload.get("status") != STATUS_OK:
        return None
    data = payload.get("data")
    if type(data) is not list or not data or set(map(type, data)) != {dict}:
        return None
    n = len(data)
    voice = list(map(_GET, data, repeat("voiceId", n)))
    if "" in voice:
        voice = [None if v == "" else v for v in voice]  # "" is no voiceId
    return (
        list(map(_GET, data, repeat("callee", n))),
        voice,
        list(map(_GET, data, repeat("terminationCode", n))),
        list(map(_GET, data, repeat("terminationReason", n))),
    )


def _exact_fields(text: str, http_status: int | None) -> Fields | None:
    """The fields as :func:`parse_group_answer` reads and converts them; None if unreadable."""
    try:
        answer = parse_group_answer(text, http_status or 200)
    except BadResponseError:
        return None
    items = answer.items
    return (
        [item.callee for item in items],
        [item.voice_id for item in items],
        [item.termination_code for item in items],
        [item.termination_reason for item in items],
    )


@dataclass(frozen=True, slots=True)
class Answered:
    """One answered batch's fields as the sending worker parsed them, kept for the results.

    The worker records the answer's text in the journal, then keeps these fields (parsed from
    that same text by :func:`~itnivoice_nb.client.parse_group_answer`) so that
    :func:`build_results` need not parse the text a second time. They are used only for a
    batch the journal shows answered with status "0" after the same number of attempts.
    ``callees`` is None when the answer lists exactly the batch's numbers, in order, once each.
    """

    attempts: int
    callees: list[str] | None
    voice: list[str | None]
    code: list[str | None]
    why: list[str | None]

    def rows(self, callees: list[str]) -> tuple[list[Any], ...]:
        """voice_id, termination code and reason, outcome, detail per callee (see results)."""
        got = callees if self.callees is None else self.callees
        rows = _answered_rows(callees, (got, self.voice, self.code, self.why), True)
        assert rows is not None  # the exact road always answers
        return rows

    @classmethod
    def of(
        cls,
        callees: list[str],
        answer: GroupAnswer,
        attempts: int,
        shared: dict[str | None, str | None],
    ) -> Answered:
        """The fields of ``answer``; ``shared`` makes repeated codes and reasons one object."""
        items = answer.items
        got = list(map(_CALLEE, items))
        same = got == callees and len(set(got)) == len(got)
        codes = list(map(_CODE, items))
        reasons = list(map(_REASON, items))
        one = shared.setdefault
        return cls(
            attempts,
            None if same else got,
            list(map(_VOICE_ID, items)),
            list(map(one, codes, codes)),
            list(map(one, reasons, reasons)),
        )


def _digits(value: object) -> str:
    text = value if type(value) is str else str(value)
    return text if text.isdigit() else "".join(ch for ch in text if ch.isdigit())


def _answered_rows(
    callees: list[str], fields: Fields, exact: bool
) -> tuple[list[Any], list[Any], list[Any], list[Any], list[Any]] | None:
    """voice_id, termination code and reason, outcome, detail per callee of an answered batch.

    ``None`` when the fast road met a shape it does not take (the caller goes the exact way).
    """
    got, voice, code, why = fields
    n = len(callees)
    missing: list[int] = []
    if got is not callees and (got != callees or len(set(got)) != len(got)):
        if not exact and set(map(type, got)) != {str}:
            return None
        # Not one entry per callee in order: match by number (the last entry for a number wins),
        # reading the answer's callee as digits ("+91…" or a JSON number name the same callee).
        at = {_digits(number): i for i, number in enumerate(got)}
        where = [at.get(number) for number in callees]
        voice = [None if i is None else voice[i] for i in where]
        code = [None if i is None else code[i] for i in where]
        why = [None if i is None else why[i] for i in where]
        missing = [k for k, i in enumerate(where) if i is None]
    if code.count(TERMINATION_ACCEPTED) == n:
        outcome: list[Any] = [SUBMITTED] * n
        detail: list[Any] = [None] * n
    else:
        outcome = [SUBMITTED if c == TERMINATION_ACCEPTED else REJECTED for c in code]
        detail = [
            None if c == TERMINATION_ACCEPTED else (w or f"refused with terminationCode {c}")
            for c, w in zip(code, why, strict=True)
        ]
    for k in missing:
        outcome[k] = UNKNOWN
        detail[k] = _UNKNOWN_MISSING
    return voice, code, why, outcome, detail


def _batch_rows(
    batch: j.Batch, not_sent_reason: str, exact: bool, answered: Mapping[int, Answered]
) -> tuple[int, tuple[list[Any], ...] | None, str, str]:
    """One batch: ``(size, per-number columns or None, outcome, outcome reason)``.

    The per-number columns (voice_id, termination code and reason, outcome, reason) exist for a
    batch answered with status "0" and a readable answer; every other batch has one outcome and
    one reason for all its numbers.
    """
    kept = answered.get(batch.batch_no)
    if kept is not None and not (
        batch.state == j.ANSWERED
        and batch.api_status == STATUS_OK
        and kept.attempts == batch.attempts
    ):
        kept = None  # the journal does not show the answer these fields came from
    if kept is not None or (
        batch.state == j.ANSWERED and batch.api_status == STATUS_OK and batch.response is not None
    ):
        callees = batch.callees
        rows = None
        if kept is not None:
            rows = kept.rows(callees)
        elif batch.response is not None:
            fields = None if exact else _plain_fields(batch.response)
            if fields is not None:
                rows = _answered_rows(callees, fields, False)
            if rows is None:
                fields = _exact_fields(batch.response, batch.http_status)
                if fields is not None:
                    rows = _answered_rows(callees, fields, True)
        if rows is not None:
            return len(callees), rows, "", ""
    n = batch.numbers.count(",") + 1 if batch.numbers else 0
    if batch.state == j.FAILED:
        text = (
            _status_text(batch.api_status, batch.api_reason)
            if batch.api_status
            else (batch.error or "the request failed")
        )
        return n, None, FAILED, text
    if batch.state in (j.UNKNOWN, j.IN_FLIGHT, j.ANSWERED):
        text = batch.error or "the request may have reached the API; no usable answer came back"
        return n, None, UNKNOWN, text
    return n, None, NOT_SENT, not_sent_reason


# --------------------------------------------------------------------------- all batches


@dataclass(slots=True)
class _Columns:
    """Per batch: size and shared values; per number sent: the answers."""

    sizes: list[int] = field(default_factory=list)
    batch_no: list[int] = field(default_factory=list)
    was_sent: list[bool] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)
    status: list[str | None] = field(default_factory=list)
    status_reason: list[str | None] = field(default_factory=list)
    voice: list[Any] = field(default_factory=list)
    code: list[Any] = field(default_factory=list)
    why: list[Any] = field(default_factory=list)
    outcome: list[Any] = field(default_factory=list)
    detail: list[Any] = field(default_factory=list)


def _collect(
    batches: Sequence[j.Batch],
    n_send: int,
    not_sent_reason: str,
    exact: bool,
    answered: Mapping[int, Answered],
) -> _Columns:
    c = _Columns()
    for batch in batches:
        n, rows, one_outcome, one_detail = _batch_rows(batch, not_sent_reason, exact, answered)
        sent = batch.state != j.PENDING
        c.sizes.append(n)
        c.batch_no.append(batch.batch_no)
        c.was_sent.append(sent)
        c.sent_at.append(np.nan if not sent or batch.sent_at is None else batch.sent_at)
        c.status.append(batch.api_status)
        c.status_reason.append(batch.api_reason)
        if rows is not None:
            c.voice += rows[0]
            c.code += rows[1]
            c.why += rows[2]
            c.outcome += rows[3]
            c.detail += rows[4]
        else:
            none = [None] * n
            c.voice += none
            c.code += none
            c.why += none
            c.outcome += [one_outcome] * n
            c.detail += [one_detail] * n
    total = sum(c.sizes)
    if total and total != n_send:
        raise RuntimeError(
            f"the journal holds {total} numbers but {n_send} rows are to be sent; "
            "the campaign does not match these rows"
        )
    if total != n_send or not c.sizes:
        # No batch at all: every row to send is "not sent", nothing else is known.
        c = _Columns(
            sizes=[n_send],
            batch_no=[0],
            was_sent=[False],
            sent_at=[np.nan],
            status=[None],
            status_reason=[None],
            voice=[None] * n_send,
            code=[None] * n_send,
            why=[None] * n_send,
            outcome=[NOT_SENT] * n_send,
            detail=[not_sent_reason] * n_send,
        )
    return c


def _text_arrays(c: _Columns) -> tuple[pa.Array, ...]:
    """status and status_reason (one per batch), voice_id, code, reason (one per number)."""
    return tuple(
        pa.array(values, _STR) for values in (c.status, c.status_reason, c.voice, c.code, c.why)
    )


def _spread(
    values: pa.Array, index: np.ndarray, identity: bool = False
) -> pd.api.extensions.ExtensionArray:
    """``values[index]`` as a pandas string array; ``index`` -1 gives a missing value.

    ``identity``: ``index`` is known to be ``0, 1, 2…`` (every row was sent): no take.
    """
    if not identity:
        values = values.take(pa.array(index, mask=index < 0))
    return pd.array(values, dtype=_STR_DTYPE)


def build_results(
    prepared: pd.DataFrame,
    batches: Sequence[j.Batch],
    *,
    not_sent_reason: str = "not sent: the send stopped before this batch",
    answered: Mapping[int, Answered] | None = None,
) -> pd.DataFrame:
    """Join the journal's batches onto the prepared rows; see the module docstring.

    ``answered``: the fields the sending workers parsed, by batch number (see
    :class:`Answered`); batches not in it are read from their recorded text.
    """
    kept = answered or {}
    valid = prepared["valid"].to_numpy(dtype=bool)
    duplicate = prepared["duplicate"].to_numpy(dtype=bool)
    to_send = valid & ~duplicate
    n_rows = len(prepared)
    n_send = int(to_send.sum())

    c = _collect(batches, n_send, not_sent_reason, False, kept)
    try:
        texts = _text_arrays(c)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        # A value that is not text where the vendor writes text: read it all the exact way.
        c = _collect(batches, n_send, not_sent_reason, True, kept)
        texts = _text_arrays(c)
    status, status_reason, voice, code, why = texts

    # Row -> its batch (-1: not sent), and row -> its position among the numbers sent.
    send_rows = np.flatnonzero(to_send)
    row_batch = np.full(n_rows, -1, dtype=np.int64)
    row_batch[send_rows] = np.repeat(np.arange(len(c.sizes)), c.sizes)
    row_sent = np.full(n_rows, -1, dtype=np.int64)
    row_sent[send_rows] = np.arange(n_send)
    in_batch = row_batch >= 0
    safe_batch = np.where(in_batch, row_batch, 0)

    out = prepared.copy(deep=False)  # copy-on-write: new columns never reach `prepared`
    index = prepared.index
    out["status"] = pd.Series(_spread(status, row_batch), index=index)
    out["status_reason"] = pd.Series(_spread(status_reason, row_batch), index=index)
    every = n_send == n_rows  # row_sent is then 0, 1, 2…
    out["voice_id"] = pd.Series(_spread(voice, row_sent, every), index=index)
    out["termination_code"] = pd.Series(_spread(code, row_sent, every), index=index)
    out["termination_reason"] = pd.Series(_spread(why, row_sent, every), index=index)

    sent_mask = np.asarray(c.was_sent, dtype=bool)[safe_batch] & in_batch
    out["batch"] = pd.arrays.IntegerArray(
        np.asarray(c.batch_no, dtype=np.int64)[safe_batch], ~sent_mask
    )

    codes = np.full(n_rows, _OUTCOME_CODE[NOT_SENT], dtype=np.int8)
    codes[~valid] = _OUTCOME_CODE[INVALID]
    codes[valid & duplicate] = _OUTCOME_CODE[DUPLICATE]
    codes[send_rows] = np.fromiter(map(_OUTCOME_CODE.__getitem__, c.outcome), np.int8, n_send)
    out["outcome"] = pd.Categorical.from_codes(codes, dtype=OUTCOME_DTYPE)

    reason = np.full(n_rows, None, dtype=object)
    reason[~valid] = prepared["invalid_reason"].to_numpy(dtype=object)[~valid]
    if (valid & duplicate).any():
        reason[valid & duplicate] = _duplicate_reasons(prepared, valid, duplicate, to_send)
    detail = np.empty(n_send, dtype=object)
    detail[:] = c.detail
    reason[send_rows] = detail
    out["outcome_reason"] = pd.Series(reason, index=index, dtype=_STR_DTYPE)

    when = np.where(in_batch, np.asarray(c.sent_at, dtype=float)[safe_batch], np.nan)
    out["sent_at"] = pd.to_datetime(when, unit="s", utc=True)
    ordered = [col for col in out.columns if col not in SEND_COLUMNS] + list(SEND_COLUMNS)
    return out[ordered]


def _duplicate_reasons(
    prepared: pd.DataFrame, valid: np.ndarray, duplicate: np.ndarray, to_send: np.ndarray
) -> np.ndarray:
    """'same number as row <label>' for every duplicate row, naming the first row's index label."""
    numbers = prepared["number"]
    first = pd.Series(prepared.index[to_send], index=numbers[to_send].to_numpy(dtype=object))
    labels = numbers[valid & duplicate].map(first)
    return np.asarray(["same number as row " + str(label) for label in labels], dtype=object)
