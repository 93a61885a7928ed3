"""``call_outcomes``: what really happened to each submitted call, joined onto the results.

The sendGroup answer only says a number was accepted; the call record says whether it was
answered, for how long and at what cost. Records are reads, so transient failures are retried.
With a journal, final records are stored there and not fetched again.

Example:
    >>> import pandas as pd, itnivoice_nb as iv
    >>> msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3", max_duration=30)
    >>> with iv.Sandbox(reject_share=0, answer_share=1.0) as sb:
    ...     res = iv.send(pd.DataFrame({"phone": ["918563214120"]}), msg, client=sb.client(),
    ...                   journal=None, progress=False)
    ...     calls = iv.call_outcomes(res, client=sb.client(), progress=False)
    >>> calls["answered"].tolist()
    [True]
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import numpy as np
import pandas as pd

from . import _journal as j
from ._classify import RetryPolicy, classify
from ._client import VoiceClient
from ._errors import (
    ApiError,
    BadResponseError,
    ConfigurationError,
    ItniotechError,
    TransportError,
)
from ._outcomes import RECORD_COLUMNS, SUBMITTED
from ._records import RECORD_FRAME_COLUMNS, _type_frame, is_final, typed_record
from ._running import client_for

FINAL = "final"
IN_PROGRESS = "in_progress"
NOT_FOUND = "not_found"
ERROR = "error"

_NOT_FOUND_CODES = {"-21", "-22"}
_RENAMED = {"termination_code": "sip_code", "termination_reason": "sip_reason"}


def _fetch(
    client: VoiceClient, voice_id: str, policy: RetryPolicy
) -> tuple[dict[str, Any] | None, str]:
    """(raw record or None, record_status). :func:`classify` says what may be retried."""
    last = ""
    tries = 0
    while True:
        tries += 1
        try:
            raw = client.call_record_raw(voice_id)
        except ApiError as err:
            if err.code in _NOT_FOUND_CODES:
                return None, NOT_FOUND
            decision = classify(err, tries=tries, policy=policy, read=True)
            last = str(err)
        except (TransportError, BadResponseError) as err:
            decision = classify(err, tries=tries, policy=policy, read=True)
            last = str(err)
        else:
            if raw is None:
                return None, NOT_FOUND
            return raw, FINAL if is_final(raw) else IN_PROGRESS
        if decision.action != "retry":
            return {"_error": last}, ERROR
        time.sleep(policy.delay(tries))


def call_outcomes(
    results: pd.DataFrame,
    client: VoiceClient | None = None,
    concurrency: int = 8,
    progress: bool = True,
    *,
    journal: Any = None,
    attempts: int = 3,
) -> pd.DataFrame:
    """Fetch the call record of every submitted row and join it on, row for row.

    Returns a new frame: ``results`` (index and order kept, unmatched rows kept) plus
    ``record_status`` ("final", "in_progress", "not_found", "error"; missing for rows with no
    call), ``answered``, the call times, ``call_duration``, ``charged_duration``, ``sip_code``,
    ``sip_reason``, ``cost``, ``rate``, ``base_cost``, ``bill_period``, ``feedback_value`` and
    ``currency``. The journal (``results.attrs["journal"]`` or ``journal=``) keeps final
    records, so calling again only fetches what is missing or not final.
    """
    if not isinstance(results, pd.DataFrame) or "voice_id" not in results.columns:
        raise ValueError("results: expected the DataFrame iv.send returned (with 'voice_id')")
    from ._export import check_voice_ids

    check_voice_ids(results)  # ids read as numbers lost digits: say so, not "no record"
    wanted = results["voice_id"].astype("str")
    if "outcome" in results.columns:
        wanted = wanted.where(results["outcome"] == SUBMITTED)
    # A number the API listed twice keeps every voiceId ("a,b"): its first call speaks for it.
    wanted = wanted.str.split(",").str[0]
    voice_ids = sorted({str(v) for v in wanted.dropna().tolist() if str(v)})
    book, owned = _journal(results, journal)
    try:
        stored: dict[str, tuple[dict[str, Any] | None, bool]] = (
            book.call_records(voice_ids) if book is not None else {}
        )
        found: dict[str, tuple[dict[str, Any] | None, str]] = {
            v: (raw, FINAL) for v, (raw, final) in stored.items() if final and raw is not None
        }
        missing = [v for v in voice_ids if v not in found]
        if missing:
            if client is None:
                client = _client_for(results)
            policy = RetryPolicy(max_attempts=attempts, backoff=0.25, max_backoff=4.0)
            fetched = _fetch_all(client, missing, concurrency, progress, policy)
            found.update(fetched)
            if book is not None:
                book.store_call_records(
                    [
                        (v, raw, status == FINAL)
                        for v, (raw, status) in fetched.items()
                        if status in (FINAL, IN_PROGRESS)
                    ]
                )
    finally:
        if owned and book is not None:
            book.close()
    return _join(results, wanted, found)


def _client_for(results: pd.DataFrame) -> VoiceClient:
    """The sandbox that sent these results, if it still runs here; else one from the
    environment; else an error that says what to pass."""
    running = client_for(results.attrs.get("base_url"))
    if running is not None:
        client: VoiceClient = running()
        return client
    try:
        return VoiceClient(base_url=results.attrs.get("base_url"))
    except ConfigurationError:
        where = results.attrs.get("base_url") or "the API"
        raise ConfigurationError(
            f"call_outcomes: these results were sent through {where}, which is not a sandbox "
            "running in this notebook, and no credentials are set: pass client= the client "
            "that sent them (for a sandbox: client=sb.client(), while it still runs)"
        ) from None


def _journal(results: pd.DataFrame, journal: Any) -> tuple[j.Journal | None, bool]:
    """The journal keeping call records, and whether this call opened it (and closes it)."""
    if isinstance(journal, j.Journal):
        return journal, False
    path = journal if journal not in (None, False, True) else results.attrs.get("journal")
    if journal is False or not path:
        return None, False
    try:
        return j.Journal(path), True
    except ItniotechError:
        return None, False


def _fetch_all(
    client: VoiceClient, voice_ids: list[str], concurrency: int, progress: bool,
    policy: RetryPolicy,
) -> dict[str, tuple[dict[str, Any] | None, str]]:
    out: dict[str, tuple[dict[str, Any] | None, str]] = {}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(voice_ids), unit="calls", desc="call records")
    lock = threading.Lock()
    try:
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            futures = {pool.submit(_fetch, client, v, policy): v for v in voice_ids}
            for future in as_completed(futures):
                voice = futures[future]
                try:
                    out[voice] = future.result()
                except ItniotechError as err:
                    out[voice] = ({"_error": str(err)}, ERROR)
                with lock:
                    if bar is not None:
                        bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return out


def _join(
    results: pd.DataFrame,
    wanted: pd.Series,
    found: dict[str, tuple[dict[str, Any] | None, str]],
) -> pd.DataFrame:
    keys = list(found)
    typed = []
    for v in keys:
        raw, _ = found[v]
        typed.append(typed_record(raw) if raw is not None and "_error" not in raw else {})
    table = pd.DataFrame(typed, index=pd.Index(keys, dtype=object))

    table = table.reindex(columns=list(RECORD_FRAME_COLUMNS))
    table = _type_frame(table.reset_index(drop=True)).set_index(pd.Index(keys, dtype=object))
    table = table.rename(columns=_RENAMED)
    table["record_status"] = pd.Series([found[v][1] for v in keys], index=table.index, dtype="str")
    positions = table.index.get_indexer(
        pd.Index(wanted.astype(object).where(wanted.notna(), None))
    )
    out = results.copy()
    for name in RECORD_COLUMNS:
        if name in out.columns and name not in ("record_status",):
            out = out.drop(columns=name)
        column = (
            table[name]
            if name in table.columns
            else pd.Series([None] * len(table), index=table.index, dtype="str")
        )
        taken = (
            column.iloc[np.where(positions >= 0, positions, 0)].to_numpy()
            if len(table)
            else (np.full(len(out), None, dtype=object))
        )
        series = pd.Series(taken, index=out.index, dtype=column.dtype)
        series[positions < 0] = None
        out[name] = series
    return out
