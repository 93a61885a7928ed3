"""The plan object: what a send will do, in words, and executing exactly that.

A :class:`SendPlan` (made by :func:`itnivoice_nb.plan`) is a frozen snapshot of the prepared rows
(copied), the campaign of each message (:class:`Part`), and what the ledger, the calling hours,
the suppression lists and the rates said when it was made. :meth:`SendPlan.send` claims the
numbers of each part in the ledger, drives the batches (:mod:`._drive`) and assembles one
results frame in input order.

Example:
    >>> import pandas as pd, itnivoice_nb as iv
    >>> with iv.Sandbox(reject_share=0) as sb:
    ...     p = iv.plan(pd.DataFrame({"phone": ["918563214120"]}), iv.VoiceMessage("a", "f.mp3"),
    ...                 client=sb.client(), journal=None)
    ...     p.send(progress=False)["outcome"].tolist()
    ['submitted']
"""

from __future__ import annotations

import html
import os
import time
import warnings
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _journal as j
from ._classify import RetryPolicy
from ._client import VoiceClient
from ._drive import Options, Outcome, ProgressCallback, drive, not_sent_reason, notice
from ._errors import (
    CostLimitError,
    JournalError,
    SendInterrupted,
    SendStopped,
    error_for_status,
)
from ._message import VoiceMessage
from ._outcomes import ALREADY_CALLED, NOT_SENT, SUBMITTED
from ._results import _duplicate_reasons, build_results, read_back
from ._vendor import MAX_CALLEES


class DefaultJournal:
    """The default ``journal=``: the user's journal (:func:`itnivoice_nb._journal.default_path`)."""

    def __repr__(self) -> str:
        return "the user's journal ($ITNIOTECH_JOURNAL or the user data directory)"


DEFAULT_JOURNAL = DefaultJournal()

def resolve_journal(journal: object, *, create: bool = True) -> tuple[j.Journal, bool]:
    """The journal to use and whether the caller opened it (and so must close it).

    ``create=False`` (planning only reads): a journal file that does not exist yet is read as
    an empty in-memory journal instead of being created.
    """
    if journal is False or journal is None:
        if journal is False:
            warnings.warn(
                "journal=False: nothing is recorded on disk, so the ledger cannot stop a "
                "second call to a number called before, and a crash cannot be told from a "
                "first send",
                UserWarning,
                stacklevel=3,
            )
        return j.Journal(None), False
    if journal is True or isinstance(journal, DefaultJournal):
        journal = j.default_path()
    if isinstance(journal, j.Journal):
        return journal, False
    if isinstance(journal, str | os.PathLike):
        path = Path(journal).expanduser()
        if not create and not path.exists():
            return j.Journal(None), True
        return j.Journal(path), True
    raise TypeError(
        f"journal: {type(journal).__name__}; allowed: a file path, True (the user's journal), "
        "or False (none: no protection against calling twice)"
    )


def _journal_path(journal: object) -> Path:
    if isinstance(journal, str | os.PathLike):
        return Path(journal).expanduser()
    return j.default_path()


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


@dataclass(frozen=True, eq=False)
class Part:
    """One message to its rows: one campaign (the ledger key is its account and audio)."""

    segment: Any
    """The segment's key (``by`` value), or None when one message goes to every row."""
    message: VoiceMessage
    account: j.Account
    campaign_id: str
    rows: np.ndarray
    """Positions (in the prepared frame) of the rows this part answers for."""
    numbers: tuple[str, ...]
    """The campaign's numbers (valid, first of each duplicate), in order: its identity."""
    now: tuple[str, ...]
    """The numbers to call in this run, in order."""
    skipped: dict[str, tuple[str, str]]
    """Numbers not called this run, with (outcome, reason): already called, deferred, excluded."""
    resumed: bool
    done: int
    """Numbers sent by earlier runs of this campaign."""
    unknown: int
    """Of those, numbers whose request may have reached the API with no usable answer."""
    allow_for: frozenset[str] = frozenset()


