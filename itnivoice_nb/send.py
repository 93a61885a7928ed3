"""Sending a campaign: prepare, plan batches, journal first, then the requests.

This is the one module that joins DataFrames, the journal and the client. The guarantees:

* a number is charged at most once per campaign: a request that may have reached the API is
  never resent automatically (outcome ``unknown``; ``resend_unknown=True`` resends on purpose);
* every row ends with an honest outcome, built from the journal;
* re-running the same call resumes, or sends nothing when everything was answered.

Retry policy (see the README's table): connect failures, -16, -18 and -26 are retried with
capped exponential backoff and jitter, signing afresh; read timeouts, resets after sending, HTTP
5xx and malformed answers are never retried (``unknown``); -1, -2, -10, -13 and -22 stop the send.

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

import contextlib
import hashlib
import json
import logging
import os
import queue
import random
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import journal as j
from . import signing
from ._columns import free_labels
from ._vendor import MAX_CALLEES, STATUS_OK
from .client import GroupAnswer, VoiceClient
from .errors import (
    AlreadySentError,
    ApiError,
    BadResponseError,
    ConnectError,
    ItniotechError,
    SendInterrupted,
    SendStopped,
    TransportError,
    error_for_status,
)
from .message import VoiceMessage
from .numbers import prepare
from .outcomes import (
    FAILED,
    NOT_SENT,
    RECORD_COLUMNS,
    REJECTED,
    SEND_COLUMNS,
    SUBMITTED,
    UNKNOWN,
)
from .ratelimit import TokenBucket
from .results import Answered, build_results

log = logging.getLogger("itnivoice_nb")

STOP_CODES = frozenset({"-1", "-2", "-10", "-13", "-22"})
"""Statuses that stop the whole send: repeating the request would only repeat the refusal."""
RETRY_CODES = frozenset({"-16", "-18", "-26"})
"""Statuses after which nothing was charged and a fresh attempt may succeed."""
CLOCK_SKEW_WARN = 5.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently the safe failures are retried.

    Args:
        max_attempts: attempts in all for connect failures, -18 and -26.
        timestamp_retries: extra attempts after -16 (the seed says at most two).
        backoff: first wait in seconds; doubles each attempt, capped at ``max_backoff``,
            with full jitter.

    Example:
        >>> RetryPolicy(max_attempts=2).max_attempts
        2
    """

    max_attempts: int = 4
    timestamp_retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))


class _Use:
    pass


_DEFAULT = _Use()


def _notice(text: str, notes: list[str] | None = None) -> None:
    log.info(text)
    print(text, file=sys.stdout, flush=True)
    if notes is not None:
        notes.append(text)


def campaign_id(
    message: VoiceMessage, api_key: str, base_url: str, numbers: list[str], label: str | None
) -> str:
    """The campaign's identity: message fields, account, base URL, ordered numbers and label.

    Example:
        >>> m = VoiceMessage("a", "f.mp3")
        >>> a = campaign_id(m, "k", "u", ["1234567"], None)
        >>> a == campaign_id(m, "k", "u", ["1234567"], None), a == campaign_id(m, "k", "u", [], "x")
        (True, False)
    """
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {
                "message": message.fields(),
                "api_key": api_key,
                "base_url": base_url,
                "label": label,
                "n": len(numbers),
            },
            sort_keys=True,
        ).encode()
    )
    h.update("\n".join(numbers).encode())
    return h.hexdigest()[:24]


@dataclass(slots=True)
class _Done:
    batch_no: int
    size: int
    counts: Counter[str]
    stop: BaseException | None = None


