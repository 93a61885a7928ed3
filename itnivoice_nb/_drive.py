"""Driving a claimed campaign: worker threads send its batches, the journal records each step.

Each batch: ``in_flight`` committed, one request, then :func:`~itnivoice_nb._classify.classify`
says what the exchange means — retry (nothing charged), failed, unknown or stop — and the
outcome is committed (with the ledger state of every number) before that worker sends again.
The sending thread only collects what the workers report (progress, stop, cancel); the results
are built by the caller from the journal.

Example:
    >>> import pandas as pd, itnivoice_nb as iv
    >>> with iv.Sandbox(reject_share=0) as sb:
    ...     plan = iv.plan(pd.DataFrame({"phone": ["918563214120"]}),
    ...                    iv.VoiceMessage("a", "f.mp3"), client=sb.client(), journal=None)
    ...     plan.send(progress=False)["outcome"].tolist()
    ['submitted']
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sys
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Protocol

from . import _journal as j
from . import _signing as signing
from ._answers import digits
from ._classify import Decision, RetryPolicy, classify
from ._client import GroupAnswer, VoiceClient
from ._errors import ApiError, ItniotechError, JournalError, error_for_status
from ._message import VoiceMessage
from ._outcomes import FAILED, NOT_SENT, REJECTED, SUBMITTED, UNKNOWN
from ._ratelimit import TokenBucket
from ._results import Answered
from ._vendor import is_blacklist

log = logging.getLogger("itnivoice_nb")

CLOCK_SKEW_WARN = 5.0

class ProgressCallback(Protocol):
    """What ``send(progress=...)`` calls as each batch ends, on the thread that called ``send``.

    ``done``: recipients whose batch has ended; ``total``: recipients to send this run;
    ``counts``: the outcome counts so far. A display that raises never breaks a send.
    """

    def __call__(self, done: int, total: int, counts: dict[str, int], /) -> object: ...


def notice(text: str, notes: list[str] | None = None) -> None:
    """Tell the user something about the send (stdout and the log); keep it in ``notes``."""
    log.info(text)
    print(text, file=sys.stdout, flush=True)
    if notes is not None:
        notes.append(text)


@dataclass(slots=True)
class _Done:
    batch_no: int
    size: int
    counts: Counter[str]
    stop: BaseException | None = None


@dataclass(frozen=True, slots=True)
class Options:
    """How a plan is executed (see :meth:`itnivoice_nb.SendPlan.send`)."""

    concurrency: int = 4
    rate_limit: float | None = None
    progress: bool | ProgressCallback = True
    resend_unknown: bool = False
    cancel: threading.Event | None = None
    check_balance: bool = False
    retry: RetryPolicy | None = None


@dataclass(slots=True)
class Outcome:
    """What a drive ended with: the stop cause, an interrupt, an unexpected error."""

    answered: dict[int, Answered]
    mirror: dict[int, j.Batch]
    """The batches as this drive last recorded them (results when the journal fails)."""
    stop_cause: BaseException | None = None
    interrupted: bool = False
    unexpected: BaseException | None = None
    journal_error: JournalError | None = None


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
        self.mirror: dict[int, j.Batch] = {}
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
                return _Done(batch.batch_no, len(callees), Counter({NOT_SENT: len(callees)}))
            attempts += 1
            tries += 1
            self.journal.mark_in_flight(self.cid, batch.batch_no, attempts)
            self.mirror[batch.batch_no] = replace(
                batch, state=j.IN_FLIGHT, attempts=attempts, sent_at=time.time()
            )
            event: BaseException | GroupAnswer
            try:
                event = self.client.send_group_raw(callees, self.message)
            except ItniotechError as exc:
                event = exc
            except Exception as exc:  # an unexpected bug must not lose the in-flight record
                self._unknown(batch, attempts, None, f"unexpected error: {exc!r}")
                raise
            decision = classify(
                event, tries=tries, stamp_retries=stamp_retries, policy=self.policy
            )
            if decision.action == "ok":
                assert isinstance(event, GroupAnswer)
                return self._answered(batch, attempts, event)
            if isinstance(event, GroupAnswer) and event.status == "-16":
                self._check_clock(event)
            if decision.action == "retry":
                if decision.kind == "-16":
                    stamp_retries += 1
                if self._pause(tries if decision.kind != "-16" else 1):
                    continue
                decision = replace(decision, action="failed", outcome="failed")
            return self._ended(batch, attempts, event, decision)

    def _answered(self, batch: j.Batch, attempts: int, answer: GroupAnswer) -> _Done:
        callees = batch.callees
        # The results use these fields only if the journal shows this very answer.
        kept = Answered.of(callees, answer.fields, attempts, self._shared)
        fields = kept.rows(callees)
        outcomes = fields[3]
        extra = set(map(digits, answer.fields.callee)) - set(callees)
        if extra and kept.callees is not None:
            warnings.warn(
                f"batch {batch.batch_no}: the API's answer lists {len(extra)} number(s) that "
                "were not in the request; they are not part of the results",
                RuntimeWarning,
                stacklevel=2,
            )
        # The ledger learns of the refused numbers with this record; the submitted ones (most
        # of them) stay "claimed", which holds them just the same (see journal._held_reason).
        by_state: dict[str, list[str]] = {}
        if outcomes.count(SUBMITTED) != len(callees):
            reasons = fields[2]
            for number, outcome, why in zip(callees, outcomes, reasons, strict=True):
                state = _LEDGER_STATE[outcome]
                if state == j.REJECTED and is_blacklist(why):
                    state = j.BLACKLISTED
                if state != j.SUBMITTED:
                    by_state.setdefault(state, []).append(number)
        # Kept in memory first: if the journal fails, the results still show this answer.
        self.answered[batch.batch_no] = kept
        self.mirror[batch.batch_no] = replace(
            self.mirror[batch.batch_no],
            state=j.ANSWERED,
            http_status=answer.http_status,
            api_status=answer.status,
            api_reason=answer.reason,
            response=answer.text,
        )
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
            numbers=by_state,
        )
        return _Done(batch.batch_no, len(callees), Counter(outcomes))

    def _ended(
        self,
        batch: j.Batch,
        attempts: int,
        event: BaseException | GroupAnswer,
        decision: Decision,
    ) -> _Done:
        """Record a batch that ended without a usable answer: failed or unknown."""
        answer = event if isinstance(event, GroupAnswer) else None
        http = answer.http_status if answer else getattr(event, "http_status", None)
        stop: BaseException | None = None
        if decision.stops:
            if answer is not None:
                stop = error_for_status(answer.status, answer.reason, http_status=http)
            else:
                assert isinstance(event, BaseException)
                stop = ItniotechError(f"{event}. Check base_url ({self.client.base_url})")
        if decision.outcome == FAILED:
            return self._failed(batch, attempts, http, answer, str(event) if not answer else None,
                                stop)
        detail = (
            f"status {answer.status}: {answer.reason} (a status the vendor's page does not list)"
            if answer is not None
            else decision.reason
        )
        done = self._unknown(batch, attempts, http, detail, answer)
        done.stop = stop
        return done

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
        answer: GroupAnswer | None,
        error: str | None,
        stop: BaseException | None = None,
    ) -> _Done:
        done = self._end(batch, attempts, j.FAILED, http_status, answer, error)
        done.stop = stop
        return done

    def _unknown(
        self,
        batch: j.Batch,
        attempts: int,
        http_status: int | None,
        error: str,
        answer: GroupAnswer | None = None,
    ) -> _Done:
        detail = error + " (not resent: it may have been charged)"
        return self._end(batch, attempts, j.UNKNOWN, http_status, answer, detail)

    def _end(
        self,
        batch: j.Batch,
        attempts: int,
        state: str,
        http_status: int | None,
        answer: GroupAnswer | None,
        error: str | None,
    ) -> _Done:
        """Record a batch that ended without a usable answer (failed or unknown): in memory
        first (the results when the journal fails), then durably."""
        fields: dict[str, Any] = {
            "http_status": http_status,
            "api_status": answer.status if answer else None,
            "api_reason": answer.reason if answer else None,
            "response": answer.text if answer else None,
            "error": error,
        }
        self.mirror[batch.batch_no] = replace(
            self.mirror.get(batch.batch_no, batch), state=state, **fields
        )
        self.journal.finish(
            self.cid,
            batch.batch_no,
            state=state,
            attempts=attempts,
            numbers={state: batch.callees},
            **fields,
        )
        n = len(batch.callees)
        return _Done(batch.batch_no, n, Counter({FAILED if state == j.FAILED else UNKNOWN: n}))

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


_LEDGER_STATE = {SUBMITTED: j.SUBMITTED, REJECTED: j.REJECTED, UNKNOWN: j.UNKNOWN}


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="numbers", desc="sending", leave=True, dynamic_ncols=True)


def drive(
    client: VoiceClient,
    message: VoiceMessage,
    book: j.Journal,
    cid: str,
    todo_list: list[j.Batch],
    options: Options,
) -> Outcome:
    """Send ``todo_list`` (batches already claimed) and report how the drive ended."""
    policy = options.retry or RetryPolicy()
    bucket = None if options.rate_limit is None else TokenBucket(options.rate_limit)
    stop = threading.Event()
    sender = _Sender(client, message, book, cid, policy, bucket, stop)
    result = Outcome(sender.answered, sender.mirror)
    for b in todo_list:
        sender.mirror[b.batch_no] = b
    if todo_list and options.check_balance:
        balance = client.balance()
        if balance["balance"] + balance["credit"] <= 0:
            result.stop_cause = error_for_status(
                "-10", f"balance {balance['balance']:g}, credit {balance['credit']:g}"
            )
            return result
    todo: queue.Queue[j.Batch] = queue.Queue()
    for b in todo_list:
        todo.put(b)
    total = sum(len(b.callees) for b in todo_list)
    progress = options.progress
    bar = _progress_bar(total, progress is True)
    report = progress if callable(progress) else None
    counts: Counter[str] = Counter()
    sent = 0
    threads = [
        threading.Thread(target=sender.worker, args=(todo,), daemon=True, name=f"itnivoice-{i}")
        for i in range(min(options.concurrency, len(todo_list)))
    ]
    cancel = options.cancel
    try:
        sender.start(threads)
        remaining = len(todo_list)
        while (remaining and any(t.is_alive() for t in threads)) or not sender.done.empty():
            if cancel is not None and cancel.is_set():
                result.interrupted = True
                stop.set()
            # Without a progress display nothing needs each answer at once: wait for the
            # workers to end (waking up for cancel) instead of waking at every batch.
            if bar is None and report is None and not sender.idle.wait(0.1):
                continue
            try:
                done = sender.done.get(timeout=0.1)
            except queue.Empty:
                continue
            remaining -= 1
            counts.update(done.counts)
            if done.stop is not None:
                if isinstance(done.stop, JournalError):
                    result.journal_error = result.journal_error or done.stop
                elif isinstance(done.stop, ApiError | ItniotechError):
                    result.stop_cause = result.stop_cause or done.stop
                else:
                    result.unexpected = result.unexpected or done.stop
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
        result.interrupted = True
        stop.set()
    finally:
        stop.set()
        _join(threads, client)
        if bar is not None:
            bar.close()
    return result


def _join(threads: list[threading.Thread], client: VoiceClient) -> None:
    """Wait for workers to finish their request in flight (bounded by the client's limits)."""
    limit = getattr(client, "deadline", None) or (client.timeout[0] + client.timeout[1])
    deadline = time.monotonic() + limit + 5
    for t in threads:
        while t.is_alive():
            try:
                t.join(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
            except KeyboardInterrupt:
                # A second interrupt: stop waiting; in-flight batches read as unknown.
                return
            if time.monotonic() > deadline:
                return


def not_sent_reason(stop_cause: BaseException | None, interrupted: bool) -> str:
    """Why valid rows were not sent, for the results."""
    if interrupted:
        return "not sent: the send was interrupted before this batch; run it again to resume"
    if stop_cause is not None:
        return f"not sent: the send stopped first ({stop_cause})"
    return "not sent"
