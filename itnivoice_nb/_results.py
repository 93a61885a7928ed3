"""Assemble the results DataFrame from a prepared frame and the journal's batches.

One row per input row, in input order, the user's columns kept, an ``outcome`` for every row.
The per-number answers are read back from what the journal recorded, so the results and the
journal cannot disagree.

Every answer is read by :func:`~itnivoice_nb._answers.parse_fields` — the client's parser —
so an answer read as it arrived and one read back from the journal give the same rows. An
answer the sending worker already read is not read again: :func:`reusable` (the one rule for
it) says when its fields stand for what the journal recorded. Values shared by a whole batch
(status, batch number, sent time) are spread with numpy and Arrow, not per-row lists.

Example:
    >>> import pandas as pd
    >>> from itnivoice_nb._numbers import prepare
    >>> prepared = prepare(pd.DataFrame({"phone": ["91856321412", "12"]}))
    >>> build_results(prepared, [], not_sent_reason="dry run")["outcome"].tolist()
    ['not_sent', 'invalid']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _journal as j
from ._answers import AnswerFields, digits, parse_fields
from ._errors import BadResponseError
from ._outcomes import (
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
from ._vendor import STATUS_MESSAGES, STATUS_OK, TERMINATION_ACCEPTED

_UNKNOWN_MISSING = "the API answer did not mention this number: it may have been charged"
_STR: Final = pa.large_string()
_STR_DTYPE: Final = pd.StringDtype(na_value=np.nan)
_OUTCOME_CODE: Final = {name: code for code, name in enumerate(OUTCOME_DTYPE.categories)}


def _status_text(code: str | None, reason: str | None) -> str:
    if code is None:
        return reason or ""
    meaning = STATUS_MESSAGES.get(code, "undocumented status")
    return f"{code} {meaning}" + (f": {reason}" if reason and reason != meaning else "")


# --------------------------------------------------------------------------- one batch

Fields = tuple[list[Any], list[Any], list[Any], list[Any]]
"""callee, voiceId, terminationCode, terminationReason: one item per ``data`` entry."""


@dataclass(frozen=True, slots=True)
class Answered:
    """One answered batch's fields as the sending worker read them, kept for the results.

    The worker records the answer's text in the journal, then keeps these fields (read from
    that same text by :func:`~itnivoice_nb._answers.parse_fields`) so that
    :func:`build_results` need not read the text a second time — only while :func:`reusable`
    says they stand for what the journal recorded. ``callees`` is None when the answer lists
    exactly the batch's numbers, in order, once each.
    """

    attempts: int
    callees: list[str] | None
    voice: list[str | None]
    code: list[str | None]
    why: list[str | None]

    def rows(self, callees: list[str]) -> tuple[list[Any], ...]:
        """voice_id, termination code and reason, outcome, detail per callee (see results)."""
        got = callees if self.callees is None else self.callees
        return _answered_rows(callees, (got, self.voice, self.code, self.why))

    @classmethod
    def of(
        cls,
        callees: list[str],
        fields: AnswerFields,
        attempts: int,
        shared: dict[str | None, str | None],
    ) -> Answered:
        """The fields of an answer; ``shared`` makes repeated codes and reasons one object."""
        got = fields.callee
        same = got == callees and len(set(got)) == len(got)
        one = shared.setdefault
        return cls(
            attempts,
            None if same else got,
            fields.voice,
            list(map(one, fields.code, fields.code)),
            list(map(one, fields.why, fields.why)),
        )


def read_back(
    book: j.Journal, campaign_id: str, answered: Mapping[int, Answered]
) -> list[j.Batch]:
    """The campaign's batches from the journal, with the answer texts the results need: those
    of answered batches whose fields are not already held (see :func:`reusable`)."""
    batches = book.batches(campaign_id, texts=False)
    need = [
        b.batch_no
        for b in batches
        if b.has_response and not reusable(answered.get(b.batch_no), b)
    ]
    if not need:
        return batches
    texts = book.responses(campaign_id, need)
    return [
        replace(b, response=texts[b.batch_no]) if b.batch_no in texts else b for b in batches
    ]


def reusable(kept: Answered | None, batch: j.Batch) -> bool:
    """True when fields a worker kept stand for the answer the journal recorded for ``batch``:
    answered with status "0" after exactly as many attempts. The one rule for reusing them.

    Example:
        >>> b = j.Batch(1, "91856321412", j.ANSWERED, 2, 200, "0", "success", None, None, 0.0)
        >>> reusable(Answered(2, None, ["v"], ["0"], ["ok"]), b), reusable(None, b)
        (True, False)
    """
    return (
        kept is not None
        and batch.state == j.ANSWERED
        and batch.api_status == STATUS_OK
        and kept.attempts == batch.attempts
    )


def _pick(entries: list[int], code: list[Any]) -> int:
    """The entry that speaks for a callee listed several times: the first accepted, or the first."""
    return next((i for i in entries if code[i] == TERMINATION_ACCEPTED), entries[0])


def _voice_ids(entries: list[int], voice: list[Any]) -> Any:
    """Every voiceId of a callee's entries, comma-separated (each may be a call); None if none."""
    if len(entries) == 1:
        return voice[entries[0]]
    texts = [str(voice[i]) for i in entries if voice[i] is not None]
    return ",".join(dict.fromkeys(texts)) if texts else None