class _Sender:
    """Runs the batches of one campaign on worker threads; the journal records every step."""

    def __init__(
        self,
        client: VoiceClient,
        message: VoiceMessage,
        journal: j.Journal,
        cid: str,
        policy: RetryPolicy,
        bucket: TokenBucket | None,
        stop: threading.Event,
    ) -> None:
        self.client = client
        self.message = message
        self.journal = journal
        self.cid = cid
        self.policy = policy
        self.bucket = bucket
        self.stop = stop
        self.done: queue.Queue[_Done] = queue.Queue()
        self.clock_warned = False
        self.answered: dict[int, Answered] = {}
        """Fields of the answers recorded by this send, so the results need not re-parse them."""
        self._shared: dict[str | None, str | None] = {}
        self.idle = threading.Event()
        """Set when every worker started by :meth:`start` has ended."""
        self._running = 0
        self._running_lock = threading.Lock()

    def start(self, threads: list[threading.Thread]) -> None:
        """Start the worker threads (``idle`` is set once they have all ended)."""
        with self._running_lock:
            self._running = len(threads)
        if not threads:
            self.idle.set()
        for t in threads:
            t.start()

    def run_batch(self, batch: j.Batch) -> _Done:
        callees = batch.callees
        attempts = batch.attempts
        tries = 0
        stamp_retries = 0
        while True:
            if self.bucket is not None and not self.bucket.acquire(self.stop):
                # Cancelled while waiting: nothing left; the batch stays pending.
                self.journal.finish(self.cid, batch.batch_no, state=j.PENDING, attempts=attempts)
                return _Done(batch.batch_no, len(callees), Counter({NOT_SENT: len(callees)}))
            attempts += 1
            tries += 1
            self.journal.mark_in_flight(self.cid, batch.batch_no, attempts)
            try:
                answer = self.client.send_group_raw(callees, self.message)
            except ConnectError as exc:
                if tries < self.policy.max_attempts and self._pause(tries):
                    continue
                return self._failed(batch, attempts, None, None, None, None, str(exc))
            except TransportError as exc:
                return self._unknown(batch, attempts, None, str(exc))
            except BadResponseError as exc:
                status = exc.http_status
                if status is not None and 400 <= status < 500 and status not in (408, 429):
                    err = ItniotechError(
                        f"{exc}. The endpoint refused the request before processing it; check "
                        f"base_url ({self.client.base_url})"
                    )
                    return self._failed(batch, attempts, status, None, None, None, str(err), err)
                if status == 429:  # rate limited: refused before processing, nothing charged
                    if tries < self.policy.max_attempts and self._pause(tries):
                        continue
                    return self._failed(batch, attempts, status, None, None, None, str(exc))
                return self._unknown(batch, attempts, status, str(exc))
            except Exception as exc:  # an unexpected bug must not lose the in-flight record
                self._unknown(batch, attempts, None, f"unexpected error: {exc!r}")
                raise
            if answer.status == STATUS_OK:
                # Durable before the next request: what came back is never lost to a crash.
                self.journal.finish(
                    self.cid,
                    batch.batch_no,
                    state=j.ANSWERED,
                    attempts=attempts,
                    http_status=answer.http_status,
                    api_status=answer.status,
                    api_reason=answer.reason,
                    response=answer.text,
                )
                # The results use these fields only if the journal shows this very answer.
                kept = Answered.of(callees, answer, attempts, self._shared)
                self.answered[batch.batch_no] = kept
                # progress counts from the same matching the results use
                counts = Counter(kept.rows(callees)[3])
                return _Done(batch.batch_no, len(callees), counts)
            err = error_for_status(answer.status, answer.reason, http_status=answer.http_status)
            if answer.status == "-16":
                self._check_clock(answer)
                if stamp_retries < self.policy.timestamp_retries and self._pause(1):
                    stamp_retries += 1
                    continue
            elif (
                answer.status in RETRY_CODES
                and tries < self.policy.max_attempts
                and self._pause(tries)
            ):
                continue
            stop = err if answer.status in STOP_CODES else None
            return self._failed(
                batch,
                attempts,
                answer.http_status,
                answer.status,
                answer.reason,
                answer.text,
                None,
                stop,
            )

    def _pause(self, attempt: int) -> bool:
        """Back off before another attempt; False if the send was stopped meanwhile."""
        return not self.stop.wait(self.policy.delay(attempt))

    def _check_clock(self, answer: GroupAnswer) -> None:
        if self.clock_warned or answer.server_date is None:
            return
        skew = signing.clock() - answer.server_date.timestamp()
        if abs(skew) > CLOCK_SKEW_WARN:
            self.clock_warned = True
            warnings.warn(
                f"the API refused the Timestamp (-16) and this machine's clock is "
                f"{abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} the API's Date "
                "header; set the clock right (e.g. enable NTP)",
                RuntimeWarning,
                stacklevel=2,
            )

    def _failed(
        self,
        batch: j.Batch,
        attempts: int,
        http_status: int | None,
        api_status: str | None,
        api_reason: str | None,
        response: str | None,
        error: str | None,
        stop: BaseException | None = None,
    ) -> _Done:
        self.journal.finish(
            self.cid,
            batch.batch_no,
            state=j.FAILED,
            attempts=attempts,
            http_status=http_status,
            api_status=api_status,
            api_reason=api_reason,
            response=response,
            error=error,
        )
        n = len(batch.callees)
        return _Done(batch.batch_no, n, Counter({FAILED: n}), stop)

    def _unknown(self, batch: j.Batch, attempts: int, http_status: int | None, error: str) -> _Done:
        self.journal.finish(
            self.cid,
            batch.batch_no,
            state=j.UNKNOWN,
            attempts=attempts,
            http_status=http_status,
            error=error + " (not resent: it may have been charged)",
        )
        n = len(batch.callees)
        return _Done(batch.batch_no, n, Counter({UNKNOWN: n}))

    def worker(self, todo: queue.Queue[j.Batch]) -> None:
        try:
            while not self.stop.is_set():
                try:
                    batch = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    done = self.run_batch(batch)
                except BaseException as exc:  # report, never die silently
                    done = _Done(batch.batch_no, len(batch.callees), Counter({UNKNOWN: 0}), exc)
                self.done.put(done)
                if done.stop is not None:
                    self.stop.set()
        finally:
            with self._running_lock:
                self._running -= 1
                if self._running <= 0:
                    self.idle.set()