@dataclass(frozen=True, eq=False)
class SendPlan:
    """What a send will do, fixed when it was made; :meth:`send` executes exactly this.

    Attributes: ``message`` (or the dict of messages per segment), ``client``, ``api_key``,
    ``base_url`` (normalised), ``sandbox`` (the base URL is on this machine), ``campaign``
    (the label, or None), ``campaign_id``, ``rows``, ``to_call`` (numbers that will be called),
    ``requests``, ``counts`` (rows per outcome-to-be: ``to_call``, ``invalid``, ``duplicate``,
    ``already_called``, ``deferred``, ``excluded``, ``done`` — sent by an earlier run of this
    campaign), ``already_called_by`` (``{campaign: numbers}``), ``resumed``, ``max_cost`` (an
    upper bound of what the calls cost, None without rates), ``cost_unknown`` (numbers with no
    known rate), ``schedule`` (when deferred rows open, or None), ``at`` (the planned moment).
    """

    message: VoiceMessage | dict[Any, VoiceMessage]
    client: VoiceClient
    api_key: str
    base_url: str
    sandbox: bool
    campaign: str | None
    campaign_id: str
    rows: int
    to_call: int
    requests: int
    counts: dict[str, int]
    already_called_by: dict[str, int]
    resumed: bool
    prepared: pd.DataFrame = field(repr=False)
    parts: tuple[Part, ...] = field(repr=False)
    batch_size: int = MAX_CALLEES
    allow_repeat: bool = False
    repeat_after: timedelta | None = None
    journal: Any = field(default=None, repr=False)
    column: Any = "phone"
    by: Any = None
    max_cost: float | None = None
    cost_unknown: int = 0
    cost_minutes: int = 0
    cost_limit: float | None = None
    currency: str | None = None
    schedule: pd.DataFrame | None = field(default=None, repr=False)
    window: str | None = None
    at: datetime | None = None
    excluded_lists: tuple[str, ...] = ()
    created_at: float = field(default_factory=time.time)

    @property
    def numbers(self) -> tuple[str, ...]:
        """Every number the plan's campaigns hold, in order."""
        return tuple(n for part in self.parts for n in part.numbers)

    @property
    def audio(self) -> str:
        """The audio file(s) the plan sends: one fileId, or ``segment: fileId`` per segment."""
        if len(self.parts) == 1 and self.parts[0].segment is None:
            return self.parts[0].message.file_id
        return ", ".join(f"{p.segment}: {p.message.file_id}" for p in self.parts)

    @property
    def held(self) -> dict[str, str]:
        """Numbers not called because another campaign called them: ``{number: reason}``."""
        return {
            n: why
            for part in self.parts
            for n, (outcome, why) in part.skipped.items()
            if outcome == ALREADY_CALLED
        }

    # -- words -------------------------------------------------------------------------------

    def _where(self) -> str:
        if self.sandbox:
            return f"the SANDBOX on this machine ({self.client.base_url})"
        key = self.api_key
        masked = key[:4] + "…" if len(key) > 6 else "…"
        return f"the REAL API at {self.client.base_url} (API key {masked})"

    def cost_text(self) -> str | None:
        """The cost bound in words (None when no rates are known)."""
        if self.max_cost is None:
            return None
        money = f"{self.max_cost:,.2f}" + (f" {self.currency}" if self.currency else "")
        text = (
            f"Cost at most {money} ({self.cost_minutes} min a call at the rate of its calling "
            "code"
        )
        text += ", max_duration unset: 120 s assumed)" if self._duration_assumed() else ")"
        if self.cost_unknown:
            text += f"; {self.cost_unknown:,} number(s) with no known rate are not in it"
        if self.cost_limit is not None:
            text += f"; limit {self.cost_limit:,.2f}"
        return text + "."

    def _duration_assumed(self) -> bool:
        return any(part.message.max_duration is None for part in self.parts)

    def lines(self) -> list[str]:
        """The plan in short lines (what ``str(plan)`` joins)."""
        c = self.counts
        name = j.campaign_name(self.campaign, self.campaign_id)
        state = "resuming" if self.resumed else "new"
        if len(self.parts) == 1:
            m = self.parts[0].message
            what = f"Message: app {m.app_id}, audio {m.file_id}; {name} ({state})."
        else:
            what = (
                f"Messages by {len(self.parts)} segments: "
                + "; ".join(f"{p.segment!r} → {p.message.file_id}" for p in self.parts)
                + f"; {name} ({state})."
            )
        out = [
            f"Call {self.to_call:,} number{'s' if self.to_call != 1 else ''} in "
            f"{self.requests:,} request{'s' if self.requests != 1 else ''} on {self._where()}.",
            what,
            f"Rows: {self.rows:,} — to call {c.get('to_call', 0):,}, invalid "
            f"{c.get('invalid', 0):,}, duplicate {c.get('duplicate', 0):,}, already called "
            f"{c.get('already_called', 0):,}"
            + (f", deferred {c['deferred']:,}" if c.get("deferred") else "")
            + (f", excluded {c['excluded']:,}" if c.get("excluded") else "")
            + (f", sent in an earlier run {c['done']:,}" if c.get("done") else "")
            + ".",
        ]
        for who, n in self.already_called_by.items():
            out.append(f"Not called again: {n:,} number{'s' if n != 1 else ''} — {who}.")
        if c.get("unknown"):
            out.append(
                f"{c['unknown']:,} number(s) sent by an earlier run have an unknown outcome (the "
                "request may have been charged): resent only with resend_unknown=True."
            )
        if self.window is not None:
            out.append(
                f"Calling hours {self.window} in each recipient's time zone, at "
                f"{self.at:%Y-%m-%d %H:%M %Z}: {c.get('deferred', 0):,} deferred."
                if self.at is not None
                else f"Calling hours {self.window}."
            )
        if self.excluded_lists:
            out.append(f"Suppression lists: {', '.join(self.excluded_lists)}.")
        cost = self.cost_text()
        if cost:
            out.append(cost)
        if self.allow_repeat:
            out.append("allow_repeat: numbers called before are called again.")
        elif self.repeat_after is not None:
            out.append(f"Numbers last called more than {self.repeat_after} ago are called again.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines()[1:])
        return (
            f"<div><b>{html.escape(self.lines()[0])}</b><ul style='margin:0.2em 0'>{items}</ul>"
            "<span style='opacity:0.75'>Run <code>plan.send()</code> to send exactly this."
            "</span></div>"
        )

    # -- results -----------------------------------------------------------------------------

    def _attrs(self, book: j.Journal | None) -> dict[str, Any]:
        first = self.parts[0].message if self.parts else None
        messages = {
            (p.segment if p.segment is not None else "*"): _fields(p.message) for p in self.parts
        }
        return {
            "campaign": self.campaign_id,
            "label": self.campaign,
            "journal": str(book.path) if book is not None and book.path else None,
            "message": _fields(first) if first is not None and len(self.parts) == 1 else None,
            "messages": messages,
            "column": self.column,
            "by": self.by,
            "base_url": self.client.base_url,
            "api_key": self.api_key,
        }

    def _assemble(self, pieces: list[tuple[Part | None, pd.DataFrame]]) -> pd.DataFrame:
        """One results frame from each part's rows, in input order, the index kept."""
        if len(pieces) == 1 and pieces[0][0] is not None and len(pieces[0][1]) == self.rows:
            results = pieces[0][1]
        else:
            order = np.concatenate(
                [part.rows if part is not None else _rest(self) for part, _ in pieces]
            )
            results = pd.concat([frame for _, frame in pieces])
            results = results.iloc[np.argsort(order, kind="stable")]
            prepared = self.prepared
            valid = prepared["valid"].to_numpy(dtype=bool)
            duplicate = prepared["duplicate"].to_numpy(dtype=bool)
            dup = valid & duplicate
            if dup.any():  # a duplicate's first row may be in another segment
                reasons = results["outcome_reason"].to_numpy(dtype=object)
                reasons[dup] = _duplicate_reasons(prepared, valid, duplicate, valid & ~duplicate)
                results["outcome_reason"] = pd.Series(
                    reasons, index=results.index, dtype=results["outcome_reason"].dtype
                )
        if len(self.parts) > 1:
            file_id = np.full(self.rows, None, dtype=object)
            for part in self.parts:
                file_id[part.rows] = part.message.file_id
            results["file_id"] = pd.Series(file_id, index=results.index, dtype="str")
        return results

    def preview(self) -> pd.DataFrame:
        """The results frame as it would be before sending (a dry run; nothing is sent)."""
        reason = f"dry run: no request made ({self.requests} requests would be made)"
        pieces: list[tuple[Part | None, pd.DataFrame]] = [
            (part, build_results(self._rows_of(part), [], not_sent_reason=reason,
                                 skipped=part.skipped))
            for part in self.parts
        ]
        rest = _rest(self)
        if len(rest):
            pieces.append((None, build_results(self.prepared.iloc[rest], [])))
        results = self._assemble(pieces)
        results.attrs.update(self._attrs(None))
        results.attrs.update({"dry_run": True, "requests": self.requests})
        return results

    # -- acting ------------------------------------------------------------------------------

    def send(
        self,
        *,
        concurrency: int = 4,
        rate_limit: float | None = None,
        progress: bool | ProgressCallback = True,
        resend_unknown: bool = False,
        cancel: Any = None,
        check_balance: bool = False,
        retry: RetryPolicy | None = None,
    ) -> pd.DataFrame:
        """Execute this plan: claim its numbers in the ledger, send, return one row per input row.

        Numbers another campaign claimed since the plan was made are not called
        (``already_called``); nothing outside the plan is ever called. Re-running the same
        plan (or the same :func:`itnivoice_nb.send` call) resumes a stopped campaign, and
        sends the deferred rows whose calling hours have opened when planned again.

        Args:
            concurrency: requests in flight at once; ``rate_limit``: requests a second.
            progress: True for a tqdm bar, False for none, or ``progress(done, total, counts)``.
            resend_unknown: resend batches whose fate is unknown (they may be charged twice).
            cancel: a ``threading.Event``; setting it stops the send like Ctrl-C does.
            check_balance: ask for the balance first; stop before sending if it is empty or
                lower than the plan's cost bound.
            retry: the :class:`~itnivoice_nb.RetryPolicy` for failures that charged nothing.

        Raises:
            CostLimitError: the plan's cost bound is over ``max_cost`` (nothing sent).
            SendStopped: -1, -2, -10, -13, -22, a redirect or an HTTP 4xx stopped the send;
                ``err.results`` has every row.
            SendInterrupted: Ctrl-C or ``cancel``; ``err.results`` has every row.
            JournalError: the journal failed (disk full, corrupt); ``err.results`` has every
                row when any request was made.
        """
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency: {concurrency!r}; allowed: a whole number ≥ 1")
        self.check_cost()
        options = Options(concurrency, rate_limit, progress, resend_unknown, cancel,
                          check_balance, retry)
        if not any(part.numbers for part in self.parts):
            return self._finish([(p, self._results_of(p, None, [], {}, "not sent"))
                                 for p in self.parts], None, None)
        if check_balance and self.max_cost is not None and self.to_call:
            self._check_balance()
            options = replace(options, check_balance=False)
        book, owned = resolve_journal(self.journal)
        try:
            return self._send(book, options)
        finally:
            if owned:
                book.close()

    def check_cost(self) -> None:
        """Raise :class:`CostLimitError` when the bound is over ``max_cost`` (nothing sent)."""
        if self.cost_limit is None or not self.to_call:
            return
        if self.max_cost is None or self.cost_unknown:
            missing = self.cost_unknown if self.max_cost is not None else self.to_call
            raise CostLimitError(
                f"max_cost={self.cost_limit:g}: {missing:,} number(s) to call have no known "
                "rate, so the cost cannot be bounded; pass rates={calling code: price per "
                "minute} for them. Nothing was sent."
            )
        if self.max_cost > self.cost_limit:
            raise CostLimitError(
                f"the calls could cost up to {self.max_cost:,.2f}, more than max_cost="
                f"{self.cost_limit:g}; nothing was sent. Call fewer numbers, lower max_duration "
                "or raise max_cost."
            )

    def _check_balance(self) -> None:
        assert self.max_cost is not None
        balance = self.client.balance()
        available = balance["balance"] + balance["credit"]
        if available < self.max_cost:
            raise error_for_status(
                "-10",
                f"balance {balance['balance']:g} + credit {balance['credit']:g} is less than "
                f"the plan's cost bound {self.max_cost:,.2f}; nothing was sent",
            )

    def _rows_of(self, part: Part) -> pd.DataFrame:
        """The prepared rows a part answers for (all of them, without a copy, for one message)."""
        if len(part.rows) == self.rows:
            return self.prepared
        return self.prepared.iloc[part.rows]

    def _results_of(
        self,
        part: Part,
        book: j.Journal | None,
        batches: list[j.Batch],
        answered: dict[int, Any],
        reason: str,
    ) -> pd.DataFrame:
        skipped = dict(part.skipped)
        if book is not None:
            for n, why in book.yielded(part.campaign_id).items():
                skipped[n] = (ALREADY_CALLED, why)
        return build_results(
            self._rows_of(part),
            batches,
            not_sent_reason=reason,
            answered=answered,
            skipped=skipped,
        )

    def _finish(
        self,
        pieces: list[tuple[Part, pd.DataFrame]],
        book: j.Journal | None,
        notes: list[str] | None,
    ) -> pd.DataFrame:
        everything: list[tuple[Part | None, pd.DataFrame]] = list(pieces)
        rest = _rest(self)
        if len(rest):
            everything.append((None, build_results(self.prepared.iloc[rest], [])))
        results = self._assemble(everything)
        results.attrs.update(self._attrs(book))
        if notes is not None:
            results.attrs["notices"] = notes
        return results

    def _send(self, book: j.Journal, options: Options) -> pd.DataFrame:
        notes: list[str] = []
        pieces: list[tuple[Part, pd.DataFrame]] = []
        stop: Outcome | None = None
        journal_error: JournalError | None = None
        for part in self.parts:
            if stop is not None or journal_error is not None:
                why = not_sent_reason(stop.stop_cause if stop else None,
                                      stop.interrupted if stop else False)
                pieces.append((part, self._results_of(part, None, [], {}, why)))
                continue
            try:
                results, outcome = self._send_part(book, part, options, notes)
            except JournalError as err:
                if err.results is None and not pieces:
                    raise
                journal_error = err
                pieces.append((part, err.results if err.results is not None else
                               self._results_of(part, None, [], {}, "not sent")))
                continue
            pieces.append((part, results))
            if outcome.stop_cause is not None or outcome.interrupted or outcome.unexpected:
                stop = outcome
        results = self._finish(pieces, book, notes)
        if journal_error is not None:
            raise JournalError(str(journal_error), results=results) from None
        if stop is not None and stop.unexpected is not None:
            raise stop.unexpected
        if stop is not None and stop.interrupted:
            raise SendInterrupted(
                "the send was interrupted: no new batch was started, in-flight ones were "
                "recorded; run the same send again to resume. The partial results are in "
                "err.results.",
                results=results,
            )
        if stop is not None and stop.stop_cause is not None:
            counts_now = results["outcome"].value_counts()
            raise SendStopped(
                f"the send stopped: {stop.stop_cause}. {int(counts_now.get(SUBMITTED, 0))} "
                f"submitted, {int(counts_now.get(NOT_SENT, 0))} not sent. Fix the cause, then "
                "run the same send again: it resumes with the batches not yet sent. The "
                "results so far are in err.results.",
                results=results,
                cause=stop.stop_cause,
            )
        return results

    def _send_part(
        self, book: j.Journal, part: Part, options: Options, notes: list[str]
    ) -> tuple[pd.DataFrame, Outcome]:
        cid = part.campaign_id
        since = (
            None if self.repeat_after is None else time.time() - self.repeat_after.total_seconds()
        )
        claimed = book.claim(
            cid,
            label=self.campaign,
            account=part.account,
            message=part.message.fields(),
            numbers=list(part.now),
            batch_size=self.batch_size,
            since=since,
            allow_repeat=self.allow_repeat,
            allow_for=part.allow_for,
            resend_unknown=options.resend_unknown,
        )
        batches: list[j.Batch] = []
        try:
            late = [n for n in claimed.yielded if n not in part.skipped]
            if late:
                notice(
                    f"{len(late):,} number(s) of this plan were claimed by another send since "
                    "the plan was made: they are not called (already_called)",
                    notes,
                )
            if claimed.recovered_unknown:
                notice(
                    f"{claimed.recovered_unknown} batch(es) of this campaign were in flight when "
                    "an earlier send stopped: their outcome is unknown and they are not resent "
                    "(pass resend_unknown=True to resend them, at the risk of charging twice)",
                    notes,
                )
            if claimed.reset_unknown:
                notice(
                    f"resend_unknown=True: resending {claimed.reset_unknown} batch(es) whose "
                    "outcome was unknown",
                    notes,
                )
            batches = book.batches(cid)
            todo = [b for b in batches if b.state in (j.PENDING, j.FAILED) and b.numbers]
            if not claimed.created:
                when = _when(claimed.created_at)
                if not todo:
                    notice(
                        f"This campaign was sent already ({when}); no request made, results "
                        "are from the journal. Numbers it called are not called again by "
                        "another campaign of this account and audio (pass allow_repeat=True "
                        "to call them again).",
                        notes,
                    )
                else:
                    answered = sum(b.state == j.ANSWERED for b in batches)
                    notice(
                        f"Resuming the campaign started {when}: {answered} of {len(batches)} "
                        f"batches answered already; sending the {len(todo)} not yet sent.",
                        notes,
                    )
            outcome = drive(self.client, part.message, book, cid, todo, options)
        finally:
            book.release(cid)
        reason = not_sent_reason(outcome.stop_cause, outcome.interrupted)
        try:
            if outcome.journal_error is not None:
                raise outcome.journal_error
            recorded = read_back(book, cid, outcome.answered)
            return self._results_of(part, book, recorded, outcome.answered, reason), outcome
        except JournalError as err:
            known = {b.batch_no: b for b in batches}
            known.update(outcome.mirror)
            mirror = [known[k] for k in sorted(known)]
            skipped = dict(part.skipped)
            skipped.update({n: (ALREADY_CALLED, why) for n, why in claimed.yielded.items()})
            results = build_results(
                self._rows_of(part),
                mirror,
                not_sent_reason=reason,
                answered=outcome.answered,
                skipped=skipped,
            )
            sent = any(b.state != j.PENDING for b in mirror)
            raise JournalError(
                f"{err} The send stopped; what was sent and answered is in err.results"
                if sent
                else str(err),
                results=results if sent else None,
            ) from None


def _fields(message: VoiceMessage) -> dict[str, Any]:
    return {
        "app_id": message.app_id,
        "file_id": message.file_id,
        "display_num": message.display_num,
        "max_duration": message.max_duration,
        "loop_count": message.loop_count,
        "called_info": message.called_info,
    }


def _rest(plan: SendPlan) -> np.ndarray:
    """Rows no part answers for (a segment with no message): all of them refused."""
    if len(plan.parts) == 1 and len(plan.parts[0].rows) == plan.rows:
        return np.empty(0, dtype=np.int64)
    covered = np.zeros(plan.rows, dtype=bool)
    for part in plan.parts:
        covered[part.rows] = True
    return np.flatnonzero(~covered)


__all__ = ["DEFAULT_JOURNAL", "DefaultJournal", "Part", "SendPlan", "resolve_journal"]