def _answered_rows(
    callees: list[str], fields: Fields
) -> tuple[list[Any], list[Any], list[Any], list[Any], list[Any]]:
    """voice_id, termination code and reason, outcome, detail per callee of an answered batch."""
    got, voice, code, why = fields
    n = len(callees)
    missing: list[int] = []
    if got is not callees and (got != callees or len(set(got)) != len(got)):
        # Not one entry per callee in order: match by number, reading the answer's callee as
        # digits ("+91…" or a JSON number name the same callee). A number listed several times
        # is submitted if any entry accepted it; every voiceId is kept (comma-separated).
        entries: dict[str, list[int]] = {}
        for i, number in enumerate(got):
            entries.setdefault(digits(number), []).append(i)
        where = [entries.get(number) for number in callees]
        chosen = [None if w is None else _pick(w, code) for w in where]
        voice = [None if w is None else _voice_ids(w, voice) for w in where]
        code = [None if i is None else code[i] for i in chosen]
        why = [None if i is None else why[i] for i in chosen]
        missing = [k for k, w in enumerate(where) if w is None]
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
    batch: j.Batch, not_sent_reason: str, answered: Mapping[int, Answered]
) -> tuple[int, tuple[list[Any], ...] | None, str, str]:
    """One batch: ``(size, per-number columns or None, outcome, outcome reason)``.

    The per-number columns (voice_id, termination code and reason, outcome, reason) exist for a
    batch answered with status "0" and a readable answer; every other batch has one outcome and
    one reason for all its numbers.
    """
    kept = answered.get(batch.batch_no)
    if reusable(kept, batch):
        assert kept is not None
        callees = batch.callees
        return len(callees), kept.rows(callees), "", ""
    if batch.state == j.ANSWERED and batch.api_status == STATUS_OK and batch.response is not None:
        try:
            fields = parse_fields(batch.response, batch.http_status or 200)
        except BadResponseError:
            fields = None
        if fields is not None and fields.status == STATUS_OK:
            callees = batch.callees
            rows = _answered_rows(callees, (fields.callee, fields.voice, fields.code, fields.why))
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
    numbers: list[str] = field(default_factory=list)
    """Each batch's numbers as recorded (comma-joined)."""
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
    not_sent_reason: str,
    answered: Mapping[int, Answered],
) -> _Columns:
    c = _Columns()
    for batch in batches:
        n, rows, one_outcome, one_detail = _batch_rows(batch, not_sent_reason, answered)
        sent = batch.state != j.PENDING
        c.sizes.append(n)
        c.batch_no.append(batch.batch_no)
        c.was_sent.append(sent)
        c.sent_at.append(np.nan if not sent or batch.sent_at is None else batch.sent_at)
        c.status.append(batch.api_status)
        c.status_reason.append(batch.api_reason)
        c.numbers.append(batch.numbers)
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
    skipped: Mapping[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Join the journal's batches onto the prepared rows; see the module docstring.

    Each row to send (valid, not a duplicate) is matched to its batch by its number. A number in
    no batch gets the outcome and reason ``skipped`` (``{number: (outcome, reason)}``: e.g.
    ``already_called``, ``deferred``, ``excluded``) gives it, and ``not_sent`` otherwise.
    ``answered``: the fields the sending workers parsed, by batch number (see
    :class:`Answered`); batches not in it are read from their recorded text.
    """
    kept = answered or {}
    valid = prepared["valid"].to_numpy(dtype=bool)
    duplicate = prepared["duplicate"].to_numpy(dtype=bool)
    to_send = valid & ~duplicate
    n_rows = len(prepared)
    send_rows = np.flatnonzero(to_send)
    n_send = len(send_rows)

    c = _collect(batches, not_sent_reason, kept)
    status, status_reason, voice, code, why = _text_arrays(c)

    # Row -> its position among the batches' numbers (-1: in no batch), and -> its batch.
    row_numbers = prepared["number"].to_numpy(dtype=object)[send_rows]
    joined = ",".join(c.numbers) if c.numbers else ""
    position = _positions(row_numbers, joined)
    identity = position is None  # the batches hold exactly these rows' numbers, in order
    if position is None:
        position = np.arange(n_send, dtype=np.int64)
    of_batch = np.repeat(np.arange(len(c.sizes), dtype=np.int64), c.sizes)
    row_sent = np.full(n_rows, -1, dtype=np.int64)
    row_sent[send_rows] = position
    row_batch = np.full(n_rows, -1, dtype=np.int64)
    found = position >= 0
    row_batch[send_rows[found]] = of_batch[position[found]]
    in_batch = row_batch >= 0
    safe_batch = np.where(in_batch, row_batch, 0)

    out = prepared.copy(deep=False)  # copy-on-write: new columns never reach `prepared`
    out.index = pd.RangeIndex(n_rows)  # positional while building; the caller's index at the end
    index = out.index
    out["status"] = pd.Series(_spread(status, row_batch), index=index)
    out["status_reason"] = pd.Series(_spread(status_reason, row_batch), index=index)
    every = identity and n_send == n_rows  # row_sent is then 0, 1, 2…
    out["voice_id"] = pd.Series(_spread(voice, row_sent, every), index=index)
    out["termination_code"] = pd.Series(_spread(code, row_sent, every), index=index)
    out["termination_reason"] = pd.Series(_spread(why, row_sent, every), index=index)

    sent_mask = (
        np.asarray(c.was_sent, dtype=bool)[safe_batch] & in_batch if c.sizes else in_batch
    )
    out["batch"] = pd.arrays.IntegerArray(
        np.asarray(c.batch_no or [0], dtype=np.int64)[safe_batch], ~sent_mask
    )

    codes = np.full(n_rows, _OUTCOME_CODE[NOT_SENT], dtype=np.int8)
    codes[~valid] = _OUTCOME_CODE[INVALID]
    codes[valid & duplicate] = _OUTCOME_CODE[DUPLICATE]
    reason = np.full(n_rows, None, dtype=object)
    reason[~valid] = prepared["invalid_reason"].to_numpy(dtype=object)[~valid]
    if (valid & duplicate).any():
        reason[valid & duplicate] = _duplicate_reasons(prepared, valid, duplicate, to_send)
    if identity:
        codes[send_rows] = np.fromiter(map(_OUTCOME_CODE.__getitem__, c.outcome), np.int8, n_send)
        detail = np.empty(n_send, dtype=object)
        detail[:] = c.detail
        reason[send_rows] = detail
    else:
        outcome = np.fromiter(map(_OUTCOME_CODE.__getitem__, c.outcome), np.int8, len(c.outcome))
        details = np.empty(len(c.detail), dtype=object)
        details[:] = c.detail
        hit = send_rows[found]
        codes[hit] = outcome[position[found]]
        reason[hit] = details[position[found]]
        absent = send_rows[~found]
        reason[absent] = not_sent_reason
        if skipped and len(absent):
            marks = [skipped.get(n) for n in row_numbers[~found].tolist()]
            known = np.array([m is not None for m in marks], dtype=bool)
            rows = absent[known]
            codes[rows] = [_OUTCOME_CODE[m[0]] for m in marks if m is not None]
            reason[rows] = np.asarray([m[1] for m in marks if m is not None], dtype=object)
    out["outcome"] = pd.Categorical.from_codes(codes, dtype=OUTCOME_DTYPE)
    out["outcome_reason"] = pd.Series(reason, index=index, dtype=_STR_DTYPE)

    when = np.where(in_batch, np.asarray(c.sent_at or [np.nan], dtype=float)[safe_batch], np.nan)
    out["sent_at"] = pd.to_datetime(when, unit="s", utc=True)
    out.index = prepared.index
    ordered = [col for col in out.columns if col not in SEND_COLUMNS] + list(SEND_COLUMNS)
    return out[ordered]


def _positions(row_numbers: np.ndarray, joined: str) -> np.ndarray | None:
    """Each row's position among the batches' numbers (-1: none); None when they are in order.

    The common case — the batches hold exactly the rows' numbers, in order — is one string
    comparison; otherwise one hash join.
    """
    if ",".join(row_numbers.tolist()) == joined:
        return None
    held = pd.Index(joined.split(",") if joined else [], dtype=object)
    if not held.is_unique:
        held = held.drop_duplicates()  # a campaign never batches a number twice; be safe
    return np.asarray(held.get_indexer(pd.Index(row_numbers, dtype=object)), dtype=np.int64)


def _duplicate_reasons(
    prepared: pd.DataFrame, valid: np.ndarray, duplicate: np.ndarray, to_send: np.ndarray
) -> np.ndarray:
    """'same number as row <label>' for every duplicate row, naming the first row's index label.

    Positional, so any index works (a MultiIndex, repeated labels, labels that are not text).
    """
    numbers = prepared["number"].to_numpy(dtype=object)
    first_rows = np.flatnonzero(to_send)
    first = pd.Index(numbers[first_rows], dtype=object)
    dup_rows = np.flatnonzero(valid & duplicate)
    at = first.get_indexer(pd.Index(numbers[dup_rows], dtype=object))
    labels = prepared.index
    unique = labels.is_unique

    def name(row: int) -> str:
        label = labels[row]
        text = (
            "(" + ", ".join(str(part) for part in label) + ")"
            if isinstance(label, tuple)
            else str(label)
        )
        return text if unique else f"{text} (position {row + 1})"

    return np.asarray(
        ["same number as row " + (name(first_rows[k]) if k >= 0 else "?") for k in at.tolist()],
        dtype=object,
    )
