"""Follow-up waves: call again only the people whose call was not answered (or who did not press).

:func:`follow_up` reads the call records of a campaign's results (fetching them with
:func:`~itnivoice_nb.call_outcomes` when the results have none), picks the rows ``who`` names,
and sends them ``message`` (default: the same message) as a new campaign labelled
"<label> · follow-up N", which the ledger allows for exactly those numbers. Running the same
follow-up again sends nothing new (it is the same campaign).

Example:
    >>> import pandas as pd, itnivoice_nb as iv
    >>> msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3", max_duration=30)
    >>> df = pd.DataFrame({"phone": [f"+91 98{i:08d}" for i in range(20)]})
    >>> with iv.Sandbox(reject_share=0, answer_share=0.5, seed=2) as sb:
    ...     first = iv.send(df, msg, client=sb.client(), journal=None, progress=False,
    ...                     campaign="spring")
    ...     again = iv.follow_up(first, client=sb.client(), progress=False)
    >>> again.attrs["label"]
    'spring · follow-up 1'
    >>> bool((again["outcome"] == "submitted").all()) and 0 < len(again) < 20
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._calls import call_outcomes
from ._client import VoiceClient
from ._message import VoiceMessage
from ._outcomes import FAILED, PREPARE_COLUMNS, RECORD_COLUMNS, REJECTED, SEND_COLUMNS, SUBMITTED

WHO = ("unanswered", "no_response", "failed", "rejected")
"""The rows ``who=`` can name; a callable ``who(results) -> bool mask`` picks any others."""


def pick(results: pd.DataFrame, who: str | Callable[[pd.DataFrame], Any]) -> np.ndarray:
    """The rows of ``results`` that ``who`` names, as a boolean mask (see :func:`follow_up`).

    Example:
        >>> import pandas as pd
        >>> pick(pd.DataFrame({"outcome": ["failed", "submitted"]}), "failed").tolist()
        [True, False]
    """
    outcome = results["outcome"].astype("str").to_numpy(dtype=object)
    if callable(who):
        picked = np.asarray(who(results), dtype=bool)
        if picked.shape != (len(results),):
            raise ValueError("who: the callable must return one True/False per results row")
        return picked
    if who == "failed":
        return np.asarray(outcome == FAILED, dtype=bool)
    if who == "rejected":
        return np.asarray(outcome == REJECTED, dtype=bool)
    final = results["record_status"].astype("str").to_numpy(dtype=object) == "final"
    answered = results["answered"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    submitted = outcome == SUBMITTED
    if who == "unanswered":
        return np.asarray(submitted & final & ~answered, dtype=bool)
    if who == "no_response":
        pressed = results["feedback_value"].astype("str").fillna("-1").to_numpy(dtype=object)
        return np.asarray(submitted & final & answered & (pressed == "-1"), dtype=bool)
    raise ValueError(f"who: {who!r}; allowed: {', '.join(WHO)} or a callable on the results")


def follow_up(
    results: pd.DataFrame,
    message: VoiceMessage | None = None,
    *,
    client: VoiceClient | None = None,
    who: str | Callable[[pd.DataFrame], Any] = "unanswered",
    **send_kwargs: Any,
) -> pd.DataFrame:
    """Send a follow-up wave to the rows of ``results`` that ``who`` names.

    Args:
        results: what :func:`itnivoice_nb.send` (or a previous follow-up) returned, with or
            without call records (fetched here when missing: ``client`` is then needed unless
            the credentials are in the environment).
        message: the follow-up's message; default the campaign's own.
        who: "unanswered" (submitted, record final, not answered), "no_response" (answered,
            no key pressed), "failed", "rejected", or a callable ``who(results) -> mask``.
        send_kwargs: passed to :func:`itnivoice_nb.send` (``journal``, ``progress``,
            ``call_window``, ``exclude``, ``max_cost``…).

    Returns:
        The follow-up's results: one row per row picked (their index and columns kept).
    """
    from ._plan import plan

    if not isinstance(results, pd.DataFrame) or "outcome" not in results.columns:
        raise TypeError("results: expected the DataFrame iv.send returned")
    attrs = dict(results.attrs)
    column = attrs.get("column")
    if column is None or column not in results.columns:
        raise ValueError(
            "results: they do not say which column held the numbers (results.attrs['column']);"
            " pass the frame iv.send returned, not a copy read back from a file"
        )
    by = None
    if message is None:
        message, by = _message_of(attrs)
    needs_records = who in ("unanswered", "no_response")
    if needs_records and "record_status" not in results.columns:
        results = call_outcomes(results, client=client, progress=False,
                                journal=send_kwargs.get("journal"))
    picked = pick(results, who)
    own = [c for c in results.columns if c not in (*PREPARE_COLUMNS, *SEND_COLUMNS,
                                                    *RECORD_COLUMNS, "file_id")]
    rows = results.loc[picked, own]
    wave, root, label = _wave(attrs)
    numbers = frozenset(results.loc[picked, "number"].dropna().astype(str).tolist())
    journal = send_kwargs.pop("journal", attrs.get("journal") or None)
    send_options = {
        k: send_kwargs.pop(k)
        for k in ("concurrency", "rate_limit", "progress", "resend_unknown", "cancel",
                  "check_balance", "retry")
        if k in send_kwargs
    }
    if by is not None:
        send_kwargs.setdefault("by", by)
    the_plan = plan(rows, message, column=column, client=client, campaign=label,
                    journal=journal, _allow_for=numbers, **send_kwargs)
    out = the_plan.send(**send_options)
    out.attrs.update({"follow_up": wave, "root_label": root})
    return out


def _wave(attrs: Mapping[Any, Any]) -> tuple[int, str, str]:
    wave = int(attrs.get("follow_up", 0)) + 1
    root = attrs.get("root_label") or attrs.get("label") or f"#{str(attrs.get('campaign'))[:8]}"
    return wave, str(root), f"{root} · follow-up {wave}"


def follow_up_label(results: pd.DataFrame) -> str:
    """The campaign label :func:`follow_up` gives the next wave of ``results``.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"outcome": []})
        >>> frame.attrs.update({"label": "spring", "campaign": "ab12cd34ef"})
        >>> follow_up_label(frame)
        'spring · follow-up 1'
    """
    return _wave(results.attrs)[2]


def _message_of(attrs: Mapping[Any, Any]) -> tuple[Any, Any]:
    """The campaign's own message (or messages per segment, with the ``by`` column)."""
    fields = attrs.get("message")
    if isinstance(fields, dict):
        return VoiceMessage(**fields), None
    messages, by = attrs.get("messages"), attrs.get("by")
    if isinstance(messages, dict) and messages and by is not None:
        return {key: VoiceMessage(**value) for key, value in messages.items()}, by
    raise ValueError(
        "message: these results do not say which message they were sent; pass the "
        "follow-up's message"
    )
