"""Assemble the results DataFrame from a prepared frame and the journal's batches.

One row per input row, in input order, the user's columns kept, an ``outcome`` for every row.
The per-number answers are read back from what the journal recorded, so the results and the
journal cannot disagree.

Example:
    >>> import pandas as pd
    >>> from itnivoice_nb.numbers import prepare
    >>> prepared = prepare(pd.DataFrame({"phone": ["91856321412", "12"]}))
    >>> build_results(prepared, [], not_sent_reason="dry run")["outcome"].tolist()
    ['not_sent', 'invalid']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import journal as j
from ._vendor import STATUS_MESSAGES, STATUS_OK, TERMINATION_ACCEPTED
from .client import parse_group_answer
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


def _status_text(code: str | None, reason: str | None) -> str:
    if code is None:
        return reason or ""
    meaning = STATUS_MESSAGES.get(code, "undocumented status")
    return f"{code} {meaning}" + (f": {reason}" if reason and reason != meaning else "")


def _batch_rows(batch: j.Batch, not_sent_reason: str) -> tuple[list[object], ...]:
    """Per-number columns for one batch: status, reason, voice_id, code, why, outcome, detail."""
    callees = batch.callees
    n = len(callees)
    status = [batch.api_status] * n
    status_reason = [batch.api_reason] * n
    if batch.state == j.ANSWERED and batch.api_status == STATUS_OK and batch.response is not None:
        try:
            answer = parse_group_answer(batch.response, batch.http_status or 200)
        except BadResponseError:
            answer = None
        if answer is not None:
            by_callee = {item.callee: item for item in answer.items}
            voice: list[object] = []
            code: list[object] = []
            why: list[object] = []
            outcome: list[object] = []
            detail: list[object] = []
            for number in callees:
                item = by_callee.get(number)
                if item is None:
                    voice.append(None)
                    code.append(None)
                    why.append(None)
                    outcome.append(UNKNOWN)
                    detail.append(_UNKNOWN_MISSING)
                elif item.termination_code == TERMINATION_ACCEPTED:
                    voice.append(item.voice_id)
                    code.append(item.termination_code)
                    why.append(item.termination_reason)
                    outcome.append(SUBMITTED)
                    detail.append(None)
                else:
                    voice.append(item.voice_id)
                    code.append(item.termination_code)
                    why.append(item.termination_reason)
                    outcome.append(REJECTED)
                    detail.append(
                        item.termination_reason
                        or f"refused with terminationCode {item.termination_code}"
                    )
            return status, status_reason, voice, code, why, outcome, detail
    none: list[object] = [None] * n
    if batch.state == j.FAILED:
        text = (
            _status_text(batch.api_status, batch.api_reason)
            if batch.api_status
            else (batch.error or "the request failed")
        )
        return status, status_reason, none, none, none, [FAILED] * n, [text] * n
    if batch.state in (j.UNKNOWN, j.IN_FLIGHT, j.ANSWERED):
        text = batch.error or "the request may have reached the API; no usable answer came back"
        return status, status_reason, none, none, none, [UNKNOWN] * n, [text] * n
    return status, status_reason, none, none, none, [NOT_SENT] * n, [not_sent_reason] * n


def build_results(
    prepared: pd.DataFrame,
    batches: Sequence[j.Batch],
    *,
    not_sent_reason: str = "not sent: the send stopped before this batch",
) -> pd.DataFrame:
    """Join the journal's batches onto the prepared rows; see the module docstring."""
    valid = prepared["valid"].to_numpy(dtype=bool)
    duplicate = prepared["duplicate"].to_numpy(dtype=bool)
    to_send = valid & ~duplicate
    n_rows = len(prepared)
    n_send = int(to_send.sum())

    cols: dict[str, list[object]] = {
        name: []
        for name in (
            "batch", "status", "status_reason", "voice_id", "termination_code",
            "termination_reason", "outcome", "outcome_reason", "sent_at",
        )
    }
    sent = 0
    for batch in batches:
        parts = _batch_rows(batch, not_sent_reason)
        n = len(parts[0])
        sent += n
        was_sent = batch.state != j.PENDING
        cols["batch"].extend([batch.batch_no if was_sent else None] * n)
        for name, values in zip(
            ("status", "status_reason", "voice_id", "termination_code", "termination_reason",
             "outcome", "outcome_reason"),
            parts,
            strict=True,
        ):
            cols[name].extend(values)
        cols["sent_at"].extend([batch.sent_at if was_sent else None] * n)
    if sent != n_send:
        if sent:
            raise RuntimeError(
                f"the journal holds {sent} numbers but {n_send} rows are to be sent; "
                "the campaign does not match these rows"
            )
        for name in cols:
            cols[name] = [None] * n_send
        cols["outcome"] = [NOT_SENT] * n_send
        cols["outcome_reason"] = [not_sent_reason] * n_send

    out = prepared.copy()
    str_dtype = pd.StringDtype(na_value=np.nan)
    for name in ("status", "status_reason", "voice_id", "termination_code", "termination_reason"):
        full = np.full(n_rows, None, dtype=object)
        full[to_send] = np.asarray(cols[name], dtype=object)
        out[name] = pd.Series(full, index=prepared.index, dtype=str_dtype)

    batch_full = np.full(n_rows, None, dtype=object)
    batch_full[to_send] = np.asarray(cols["batch"], dtype=object)
    out["batch"] = pd.array(batch_full, dtype="Int64")

    outcome = np.full(n_rows, NOT_SENT, dtype=object)
    outcome[~valid] = INVALID
    outcome[valid & duplicate] = DUPLICATE
    outcome[to_send] = np.asarray(cols["outcome"], dtype=object)
    out["outcome"] = pd.Categorical(outcome, dtype=OUTCOME_DTYPE)

    reason = np.full(n_rows, None, dtype=object)
    reason[~valid] = prepared["invalid_reason"].to_numpy(dtype=object)[~valid]
    if (valid & duplicate).any():
        reason[valid & duplicate] = _duplicate_reasons(prepared, valid, duplicate, to_send)
    reason[to_send] = np.asarray(cols["outcome_reason"], dtype=object)
    out["outcome_reason"] = pd.Series(reason, index=prepared.index, dtype=str_dtype)

    sent_at = np.full(n_rows, np.nan)
    sent_at[to_send] = np.asarray(
        [np.nan if v is None else v for v in cols["sent_at"]], dtype=float
    )
    out["sent_at"] = pd.to_datetime(sent_at, unit="s", utc=True)
    ordered = [c for c in out.columns if c not in SEND_COLUMNS] + list(SEND_COLUMNS)
    return out[ordered]


def _duplicate_reasons(
    prepared: pd.DataFrame, valid: np.ndarray, duplicate: np.ndarray, to_send: np.ndarray
) -> np.ndarray:
    """'same number as row <label>' for every duplicate row, naming the first row's index label."""
    numbers = prepared["number"]
    first = pd.Series(prepared.index[to_send], index=numbers[to_send].to_numpy(dtype=object))
    labels = numbers[valid & duplicate].map(first)
    return np.asarray(["same number as row " + str(label) for label in labels], dtype=object)