ProgressCallback = Callable[[int, int, dict[str, int]], None]
"""``progress(done, total, counts)``: recipients whose batch has ended, recipients to send this
run, and the outcome counts so far; called on the thread that called :func:`send`."""


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="numbers", desc="sending", leave=True, dynamic_ncols=True)


def _resolve_journal(journal: Any) -> j.Journal:
    if journal is False or journal is None:
        if journal is False:
            warnings.warn(
                "journal=False: nothing is recorded on disk, so a re-run or a crash cannot be "
                "told from a first send and numbers may be charged twice",
                UserWarning,
                stacklevel=3,
            )
        return j.Journal(None)
    if journal is True or isinstance(journal, _Use):
        return j.Journal(Path.cwd() / j.DEFAULT_PATH)
    if isinstance(journal, j.Journal):
        return journal
    if isinstance(journal, str | os.PathLike):
        return j.Journal(journal)
    raise TypeError(f"journal: {journal!r}; allowed: a path, True (default file) or False")


def _check_args(df: object, message: object, batch_size: object, concurrency: object) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    if not isinstance(message, VoiceMessage):
        raise TypeError(
            f"message: expected an iv.VoiceMessage, got {type(message).__name__}; build one "
            "with iv.VoiceMessage(app_id=..., file_id=...)"
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size: {batch_size!r}; allowed: a whole number from 1 to 200")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency: {concurrency!r}; allowed: a whole number ≥ 1")


