"""``send``: plan and execute in one call — ``iv.plan(df, message, ...).send(...)``.

The guarantees (see :mod:`itnivoice_nb._plan`, :mod:`itnivoice_nb._journal` and
:mod:`itnivoice_nb._classify`):

* nobody is called twice by accident: a number this account already called with this audio is
  ``already_called`` (the per-number ledger), unless ``allow_repeat=True`` or ``repeat_after``;
* a request that may have reached the API is never resent automatically (``unknown``;
  ``resend_unknown=True`` resends on purpose);
* every row ends with an honest outcome, built from the journal;
* re-running the same call resumes, or sends nothing when everything was answered.

Example:
    >>> import pandas as pd, itnivoice_nb as iv
    >>> df = pd.DataFrame({"phone": ["+91 85632 14120", "12"]})
    >>> msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3")
    >>> with iv.Sandbox(reject_share=0) as sb:
    ...     res = iv.send(df, msg, client=sb.client(), journal=None, progress=False)
    >>> res["outcome"].tolist()
    ['submitted', 'invalid']
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from . import _journal as j
from ._classify import RetryPolicy
from ._client import VoiceClient
from ._drive import ProgressCallback
from ._errors import ConfigurationError
from ._message import VoiceMessage
from ._plan import DEFAULT_JOURNAL, DefaultJournal, plan, preview_without_account
from ._vendor import MAX_CALLEES


def send(
    df: pd.DataFrame,
    message: VoiceMessage | Mapping[Any, VoiceMessage],
    *,
    column: Any = "phone",
    client: VoiceClient | None = None,
    default_region: str | None = None,
    strict: bool = False,
    batch_size: int = MAX_CALLEES,
    dry_run: bool = False,
    progress: bool | ProgressCallback = True,
    journal: str | os.PathLike[str] | bool | j.Journal | DefaultJournal | None = DEFAULT_JOURNAL,
    campaign: str | None = None,
    allow_repeat: bool = False,
    repeat_after: timedelta | str | None = None,
    resend_unknown: bool = False,
    concurrency: int = 4,
    rate_limit: float | None = None,
    check_balance: bool = False,
    retry: RetryPolicy | None = None,
    cancel: threading.Event | None = None,
    by: Any = None,
    call_window: tuple[str, str] | None = None,
    call_days: str | None = None,
    at: datetime | None = None,
    default_timezone: str | None = None,
    exclude: Any = None,
    exclude_blacklisted: bool = True,
    rates: Mapping[str, float] | None = None,
    max_cost: float | None = None,
) -> pd.DataFrame:
    """Send ``message`` to the numbers in ``df[column]`` and return one result row per input row.

    The same as ``iv.plan(df, message, ...).send(...)`` (see :func:`itnivoice_nb._plan` for the
    planning arguments and :meth:`itnivoice_nb.SendPlan.send` for the sending ones);
    ``dry_run=True`` returns the plan's preview and sends nothing (without credentials, the
    rows are checked but the ledger cannot be).

    Example:
        >>> import pandas as pd, itnivoice_nb as iv
        >>> msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3")
        >>> client = iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice")
        >>> iv.send(pd.DataFrame({"phone": ["918563214120"]}), msg, client=client,
        ...         dry_run=True, journal=None)["outcome"].tolist()
        ['not_sent']
    """
    if dry_run and client is None and isinstance(message, VoiceMessage):
        try:
            client = VoiceClient()
        except ConfigurationError:
            return preview_without_account(
                df,
                message,
                column=column,
                default_region=default_region,
                strict=strict,
                batch_size=batch_size,
            )
    the_plan = plan(
        df,
        message,
        column=column,
        client=client,
        default_region=default_region,
        strict=strict,
        campaign=campaign,
        allow_repeat=allow_repeat,
        repeat_after=repeat_after,
        batch_size=batch_size,
        journal=journal,
        by=by,
        call_window=call_window,
        call_days=call_days,
        at=at,
        default_timezone=default_timezone,
        exclude=exclude,
        exclude_blacklisted=exclude_blacklisted,
        rates=rates,
        max_cost=max_cost,
    )
    if dry_run:
        return the_plan.preview()
    return the_plan.send(
        concurrency=concurrency,
        rate_limit=rate_limit,
        progress=progress,
        resend_unknown=resend_unknown,
        cancel=cancel,
        check_balance=check_balance,
        retry=retry,
    )


__all__ = ["send"]