def _make_room(df: pd.DataFrame, column: str) -> tuple[pd.DataFrame, str]:
    """Rename user columns that carry the names of send's or call_outcomes' columns."""
    labels, renamed = free_labels(list(df.columns), (*SEND_COLUMNS, *RECORD_COLUMNS))
    if not renamed:
        return df, column
    warnings.warn(
        "send(): kept your column(s) under new names to make room for the results: "
        + ", ".join(f"{old!r} → {new!r}" for old, new in renamed.items()),
        UserWarning,
        stacklevel=3,
    )
    out = df.copy(deep=False)
    out.columns = pd.Index(labels)
    return out, renamed.get(column, column)


def send(
    df: pd.DataFrame,
    message: VoiceMessage,
    *,
    column: str = "phone",
    client: VoiceClient | None = None,
    default_region: str | None = None,
    strict: bool = False,
    batch_size: int = MAX_CALLEES,
    dry_run: bool = False,
    progress: bool | ProgressCallback = True,
    journal: str | os.PathLike[str] | bool | Any | None = _DEFAULT,
    campaign: str | None = None,
    resend_unknown: bool = False,
    concurrency: int = 4,
    rate_limit: float | None = None,
    check_balance: bool = False,
    retry: RetryPolicy | None = None,
    cancel: threading.Event | None = None,
) -> pd.DataFrame:
    """Send ``message`` to the numbers in ``df[column]`` and return one result row per input row.

    Rows are prepared (see :func:`itnivoice_nb.prepare`); invalid and duplicate rows are left
    out; the rest go in order, in batches of at most ``batch_size`` (capped at 200), each
    recorded in the journal before it leaves.

    Args:
        client: a :class:`VoiceClient`; default one from the environment variables.
        progress: True for a tqdm bar, False for none, or a callable
            ``progress(done, total, counts)`` called as each batch ends (e.g. a form's own bar).
        journal: path of the SQLite journal; default ``.itnivoice/journal.sqlite`` in the
            working directory; ``False`` keeps it in memory only (with a warning); ``None``
            does the same without the warning (for examples and tests).
        campaign: a label; the same rows and message under a new label are a new campaign,
            sent again on purpose.
        resend_unknown: resend batches whose fate is unknown (they may be charged twice).
        concurrency: requests in flight at once; ``rate_limit``: requests a second (None: no limit).
        check_balance: ask for the balance first and stop before sending if it is empty.
        cancel: a ``threading.Event``; setting it stops the send like Ctrl-C does.

    Raises:
        AlreadySentError: no ``campaign`` label was given and some of these numbers were
            already sent this same message from this account by another campaign (a list
            that changed since the last send); nothing is sent.
        SendStopped: -1, -2, -10, -13 or -22 stopped the send; ``err.results`` has every row.
        SendInterrupted: Ctrl-C; ``err.results`` has every row. Run the same call to resume.

    Example:
        >>> import pandas as pd, itnivoice_nb as iv
        >>> msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3")
        >>> iv.send(pd.DataFrame({"phone": ["918563214120"]}), msg, dry_run=True,
        ...         progress=False)["outcome"].tolist()
        ['not_sent']
    """
    _check_args(df, message, batch_size, concurrency)
    batch_size = min(batch_size, MAX_CALLEES)
    df, column = _make_room(df, column)
    prepared = prepare(df, column=column, default_region=default_region, strict=strict)
    to_send = prepared["valid"].to_numpy(dtype=bool) & ~prepared["duplicate"].to_numpy(dtype=bool)
    numbers: list[str] = prepared["number"].to_numpy(dtype=object)[to_send].tolist()
    n_requests = -(-len(numbers) // batch_size)
    if dry_run:
        results = build_results(
            prepared,
            [],
            not_sent_reason=f"dry run: no request made ({n_requests} requests would be made)",
        )
        results.attrs.update({"dry_run": True, "requests": n_requests})
        return results

    if client is None:
        client = VoiceClient()
    if not isinstance(client, VoiceClient):
        raise TypeError(f"client: expected an iv.VoiceClient, got {type(client).__name__}")
    policy = retry or RetryPolicy()
    bucket = None if rate_limit is None else TokenBucket(rate_limit)
    book = _resolve_journal(journal)
    cid = campaign_id(message, client.api_key, client.base_url, numbers, campaign)
    attrs = {
        "campaign": cid,
        "label": campaign,
        "journal": str(book.path) if book.path else None,
        "message": {
            "app_id": message.app_id,
            "file_id": message.file_id,
            "display_num": message.display_num,
            "max_duration": message.max_duration,
            "loop_count": message.loop_count,
            "called_info": message.called_info,
        },
        "base_url": client.base_url,
        "api_key": client.api_key,
    }
    if not numbers:
        results = build_results(prepared, [])
        results.attrs.update(attrs)
        return results

    if campaign is None:
        before = book.sent_before(
            cid, api_key=client.api_key, base_url=client.base_url, message=message.fields(),
            numbers=numbers,
        )
        if before is not None:
            count, other, started = before
            when = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d %H:%M UTC")
            raise AlreadySentError(
                f"nothing sent: {count:,} of these {len(numbers):,} numbers were already sent "
                f"this same message from this account in another campaign (#{other[:8]}, "
                f"started {when}), and sending would call them again. To send to everyone "
                "again on purpose, pass campaign='a new label'; to reach only the others, "
                "leave out the rows already sent.",
                count=count,
                campaign=other,
            )
    opened = book.open_campaign(
        cid,
        label=campaign,
        api_key=client.api_key,
        base_url=client.base_url,
        message=message.fields(),
        numbers=numbers,
        batch_size=batch_size,
    )
    try:
        return _run(
            prepared,
            numbers,
            message,
            client,
            book,
            opened,
            attrs,
            policy,
            bucket,
            concurrency=concurrency,
            progress=progress,
            resend_unknown=resend_unknown,
            check_balance=check_balance,
            cancel=cancel,
        )
    finally:
        book.release(cid)


def _run(
    prepared: pd.DataFrame,
    numbers: list[str],
    message: VoiceMessage,
    client: VoiceClient,
    book: j.Journal,
    opened: j.Opened,
    attrs: dict[str, Any],
    policy: RetryPolicy,
    bucket: TokenBucket | None,
    *,
    concurrency: int,
    progress: bool | ProgressCallback,
    resend_unknown: bool,
    check_balance: bool,
    cancel: threading.Event | None,
) -> pd.DataFrame:
    cid = opened.campaign_id
    notes: list[str] = []
    attrs["notices"] = notes
    when = datetime.fromtimestamp(opened.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if opened.recovered_unknown:
        _notice(
            f"{opened.recovered_unknown} batch(es) of this campaign were in flight when an "
            "earlier send stopped: their outcome is unknown and they are not resent "
            "(pass resend_unknown=True to resend them, at the risk of charging twice)",
            notes,
        )
    if resend_unknown:
        reset = book.reset_unknown(cid)
        if reset:
            _notice(
                f"resend_unknown=True: resending {reset} batch(es) whose outcome was unknown",
                notes,
            )
    batches = book.batches(cid)
    todo_list = [b for b in batches if b.state in (j.PENDING, j.FAILED)]
    if not opened.created:
        answered = sum(b.state == j.ANSWERED for b in batches)
        if not todo_list:
            _notice(
                f"This campaign was sent already ({when}, {len(numbers)} numbers); no request "
                "made, results are from the journal. To send it again on purpose, pass "
                "campaign='a new label'.",
                notes,
            )
        else:
            _notice(
                f"Resuming the campaign started {when}: {answered} of {len(batches)} batches "
                f"answered already; sending the {len(todo_list)} not yet sent.",
                notes,
            )
    stop_cause: BaseException | None = None
    if todo_list and check_balance:
        balance = client.balance()
        if balance["balance"] + balance["credit"] <= 0:
            stop_cause = error_for_status(
                "-10", f"balance {balance['balance']:g}, credit {balance['credit']:g}"
            )
            todo_list = []

    stop = threading.Event()
    sender = _Sender(client, message, book, cid, policy, bucket, stop)
    todo: queue.Queue[j.Batch] = queue.Queue()
    for b in todo_list:
        todo.put(b)
    total = sum(len(b.callees) for b in todo_list)
    bar = _progress_bar(total, progress is True)
    report = progress if callable(progress) else None
    counts: Counter[str] = Counter()
    sent = 0
    threads = [
        threading.Thread(target=sender.worker, args=(todo,), daemon=True, name=f"itnivoice-{i}")
        for i in range(min(concurrency, len(todo_list)))
    ]
    interrupted = False
    unexpected: BaseException | None = None
    try:
        sender.start(threads)
        remaining = len(todo_list)
        while (remaining and any(t.is_alive() for t in threads)) or not sender.done.empty():
            if cancel is not None and cancel.is_set():
                interrupted = True
                stop.set()
            # Without a progress bar nothing needs each answer at once: wait for the workers
            # to end (waking up for cancel) instead of waking at every batch, which would take
            # the interpreter lock from the workers a thousand times.
            if bar is None and report is None and not sender.idle.wait(0.1):
                continue
            try:
                done = sender.done.get(timeout=0.1)
            except queue.Empty:
                continue
            remaining -= 1
            counts.update(done.counts)
            if done.stop is not None:
                if isinstance(done.stop, ApiError | ItniotechError):
                    stop_cause = stop_cause or done.stop
                else:
                    unexpected = unexpected or done.stop
            sent += done.size
            if report is not None:
                with contextlib.suppress(Exception):  # a progress display never breaks a send
                    report(sent, total, dict(counts))
            if bar is not None:
                bar.update(done.size)
                bar.set_postfix(
                    submitted=counts[SUBMITTED],
                    rejected=counts[REJECTED],
                    failed=counts[FAILED],
                    unknown=counts[UNKNOWN],
                    refresh=False,
                )
    except KeyboardInterrupt:
        interrupted = True
        stop.set()
    finally:
        stop.set()
        _join(threads, client)
        if bar is not None:
            bar.close()

    results = build_results(
        prepared,
        book.batches(cid, known_answers={k: a.attempts for k, a in sender.answered.items()}),
        not_sent_reason=_not_sent_reason(stop_cause, interrupted),
        answered=sender.answered,
    )
    results.attrs.update(attrs)
    if unexpected is not None:
        raise unexpected
    if interrupted:
        raise SendInterrupted(
            "the send was interrupted: no new batch was started, in-flight ones were recorded; "
            "run the same send again to resume. The partial results are in err.results.",
            results=results,
        )
    if stop_cause is not None:
        counts_now = results["outcome"].value_counts()
        raise SendStopped(
            f"the send stopped: {stop_cause}. {int(counts_now.get(SUBMITTED, 0))} submitted, "
            f"{int(counts_now.get(NOT_SENT, 0))} not sent. Fix the cause, then run the same "
            "send again: it resumes with the batches not yet sent. The results so far are in "
            "err.results.",
            results=results,
            cause=stop_cause,
        )
    return results


def _not_sent_reason(stop_cause: BaseException | None, interrupted: bool) -> str:
    if interrupted:
        return "not sent: the send was interrupted before this batch; run it again to resume"
    if stop_cause is not None:
        return f"not sent: the send stopped first ({stop_cause})"
    return "not sent"


def _join(threads: list[threading.Thread], client: VoiceClient) -> None:
    """Wait for workers to finish their request in flight (bounded by the read timeout)."""
    deadline = time.monotonic() + client.timeout[0] + client.timeout[1] + 5
    for t in threads:
        while t.is_alive():
            try:
                t.join(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
            except KeyboardInterrupt:
                # A second interrupt: stop waiting; in-flight batches read as unknown.
                return
            if time.monotonic() > deadline:
                return
